"""Accounts: the sign-in pages, the admin key, and many threads on a live server (issue 13)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.http.guard import ADMIN_KEY_HEADER
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.inprocess import InProcessTransport
from mockrc.transport.server import LiveServer
from tests.helpers import entra_user
from tests.http.conftest import Fake
from tests.http.test_accounts import JSON, as_account, make
from tests.http.test_oauth_authorize import AUTHORIZE, redirect_query, submit

KEY = "the-admin-key"


def test_the_authorization_code_flow_of_an_account(fake: Fake) -> None:
    """The sign-in and consent forms carry only a ticket: the ticket names the account."""
    b = make(fake)
    query = {"client_id": b["client"]["id"], "response_type": "code"}
    signin = fake.session.get(fake.url(AUTHORIZE), params=query, allow_redirects=False, timeout=10)
    assert signin.status_code == 200
    # The default account's admin cannot sign in to B's app; B's admin can.
    refused = submit(fake, signin, username="admin@mockrc.test", password="mockrc-admin-password")
    assert refused.status_code == 200 and "consent" not in refused.text.lower()
    consent = submit(fake, signin, username=b["admin"]["username"], password=b["admin"]["password"])
    assert b["admin"]["username"] in consent.text
    _, params = redirect_query(submit(fake, consent, decision="allow"))
    form = {
        "grant_type": "authorization_code",
        "code": params["code"][0],
        "redirect_uri": "http://localhost:8080/callback",
    }
    auth = (b["client"]["id"], b["client"]["secret"])
    token = fake.session.post(fake.url("/restapi/oauth/token"), data=form, auth=auth, timeout=10)
    assert token.status_code == 200, token.text
    users = as_account(fake, {"token": token.json()["access_token"]}, "GET", "/scim/v2/Users")
    assert users.status_code == 200
    # The default account's client cannot redeem B's code.
    again = fake.session.post(
        fake.url("/restapi/oauth/token"),
        data=form,
        auth=("mockrc-client-id", "mockrc-client-secret"),
        timeout=10,
    )
    assert again.status_code == 400


@pytest.fixture(params=["inprocess", "server"])
def guarded(request: pytest.FixtureRequest) -> Iterator[tuple[str, requests.Session]]:
    """A fake whose control plane needs an admin key (``mockrc serve --allow-remote``)."""
    state = MockState(Settings(admin_key=KEY, tokens=("default-token",)), clock=FakeClock())
    app = create_app(state)
    session = requests.Session()
    if request.param == "inprocess":
        with InProcessTransport(app, state.settings.base_urls):
            yield state.settings.base_urls[0], session
        return
    with LiveServer(app) as server:
        yield server.url, session


def test_the_admin_key_guards_every_accounts_path(guarded: tuple[str, requests.Session]) -> None:
    url, session = guarded
    admin = {ADMIN_KEY_HEADER: KEY}
    made = session.post(f"{url}/__mockrc/accounts", json={}, headers=admin, timeout=10)
    assert made.status_code == 201
    account: dict[str, Any] = made.json()
    control = f"{url}/__mockrc/accounts/{account['id']}"
    wrong = {ADMIN_KEY_HEADER: "not-the-key"}
    # Without the key (or with another): nothing is made, read, listed, deleted or reset.
    for headers in ({}, wrong):
        assert (
            session.post(f"{url}/__mockrc/accounts", json={}, headers=headers, timeout=10).status_code == 401
        )
        assert session.get(f"{url}/__mockrc/accounts", headers=headers, timeout=10).status_code == 401
        assert session.get(control, headers=headers, timeout=10).status_code == 401
        assert session.delete(control, headers={**headers, **JSON}, timeout=10).status_code == 401
        for path in ("users", "journal", "report", "clock", "scenarios"):
            assert session.get(f"{control}/{path}", headers=headers, timeout=10).status_code == 401
        assert session.post(f"{control}/reset", json={}, headers=headers, timeout=10).status_code == 401
        assert session.post(f"{control}/tokens", json={}, headers=headers, timeout=10).status_code == 401
        # ... not even with the account's own token.
        bearer = {"Authorization": f"Bearer {account['token']}", **headers}
        assert session.get(f"{control}/users", headers=bearer, timeout=10).status_code == 401
    listed = session.get(f"{url}/__mockrc/accounts", headers=admin, timeout=10).json()["accounts"]
    assert len(listed) == 2
    assert session.delete(control, headers={**admin, **JSON}, timeout=10).status_code == 204


def test_threads_create_use_and_delete_accounts_on_a_live_server() -> None:
    """Many clients at once, each on its own accounts: each sees exactly its own users."""
    state = MockState(Settings(), clock=FakeClock())
    problems: list[str] = []
    with LiveServer(create_app(state)) as server:

        def client(number: int) -> None:
            session = requests.Session()
            for round_ in range(5):
                made = session.post(f"{server.url}/__mockrc/accounts", json={}, timeout=30)
                if made.status_code != 201:
                    problems.append(f"create: {made.status_code}")
                    return
                account = made.json()
                headers = {"Authorization": f"Bearer {account['token']}"}
                names = [f"u{number}-{round_}-{i}@example.com" for i in range(3)]
                for name in names:
                    created = session.post(
                        f"{server.url}/scim/v2/Users", json=entra_user(name), headers=headers, timeout=30
                    )
                    if created.status_code != 201:
                        problems.append(f"create user: {created.status_code} {created.text}")
                listed = session.get(f"{server.url}/scim/v2/Users", headers=headers, timeout=30).json()
                seen = sorted(u["userName"] for u in listed["Resources"])
                if seen != sorted(names):
                    problems.append(f"account {account['id']} sees {seen}, not {names}")
                gone = session.delete(account["control_url"], headers=JSON, timeout=30)
                if gone.status_code != 204:
                    problems.append(f"delete: {gone.status_code}")
                after = session.get(f"{server.url}/scim/v2/Users", headers=headers, timeout=30)
                if after.status_code != 401:
                    problems.append(f"a deleted account's token answered {after.status_code}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        listed = requests.get(f"{server.url}/__mockrc/accounts", timeout=30).json()["accounts"]
    assert problems == []
    assert [a["id"] for a in listed] == ["default"]
    assert len(state.users.store) == 0
