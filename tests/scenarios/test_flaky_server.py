"""``flaky-server``: intermittent 503 with Retry-After, 500 and dropped connections, from a seed."""

from __future__ import annotations

import pytest
import requests

from mockrc.clock import FakeClock
from mockrc.scenarios.engine import ScenarioEngine
from mockrc.scenarios.loader import load_scenario
from mockrc.scenarios.matching import RequestView
from mockrc.scenarios.model import Fault, Respond
from tests.http.conftest import Fake
from tests.scenarios.support import JWT, scim_error, token_request

pytestmark = pytest.mark.scenario("flaky-server")

CALLS = 80


def expected_outcomes(calls: int = CALLS) -> list[str]:
    """What the scenario decides for ``calls`` SCIM requests in a row, straight from the engine."""
    engine = ScenarioEngine(FakeClock(), lambda name: None)
    engine.activate(load_scenario("flaky-server"))
    outcomes = []
    for _ in range(calls):
        answer = engine.handle(RequestView("GET", "/scim/v2/Users")).answer
        if isinstance(answer, Respond):
            outcomes.append(str(answer.status))
        elif isinstance(answer, Fault):
            outcomes.append(answer.kind)
        else:
            outcomes.append("fake")
    return outcomes


def observed_outcomes(fake: Fake, calls: int = CALLS) -> list[str]:
    outcomes = []
    for _ in range(calls):
        try:
            response = fake.get("/scim/v2/Users")
        except requests.ConnectionError:
            outcomes.append("drop")
        else:
            outcomes.append("fake" if response.status_code == 200 else str(response.status_code))
    return outcomes


def test_the_seed_gives_every_kind_of_failure_among_mostly_good_answers() -> None:
    outcomes = expected_outcomes()

    assert {"503", "500", "drop"} <= set(outcomes)
    assert outcomes.count("fake") > CALLS * 2 // 3


def test_the_failures_are_the_seed_s_through_either_transport_and_again_after_a_reset(
    scenario_fake: Fake,
) -> None:
    first = observed_outcomes(scenario_fake)
    scenario_fake.state.scenarios.reset("flaky-server")

    assert first == expected_outcomes()
    assert observed_outcomes(scenario_fake) == first


def test_a_503_says_when_to_retry_and_a_500_carries_the_body_ringcentral_was_seen_to_send(
    scenario_fake: Fake,
) -> None:
    outcomes = expected_outcomes()
    answers: dict[str, requests.Response] = {}
    for outcome in outcomes[: max(outcomes.index("503"), outcomes.index("500")) + 1]:
        try:
            response = scenario_fake.get("/scim/v2/Users")
        except requests.ConnectionError:
            continue
        answers[outcome] = response

    unavailable, failed = answers["503"], answers["500"]
    assert unavailable.json() == scim_error(503, "Service Unavailable")
    assert unavailable.headers["Retry-After"] == "5"
    assert unavailable.headers["Content-Type"] == "application/scim+json"
    assert failed.json() == scim_error(500, "null, Internal Server Error. Consult RC Support.")


def test_the_oauth_endpoints_stay_reliable(scenario_fake: Fake) -> None:
    statuses = [
        token_request(scenario_fake, grant_type=JWT, assertion="mockrc-admin-jwt").status_code
        for _ in range(30)
    ]

    assert statuses == [200] * 30
