"""With ``--state-file``, the accounts made over HTTP come back after a restart (issue 13)."""

from __future__ import annotations

from pathlib import Path

import requests

from mockrc.accounts import Accounts
from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.helpers import entra_user

JSON = {"Content-Type": "application/json"}


def serve(path: Path) -> tuple[MockState, Accounts, LiveServer]:
    state = MockState(Settings(state_file=str(path), tokens=("default-token",)), clock=FakeClock())
    app = create_app(state)
    return state, app.extensions["mockrc.accounts"], LiveServer(app)


def test_accounts_and_their_users_outlive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    state, accounts, server = serve(path)
    with server:
        kept = requests.post(f"{server.url}/__mockrc/accounts", json={"users": 2}, timeout=10).json()
        dropped = requests.post(f"{server.url}/__mockrc/accounts", json={}, timeout=10).json()
        as_kept = {"Authorization": f"Bearer {kept['token']}"}
        created = requests.post(f"{server.url}/scim/v2/Users", json=entra_user(), headers=as_kept, timeout=10)
        assert created.status_code == 201
        gone = requests.delete(f"{server.url}/__mockrc/accounts/{dropped['id']}", headers=JSON, timeout=10)
        assert gone.status_code == 204
    accounts.close()
    assert state.state_file is not None
    state.state_file.close()
    assert sorted(p.name for p in (tmp_path / "state.sqlite.accounts").iterdir()) == [
        f"{kept['id']}.json",
        f"{kept['id']}.sqlite",
    ]

    state, accounts, server = serve(path)
    with server:
        listed = requests.get(f"{server.url}/__mockrc/accounts", timeout=10).json()["accounts"]
        assert [a["id"] for a in listed] == ["default", kept["id"]]
        users = requests.get(f"{server.url}/scim/v2/Users", headers=as_kept, timeout=10).json()
        assert users["totalResults"] == 3
        assert created.json()["id"] in [u["id"] for u in users["Resources"]]
        again = requests.get(f"{server.url}/__mockrc/accounts/{kept['id']}", timeout=10).json()
        assert {k: again[k] for k in ("token", "client", "admin")} == {
            k: kept[k] for k in ("token", "client", "admin")
        }
        # Signing in with the kept credentials works too.
        form = {
            "grant_type": "password",
            "username": kept["admin"]["username"],
            "password": kept["admin"]["password"],
        }
        auth = (kept["client"]["id"], kept["client"]["secret"])
        assert (
            requests.post(f"{server.url}/restapi/oauth/token", data=form, auth=auth, timeout=10).status_code
            == 200
        )
        # The default account is as it was: empty.
        default = requests.get(
            f"{server.url}/scim/v2/Users", headers={"Authorization": "Bearer default-token"}, timeout=10
        )
        assert default.json()["totalResults"] == 0
    accounts.close()
    state.state_file.close()  # type: ignore[union-attr]
