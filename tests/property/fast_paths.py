"""What the differential tests of the fast paths share (``test_fast_reads.py``, ``test_fast_writes.py``):
the pair of fakes, their worlds, a WSGI call, and what the two apps of a pair must agree on afterwards.

Each test sends the same environ to two apps on equal states and equal fake clocks, one with a
fast path and one without; these helpers put both states in the same world first and read back
what either request changed.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, replace
from typing import Any

from flask import Flask

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.ratelimit import RateLimiter, RateLimits
from mockrc.scenarios.loader import load_scenario
from mockrc.settings import Settings
from mockrc.state import MockState

STATIC = "static-admin-token"
#: Tokens every example's fakes hold, by what they are: what the fast paths must tell apart.
TOKENS = ("reader", "editor", "expired", "revoked", "no-permission", "not-admin", "no-scim", "soon")


@dataclass(frozen=True)
class World:
    """What the fakes hold before the request, beyond their seeded users."""

    advance: float
    scenario: str | None
    rate_limits: bool
    ignore_filters: bool
    #: Unassigned extensions left (RingCentral creates a user only on one); None: as the account has.
    licences: int | None = None


PLAIN_WORLD = World(0.0, None, False, False)


def fake(profile: str, **layers: bool) -> tuple[Flask, MockState]:
    """A fake of ``profile`` with four seeded users and the static token, its fast layers as
    ``layers`` say (``create_app``'s ``fast_reads``/``fast_writes``), and its state."""
    state = MockState(
        Settings(profile=profile, users=(4,), tokens=(STATIC,), seed=7, journal_size=50),
        clock=FakeClock(),
    )
    return create_app(state, **layers), state


@dataclass
class Pair:
    """Two apps on equal states: one with a fast layer (``layer``, its ``create_app`` flag), one without."""

    fast: Flask
    slow: Flask
    fast_state: MockState
    slow_state: MockState
    layer: str

    @classmethod
    def of(cls, profile: str, layer: str) -> Pair:
        fast, fast_state = fake(profile, **{layer: True})
        slow, slow_state = fake(profile, **{layer: False})
        assert f"mockrc.{layer}" in fast.extensions and f"mockrc.{layer}" not in slow.extensions
        return cls(fast, slow, fast_state, slow_state, layer)

    @property
    def answered(self) -> int:
        """How many requests the fast app's layer has answered itself."""
        return int(self.fast.extensions[f"mockrc.{self.layer}"].answered)


def prepare(state: MockState, world: World) -> None:
    """Put ``state`` back as it started, then make it ``world``."""
    state.reset()
    state.rate_limiter = None
    admin = state.admin_principal
    tokens = state.tokens
    tokens.register("reader", replace(admin, scopes=frozenset({"ReadAccounts"})))
    tokens.register("editor", admin)
    tokens.register("expired", admin, ttl=10)
    tokens.register("soon", admin, ttl=3600)  # expires when the clock moves far enough
    tokens.register("revoked", admin)
    tokens.revoke("revoked")
    tokens.register("no-permission", replace(admin, scopes=frozenset({"EditExtensions"})))
    tokens.register("not-admin", replace(admin, is_admin=False))
    tokens.register("no-scim", replace(admin, scim_enabled=False))
    assert isinstance(state.clock, FakeClock)
    state.clock.advance(60 + world.advance)
    if world.scenario is not None:
        state.scenarios.activate(load_scenario(world.scenario))
    if world.rate_limits:
        state.rate_limiter = RateLimiter(RateLimits(light=2), state.clock)
    if world.ignore_filters:
        state.users.unsupported_filters = "ignore"
    if world.licences is not None:
        state.users.unassigned_extensions = world.licences


def call(app: Flask, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """``app``'s answer to ``environ``, its input stream holding ``environ["mockrc.test.body"]``."""
    environ = {**environ, "wsgi.input": io.BytesIO(environ["mockrc.test.body"])}
    answer: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer[:] = [status, list(headers)]

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return answer[0], answer[1], body


def journal(state: MockState) -> list[dict[str, Any]]:
    """The journal as its API reads it back, without the wall time each request took."""
    return [{**entry.to_dict(), "duration_ms": None} for entry in state.journal.entries()]


def observable(state: MockState) -> dict[str, Any]:
    """What a request may have changed in ``state``, read back (the request ids by drawing one
    more: equal on both sides if they were equal)."""
    return {
        "journal": journal(state),
        "request ids": state.next_request_id(),
        "tokens": [state.tokens.find(value) for value in (STATIC, *TOKENS)],
        "errors": [(e.request_id, e.method, e.path, repr(e.exception)) for e in state.handler_errors],
        "users": [(u.id, u.attributes_json) for u in state.users.store],
    }


def wsgi_environ(
    method: str, path: str, query: str, *, scheme: str = "http", script: str = ""
) -> dict[str, Any]:
    """A WSGI environ as a server builds it, without the request's headers."""
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def plain_environ(method: str, path: str, query: str = "") -> dict[str, Any]:
    """A plain request's environ, without a body: a Host the fake answers for, the static token,
    SCIM's media type accepted."""
    return {
        **wsgi_environ(method, path, query),
        "HTTP_HOST": "localhost:8080",
        "HTTP_AUTHORIZATION": f"Bearer {STATIC}",
        "HTTP_ACCEPT": "application/scim+json",
        "mockrc.test.body": b"",
    }
