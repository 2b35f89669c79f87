"""Isolation between accounts is a security property: with account A's credentials nothing of
account B can be read, changed or counted against, through both transports (issue 13).

B is a fresh account with a user; A is another fresh account (and, where it matters, the default
account too). Each test first shows that B's own credentials do reach what A's must not.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from tests.helpers import entra_user, patch
from tests.http.conftest import Fake
from tests.http.test_accounts import JSON, as_account, make

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def basic(account: dict[str, Any]) -> dict[str, str]:
    pair = f"{account['client']['id']}:{account['client']['secret']}".encode()
    return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}


def oauth(
    fake: Fake, path: str, form: dict[str, str], headers: dict[str, str] | None = None
) -> requests.Response:
    return fake.session.post(fake.url(f"/restapi/oauth/{path}"), data=form, headers=headers or {}, timeout=10)


def password_grant(fake: Fake, client: dict[str, Any], user: dict[str, Any]) -> requests.Response:
    form = {
        "grant_type": "password",
        "username": user["admin"]["username"],
        "password": user["admin"]["password"],
    }
    return oauth(fake, "token", form, basic(client))


@pytest.fixture
def two(fake: Fake) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Accounts A and B, and B's user (made with B's token)."""
    a, b = make(fake), make(fake)
    created = as_account(fake, b, "POST", "/scim/v2/Users", json=entra_user("bea@b.example"))
    assert created.status_code == 201
    return a, b, created.json()


def test_b_user_ids_are_unknown_to_a(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, user = two
    path = f"/scim/v2/Users/{user['id']}"
    assert as_account(fake, b, "GET", path).status_code == 200
    for token_of in (a, {"token": fake.token}):  # another fresh account, and the default one
        assert as_account(fake, token_of, "GET", path).status_code == 404
        assert as_account(fake, token_of, "PUT", path, json=entra_user("bea@b.example")).status_code == 404
        replace_name = patch({"op": "replace", "path": "active", "value": False})
        assert as_account(fake, token_of, "PATCH", path, json=replace_name).status_code == 404
        assert as_account(fake, token_of, "DELETE", path).status_code == 404
    # B's user is as it was.
    after = as_account(fake, b, "GET", path).json()
    assert after["active"] is True and after["userName"] == "bea@b.example"


def test_filters_and_search_find_nothing_of_b(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, _ = two
    query = {"filter": 'userName eq "bea@b.example"'}
    assert as_account(fake, b, "GET", "/scim/v2/Users", params=query).json()["totalResults"] == 1
    assert as_account(fake, a, "GET", "/scim/v2/Users", params=query).json()["totalResults"] == 0
    assert as_account(fake, a, "GET", "/scim/v2/Users").json()["totalResults"] == 0
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'emails.value eq "bea@b.example"',
    }
    assert as_account(fake, b, "POST", "/scim/v2/Users/.search", json=search).json()["totalResults"] == 1
    assert as_account(fake, a, "POST", "/scim/v2/Users/.search", json=search).json()["totalResults"] == 0


def test_uniqueness_is_per_account(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, _ = two
    # B refuses the userName twice; A takes it, and B still has exactly its one.
    assert as_account(fake, b, "POST", "/scim/v2/Users", json=entra_user("bea@b.example")).status_code == 409
    assert as_account(fake, a, "POST", "/scim/v2/Users", json=entra_user("bea@b.example")).status_code == 201
    assert as_account(fake, b, "GET", "/scim/v2/Users").json()["totalResults"] == 1


def test_rate_limits_count_per_account(fake: Fake) -> None:
    a, b = make(fake, {"rate_limits": True}), make(fake, {"rate_limits": True})
    statuses = [as_account(fake, b, "GET", "/scim/v2/Users").status_code for _ in range(51)]
    assert statuses[:50] == [200] * 50 and statuses[50] == 429
    assert as_account(fake, a, "GET", "/scim/v2/Users").status_code == 200
    assert fake.get("/scim/v2/Users").status_code == 200


def test_scenarios_act_on_their_account_only(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, _ = two
    control = f"/__mockrc/accounts/{b['id']}"
    assert fake.post(f"{control}/scenarios/scim-disabled/activate", json={}).status_code == 200
    assert as_account(fake, b, "GET", "/scim/v2/Users").status_code == 403
    assert as_account(fake, a, "GET", "/scim/v2/Users").status_code == 200
    assert fake.get("/scim/v2/Users").status_code == 200
    assert fake.get(f"/__mockrc/accounts/{a['id']}/scenarios").json()["active"] == []
    # ... and one made with a scenario starts with it.
    c = make(fake, {"scenarios": ["scim-disabled"]})
    assert as_account(fake, c, "GET", "/scim/v2/Users").status_code == 403


def test_clocks_are_per_account(fake: Fake) -> None:
    a, b = make(fake, {"clock": "fake"}), make(fake, {"clock": "fake"})
    before = fake.get(f"/__mockrc/accounts/{a['id']}/clock").json()["epoch"]
    default_before = fake.get("/__mockrc/clock").json()["epoch"]
    advanced = fake.post(f"/__mockrc/accounts/{b['id']}/clock/advance", json={"seconds": 7200})
    assert advanced.status_code == 200
    assert fake.get(f"/__mockrc/accounts/{a['id']}/clock").json()["epoch"] == before
    assert fake.get("/__mockrc/clock").json()["epoch"] == default_before
    # B's tokens from the start... B's own static token never expires; an OAuth one does.
    issued = password_grant(fake, b, b).json()["access_token"]
    fake.post(f"/__mockrc/accounts/{b['id']}/clock/advance", json={"seconds": 7200})
    assert as_account(fake, {"token": issued}, "GET", "/scim/v2/Users").status_code == 401
    issued_a = password_grant(fake, a, a).json()["access_token"]
    assert as_account(fake, {"token": issued_a}, "GET", "/scim/v2/Users").status_code == 200


def test_journals_are_per_account(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, _ = two
    as_account(fake, a, "GET", "/scim/v2/Users")
    a_journal = fake.get(f"/__mockrc/accounts/{a['id']}/journal").json()
    b_journal = fake.get(f"/__mockrc/accounts/{b['id']}/journal").json()
    assert [e["method"] for e in a_journal["entries"]] == ["GET"]
    assert [e["method"] for e in b_journal["entries"]] == ["POST"]
    assert {e["account"] for e in a_journal["entries"]} == {a["id"]}
    assert fake.get("/__mockrc/journal").json()["total"] == 0


def test_a_client_cannot_sign_in_b_admin(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, _ = two
    assert password_grant(fake, b, b).status_code == 200
    refused = password_grant(fake, a, b)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    jwt = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": b["admin"]["jwt"]}
    assert oauth(fake, "token", jwt, basic(b)).status_code == 200
    assert oauth(fake, "token", jwt, basic(a)).status_code == 400
    # A's client id with B's secret is no client at all.
    mixed = {"client": {"id": a["client"]["id"], "secret": b["client"]["secret"]}}
    refused = password_grant(fake, mixed, a)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"


def test_a_refresh_token_is_usable_with_its_own_client_only(
    fake: Fake, two: tuple[dict[str, Any], ...]
) -> None:
    a, b, _ = two
    refresh = password_grant(fake, a, a).json()["refresh_token"]
    other = oauth(fake, "token", {"grant_type": "refresh_token", "refresh_token": refresh}, basic(b))
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    own = oauth(fake, "token", {"grant_type": "refresh_token", "refresh_token": refresh}, basic(a))
    assert own.status_code == 200


def test_a_client_cannot_revoke_b_tokens(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, _ = two
    issued = password_grant(fake, b, b).json()
    for value in (issued["access_token"], issued["refresh_token"]):
        answer = oauth(fake, "revoke", {"token": value}, basic(a))
        assert answer.status_code == 200  # RFC 7009 §2.2: an unknown token is no error
    assert as_account(fake, {"token": issued["access_token"]}, "GET", "/scim/v2/Users").status_code == 200
    # B's own client revokes it.
    assert oauth(fake, "revoke", {"token": issued["access_token"]}, basic(b)).status_code == 200
    assert as_account(fake, {"token": issued["access_token"]}, "GET", "/scim/v2/Users").status_code == 401


def test_a_deleted_accounts_oauth_credentials_are_refused(
    fake: Fake, two: tuple[dict[str, Any], ...]
) -> None:
    a, b, _ = two
    issued = password_grant(fake, b, b).json()
    assert fake.delete(f"/__mockrc/accounts/{b['id']}", headers=JSON).status_code == 204
    unknown = password_grant(fake, b, b)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["errorCode"] == "OAU-153"
    refreshed = oauth(
        fake, "token", {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}, basic(a)
    )
    assert refreshed.status_code == 400
    assert as_account(fake, {"token": issued["access_token"]}, "GET", "/scim/v2/Users").status_code == 401
    assert as_account(fake, a, "GET", "/scim/v2/Users").status_code == 200


def test_a_forged_account_id_in_a_token_reaches_nothing(fake: Fake, two: tuple[dict[str, Any], ...]) -> None:
    a, b, _ = two
    forged = f"mockrc-at-{b['id']}.not-a-token-it-issued"
    assert as_account(fake, {"token": forged}, "GET", "/scim/v2/Users").status_code == 401
    # A's token with B's id spliced in is B's id with a value B never issued.
    spliced = a["token"].replace(a["id"], b["id"])
    assert as_account(fake, {"token": spliced}, "GET", "/scim/v2/Users").status_code == 401
