"""``rate-limited``: RingCentral's default per-user limits, 429 CMN-301, Retry-After and its penalty."""

from __future__ import annotations

import pytest
import requests

from mockrc.mock import MockRingCentral
from mockrc.ratelimit import RateLimits
from tests.helpers import minimal_user
from tests.http.conftest import Fake
from tests.scenarios.support import JWT, scim_error, token_request

pytestmark = pytest.mark.scenario("rate-limited")

RATE_EXCEEDED = "Request rate exceeded"


def create(fake: Fake, index: int) -> requests.Response:
    return fake.post("/scim/v2/Users", json=minimal_user(f"user{index}@example.com"))


def exhaust_heavy(fake: Fake) -> requests.Response:
    """Ten writes (Heavy: 10 per 60 s), then the eleventh, which is refused."""
    for index in range(10):
        assert create(fake, index).status_code == 201
    return create(fake, 10)


def test_every_answer_carries_the_rate_limit_headers_of_its_group(scenario_fake: Fake) -> None:
    listed = scenario_fake.get("/scim/v2/Users")
    created = create(scenario_fake, 0)
    unauthenticated = scenario_fake.session.get(scenario_fake.url("/scim/v2/Users"), timeout=10)

    assert {k: v for k, v in listed.headers.items() if k.startswith("X-Rate-Limit")} == {
        "X-Rate-Limit-Group": "light",
        "X-Rate-Limit-Limit": "50",
        "X-Rate-Limit-Remaining": "49",
        "X-Rate-Limit-Window": "60",
    }
    assert (created.headers["X-Rate-Limit-Group"], created.headers["X-Rate-Limit-Limit"]) == ("heavy", "10")
    assert created.headers["X-Rate-Limit-Remaining"] == "9"
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["X-Rate-Limit-Remaining"] == "49"  # no token: another caller
    assert "Retry-After" not in listed.headers


def test_the_eleventh_write_in_a_minute_answers_429_cmn_301_with_retry_after(scenario_fake: Fake) -> None:
    refused = exhaust_heavy(scenario_fake)

    assert refused.status_code == 429
    assert refused.json() == scim_error(429, RATE_EXCEEDED)
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert scenario_fake.state.users.search(None).total == 10
    assert scenario_fake.get("/scim/v2/Users").status_code == 200  # reads are Light, counted apart


def test_the_sixth_token_request_answers_429_in_the_rest_shape(scenario_fake: Fake) -> None:
    statuses = [
        token_request(scenario_fake, grant_type=JWT, assertion="mockrc-admin-jwt").status_code
        for _ in range(5)
    ]

    refused = token_request(scenario_fake, grant_type=JWT, assertion="mockrc-admin-jwt")

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert refused.json() == {
        "errorCode": "CMN-301",
        "message": RATE_EXCEEDED,
        "errors": [{"errorCode": "CMN-301", "message": RATE_EXCEEDED}],
    }
    assert (refused.headers["X-Rate-Limit-Group"], refused.headers["Retry-After"]) == ("auth", "60")


def test_a_client_that_honours_retry_after_gets_through_and_breaks_no_rule(scenario_fake: Fake) -> None:
    refused = exhaust_heavy(scenario_fake)
    scenario_fake.clock.advance(int(refused.headers["Retry-After"]))

    response = create(scenario_fake, 11)

    assert response.status_code == 201
    assert scenario_fake.state.journal.violations() == []


def test_a_request_during_the_penalty_restarts_it_and_is_recorded(scenario_fake: Fake) -> None:
    exhaust_heavy(scenario_fake)
    scenario_fake.clock.advance(10)

    impatient = create(scenario_fake, 11)
    scenario_fake.clock.advance(55)  # 65 s after the first refusal, 55 s after the restart
    still = create(scenario_fake, 12)
    scenario_fake.clock.advance(60)
    finally_ = create(scenario_fake, 13)

    assert (impatient.status_code, still.status_code, finally_.status_code) == (429, 429, 201)
    recorded = scenario_fake.state.journal.violations(rule="ringcentral.retry-after-ignored")
    assert [(v.entry.status, v.violation.pointer, v.violation.severity) for v in recorded] == [
        (429, "Retry-After", "error"),
        (429, "Retry-After", "error"),
    ]
    assert recorded[0].violation.message.startswith("sent 10 s into a 60 s rate-limit penalty")


def test_limits_count_per_user_and_app(scenario_fake: Fake) -> None:
    exhaust_heavy(scenario_fake)
    app_only = token_request(scenario_fake, grant_type="client_credentials", account_id="~").json()

    response = scenario_fake.session.post(
        scenario_fake.url("/scim/v2/Users"),
        json=minimal_user("other@example.com"),
        headers={"Authorization": f"Bearer {app_only['access_token']}"},
        timeout=10,
    )

    assert response.status_code == 201
    assert response.headers["X-Rate-Limit-Remaining"] == "9"


def test_mockrc_s_control_plane_is_never_limited(scenario_fake: Fake) -> None:
    responses = [scenario_fake.get("/__mockrc/health") for _ in range(60)]

    assert {r.status_code for r in responses} == {200}
    assert "X-Rate-Limit-Group" not in responses[-1].headers


def test_resetting_the_scenario_empties_its_counters(scenario_fake: Fake) -> None:
    exhaust_heavy(scenario_fake)

    scenario_fake.state.scenarios.reset("rate-limited")

    assert create(scenario_fake, 11).status_code == 201


@pytest.mark.scenario()
def test_limits_are_off_by_default(scenario_fake: Fake) -> None:
    responses = [create(scenario_fake, i) for i in range(15)]

    assert {r.status_code for r in responses} == {201}
    assert "X-Rate-Limit-Group" not in responses[0].headers


def test_limits_on_from_settings_with_overrides_entra_style() -> None:
    with MockRingCentral(rate_limits=RateLimits(light=300, heavy=2)) as rc:
        users = f"{rc.base_url}/scim/v2/Users"
        listed = requests.get(users, headers=rc.auth_headers, timeout=10)
        writes = [
            requests.post(users, json=minimal_user(f"u{i}@example.com"), headers=rc.auth_headers, timeout=10)
            for i in range(3)
        ]

    assert listed.headers["X-Rate-Limit-Limit"] == "300"
    assert [w.status_code for w in writes] == [201, 201, 429]
