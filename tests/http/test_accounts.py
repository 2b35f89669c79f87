"""``/__mockrc/accounts``: making, listing, reading and deleting accounts, through both transports.

Isolation between accounts is tested in test_accounts_isolation.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.helpers import entra_user
from tests.http.conftest import Fake

JSON = {"Content-Type": "application/json"}


def make(fake: Fake, body: Any = None) -> dict[str, Any]:
    answer = fake.post("/__mockrc/accounts", json=body if body is not None else {})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def as_account(
    fake: Fake, account: dict[str, Any], method: str, path: str, **kwargs: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {account['token']}", **kwargs.pop("headers", {})}
    return fake.session.request(method, fake.url(path), headers=headers, timeout=10, **kwargs)


def test_a_fresh_account_answers_what_a_client_needs(fake: Fake) -> None:
    answer = fake.post("/__mockrc/accounts", json={})
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {
        "id", "base_url", "scim_url", "control_url", "token", "client", "admin", "profile", "users"
    }  # fmt: skip
    assert body["base_url"] == fake.base_url
    assert body["scim_url"] == f"{fake.base_url}/scim/v2"
    assert body["control_url"] == f"{fake.base_url}/__mockrc/accounts/{body['id']}"
    assert answer.headers["Location"] == body["control_url"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert body["profile"] == "ringcentral" and body["users"] == 0
    assert set(body["client"]) == {"id", "secret"} and set(body["admin"]) == {"username", "password", "jwt"}
    # The token works on the account's SCIM API, and the account starts empty.
    listed = as_account(fake, body, "GET", "/scim/v2/Users")
    assert listed.status_code == 200 and listed.json()["totalResults"] == 0


def test_two_fresh_accounts_share_no_credential(fake: Fake) -> None:
    first, second = make(fake), make(fake)
    assert first["id"] != second["id"]
    assert first["token"] != second["token"]
    assert first["client"]["id"] != second["client"]["id"]
    assert first["client"]["secret"] != second["client"]["secret"]
    for member in ("username", "password", "jwt"):
        assert first["admin"][member] != second["admin"][member]
    # ... nor with the default account.
    default = fake.get("/__mockrc/accounts/default").json()
    assert default["client"]["id"] not in (first["client"]["id"], second["client"]["id"])
    assert default["admin"]["username"] not in (first["admin"]["username"], second["admin"]["username"])


def test_the_body_sets_users_profile_and_clock(fake: Fake) -> None:
    generated = make(fake, {"users": 3, "seed": 7})
    assert generated["users"] == 3
    given = make(fake, {"users": [entra_user("ann@example.com"), entra_user("bob@example.com")]})
    assert given["users"] == 2
    names = as_account(fake, given, "GET", "/scim/v2/Users").json()["Resources"]
    assert sorted(u["userName"] for u in names) == ["ann@example.com", "bob@example.com"]
    scim = make(fake, {"profile": "scim", "clock": "fake"})
    assert scim["profile"] == "scim"
    clock = fake.get(f"/__mockrc/accounts/{scim['id']}/clock").json()
    assert clock["advanceable"] is True


def test_list_get_and_delete(fake: Fake) -> None:
    made = make(fake, {"users": 2})
    listed = fake.get("/__mockrc/accounts").json()["accounts"]
    assert listed[0] == {"id": "default", "default": True, "users": 0, "profile": "ringcentral"}
    assert {"id": made["id"], "default": False, "users": 2, "profile": "ringcentral"} in listed
    assert fake.get(f"/__mockrc/accounts/{made['id']}").json() == made
    assert fake.delete(f"/__mockrc/accounts/{made['id']}", headers=JSON).status_code == 204
    assert fake.get(f"/__mockrc/accounts/{made['id']}").status_code == 404
    assert made["id"] not in [a["id"] for a in fake.get("/__mockrc/accounts").json()["accounts"]]
    again = fake.delete(f"/__mockrc/accounts/{made['id']}", headers=JSON)
    assert again.status_code == 404 and made["id"] in again.json()["message"]


def test_the_default_account_cannot_be_deleted(fake: Fake) -> None:
    answer = fake.delete("/__mockrc/accounts/default", headers=JSON)
    assert answer.status_code == 409
    assert "default account" in answer.json()["message"]
    assert fake.get("/scim/v2/Users").status_code == 200


def test_a_deleted_accounts_token_is_refused_like_an_unknown_one(fake: Fake) -> None:
    made = make(fake)
    assert fake.delete(f"/__mockrc/accounts/{made['id']}", headers=JSON).status_code == 204
    gone = as_account(fake, made, "GET", "/scim/v2/Users")
    unknown = as_account(fake, {"token": "mockrc-never-issued"}, "GET", "/scim/v2/Users")
    assert gone.status_code == unknown.status_code == 401
    assert gone.json() == unknown.json()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ([], "JSON object"),
        ({"nope": 1}, "unknown member(s) nope"),
        ({"users": "many"}, '"/users"'),
        ({"users": -1}, '"/users"'),
        ({"users": 10**9}, '"/users"'),
        ({"users": [{"userName": 5}]}, "/users"),
        ({"seed": "x"}, '"/seed"'),
        ({"seed": True}, '"/seed"'),
        ({"profile": "ldap"}, '"/profile"'),
        ({"scenarios": "slow"}, '"/scenarios"'),
        ({"scenarios": ["/etc/passwd"]}, '"/scenarios/0"'),
        ({"scenarios": ["no-such-scenario"]}, "/scenarios/0"),
        ({"rate_limits": "yes"}, '"/rate_limits"'),
        ({"clock": "sundial"}, '"/clock"'),
        ({"account": {"id": "1"}}, "/account"),
    ],
)
def test_bad_bodies_are_refused_saying_what_and_where(fake: Fake, body: Any, says: str) -> None:
    answer = fake.post("/__mockrc/accounts", json=body)
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["message"]
    assert len(fake.get("/__mockrc/accounts").json()["accounts"]) == 1


def test_an_account_document_whose_client_id_is_taken_is_refused(fake: Fake) -> None:
    document = fake.get("/__mockrc/accounts/default").json()
    default_account = fake.state.account
    from mockrc.persistence import account_document

    clash = account_document(default_account)
    answer = fake.post("/__mockrc/accounts", json={"account": clash})
    assert answer.status_code == 409
    assert document["client"]["id"] in answer.json()["message"]
    # Its own ids are fine, and a second account with the same ones is refused in turn.
    clash["apps"][0]["clientId"] = "my-client"
    clash["users"] = [{**u, "email": f"x{u['email']}", "jwtCredentials": []} for u in clash["users"]]
    assert fake.post("/__mockrc/accounts", json={"account": clash}).status_code == 201
    assert fake.post("/__mockrc/accounts", json={"account": clash}).status_code == 409


def test_per_account_control_paths_act_on_that_account(fake: Fake) -> None:
    made = make(fake, {"users": 2})
    control = f"/__mockrc/accounts/{made['id']}"
    assert (
        as_account(fake, made, "POST", "/scim/v2/Users", json=entra_user("new@example.com")).status_code
        == 201
    )
    assert fake.get(f"{control}/users").json()["totalResults"] == 3
    journal = fake.get(f"{control}/journal").json()
    assert journal["total"] == 1 and journal["entries"][0]["account"] == made["id"]
    assert fake.get("/__mockrc/journal").json()["total"] == 0
    assert fake.post(f"{control}/reset", json={}).status_code == 200
    assert fake.get(f"{control}/users").json()["totalResults"] == 2
    # The account's token survives its reset, like a --token does the default account's.
    assert as_account(fake, made, "GET", "/scim/v2/Users").status_code == 200
    minted = fake.post(f"{control}/tokens", json={})
    assert minted.status_code == 200
    token = minted.json()["access_token"]
    assert as_account(fake, {"token": token}, "GET", "/scim/v2/Users").json()["totalResults"] == 2
    assert fake.get(f"{control}/health").status_code == 200
    report = fake.get(f"{control}/report")
    assert report.status_code == 200


def test_unknown_accounts_and_paths_answer_404(fake: Fake) -> None:
    assert fake.get("/__mockrc/accounts/0123456789ab/journal").status_code == 404
    assert fake.get("/__mockrc/accounts/nope").status_code == 404
    made = make(fake)
    assert fake.get(f"/__mockrc/accounts/{made['id']}/no-such-thing").status_code == 404
    # An account has no accounts of its own.
    assert fake.get(f"/__mockrc/accounts/{made['id']}/accounts").status_code == 404


def test_the_default_account_keeps_its_top_level_paths(fake: Fake) -> None:
    assert fake.post("/scim/v2/Users", json=entra_user()).status_code == 201
    assert fake.get("/__mockrc/accounts/default/users").json()["totalResults"] == 1
    assert fake.get("/__mockrc/users").json()["totalResults"] == 1
    assert fake.get("/__mockrc/journal").json()["entries"][0]["account"] == "default"
