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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" codec error handler used below
from werkzeug.sansio.utils import get_host

from mockrc.http.auth import authorise_scim_token, bearer_token_of
from mockrc.http.guard import RequestGuard
from mockrc.http.journal_capture import (
    announces_body,
    bodiless_request_message,
    exchange_start,
    record_plain_exchange,
)
from mockrc.http.request_limits import NOSNIFF, request_target_length
from mockrc.http.scim_routes import USER_RULE, USERS_RULE, page_body, users_query
from mockrc.http.tenancy import CurrentAccount
from mockrc.http.wire import SCIM_MEDIA_TYPE
from mockrc.journal import Message
from mockrc.limits import LIMITS
from mockrc.paths import SCIM_PREFIX
from mockrc.permissions import ScimPermission
from mockrc.state import MockState

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

USERS_PATH: Final = f"{SCIM_PREFIX}{USERS_RULE}"
_USER_PREFIX: Final = f"{USERS_PATH}/"
#: The routes the journal records (what Flask's URL rule says: :mod:`mockrc.http.scim_routes`).
USERS_ROUTE: Final = USERS_PATH
USER_ROUTE: Final = f"{SCIM_PREFIX}{USER_RULE}"
#: The query parameters of a plain list or filter read; any other one goes to Flask.
_LIST_PARAMETERS: Final = frozenset({"filter", "startIndex", "count"})


@dataclass(frozen=True, slots=True)
class UsersRequest:
    """A request to ``/scim/v2/Users…`` that a fast path may answer as far as the hooks go: what
    it does not check (method, query, body) is the fast path's own to check."""

    #: The account the request is for (:class:`~mockrc.http.tenancy.CurrentAccount`'s choice).
    state: MockState
    #: The path as Werkzeug's Request and URL adapter read it.
    path: str
    #: The ``Host`` header, which the guard lets on without a word.
    host: str
    #: The bearer token of the ``Authorization`` header (not checked yet).
    bearer: str


def users_request(
    environ: dict[str, Any], current: CurrentAccount, guard: RequestGuard
) -> UsersRequest | None:
    """The request, if Flask's hooks would let it on to a Users view without doing anything (the
    guard, the request-target limit, no scenario, rate limit or state file) and it carries a bearer
    token; else None. Changes nothing; the fast reads and the fast writes share it."""
    if environ.get("SCRIPT_NAME"):
        return None
    raw_path: str = environ.get("PATH_INFO") or ""
    if not raw_path.startswith(USERS_PATH):
        return None
    if request_target_length(environ) > LIMITS.request_target_bytes:
        return None  # 414
    try:
        # The path as Werkzeug's Request and URL adapter read it (PATH_INFO is latin-1 text).
        path = "/" + raw_path.encode("latin-1").decode("utf-8", "replace").lstrip("/")
    except UnicodeEncodeError:
        return None
    host: str | None = environ.get("HTTP_HOST")
    if host is None or not guard.passes_quietly(path, host):
        return None
    bearer = bearer_token_of(environ.get("HTTP_AUTHORIZATION"))
    if bearer is None:
        return None
    state = current.chosen()
    # Scenarios, rate limits and a state file act in the hooks: Flask runs those.
    if state.scenarios.any_active or state.rate_limiter is not None or state.state_file is not None:
        return None
    return UsersRequest(state, path, host, bearer)


def user_id_of(path: str) -> str | None:
    """The ``{id}`` of a path ``/scim/v2/Users/{id}`` (what the route's converter takes: no
    slash), None for any other path."""
    user_id = path[len(_USER_PREFIX) :]
    if not path.startswith(_USER_PREFIX) or not user_id or "/" in user_id:
        return None
    return user_id


def base_url_of(environ: dict[str, Any], host: str) -> str:
    """``scheme://host`` as the views' ``base_url`` makes it (from Werkzeug's ``request.host``)."""
    scheme: str = environ.get("wsgi.url_scheme", "http")
    return f"{scheme}://{get_host(scheme, host)}"


def authorised(state: MockState, bearer: str, needed: ScimPermission) -> bool:
    """Whether the token may make a call that needs ``needed``; the last decision before a fast
    path answers, as in the view. Authenticating marks a token's first use, which the Flask path,
    answering the same request when this says no, marks alike (once: the mark is idempotent)."""
    try:
        authorise_scim_token(state.tokens, bearer, needed)
    except Exception:
        return False
    return True


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
