"""``slow-responses``: added latency; with a FakeClock the clock moves instead of anyone waiting."""

from __future__ import annotations

import threading

import pytest
import requests

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.inprocess import InProcessTransport
from tests.helpers import SEARCH, minimal_user, patch
from tests.http.conftest import Fake
from tests.scenarios.support import JWT, token_request

pytestmark = pytest.mark.scenario("slow-responses")


def elapsed(fake: Fake, method: str, path: str, **kwargs: object) -> float:
    before = fake.clock.now()
    fake.request(method, path, **kwargs)  # type: ignore[arg-type]
    return fake.clock.now() - before


def test_scim_reads_take_two_seconds_writes_five(scenario_fake: Fake) -> None:
    user_id = scenario_fake.post("/scim/v2/Users", json=minimal_user("a@example.com")).json()["id"]

    assert elapsed(scenario_fake, "GET", "/scim/v2/Users") == 2
    assert elapsed(scenario_fake, "GET", f"/scim/v2/Users/{user_id}") == 2
    assert elapsed(scenario_fake, "POST", "/scim/v2/Users/.search", json={"schemas": [SEARCH]}) == 2
    assert elapsed(scenario_fake, "POST", "/scim/v2/Users", json=minimal_user("b@example.com")) == 5
    patched = elapsed(
        scenario_fake,
        "PATCH",
        f"/scim/v2/Users/{user_id}",
        json=patch({"op": "replace", "path": "title", "value": "x"}),
    )
    assert patched == 5
    assert elapsed(scenario_fake, "DELETE", f"/scim/v2/Users/{user_id}") == 5


def test_token_requests_take_one_second_and_other_paths_none(scenario_fake: Fake) -> None:
    before = scenario_fake.clock.now()
    token_request(scenario_fake, grant_type=JWT, assertion="mockrc-admin-jwt")
    signed_in = scenario_fake.clock.now()

    assert signed_in - before == 1
    assert elapsed(scenario_fake, "POST", "/restapi/oauth/revoke", data={"token": "x"}) == 0
    assert elapsed(scenario_fake, "GET", "/__mockrc/health") == 0


def test_the_answer_is_the_fake_s_own_and_the_time_shows_in_token_lifetimes(scenario_fake: Fake) -> None:
    issued = token_request(
        scenario_fake, grant_type=JWT, assertion="mockrc-admin-jwt", access_token_ttl="600"
    )
    token = issued.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    statuses = []
    for _ in range(301):  # 2 s each: the token's 600 s run out on the way
        statuses.append(
            scenario_fake.session.get(
                scenario_fake.url("/scim/v2/Users"), headers=headers, timeout=10
            ).status_code
        )

    assert statuses[0] == 200
    assert statuses[-1] == 401


class _LockProbe(FakeClock):
    """A FakeClock that notes, when asked to let time pass, whether another thread can take the lock."""

    def __init__(self) -> None:
        super().__init__()
        self.state: MockState | None = None
        self.lock_free_while_sleeping: list[bool] = []

    def sleep(self, seconds: float) -> None:
        assert self.state is not None
        took: list[bool] = []

        def other_request() -> None:
            took.append(self.state.lock.acquire(timeout=5))  # type: ignore[union-attr]
            if took[-1]:
                self.state.lock.release()  # type: ignore[union-attr]

        thread = threading.Thread(target=other_request)
        thread.start()
        thread.join()
        self.lock_free_while_sleeping.append(took == [True])
        super().sleep(seconds)


def test_the_delay_passes_outside_the_state_lock_so_other_requests_go_on() -> None:
    clock = _LockProbe()
    state = MockState(Settings(scenarios=("slow-responses",)), clock=clock)
    clock.state = state
    token = state.issue_admin_token()

    with InProcessTransport(create_app(state)):
        response = requests.get(
            "https://platform.ringcentral.com/scim/v2/Users",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    assert response.status_code == 200
    assert clock.lock_free_while_sleeping == [True]
