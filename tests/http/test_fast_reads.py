"""Both transports reach the fast reads (:mod:`mockrc.http.fast_reads`): what a real client sends
for a plain read (requests in-process, requests to waitress) is answered below Flask, and the
client sees the same answer as from an app without them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from flask import Flask

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.http.fast_reads import FastReads
from mockrc.mock import MockRingCentral
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer

TOKEN = "transport-token"


def _settings() -> Settings:
    return Settings(users=(3,), tokens=(TOKEN,), seed=3)


def _fast_reads(app: Flask) -> FastReads:
    reads = app.extensions["mockrc.fast_reads"]
    assert isinstance(reads, FastReads)
    return reads


@pytest.fixture(params=["inprocess", "server"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[Flask, MockState, str]]:
    if request.param == "inprocess":
        with MockRingCentral(users=3, tokens=[TOKEN], seed=3, clock=FakeClock()) as rc:
            yield rc.app, rc.state, rc.base_url
        return
    state = MockState(_settings(), clock=FakeClock())
    app = create_app(state)
    with LiveServer(app) as server:
        yield app, state, server.url


def test_a_plain_read_is_answered_below_flask_on_both_transports(
    served: tuple[Flask, MockState, str],
) -> None:
    app, state, base_url = served
    user = next(iter(state.users.store))
    user_name = user.attributes["userName"]
    reads = _fast_reads(app)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"

    by_id = session.get(f"{base_url}/scim/v2/Users/{user.id}", timeout=10)
    found = session.get(
        f"{base_url}/scim/v2/Users", params={"filter": f'userName eq "{user_name}"'}, timeout=10
    )
    missing = session.get(f"{base_url}/scim/v2/Users/nobody", timeout=10)

    assert (by_id.status_code, found.status_code, missing.status_code) == (200, 200, 404)
    assert reads.answered == 2  # the 404 is Flask's
    assert by_id.headers["Content-Type"] == "application/scim+json"
    assert by_id.headers["X-Content-Type-Options"] == "nosniff"
    assert by_id.json()["id"] == user.id
    assert [r["id"] for r in found.json()["Resources"]] == [user.id]
    assert [(e.route, e.status) for e in state.journal.entries()] == [
        ("/scim/v2/Users/<user_id>", 200),
        ("/scim/v2/Users", 200),
        ("/scim/v2/Users/<user_id>", 404),
    ]
