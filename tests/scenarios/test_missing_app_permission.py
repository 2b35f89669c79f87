"""``missing-app-permission``: the app lacks EditAccounts: reads work, writes answer 403 CMN-401."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import SEARCH, minimal_user, patch
from tests.http.conftest import Fake
from tests.scenarios.support import activate, login, scim, scim_error

NO_EDIT = "In order to call this API endpoint, application needs to have [EditAccounts] permission"


@pytest.fixture
def existing(fake: Fake) -> tuple[Fake, str]:
    """A fake with one user, created before the scenario; and a token."""
    user_id = fake.post("/scim/v2/Users", json=minimal_user("a@example.com")).json()["id"]
    activate(fake, "missing-app-permission")
    return fake, user_id


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/Users"), ("GET", "/Users/{id}"), ("GET", "/Schemas"), ("POST", "/Users/.search")],
)
def test_reads_work(existing: tuple[Fake, str], method: str, path: str) -> None:
    fake, user_id = existing
    token = login(fake)["access_token"]

    response = scim(fake, method, path.format(id=user_id), token, json={"schemas": [SEARCH]})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/Users", minimal_user("b@example.com")),
        ("PUT", "/Users/{id}", minimal_user("a@example.com")),
        ("PATCH", "/Users/{id}", patch({"op": "replace", "path": "title", "value": "Boss"})),
        ("DELETE", "/Users/{id}", None),
    ],
)
def test_writes_answer_403_cmn_401(existing: tuple[Fake, str], method: str, path: str, body: object) -> None:
    fake, user_id = existing
    token = login(fake)["access_token"]

    response = scim(fake, method, path.format(id=user_id), token, json=body)

    assert response.status_code == 403
    assert response.json() == scim_error(403, NO_EDIT)
    assert fake.state.users.get(user_id).attributes.get("title") is None
    assert fake.state.users.search(None).total == 1


def test_in_the_rest_shape_the_gateway_names_the_permission(existing: tuple[Fake, str]) -> None:
    fake, _ = existing
    fake.state.settings = dataclasses.replace(fake.state.settings, auth_error_shape="rest")

    response = scim(fake, "POST", "/Users", login(fake)["access_token"], json=minimal_user("b@example.com"))

    assert response.status_code == 403
    assert response.json() == {
        "errorCode": "InsufficientPermissions",
        "message": NO_EDIT,
        "errors": [{"errorCode": "CMN-401", "message": NO_EDIT, "permissionName": "EditAccounts"}],
        "permissionName": "EditAccounts",
    }
