"""Users CRUD through both transports, with RingCentral's rules (the default profile)."""

from __future__ import annotations

import pytest

from tests.helpers import CORE, ENTERPRISE, ERROR, entra_user, minimal_user, patch
from tests.http.conftest import Fake


def create(fake: Fake, body: dict) -> dict:
    response = fake.post("/scim/v2/Users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_answers_201_with_location_meta_and_every_value_as_sent(fake: Fake) -> None:
    body = entra_user()
    response = fake.post(
        "/scim/v2/Users", json=body, headers={"Content-Type": "application/scim+json; charset=utf-8"}
    )

    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "application/scim+json"
    user = response.json()
    assert user["id"].isdigit()  # RingCentral's ids are numeric extension ids, as strings
    assert response.headers["Location"] == user["meta"]["location"]
    assert user["meta"]["location"] == fake.url(f"/scim/v2/Users/{user['id']}")
    assert user["meta"]["resourceType"] == "User"
    assert user["meta"]["created"] == user["meta"]["lastModified"] == "2026-01-01T00:00:00.000Z"
    # Values come back exactly as sent: case kept, the phone number not reformatted.
    assert user["userName"] == "Alice.Smith@Contoso.com"
    assert user["phoneNumbers"] == [{"type": "mobile", "value": "+1 (650) 555-0100"}]
    assert user["addresses"] == body["addresses"]
    assert user["name"] == {"familyName": "Smith", "givenName": "Alice"}
    assert user[ENTERPRISE] == {"department": "Sales"}
    assert user["schemas"] == [CORE, ENTERPRISE]
    assert user["active"] is True and user["externalId"] == "alice" and user["title"] == "Sales Manager"


def test_create_records_what_it_ignored_from_entras_extras(fake: Fake) -> None:
    create(fake, entra_user())

    rules = {(v.pointer, v.rule, v.severity) for v in (r.violation for r in fake.state.journal.violations())}
    assert ("/meta", "schema.read-only-ignored", "warning") in rules
    assert ("/emails/0/primary", "schema.unknown-attribute", "warning") in rules


def test_created_user_is_returned_by_get(fake: Fake) -> None:
    created = create(fake, entra_user())

    response = fake.get(f"/scim/v2/Users/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


def test_active_defaults_to_false_as_ringcentral_documents(fake: Fake) -> None:
    user = create(fake, minimal_user("bob@example.com"))

    assert user["active"] is False


def test_user_name_must_equal_the_work_email(fake: Fake) -> None:
    body = minimal_user("bob@example.com", userName="robert@example.com")

    response = fake.post("/scim/v2/Users", json=body)

    assert response.status_code == 400
    error = response.json()
    assert error["schemas"] == [ERROR]
    assert error["status"] == "400"
    assert error["scimType"] == "invalidValue"
    assert "robert@example.com" in error["detail"] and "bob@example.com" in error["detail"]
    assert len(fake.state.users.store) == 0


def test_user_name_matches_the_work_email_case_insensitively(fake: Fake) -> None:
    user = create(fake, minimal_user("Bob@Example.com", userName="bob@example.COM"))

    assert user["userName"] == "bob@example.COM"


@pytest.mark.parametrize(
    ("first", "second"),
    [("dup@example.com", "DUP@example.com"), ("dup@example.com", "dup@example.com")],
)
def test_duplicate_user_name_answers_409_uniqueness(fake: Fake, first: str, second: str) -> None:
    create(fake, minimal_user(first))

    response = fake.post("/scim/v2/Users", json=minimal_user(second))

    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert response.json()["status"] == "409"
    assert len(fake.state.users.store) == 1


def test_invalid_body_reports_every_violation_with_its_pointer(fake: Fake) -> None:
    body = minimal_user("carol@example.com")
    body["emails"] = [{"type": "home", "value": "carol@example.com"}]
    body["phoneNumbers"] = [{"type": "pager", "value": "123"}]
    del body["name"]

    response = fake.post("/scim/v2/Users", json=body)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "/emails/0/type" in detail and "/phoneNumbers/0/type" in detail and "name" in detail
    pointers = {r.violation.pointer for r in fake.state.journal.violations(severity="error")}
    assert {"/emails/0/type", "/phoneNumbers/0/type"} <= pointers
    assert len(fake.state.users.store) == 0


def test_get_unknown_user_answers_scim_404(fake: Fake) -> None:
    response = fake.get("/scim/v2/Users/999")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/scim+json"
    assert response.json()["schemas"] == [ERROR]
    assert response.json()["status"] == "404"


def test_put_replaces_the_whole_user(fake: Fake) -> None:
    created = create(fake, entra_user())
    fake.clock.advance(60)
    replacement = minimal_user("Alice.Smith@Contoso.com", title="Director", active=True)

    response = fake.put(f"/scim/v2/Users/{created['id']}", json=replacement)

    assert response.status_code == 200, response.text
    user = response.json()
    assert user["title"] == "Director"
    assert "phoneNumbers" not in user and "addresses" not in user
    assert user["meta"]["created"] == created["meta"]["created"]
    assert user["meta"]["lastModified"] == "2026-01-01T00:01:00.000Z"


def test_put_unknown_user_answers_404(fake: Fake) -> None:
    response = fake.put("/scim/v2/Users/12345", json=minimal_user("x@example.com"))

    assert response.status_code == 404


def test_entra_disable_with_string_false_is_stored_as_boolean(fake: Fake) -> None:
    created = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{created['id']}", json=patch({"op": "Replace", "path": "active", "value": "False"})
    )

    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    warnings = {r.violation.rule for r in fake.state.journal.violations(severity="warning")}
    assert {"compat.string-boolean", "compat.op-case"} <= warnings


def test_deactivated_user_stays_visible_to_get_and_filter(fake: Fake) -> None:
    created = create(fake, entra_user())
    fake.patch(
        f"/scim/v2/Users/{created['id']}", json=patch({"op": "replace", "path": "active", "value": False})
    )

    by_id = fake.get(f"/scim/v2/Users/{created['id']}")
    listed = fake.get("/scim/v2/Users", params={"filter": 'userName eq "alice.smith@contoso.com"'})

    assert by_id.json()["active"] is False
    assert listed.json()["totalResults"] == 1
    assert listed.json()["Resources"][0]["active"] is False


def test_patch_that_breaks_a_rule_changes_nothing(fake: Fake) -> None:
    created = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{created['id']}",
        json=patch({"op": "replace", "path": "userName", "value": "someone.else@contoso.com"}),
    )

    assert response.status_code == 400
    assert fake.get(f"/scim/v2/Users/{created['id']}").json() == created


def test_patch_of_read_only_id_answers_mutability(fake: Fake) -> None:
    created = create(fake, entra_user())

    response = fake.patch(
        f"/scim/v2/Users/{created['id']}", json=patch({"op": "replace", "path": "id", "value": "1"})
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "mutability"


def test_delete_answers_204_and_the_user_is_gone(fake: Fake) -> None:
    created = create(fake, entra_user())

    response = fake.delete(f"/scim/v2/Users/{created['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert fake.get(f"/scim/v2/Users/{created['id']}").status_code == 404
    assert fake.delete(f"/scim/v2/Users/{created['id']}").status_code == 404


def test_deleted_user_name_can_be_used_again(fake: Fake) -> None:
    created = create(fake, entra_user())
    fake.delete(f"/scim/v2/Users/{created['id']}")

    again = create(fake, entra_user())

    assert again["id"] != created["id"]


def test_after_a_reset_the_scim_endpoints_see_the_new_empty_state(fake: Fake) -> None:
    create(fake, entra_user())

    reset = fake.post("/__mockrc/reset", json={})
    fake.token = fake.state.issue_admin_token()  # a reset forgets every token too
    listed = fake.get("/scim/v2/Users").json()
    again = fake.post("/scim/v2/Users", json=entra_user())

    assert reset.status_code == 200
    assert listed["totalResults"] == 0
    assert again.status_code == 201
    assert len(fake.state.users.store) == 1
