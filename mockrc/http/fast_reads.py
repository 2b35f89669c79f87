"""The fast reads: the plain successful SCIM read answered below Flask, byte for byte as Flask would.

``GET /scim/v2/Users/{id}`` and ``GET /scim/v2/Users?filter=…&startIndex=…&count=…`` are most of
what a provisioning client sends. Through Flask each pays for its request machinery (contexts,
URL matching, the hooks, signals, a Response object), about half of the time such a read costs.
:class:`FastReads` is a WSGI layer that the app factory puts just inside the state's lock
(:mod:`mockrc.app`): for a request it can answer in full it does what the Flask path does, with
the same pieces (the guard's host policy, the request-target limit, the token and permission
check, the users service, the renderer's text path, the journal's entry), and for anything else
it hands the request to Flask untouched.

Its one rule: **the same bytes, or delegate.** Status, headers (all, in order), body, journal
entry and state changes are those of the Flask path, and every decision is made before anything
changes: the request id is drawn and the journal written only once the answer is built. What
it does not answer in full (a refusal of any kind, a missing user, an active scenario, rate
limits, a state file, a body, any other parameter…) goes to Flask, which answers it as always:
errors are still turned into responses in one place. ``tests/property/test_fast_reads.py``
compares both paths on generated requests.

The price: a read it looks into and then leaves to Flask (a filter RingCentral refuses, a user
that does not exist, a token that may not read) is searched or looked up twice, ~20 µs more than
before; every other request costs it a few dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" codec error handler used below

from mockrc.http.fast_path import (
    USER_ROUTE,
    USERS_PATH,
    USERS_ROUTE,
    StartResponse,
    WsgiApp,
    authorised,
    base_url_of,
    user_id_of,
    users_request,
)
from mockrc.http.guard import RequestGuard
from mockrc.http.journal_capture import (
    announces_body,
    bodiless_request_message,
    exchange_start,
    record_plain_exchange,
)
from mockrc.http.request_limits import NOSNIFF
from mockrc.http.scim_routes import page_body, users_query
from mockrc.http.tenancy import CurrentAccount
from mockrc.http.wire import SCIM_MEDIA_TYPE
from mockrc.journal import Message
from mockrc.state import MockState

#: The query parameters of a plain list or filter read; any other one goes to Flask.
_LIST_PARAMETERS: Final = frozenset({"filter", "startIndex", "count"})


@dataclass(frozen=True, slots=True)
class _Read:
    """A read the fast path can answer: everything decided, the body built, nothing changed yet."""

    state: MockState
    path: str
    route: str
    #: The query string's decoded pairs; None for no query string.
    query: list[tuple[str, str]] | None
    body: bytes


class FastReads:
    """WSGI layer in front of Flask's ``wsgi_app``, inside the state's lock (see the module)."""

    def __init__(self, app: WsgiApp, current: CurrentAccount, guard: RequestGuard) -> None:
        self._app = app
        self._current = current
        self._guard = guard
        #: How many requests this layer answered itself, for the tests that check it answers the
        #: plain reads (two accounts' requests, under two locks, may race to count: only tests read it).
        self.answered = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        read = self._plain_read(environ)
        if read is None:
            return self._app(environ, start_response)
        return self._answer(read, environ, start_response)

    def _plain_read(self, environ: dict[str, Any]) -> _Read | None:
        """The read, if this layer can answer the request exactly as Flask would; else None.

        Changes nothing but the token's first use (see :func:`authorised`)."""
        if environ.get("REQUEST_METHOD") != "GET" or announces_body(environ):
            return None
        request = users_request(environ, self._current, self._guard)
        if request is None:
            return None
        query_string: str = environ.get("QUERY_STRING", "")
        if not query_string.isascii():
            return None  # Werkzeug decodes the query string as UTF-8: Flask answers what it makes of it
        # Werkzeug's Request.args: the same parse, invalid bytes kept percent-encoded.
        pairs = (
            parse_qsl(query_string, keep_blank_values=True, errors="werkzeug.url_quote")
            if query_string
            else []
        )
        params = dict(pairs)
        if len(params) != len(pairs):
            return None  # a repeated parameter
        state, path = request.state, request.path
        base_url = base_url_of(environ, request.host)
        users = state.users
        try:
            if path == USERS_PATH:
                if not params.keys() <= _LIST_PARAMETERS:
                    return None
                body = page_body(users, users.search(*users_query(params)), base_url)
                route = USERS_ROUTE
            else:
                user_id = user_id_of(path)
                if user_id is None or pairs:
                    return None
                body = users.render_text(users.get(user_id), base_url).encode()
                route = USER_ROUTE
        except Exception:  # a refusal, a missing user, or a failure: Flask answers each as always
            return None
        if not authorised(state, request.bearer, "ReadAccounts"):
            return None
        return _Read(state, path, route, pairs if query_string else None, body)

    def _answer(self, read: _Read, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """What the Flask path does with the same request, in its order: draw the request id, note
        the arrival, answer, journal the exchange."""
        state = read.state
        values: dict[str, Any] = {"request_id": state.next_request_id(), **exchange_start(state)}
        body = read.body
        headers = [("Content-Type", SCIM_MEDIA_TYPE), ("Content-Length", str(len(body))), NOSNIFF]
        response = Message(tuple(headers), body, SCIM_MEDIA_TYPE)
        record_plain_exchange(
            state,
            environ,
            values,
            method="GET",
            path=read.path,
            query=read.query,
            route=read.route,
            request=bodiless_request_message(environ),
            status=200,
            response=response,
        )
        self.answered += 1
        start_response("200 OK", headers)
        return [body]
