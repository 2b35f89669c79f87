"""Listing, filtering and paginating Users (RFC 7644 §3.4.2) with RingCentral's filter rules."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import LIST, SEARCH, minimal_user
from tests.http.conftest import Fake


def seed(fake: Fake, count: int) -> list[dict]:
    users = []
    for n in range(count):
        response = fake.post("/scim/v2/Users", json=minimal_user(f"user{n:03d}@Example.com"))
        assert response.status_code == 201, response.text
        users.append(response.json())
    return users


def test_entra_test_connection_gets_an_empty_list_response(fake: Fake) -> None:
    seed(fake, 2)
    guid = uuid.uuid4()

    # Entra sends the filter form-encoded, with '+' for spaces.
    response = fake.get(f"/scim/v2/Users?filter=userName+eq+%22{guid}%22")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/scim+json"
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


@pytest.mark.parametrize(
    "filter_text",
    [
        'userName eq "user001@example.com"',
        'USERNAME EQ "USER001@EXAMPLE.COM"',
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "user001@example.com"',
        'email eq "user001@example.com"',
        'emails eq "user001@example.com"',
        'emails.value eq "user001@example.com"',
        'emails[type eq "work"].value eq "user001@example.com"',
        'Emails[Type Eq "work"].Value eq "User001@Example.com"',
    ],
)
def test_ringcentral_filters_find_the_user_case_insensitively(fake: Fake, filter_text: str) -> None:
    users = seed(fake, 3)

    response = fake.get("/scim/v2/Users", params={"filter": filter_text})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalResults"] == 1
    assert body["Resources"] == [users[1]]


def test_filter_with_percent_20_spaces_works(fake: Fake) -> None:
    seed(fake, 2)

    response = fake.get("/scim/v2/Users?filter=userName%20eq%20%22user000%40example.com%22")

    assert response.json()["totalResults"] == 1


@pytest.mark.parametrize(
    ("filter_text", "named"),
    [
        ('externalId eq "abc"', "externalId"),
        ('displayName eq "Alice"', "displayName"),
        ('userName co "example"', "co"),
        ('userName sw "user"', "sw"),
        ('userName eq "a@example.com" or userName eq "b@example.com"', "or"),
        ('userName eq "a@example.com" and active eq true', "and"),
        ("active eq true", "active"),
    ],
)
def test_filters_ringcentral_cannot_run_answer_invalid_filter_naming_what(
    fake: Fake, filter_text: str, named: str
) -> None:
    response = fake.get("/scim/v2/Users", params={"filter": filter_text})

    assert response.status_code == 400
    error = response.json()
    assert error["scimType"] == "invalidFilter"
    assert named in error["detail"]
    assert any(r.violation.pointer == "?filter" for r in fake.state.journal.violations())


@pytest.mark.parametrize(
    "filter_text", ["userName eq john@example.com", 'userName eq "unterminated', 'userName "x"', "(userName"]
)
def test_malformed_filter_answers_invalid_filter_saying_where(fake: Fake, filter_text: str) -> None:
    response = fake.get("/scim/v2/Users", params={"filter": filter_text})

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert "position" in response.json()["detail"]


def test_pagination_is_one_based_and_total_counts_every_match(fake: Fake) -> None:
    users = seed(fake, 5)

    page = fake.get("/scim/v2/Users", params={"startIndex": 2, "count": 2}).json()

    assert page["totalResults"] == 5
    assert page["startIndex"] == 2
    assert page["itemsPerPage"] == 2
    assert page["Resources"] == users[1:3]


def test_start_index_below_one_means_one(fake: Fake) -> None:
    users = seed(fake, 2)

    page = fake.get("/scim/v2/Users", params={"startIndex": 0}).json()

    assert page["startIndex"] == 1
    assert page["Resources"] == users


def test_count_zero_returns_no_resources_but_the_true_total(fake: Fake) -> None:
    seed(fake, 3)

    page = fake.get("/scim/v2/Users", params={"count": 0}).json()

    assert page["totalResults"] == 3
    assert page["itemsPerPage"] == 0
    assert page["Resources"] == []


def test_count_defaults_to_100(fake: Fake) -> None:
    seed(fake, 101)

    page = fake.get("/scim/v2/Users").json()

    assert page["totalResults"] == 101
    assert page["itemsPerPage"] == 100


def test_start_index_past_the_end_gives_an_empty_page(fake: Fake) -> None:
    seed(fake, 2)

    page = fake.get("/scim/v2/Users", params={"startIndex": 10}).json()

    assert page["totalResults"] == 2
    assert page["Resources"] == []


@pytest.mark.parametrize("param", ["count", "startIndex"])
def test_non_integer_paging_parameter_answers_400_invalid_value(fake: Fake, param: str) -> None:
    response = fake.get("/scim/v2/Users", params={param: "ten"})

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert param in response.json()["detail"]


def test_unknown_query_parameters_are_ignored(fake: Fake) -> None:
    seed(fake, 1)

    response = fake.get("/scim/v2/Users?aadOptscim062020&filter=userName+eq+%22user000%40example.com%22")

    assert response.status_code == 200
    assert response.json()["totalResults"] == 1


def test_search_via_post(fake: Fake) -> None:
    users = seed(fake, 3)

    response = fake.post(
        "/scim/v2/Users/.search",
        json={"schemas": [SEARCH], "filter": 'emails eq "user002@example.com"', "startIndex": 1, "count": 10},
    )

    assert response.status_code == 200, response.text
    assert response.json()["Resources"] == [users[2]]


def test_search_with_a_bad_body_answers_400(fake: Fake) -> None:
    response = fake.post("/scim/v2/Users/.search", json={"schemas": ["wrong"], "count": "many"})

    assert response.status_code == 400
    assert response.json()["scimType"] in {"invalidSyntax", "invalidValue"}


def test_ringcentral_ignores_the_attributes_parameter_and_root_search(fake: Fake) -> None:
    users = seed(fake, 1)

    projected = fake.get(f"/scim/v2/Users/{users[0]['id']}", params={"attributes": "userName"})
    root = fake.post("/scim/v2/.search", json={"schemas": [SEARCH]})

    assert projected.json() == users[0]
    assert root.status_code == 404


def test_search_members_ringcentral_does_not_have_are_ignored_and_recorded(fake: Fake) -> None:
    users = seed(fake, 1)

    response = fake.post(
        "/scim/v2/Users/.search",
        json={"schemas": [SEARCH], "attributes": ["userName"], "sortBy": "userName"},
    )

    assert response.json()["Resources"] == users
    recorded = fake.state.journal.violations(rule="ringcentral.search-parameter-ignored")
    assert sorted(r.violation.pointer for r in recorded) == ["/attributes", "/sortBy"]
    assert {r.violation.severity for r in recorded} == {"warning"}
