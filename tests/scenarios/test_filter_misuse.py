"""``filter-misuse``: filters RingCentral cannot run answer 400 invalidFilter and are recorded."""

from __future__ import annotations

import pytest

from tests.helpers import SEARCH, minimal_user
from tests.http.conftest import Fake
from tests.scenarios.support import activate, scim_error

UNSUPPORTED = "RingCentral supports only 'userName eq' and 'email eq' filters: "

MISUSES = [
    ('externalId eq "alice"', 'attribute "externalId" is not supported', "ringcentral.filter-unsupported"),
    ('displayName eq "Alice"', 'attribute "displayName" is not supported', "ringcentral.filter-unsupported"),
    ('userName co "alice"', 'operator "co" is not supported', "ringcentral.filter-unsupported"),
    ('userName sw "alice"', 'operator "sw" is not supported', "ringcentral.filter-unsupported"),
    (
        'userName eq "a@example.com" or userName eq "b@example.com"',
        'logical operator "or" is not supported',
        "ringcentral.filter-unsupported",
    ),
]


@pytest.mark.scenario("filter-misuse")
@pytest.mark.parametrize(("text", "reason", "rule"), MISUSES, ids=[m[1] for m in MISUSES])
def test_an_unsupported_filter_answers_400_naming_what_is_unsupported(
    scenario_fake: Fake, text: str, reason: str, rule: str
) -> None:
    listed = scenario_fake.get("/scim/v2/Users", params={"filter": text})
    searched = scenario_fake.post("/scim/v2/Users/.search", json={"schemas": [SEARCH], "filter": text})

    for response in (listed, searched):
        assert response.status_code == 400
        assert response.json() == scim_error(400, UNSUPPORTED + reason, "invalidFilter")
    recorded = scenario_fake.state.journal.violations(rule=rule)
    assert [(v.entry.method, v.violation.pointer, v.violation.severity) for v in recorded] == [
        ("GET", "?filter", "error"),
        ("POST", "?filter", "error"),
    ]


@pytest.mark.scenario("filter-misuse")
def test_an_unquoted_value_is_a_syntax_error_that_says_where(scenario_fake: Fake) -> None:
    response = scenario_fake.get("/scim/v2/Users", params={"filter": "userName eq alice"})

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert "at position 12" in response.json()["detail"]
    assert "string values must be quoted" in response.json()["detail"]
    assert [v.violation.rule for v in scenario_fake.state.journal.violations()] == ["filter.syntax"]


@pytest.mark.scenario("filter-misuse")
def test_supported_filters_still_find_their_user_and_the_steps_count_filtered_queries(
    scenario_fake: Fake,
) -> None:
    scenario_fake.post("/scim/v2/Users", json=minimal_user("a@example.com"))
    scenario_fake.post("/scim/v2/Users", json=minimal_user("b@example.com"))

    found = scenario_fake.get("/scim/v2/Users", params={"filter": 'userName eq "A@example.com"'})
    scenario_fake.get("/scim/v2/Users")

    assert found.json()["totalResults"] == 1
    steps = scenario_fake.state.scenarios.get("filter-misuse").describe()["steps"]
    assert [(s["id"], s["fired"]) for s in steps] == [("filter-in-query", 1), ("filter-in-search", 0)]
    assert scenario_fake.state.journal.violations(severity="error") == []


def test_activated_after_filter_ignored_it_puts_ringcentral_s_refusal_back(fake: Fake) -> None:
    activate(fake, "filter-ignored")
    activate(fake, "filter-misuse")

    response = fake.get("/scim/v2/Users", params={"filter": 'externalId eq "alice"'})

    assert response.status_code == 400
    assert fake.state.scenarios.get("filter-ignored").describe()["steps"][0]["fired"] == 1
