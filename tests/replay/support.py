"""Fakes on loopback, the client session they journal, and replay run as the command line runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mockrc.app import create_app
from mockrc.cli.main import main
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.helpers import minimal_user, patch

CLIENT = ("mockrc-client-id", "mockrc-client-secret")
ADMIN = {"username": "admin@mockrc.test", "password": "mockrc-admin-password"}
#: The options that let replay sign in to a fake with the built-in account.
CREDENTIALS = ["--client-id", CLIENT[0], "--client-secret", CLIENT[1], "--username", ADMIN["username"]]
CREDENTIALS += ["--password", ADMIN["password"]]


@dataclass
class Running:
    """A fake served on a loopback port: its state and its URL."""

    state: MockState
    url: str

    def journal_entries(self) -> list[dict[str, Any]]:
        return self.state.journal.records()


@contextmanager
def fake(journal: Path | None = None, **settings: Any) -> Iterator[Running]:
    """A fake with ``settings`` on a loopback port (streaming its journal to ``journal``, if given)."""
    state = MockState(Settings(**settings), clock=FakeClock())
    if journal is not None:
        state.journal.stream_to(journal)
    try:
        with LiveServer(create_app(state)) as server:
            yield Running(state, server.url)
    finally:
        state.journal.close()


def client_session(url: str) -> list[int]:
    """What a provisioning client does, good and bad calls alike; the statuses it got.

    Signs in (password grant), looks a user up, creates one, reads it back, pages the list, patches
    it, tries a filter RingCentral refuses, reads a user that is not there, refreshes its token,
    deletes the user, reads it again and revokes its token.
    """
    s = requests.Session()
    token_url = f"{url}/restapi/oauth/token"
    signed_in = s.post(token_url, data={"grant_type": "password", **ADMIN}, auth=CLIENT, timeout=10).json()
    auth = {"Authorization": f"Bearer {signed_in['access_token']}"}
    scim = f"{url}/scim/v2/Users"
    answers = [
        s.get(scim, params={"filter": 'userName eq "ann@example.com"'}, headers=auth, timeout=10),
        created := s.post(scim, json=minimal_user("ann@example.com"), headers=auth, timeout=10),
    ]
    user = f"{scim}/{created.json()['id']}"
    answers += [
        s.get(user, headers=auth, timeout=10),
        s.get(scim, params={"startIndex": "1", "count": "10"}, headers=auth, timeout=10),
        s.patch(
            user,
            json=patch({"op": "replace", "path": "title", "value": "Engineer"}),
            headers=auth,
            timeout=10,
        ),
        s.get(scim, params={"filter": 'title eq "Engineer"'}, headers=auth, timeout=10),
        s.get(f"{scim}/999999999", headers=auth, timeout=10),
    ]
    refreshed = s.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]},
        auth=CLIENT,
        timeout=10,
    )
    auth = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    answers += [
        refreshed,
        s.delete(user, headers=auth, timeout=10),
        s.get(user, headers=auth, timeout=10),
        s.post(
            f"{url}/restapi/oauth/revoke",
            data={"token": refreshed.json()["access_token"]},
            auth=CLIENT,
            timeout=10,
        ),
    ]
    return [signed_in and 200, *(a.status_code for a in answers)]


def run(*argv: str | Path) -> int:
    """``mockrc ARGV`` in this process (the command line's parser and dispatch); its exit status."""
    return main([str(a) for a in argv])


def replay_json(capsys: Any, journal: Path, url: str, *options: str | Path) -> tuple[int, dict[str, Any]]:
    """``mockrc replay JOURNAL --against URL --format json OPTIONS`` and the report it printed."""
    capsys.readouterr()
    code = run("replay", journal, "--against", url, "--format", "json", *CREDENTIALS, *options)
    return code, json.loads(capsys.readouterr().out)


def differing(report: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """``(method, path, [difference detail, ...])`` of each request that answered otherwise."""
    return [
        (r["method"], r["path"], [d["detail"] for d in r["differences"]])
        for r in report["requests"]
        if r["differences"]
    ]


def lines(path: Path) -> Sequence[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
