"""``no-available-licence``: creating a user fails, for want of an unassigned extension."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from mockrc.mock import MockRingCentral
from mockrc.resources import fixture
from tests.helpers import minimal_user, patch
from tests.http.conftest import Fake
from tests.scenarios.support import activate, scim_error

NO_EXTENSION = scim_error(
    403,
    "Unable to create the user: the account has no unassigned extension left"
    " (a user needs one; deleting a user frees one)",
)


def test_creating_a_user_answers_403_and_creates_nothing(fake: Fake) -> None:
    activate(fake, "no-available-licence")

    response = fake.post("/scim/v2/Users", json=minimal_user("a@example.com"))

    assert response.status_code == 403
    assert response.json() == NO_EXTENSION
    assert fake.get("/scim/v2/Users").json()["totalResults"] == 0


def test_reads_updates_and_deletes_of_existing_users_work(fake: Fake) -> None:
    user_id = fake.post("/scim/v2/Users", json=minimal_user("a@example.com")).json()["id"]
    activate(fake, "no-available-licence")

    assert fake.get(f"/scim/v2/Users/{user_id}").status_code == 200
    assert (
        fake.patch(
            f"/scim/v2/Users/{user_id}", json=patch({"op": "replace", "path": "title", "value": "x"})
        ).status_code
        == 200
    )
    assert fake.delete(f"/scim/v2/Users/{user_id}").status_code == 204
    assert fake.post("/scim/v2/Users", json=minimal_user("b@example.com")).status_code == 403


def test_an_invalid_user_is_still_answered_400_first(fake: Fake) -> None:
    activate(fake, "no-available-licence")

    response = fake.post("/scim/v2/Users", json={"userName": "a@example.com"})

    assert response.status_code == 400


def test_an_account_file_sets_the_licences_left_and_a_delete_frees_one(tmp_path: Path) -> None:
    document = json.loads(fixture("accounts", "default.json").read_text(encoding="utf-8"))
    document["unassignedExtensions"] = 1
    account = tmp_path / "one-licence.json"
    account.write_text(json.dumps(document), encoding="utf-8")

    with MockRingCentral(account=str(account)) as rc:
        users = f"{rc.base_url}/scim/v2/Users"
        first = requests.post(users, json=minimal_user("a@example.com"), headers=rc.auth_headers, timeout=10)
        second = requests.post(users, json=minimal_user("b@example.com"), headers=rc.auth_headers, timeout=10)
        requests.delete(f"{users}/{first.json()['id']}", headers=rc.auth_headers, timeout=10)
        third = requests.post(users, json=minimal_user("b@example.com"), headers=rc.auth_headers, timeout=10)

    assert [first.status_code, second.status_code, third.status_code] == [201, 403, 201]
    assert second.json() == NO_EXTENSION
