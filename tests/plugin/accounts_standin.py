"""A stand-in for the accounts API of a shared mockrc (POST/GET/DELETE ``/__mockrc/accounts``,
``/__mockrc/accounts/{id}/...``), as its contract states it: one in-process fake per account,
picked by the account's control path or by its bearer token.

Only what the plugin's shared-server mode uses, to test it while the server side is built in
parallel; the real API is docs/accounts.md's.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockrc.account import load_account
from mockrc.mock import MockRingCentral
from mockrc.persistence import account_document
from mockrc.scenarios.loader import POSTED, parse_scenario
from mockrc.seed import add_users
from mockrc.transport.server import LiveServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_ACCOUNT_PATH = re.compile(r"^/__mockrc/accounts/([^/]+)(/.*)?$")


class AccountsStandIn:
    """The WSGI app: one MockRingCentral per account."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.url = ""
        self.accounts: dict[str, tuple[MockRingCentral, dict[str, Any]]] = {}
        self.created = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        number = next(self._ids)
        users = body.get("users", 0)
        # Every account its own app, so that an OAuth request finds its account by client id.
        document = account_document(load_account())
        document["apps"][0]["clientId"] = f"standin-client-{number}"
        account_file = self._folder / f"account-{number}.json"
        account_file.write_text(json.dumps(document))
        mock = MockRingCentral(
            account=str(account_file),
            profile=body.get("profile", "ringcentral"),
            seed=body.get("seed", 0),
            token=f"standin-token-{number}",
            users=users if isinstance(users, int) else (),
            scenarios=[s for s in body.get("scenarios", ()) if isinstance(s, str)],
        ).build()
        for document in body.get("scenarios", ()):
            if not isinstance(document, str):
                mock.state.scenarios.activate(parse_scenario(document, POSTED, None))
        if isinstance(users, list):
            add_users(mock.state.users, users)
        account_id = f"acct{number}"
        app, admin = mock.state.account.default_app, mock.state.account.default_admin
        document = {
            "id": account_id,
            "base_url": self.url,
            "scim_url": f"{self.url}/scim/v2",
            "control_url": f"{self.url}/__mockrc/accounts/{account_id}",
            "token": mock.token,
            "client": {"id": app.client_id, "secret": app.client_secret},
            "admin": {"username": admin.email, "password": admin.password, "jwt": None},
            "profile": mock.settings.profile,
            "users": len(mock.state.users.store),
        }
        with self._lock:
            self.accounts[account_id] = (mock, document)
            self.created += 1
        return document

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == "/__mockrc/accounts":
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"{}")
                return _answer(start_response, "201 Created", self.create(body))
            listed = [
                {"id": i, "default": False, "users": 0, "profile": d["profile"]}
                for i, (_, d) in self.accounts.items()
            ]
            return _answer(start_response, "200 OK", {"accounts": listed})
        match = _ACCOUNT_PATH.match(path)
        if match:
            account_id, rest = match.groups()
            found = self.accounts.get(account_id)
            if found is None:
                return _answer(start_response, "404 Not Found", {"message": f"no account {account_id}"})
            if rest is None and method == "DELETE":
                with self._lock:
                    del self.accounts[account_id]
                return _answer(start_response, "204 No Content", None)
            if rest is None:
                return _answer(start_response, "200 OK", found[1])
            environ["PATH_INFO"] = f"/__mockrc{rest}"
            return found[0].app(environ, start_response)
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        token = authorization.removeprefix("Bearer ")
        client = ""
        if authorization.startswith("Basic "):
            client = base64.b64decode(authorization[6:]).decode().partition(":")[0]
        for mock, document in list(self.accounts.values()):
            if mock.state.tokens.find(token) is not None or client == document["client"]["id"]:
                return mock.app(environ, start_response)
        return _answer(start_response, "401 Unauthorized", {"message": "no account has this token"})


def _answer(start_response: StartResponse, status: str, document: Any) -> list[bytes]:
    body = b"" if document is None else json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


@contextmanager
def standin_server() -> Iterator[AccountsStandIn]:
    """The stand-in on a loopback port (``.url``)."""
    with tempfile.TemporaryDirectory() as folder:
        app = AccountsStandIn(Path(folder))
        server = LiveServer(app)
        server.start()
        app.url = server.url
        try:
            yield app
        finally:
            server.stop()
