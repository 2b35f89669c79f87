"""Fixtures of the proxy's tests: upstreams on loopback, and the proxy through both transports.

An upstream is either a second mockrc configured to differ (:func:`mockrc_upstream`) or a
hand-made WSGI app (:class:`ScriptedUpstream`) that records what reached it and answers what the
test scripted, drifted shapes included. The proxy under test (``proxy``) is reached in-process
(``responses`` routing ``requests`` into its app) and through a live waitress server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from mockrc.app import create_app, create_proxy_app
from mockrc.clock import FakeClock
from mockrc.proxy.upstream import Upstream
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.inprocess import InProcessTransport
from mockrc.transport.server import LiveServer

#: The base URL the in-process transport answers for (one of RingCentral's own).
INPROCESS_URL = "https://platform.devtest.ringcentral.com"


@dataclass
class Received:
    """One request as it reached a scripted upstream."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, list[tuple[str, str]], bytes]


@dataclass
class ScriptedUpstream:
    """A WSGI app answering ``(method, path)`` as scripted (404 otherwise), recording each request."""

    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def answer(self, method: str, path: str, status: int, body: Any = None, **headers: str) -> None:
        data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        sent = [(name.replace("_", "-"), value) for name, value in headers.items()]
        if body is not None and not isinstance(body, bytes) and "Content-Type" not in headers:
            sent.append(("Content-Type", "application/scim+json"))
        self.answers[(method, path)] = (status, sent, data)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        self.received.append(
            Received(
                environ["REQUEST_METHOD"],
                environ["PATH_INFO"],
                environ.get("QUERY_STRING", ""),
                headers,
                body,
            )
        )
        status, sent, data = self.answers.get(
            (environ["REQUEST_METHOD"], environ["PATH_INFO"]), (404, [("Content-Type", "text/plain")], b"no")
        )
        start_response(f"{status} X", [*sent, ("Content-Length", str(len(data)))])
        return [data]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` on a live loopback server: its base URL."""
    with LiveServer(app) as server:
        yield server.url


@contextmanager
def mockrc_upstream(**settings: Any) -> Iterator[tuple[MockState, str]]:
    """A second mockrc as the upstream, configured by ``settings``, accepting the token ``up-token``."""
    state = MockState(Settings(tokens=("up-token",), **settings), clock=FakeClock())
    with serving(create_app(state)) as url:
        yield state, url


@dataclass
class Proxied:
    """The proxy under test: its state (journal), and a session pointed at it."""

    transport: str
    state: MockState
    base_url: str
    session: requests.Session

    def request(
        self, method: str, path: str, *, token: str | None = "up-token", **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        return self.session.request(method, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs)

    def records(self) -> list[dict[str, Any]]:
        return self.state.journal.records()

    def last(self) -> dict[str, Any]:
        return self.records()[-1]


ProxyFactory = Callable[..., Proxied]


@pytest.fixture(params=["inprocess", "server"])
def proxy(request: pytest.FixtureRequest) -> Iterator[ProxyFactory]:
    """``proxy(upstream_url, **settings)``: a proxy to ``upstream_url``, once per transport."""
    with_stack: list[Any] = []

    def start(
        upstream_url: str,
        *,
        read_timeout: float = 10.0,
        max_body_bytes: int = 10 * 1024 * 1024,
        **settings: Any,
    ) -> Proxied:
        state = MockState(Settings(**settings), clock=FakeClock())
        upstream = Upstream(upstream_url, read_timeout=read_timeout, max_body_bytes=max_body_bytes)
        app = create_proxy_app(state, upstream)
        session = requests.Session()
        if request.param == "inprocess":
            transport = InProcessTransport(app, base_urls=(INPROCESS_URL,))
            transport.start()
            with_stack.append(transport.stop)
            return Proxied("inprocess", state, INPROCESS_URL, session)
        server = LiveServer(app)
        server.start()
        with_stack.append(server.stop)
        return Proxied("server", state, server.url, session)

    yield start
    for stop in reversed(with_stack):
        stop()
