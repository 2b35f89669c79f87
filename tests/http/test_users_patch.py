"""PATCH /Users/{id} with the shapes Microsoft Entra really sends (entra-provisioning.md §4)."""

from __future__ import annotations

from tests.helpers import ENTERPRISE, ERROR, entra_user, minimal_user, patch
from tests.http.conftest import Fake


def create(fake: Fake, body: dict) -> dict:
    response = fake.post("/scim/v2/Users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_one_replace_per_attribute_as_entra_sends_by_default(fake: Fake) -> None:
    user = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{user['id']}",
        json=patch(
            {"op": "Replace", "path": "name.givenName", "value": "Alicia"},
            {"op": "Replace", "path": "title", "value": "VP Sales"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Revenue"},
            {"op": "Replace", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+16505550199"},
        ),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == {"familyName": "Smith", "givenName": "Alicia"}
    assert body["title"] == "VP Sales"
    assert body[ENTERPRISE] == {"department": "Revenue"}
    assert body["phoneNumbers"] == [{"type": "mobile", "value": "+16505550199"}]
    assert fake.get(f"/scim/v2/Users/{user['id']}").json() == body


def test_pathless_replace_with_path_keys_never_stores_a_dotted_key(fake: Fake) -> None:
    user = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{user['id']}",
        json=patch(
            {
                "op": "replace",
                "value": {"name.givenName": "Ally", f"{ENTERPRISE}:department": "Support", "active": False},
            }
        ),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"]["givenName"] == "Ally"
    assert body[ENTERPRISE]["department"] == "Support"
    assert body["active"] is False
    assert "name.givenName" not in body


def test_several_adds_build_one_work_address(fake: Fake) -> None:
    user = create(fake, minimal_user("dan@example.com"))

    response = fake.patch(
        f"/scim/v2/Users/{user['id']}",
        json=patch(
            {"op": "Add", "path": 'addresses[type eq "work"].locality', "value": "Belmont"},
            {"op": "Add", "path": 'addresses[type eq "work"].postalCode', "value": "94002"},
            {"op": "Add", "path": 'addresses[type eq "work"].country', "value": "US"},
        ),
    )

    assert response.status_code == 200, response.text
    assert response.json()["addresses"] == [
        {"type": "work", "locality": "Belmont", "postalCode": "94002", "country": "US"}
    ]


def test_add_on_the_existing_work_email_replaces_it(fake: Fake) -> None:
    user = create(fake, minimal_user("erin@example.com"))

    response = fake.patch(
        f"/scim/v2/Users/{user['id']}",
        json=patch(
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": "erin.new@example.com"},
            {"op": "Replace", "path": "userName", "value": "erin.new@example.com"},
        ),
    )

    assert response.status_code == 200, response.text
    assert response.json()["emails"] == [{"type": "work", "value": "erin.new@example.com"}]
    found = fake.get("/scim/v2/Users", params={"filter": 'email eq "erin.new@example.com"'}).json()
    assert found["totalResults"] == 1
    gone = fake.get("/scim/v2/Users", params={"filter": 'email eq "erin@example.com"'}).json()
    assert gone["totalResults"] == 0


def test_remove_of_an_attribute(fake: Fake) -> None:
    user = create(fake, entra_user())

    response = fake.patch(f"/scim/v2/Users/{user['id']}", json=patch({"op": "remove", "path": "title"}))

    assert response.status_code == 200
    assert "title" not in response.json()


def test_remove_of_a_filter_that_selects_nothing_answers_no_target(fake: Fake) -> None:
    user = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{user['id']}",
        json=patch({"op": "remove", "path": 'phoneNumbers[type eq "work"]'}),
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "noTarget"


def test_patch_body_that_is_not_a_patch_op_answers_400_with_pointer(fake: Fake) -> None:
    user = create(fake, entra_user())

    response = fake.patch(f"/scim/v2/Users/{user['id']}", json={"Operations": [{"path": "title"}]})

    assert response.status_code == 400
    error = response.json()
    assert error["schemas"] == [ERROR]
    assert "schemas" in error["detail"] and "/Operations/0" in error["detail"]


def test_patch_of_unknown_user_answers_404(fake: Fake) -> None:
    response = fake.patch(
        "/scim/v2/Users/424242", json=patch({"op": "replace", "path": "title", "value": "x"})
    )

    assert response.status_code == 404


def test_patch_of_unknown_attribute_answers_invalid_path(fake: Fake) -> None:
    user = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{user['id']}", json=patch({"op": "replace", "path": "nickName", "value": "Al"})
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidPath"
    assert "nickName" in response.json()["detail"]


def test_a_patch_the_engine_refuses_is_recorded_as_a_contract_violation(fake: Fake) -> None:
    user = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{user['id']}", json=patch({"op": "remove", "path": 'emails[type eq "home"]'})
    )

    assert response.status_code == 400
    (recorded,) = fake.state.journal.violations(rule="scim.no-target")
    assert recorded.violation.severity == "error"
    assert "Operations[0]" in recorded.violation.message
