"""The fast writes: the plain successful SCIM write answered below Flask, byte for byte as Flask would.

``POST /scim/v2/Users``, ``PUT``, ``PATCH`` and ``DELETE /scim/v2/Users/{id}`` are what a
provisioning client sends besides its reads. Through Flask each pays for the request machinery
(contexts, URL matching, the hooks, a Response object, Werkzeug's input stream and header
parsing): answered here, a write costs about half the CPU (issue 12). :class:`FastWrites` is the
counterpart of :class:`~mockrc.http.fast_reads.FastReads`, beside it inside the state's lock
(:mod:`mockrc.app`): for a write it can answer in full it does what the Flask path does, with the
same pieces (the
checks of :func:`~mockrc.http.fast_path.users_request`, the token and permission check, the body
parser of :func:`~mockrc.http.request_parsing.json_body`, the users service, the renderer's text
path, the journal's entry), and hands anything else to Flask untouched.

Its rule is the fast reads' rule: **the same bytes, or delegate**. Status, headers (all, in order),
body, journal entry and state changes are those of the Flask path. A write changes the store, so
every decision comes before the change, and the change is the last step that may refuse:

- what the request line and headers say is checked first (the method, the path, no query string
  at all, a JSON media type as ``json_body`` accepts it, a Content-Length of plain digits within
  :attr:`~mockrc.limits.Limits.body_bytes`, no Transfer-Encoding, no body on a DELETE but for a
  ``Content-Length: 0``);
- the body is then read from ``wsgi.input`` once, as Werkzeug would read it (the declared length;
  to the end of the stream where the server says it terminates it), and parsed;
- then the token is checked (authenticating marks a token's first use, which is idempotent: the
  Flask path, answering the same request after a refusal here, marks nothing new);
- then the users service writes. It refuses before it changes anything (a rejected request
  changes nothing, the id sequence included: :meth:`~mockrc.scim.users.UserService.create`), and
  the violations its normaliser logged go with the request to the bin.

Whatever refuses (any error from the token check, the body parse or the domain) hands the request
to Flask with a fresh ``wsgi.input`` holding the bytes read, ahead of whatever the server's stream
still holds: Flask reads, refuses and journals it as always, errors answered in one place. Only once
the write is done is the request id drawn and the journal written, as for the fast reads.
``tests/property/test_fast_writes.py`` compares both paths on generated requests.

The price: a write it looks into and then leaves to Flask (a body the schema refuses, a 409, a
missing user) is parsed and validated twice, about a Flask write's domain work more than before.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, Final

from werkzeug.http import parse_options_header
from werkzeug.urls import iri_to_uri

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
    body_request_message,
    exchange_start,
    record_plain_exchange,
)
from mockrc.http.request_limits import NOSNIFF
from mockrc.http.request_parsing import JSON_MEDIA_TYPES, json_object
from mockrc.http.tenancy import CurrentAccount
from mockrc.http.wire import SCIM_MEDIA_TYPE
from mockrc.journal import Message
from mockrc.limits import LIMITS
from mockrc.scim.render import user_location
from mockrc.state import MockState
from mockrc.violations import ViolationLog

_WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The most digits a Content-Length within the body limit has (leading zeros are Werkzeug's too).
_LENGTH_DIGITS: Final = len(str(LIMITS.body_bytes))
#: What Flask's ``Response(status=204)`` of the DELETE view says it holds: its default media type.
_EMPTY_MEDIA_TYPE: Final = "text/html"
_EMPTY_CONTENT_TYPE: Final = ("Content-Type", "text/html; charset=utf-8")
#: A path Werkzeug's ``iri_to_uri`` leaves as it is: RFC 3986's unreserved characters and slashes.
_PLAIN_PATH: Final = re.compile(r"[A-Za-z0-9/._~-]+")
#: How many base URLs' URIs a :class:`FastWrites` keeps (a bound: Hosts are the client's to choose).
_URI_BASES_KEPT: Final = 16


class _Replayed(io.RawIOBase):
    """``wsgi.input`` for Flask after this layer read some of the server's stream: the bytes read,
    then whatever the stream still holds, so Flask reads exactly what it would have read."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The body, read as Werkzeug's input stream would give it to Flask (``MAX_CONTENT_LENGTH`` is
    :attr:`~mockrc.limits.Limits.body_bytes`), if it is what the Content-Length declares; else None,
    Flask then reading what this read (none of it when it declares no plain length within the limit)."""
    if "HTTP_TRANSFER_ENCODING" in environ:
        return None
    declared = environ.get("CONTENT_LENGTH")
    if (
        not isinstance(declared, str)
        or not declared.isascii()
        or not declared.isdigit()
        or len(declared) > _LENGTH_DIGITS
    ):
        return None
    length = int(declared)
    if not 0 < length <= LIMITS.body_bytes:
        return None  # Flask answers an empty body 400 and a longer one 413, reading none of it
    stream: IO[bytes] = environ["wsgi.input"]
    # A server that terminates the stream (waitress) has Werkzeug read it to its end: one byte more
    # than declared tells whether it holds more. Otherwise Werkzeug reads the declared length.
    terminated = "wsgi.input_terminated" in environ
    try:
        raw = stream.read(length + 1 if terminated else length)
    except (OSError, ValueError):
        return None  # the stream failed: Flask's read fails the same way (a client gone: 400)
    environ["wsgi.input"] = _Replayed(raw, stream)  # for Flask, should this layer delegate
    return raw if len(raw) == length else None


def _bodiless(environ: dict[str, Any]) -> bool:
    """Whether a request has no body, as Flask's journal reads it without reading anything: it
    announces none, or only a ``Content-Length: 0`` (what requests sends with a DELETE)."""
    if not announces_body(environ):
        return True
    return (
        environ.get("CONTENT_LENGTH") == "0"
        and not environ.get("CONTENT_TYPE")
        and "HTTP_TRANSFER_ENCODING" not in environ
    )


def _json_body(environ: dict[str, Any]) -> tuple[bytes, dict[str, Any]] | None:
    """The body's bytes and the JSON object they hold, if :func:`~mockrc.http.request_parsing.json_body`
    would take them; else None (Flask then reads what this read: :func:`_read_body`)."""
    # The media type and charset as Werkzeug's request.mimetype and mimetype_params read them.
    media_type, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    if media_type.lower() not in JSON_MEDIA_TYPES:
        return None  # 415, the body unread
    raw = _read_body(environ)
    if raw is None:
        return None
    try:
        return raw, json_object(raw, options.get("charset"))
    except Exception:  # a refusal: Flask answers it
        return None


@dataclass(frozen=True, slots=True)
class _Written:
    """A write done: the answer and the journal entry's pieces, the request id not drawn yet."""

    state: MockState
    method: str
    path: str
    status: str
    #: The headers as sent; the journal's are those of Flask's Response before Werkzeug sends them.
    headers: list[tuple[str, str]]
    journal_headers: tuple[tuple[str, str], ...]
    media_type: str
    body: bytes
    #: The request as the journal keeps it.
    request: Message
    violations: ViolationLog
    started: dict[str, float]


class FastWrites:
    """WSGI layer in front of Flask's ``wsgi_app``, inside the state's lock (see the module)."""

    def __init__(self, app: WsgiApp, current: CurrentAccount, guard: RequestGuard) -> None:
        self._app = app
        self._current = current
        self._guard = guard
        #: The URI of each base URL a Location was made under (:meth:`_uri_base`). A client sends
        #: few Hosts: a few entries.
        self._uri_bases: dict[str, str] = {}
        #: How many requests this layer answered itself, for the tests that check it answers the
        #: plain writes (two accounts' requests, under two locks, may race to count: only tests read it).
        self.answered = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        written = self._write(environ, method) if method in _WRITES else None
        if written is None:
            return self._app(environ, start_response)
        return self._answer(written, environ, start_response)

    def _write(self, environ: dict[str, Any], method: str) -> _Written | None:
        """Do the write, if this layer can answer the request exactly as Flask would; else None,
        having changed nothing but the token's first use (:func:`~mockrc.http.fast_path.authorised`)
        and, once it read the body, ``wsgi.input`` (the same bytes)."""
        request = users_request(environ, self._current, self._guard)
        if request is None or environ.get("QUERY_STRING"):
            return None
        path = request.path
        user_id = None
        if method == "POST":
            if path != USERS_PATH:
                return None
        else:
            user_id = user_id_of(path)
            if user_id is None:
                return None
        state = request.state
        started = exchange_start(state)
        if method == "DELETE":
            if not _bodiless(environ):
                return None
            raw: bytes = b""
            body: dict[str, Any] = {}  # DELETE has no body
        else:
            read = _json_body(environ)
            if read is None:
                return None
            raw, body = read
        if not authorised(state, request.bearer, "EditAccounts"):
            return None
        base_url = base_url_of(environ, request.host)
        uri_base = self._uri_base(base_url) if method == "POST" else ""
        if uri_base is None:
            return None
        users = state.users
        log = ViolationLog()
        # The last step that may refuse, and it refuses before it changes anything.
        try:
            if user_id is None:
                user = users.create(body, log, read=True)
            elif method == "DELETE":
                users.delete(user_id)
                user = None
            elif method == "PUT":
                user = users.replace(user_id, body, log, read=True)
            else:
                user = users.patch(user_id, body, log, read=True)
        except Exception:  # a refusal (or a failure, which changed nothing either): Flask answers it
            return None
        # Written: what follows is the view's rendering of the user it wrote, and its answer. (Past
        # this point nothing is left to Flask: a failure would reach the server, not Flask's 500
        # handler. The renderer only writes out text the store holds already.)
        message = (
            bodiless_request_message(environ) if method == "DELETE" else body_request_message(environ, raw)
        )
        if user is None:
            status, headers, media_type, text = (
                "204 NO CONTENT",
                [_EMPTY_CONTENT_TYPE, NOSNIFF],
                _EMPTY_MEDIA_TYPE,
                b"",
            )
            journal_headers = tuple(headers)
        else:
            text = users.render_text(user, base_url).encode()
            media_type = SCIM_MEDIA_TYPE
            headers = [("Content-Type", SCIM_MEDIA_TYPE), ("Content-Length", str(len(text))), NOSNIFF]
            if user_id is not None:
                status = "200 OK"
                journal_headers = tuple(headers)
            else:
                status = "201 CREATED"
                location = user_location(base_url, user.id)
                # Werkzeug sends a Location as a URI (Response.get_wsgi_headers); the journal keeps
                # the header as the view set it.
                journal_headers = (("Location", location), *headers)
                rest = location[len(base_url) :]  # what iri_to_uri leaves as it is, for an id of ours
                uri = uri_base + rest if uri_base and _PLAIN_PATH.fullmatch(rest) else iri_to_uri(location)
                headers.insert(0, ("Location", uri))
        return _Written(
            state, method, path, status, headers, journal_headers, media_type, text, message, log, started
        )

    def _uri_base(self, base_url: str) -> str | None:
        """What Werkzeug's ``iri_to_uri`` makes of ``base_url`` at the start of a Location (it
        sends a Location a view set as a URI, ~10 µs a call), worked out once per base URL: ""
        where the URI of a Location is not that plus the rest; None where Werkzeug fails on it
        (a write Flask answers with a 500 after the change)."""
        uri_base = self._uri_bases.get(base_url)
        if uri_base is None:
            probe = user_location(base_url, "0")
            try:
                whole = iri_to_uri(probe)
            except Exception:
                return None
            rest = probe[len(base_url) :]
            uri_base = whole[: -len(rest)] if whole.endswith(rest) else ""
            if len(self._uri_bases) >= _URI_BASES_KEPT:
                self._uri_bases.clear()
            self._uri_bases[base_url] = uri_base
        return uri_base

    def _answer(
        self, written: _Written, environ: dict[str, Any], start_response: StartResponse
    ) -> list[bytes]:
        """What the Flask path does after the view: draw the request id (once, as the hooks do),
        journal the exchange, answer."""
        state = written.state
        values: dict[str, Any] = {
            "request_id": state.next_request_id(),
            **written.started,
            "violations": written.violations,
        }
        status = int(written.status[:3])
        record_plain_exchange(
            state,
            environ,
            values,
            method=written.method,
            path=written.path,
            query=None,
            route=USERS_ROUTE if written.method == "POST" else USER_ROUTE,
            request=written.request,
            status=status,
            response=Message(written.journal_headers, written.body, written.media_type),
        )
        self.answered += 1
        start_response(written.status, written.headers)
        return [written.body] if written.body else []
