"""``token-expiry``: access tokens expire on the third SCIM call; refreshing carries on."""

from __future__ import annotations

import pytest

from tests.http.conftest import Fake
from tests.scenarios.support import login, scim, scim_error, token_request

pytestmark = pytest.mark.scenario("token-expiry")

EXPIRED = scim_error(401, "Access token expired")


def test_the_third_scim_call_meets_an_expired_token_whatever_the_clock(scenario_fake: Fake) -> None:
    token = login(scenario_fake)["access_token"]
    before = scenario_fake.clock.now()

    statuses = [scim(scenario_fake, "GET", "/Users", token).status_code for _ in range(3)]

    assert statuses == [200, 200, 401]
    assert scim(scenario_fake, "GET", "/Users", token).json() == EXPIRED
    assert scenario_fake.clock.now() == before


def test_a_client_that_refreshes_carries_on_and_the_required_step_fires(scenario_fake: Fake) -> None:
    issued = login(scenario_fake)
    for _ in range(3):
        scim(scenario_fake, "GET", "/Users", issued["access_token"])

    refreshed = token_request(
        scenario_fake, grant_type="refresh_token", refresh_token=issued["refresh_token"]
    )
    token = refreshed.json()["access_token"]

    assert refreshed.status_code == 200
    assert [scim(scenario_fake, "GET", "/Users", token).status_code for _ in range(5)] == [200] * 5
    assert scenario_fake.state.scenarios.get("token-expiry").state == "refreshed"
    assert scenario_fake.state.scenarios.unfired_required() == {}


def test_a_client_that_does_not_refresh_keeps_getting_401_and_the_required_step_never_fires(
    scenario_fake: Fake,
) -> None:
    token = login(scenario_fake)["access_token"]

    answers = [scim(scenario_fake, "GET", "/Users", token) for _ in range(6)]

    assert [a.status_code for a in answers] == [200, 200, 401, 401, 401, 401]
    assert all(a.json() == EXPIRED for a in answers[2:])
    assert scenario_fake.state.scenarios.unfired_required() == {"token-expiry": ["refresh"]}


def test_a_client_with_a_long_lived_token_cannot_recover(scenario_fake: Fake) -> None:
    statuses = [scenario_fake.get("/scim/v2/Users").status_code for _ in range(4)]

    assert statuses == [200, 200, 401, 401]


def test_resetting_the_scenario_lets_the_next_sync_meet_the_expiry_again(scenario_fake: Fake) -> None:
    issued = login(scenario_fake)
    for _ in range(3):
        scim(scenario_fake, "GET", "/Users", issued["access_token"])
    token = token_request(
        scenario_fake, grant_type="refresh_token", refresh_token=issued["refresh_token"]
    ).json()["access_token"]

    scenario_fake.state.scenarios.reset("token-expiry")

    assert [scim(scenario_fake, "GET", "/Users", token).status_code for _ in range(3)] == [200, 200, 401]
