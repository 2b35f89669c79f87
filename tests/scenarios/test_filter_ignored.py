"""``filter-ignored``: unsupported filters are silently ignored and every user comes back."""

from __future__ import annotations

import pytest

from tests.helpers import SEARCH, minimal_user
from tests.http.conftest import Fake

pytestmark = pytest.mark.scenario("filter-ignored")

EMAILS = ("alice@example.com", "bob@example.com", "carol@example.com")


@pytest.fixture
def three_users(scenario_fake: Fake) -> Fake:
    for email in EMAILS:
        scenario_fake.post("/scim/v2/Users", json=minimal_user(email, externalId=email.split("@")[0]))
    return scenario_fake


@pytest.mark.parametrize(
    "text",
    ['externalId eq "bob"', 'displayName eq "Bob"', 'userName co "bob"', "userName eq bob"],
)
def test_an_unsupported_filter_returns_every_user(three_users: Fake, text: str) -> None:
    listed = three_users.get("/scim/v2/Users", params={"filter": text})
    searched = three_users.post("/scim/v2/Users/.search", json={"schemas": [SEARCH], "filter": text})

    for response in (listed, searched):
        assert response.status_code == 200
        body = response.json()
        assert body["totalResults"] == 3
        assert [u["userName"] for u in body["Resources"]] == list(EMAILS)


def test_a_client_taking_the_first_result_would_pick_the_wrong_user(three_users: Fake) -> None:
    first = three_users.get("/scim/v2/Users", params={"filter": 'externalId eq "carol"'}).json()["Resources"][
        0
    ]

    assert first["externalId"] == "alice"


def test_supported_filters_still_filter(three_users: Fake) -> None:
    response = three_users.get("/scim/v2/Users", params={"filter": 'userName eq "bob@example.com"'})

    assert response.json()["totalResults"] == 1


def test_pagination_applies_to_the_ignored_filter_s_result(three_users: Fake) -> None:
    response = three_users.get(
        "/scim/v2/Users", params={"filter": 'externalId eq "bob"', "startIndex": "2", "count": "1"}
    )

    assert (response.json()["totalResults"], response.json()["itemsPerPage"]) == (3, 1)
    assert response.json()["Resources"][0]["userName"] == "bob@example.com"
