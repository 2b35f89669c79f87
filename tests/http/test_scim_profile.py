"""The generic ``scim`` profile: the full RFC 7643 User and the full RFC 7644 filter language."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import CORE
from tests.http.conftest import Fake

pytestmark = pytest.mark.profile("scim")


def create(fake: Fake, user_name: str, **extra: object) -> dict:
    response = fake.post("/scim/v2/Users", json={"schemas": [CORE], "userName": user_name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_only_user_name_is_required_and_ids_are_uuids(fake: Fake) -> None:
    user = create(fake, "bjensen")

    assert uuid.UUID(user["id"])
    assert user["userName"] == "bjensen"
    assert "active" not in user  # no RingCentral default here


def test_rfc7643_full_user_round_trips_and_password_is_never_returned(fake: Fake) -> None:
    user = create(
        fake,
        "bjensen@example.com",
        name={"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara"},
        displayName="Babs Jensen",
        nickName="Babs",
        emails=[{"value": "bjensen@example.com", "type": "work", "primary": True}],
        password="t1meMa$heen",
    )

    assert user["displayName"] == "Babs Jensen"
    assert user["emails"][0]["primary"] is True
    assert "password" not in user
    assert "password" not in fake.get(f"/scim/v2/Users/{user['id']}").json()


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ('userName sw "b"', ["bjensen", "bob"]),
        ('userName co "jen"', ["bjensen"]),
        ('userName ew "OB"', ["bob"]),
        ('displayName eq "Bob"', ["bob"]),
        ('userName eq "bob" or userName eq "carol"', ["bob", "carol"]),
        ('not (userName eq "bob")', ["bjensen", "carol"]),
        ("title pr", ["carol"]),
        ('emails[type eq "work" and value co "@example.com"]', ["bjensen"]),
        ('userName ne "bob" and displayName pr', ["bjensen"]),
    ],
)
def test_every_filter_operator_works(fake: Fake, filter_text: str, expected: list[str]) -> None:
    create(fake, "bjensen", displayName="Babs", emails=[{"type": "work", "value": "bjensen@example.com"}])
    create(fake, "bob", displayName="Bob")
    create(fake, "carol", title="CTO")

    response = fake.get("/scim/v2/Users", params={"filter": filter_text})

    assert response.status_code == 200, response.text
    assert [u["userName"] for u in response.json()["Resources"]] == expected


def test_filter_on_an_undefined_attribute_is_invalid(fake: Fake) -> None:
    response = fake.get("/scim/v2/Users", params={"filter": 'shoeSize eq "9"'})

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert "shoeSize" in response.json()["detail"]


def test_external_id_is_case_exact(fake: Fake) -> None:
    create(fake, "bjensen", externalId="AbC")

    assert fake.get("/scim/v2/Users", params={"filter": 'externalId eq "AbC"'}).json()["totalResults"] == 1
    assert fake.get("/scim/v2/Users", params={"filter": 'externalId eq "abc"'}).json()["totalResults"] == 0


def test_attributes_parameter_returns_only_what_was_asked_plus_id(fake: Fake) -> None:
    user = create(fake, "bjensen", displayName="Babs", name={"givenName": "Barbara", "familyName": "Jensen"})

    response = fake.get(f"/scim/v2/Users/{user['id']}", params={"attributes": "displayName,name.givenName"})

    assert response.json() == {
        "schemas": [CORE],
        "id": user["id"],
        "displayName": "Babs",
        "name": {"givenName": "Barbara"},
    }


def test_excluded_attributes_parameter_removes_them_but_never_id(fake: Fake) -> None:
    create(fake, "bjensen", displayName="Babs", title="Boss")

    listed = fake.get("/scim/v2/Users", params={"excludedAttributes": "displayName,id"}).json()

    resource = listed["Resources"][0]
    assert "displayName" not in resource
    assert resource["id"] and resource["title"] == "Boss"


def test_search_at_the_root_searches_users(fake: Fake) -> None:
    create(fake, "bjensen")
    create(fake, "bob")

    response = fake.post(
        "/scim/v2/.search",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName sw "bj"',
            "attributes": ["userName"],
        },
    )

    assert response.status_code == 200, response.text
    assert [r["userName"] for r in response.json()["Resources"]] == ["bjensen"]
    assert set(response.json()["Resources"][0]) == {"schemas", "id", "userName"}
