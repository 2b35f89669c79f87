"""Both transports reach the fast writes (:mod:`mockrc.http.fast_writes`): what a real client sends
for a plain write (requests in-process, requests to waitress, which hands the app a terminated
input stream) is answered below Flask, and the client sees the same answers as from an app
without them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.http.fast_writes import FastWrites
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.inprocess import InProcessTransport
from mockrc.transport.server import LiveServer
from tests.helpers import minimal_user, patch

TOKEN = "transport-token"
#: Headers the server adds that differ from one answer to the next.
_SERVER_HEADERS = {"date", "server"}


def _served(transport: str, fast_writes: bool) -> Iterator[tuple[Flask, MockState, str]]:
    state = MockState(Settings(users=(3,), tokens=(TOKEN,), seed=3), clock=FakeClock())
    app = create_app(state, fast_writes=fast_writes)
    if transport == "inprocess":
        base_url = state.settings.base_urls[0]
        inprocess = InProcessTransport(app, state.settings.base_urls)
        inprocess.start()
        try:
            yield app, state, base_url
        finally:
            inprocess.stop()
        return
    with LiveServer(app) as server:
        yield app, state, server.url


def _exchange(base_url: str, user_id: str) -> list[tuple[int, list[tuple[str, str]], Any]]:
    """A client's plain writes, and a refused one, as the client sees their answers."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    users = f"{base_url}/scim/v2/Users"
    answers = [
        session.post(users, json=minimal_user("new.user@example.com"), timeout=10),
        session.post(users, json=minimal_user("new.user@example.com"), timeout=10),  # 409: Flask's
        session.put(f"{users}/{user_id}", json=minimal_user("renamed@example.com"), timeout=10),
        session.patch(
            f"{users}/{user_id}", json=patch({"op": "Replace", "path": "title", "value": "B"}), timeout=10
        ),
        session.delete(f"{users}/{user_id}", timeout=10),
    ]
    return [
        (
            answer.status_code,
            [(name, value) for name, value in answer.headers.items() if name.lower() not in _SERVER_HEADERS],
            answer.json() if answer.content else None,
        )
        for answer in answers
    ]


@pytest.mark.parametrize("transport", ["inprocess", "server"])
def test_plain_writes_are_answered_below_flask_on_both_transports(transport: str) -> None:
    seen = []
    for fast_writes in (True, False):
        for app, state, base_url in _served(transport, fast_writes):
            user_id = next(iter(state.users.store)).id
            # Two live servers listen on two ports: the answers name their own.
            answers = json.dumps(_exchange(base_url, user_id)).replace(base_url, "BASE")
            seen.append(json.loads(answers))
            entries = [(e.method, e.route, e.status, len(e.violations)) for e in state.journal.entries()]
            # The refused POST's body, read below Flask and handed on, is the one Flask journaled.
            assert state.journal.entries()[1].to_dict()["body"] == minimal_user("new.user@example.com")
            if fast_writes:
                writes = app.extensions["mockrc.fast_writes"]
                assert isinstance(writes, FastWrites)
                assert writes.answered == 4  # all but the 409
    fast, slow = seen
    assert fast == slow
    assert [status for status, _, _ in fast] == [201, 409, 200, 200, 204]
    created = dict(map(tuple, fast[0][1]))
    assert created["Location"] == f"BASE/scim/v2/Users/{fast[0][2]['id']}"
    assert created["X-Content-Type-Options"] == "nosniff"
    assert entries == [
        ("POST", "/scim/v2/Users", 201, 0),
        ("POST", "/scim/v2/Users", 409, 0),
        ("PUT", "/scim/v2/Users/<user_id>", 200, 0),
        ("PATCH", "/scim/v2/Users/<user_id>", 200, 1),  # compat.op-case
        ("DELETE", "/scim/v2/Users/<user_id>", 204, 0),
    ]
