"""In-process transport: ``requests`` calls to RingCentral hosts answered by a WSGI app, no socket.

Every ``requests`` call whose URL starts with one of the base URLs is handed to the WSGI app
through a private :class:`responses.RequestsMock`; every other URL passes through untouched.
``responses`` patches ``HTTPAdapter.send`` itself, so sessions created before :meth:`start`
are intercepted as well.

Why one catch-all callback per method instead of one ``responses`` route per endpoint: the app
already owns the routing table (the live server runs the very same app), and a second table of
regexes would drift from it (moto keeps two and pays for it).

Nesting with your own ``responses`` mocks:

* **Yours outside, ours inside** (e.g. ``@responses.activate`` on the test, transport started in
  it): works as is. ``start()`` takes whatever ``HTTPAdapter.send`` is at that moment as the
  "real" send for pass-through, so requests to other hosts still reach your stubs (moto's fix,
  getmoto/moto#6988). Requests to the RingCentral base URLs are answered by the app, even if
  you stubbed them too.
* **Ours outside, yours inside**: your mock must know two things ours cannot tell it. Build it
  *while ours is running* with ``real_adapter_send=requests.adapters.HTTPAdapter.send`` (the
  patched send, i.e. ours), and let the RingCentral hosts through with ``add_passthru``::

      with InProcessTransport(app):
          with responses.RequestsMock(real_adapter_send=HTTPAdapter.send) as yours:
              yours.add_passthru("https://platform.ringcentral.com")
              yours.get("https://api.example.com/x", json={})

  Without ``add_passthru`` your mock refuses the RingCentral call (``ConnectionError``); without
  ``real_adapter_send`` it passes it to the network. The module-level mock behind
  ``@responses.activate`` was built at import time with the unpatched send, so it cannot be
  nested inside ours: use it outside, or use a ``RequestsMock`` of your own as above.

Transport faults: a response carrying ``X-Mockrc-Fault: drop`` is turned into a
:class:`requests.exceptions.ConnectionError` raised to the caller, the in-process equivalent of
the server closing the connection without an answer (which is what ``LiveServer`` does with the
same header). The header never reaches the client.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from io import BytesIO
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import responses
from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from requests.exceptions import ConnectionError as RequestsConnectionError
from werkzeug.test import EnvironBuilder

from mockrc.settings import DEFAULT_BASE_URLS
from mockrc.transport.faults import FAULT_DROP, FAULT_HEADER

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

_Reply = tuple[int, list[tuple[str, str]], bytes]
_Environ = dict[str, Any]

#: The keys of the environ EnvironBuilder makes that depend only on the origin, in its order.
_ORIGIN_KEYS = (
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_HOST",
    "SERVER_PROTOCOL",
    "wsgi.version",
    "wsgi.url_scheme",
)
#: Bodies of these media types EnvironBuilder encodes from a form of its own when none is given.
_BUILT_BODIES = ("multipart/form-data", "application/x-www-form-urlencoded")
_FAULT_HEADER = FAULT_HEADER.lower()


def _origin(base_url: str) -> str:
    """``base_url`` without a trailing slash; refuse anything but ``scheme://host[:port]``.

    A path in a base URL would have to become the app's SCRIPT_NAME for ``Location`` headers to
    come out right; nobody needs that, so it is an error rather than a silent half-feature.
    """
    parts = urlsplit(base_url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise ValueError(f"base URL must be scheme://host[:port], got {base_url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _body_bytes(body: object) -> bytes | None:
    """Request body as sent on the wire (urllib3 encodes ``str`` bodies as UTF-8).

    ``body`` is what ``PreparedRequest.body`` may hold: bytes, text, None, or, for a streamed
    upload, a file-like object or an iterable of chunks, read to the end here.
    """
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    read = getattr(body, "read", None)
    chunks = [read()] if callable(read) else body
    if not isinstance(chunks, Iterable):
        raise TypeError(f"cannot send a request body of type {type(body).__name__}")
    return b"".join(_body_bytes(chunk) or b"" for chunk in chunks)


def _header_text(value: str | bytes) -> str:
    """A header value as a WSGI server gives it: bytes as sent, decoded as ISO-8859-1 (PEP 3333)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _origin_environ(origin: str) -> _Environ | None:
    """The part of every environ for ``origin`` that depends on nothing else, as Werkzeug's
    EnvironBuilder makes it (host, port, scheme, protocol); None if it makes none (a host name
    IDNA refuses: each request then meets EnvironBuilder's error, as it always has)."""
    try:
        built = EnvironBuilder(base_url=origin).get_environ()
    except (ValueError, UnicodeError):
        return None
    return None if built["SCRIPT_NAME"] else {key: built[key] for key in _ORIGIN_KEYS}


def _builder_environ(
    origin: str, method: str, path_url: str, headers: list[tuple[str, str]], body: bytes | None
) -> _Environ:
    """The environ Werkzeug's EnvironBuilder makes of the request: the reference :func:`_environ`
    follows, and what it falls back on for a request it does not build itself."""
    return EnvironBuilder(
        path=path_url, base_url=origin, method=method, headers=headers, data=body
    ).get_environ()


def _environ(
    base: _Environ | None,
    origin: str,
    method: str,
    path_url: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
) -> _Environ:
    """The environ of one request, key for key and in the same order as :func:`_builder_environ`
    makes it, at a tenth of its cost (EnvironBuilder costs ~70 µs, a sizeable part of an in-process
    call). ``base`` is :func:`_origin_environ` of the request's origin, None for an origin written
    otherwise (another case, an explicit default port): that, a path with anything but printable
    ASCII, a path that starts with ``//`` (which EnvironBuilder reads as a host), or a body
    EnvironBuilder would build itself go to EnvironBuilder.
    """
    if base is None or not _plain_target(path_url):
        return _builder_environ(origin, method, path_url, headers, body)
    content_type: str | None = None
    fields: list[tuple[str, str]] = []
    for name, value in headers:
        if not isinstance(name, str) or "\n" in value or "\r" in value:
            return _builder_environ(origin, method, path_url, headers, body)
        lowered = name.lower()
        if lowered == "content-type":
            if content_type is None:
                content_type = value
        elif lowered != "content-length":  # EnvironBuilder counts the body itself
            fields.append((f"HTTP_{name.upper().replace('-', '_')}", value))
    if not body and (content_type or "").partition(";")[0].strip() in _BUILT_BODIES:
        return _builder_environ(origin, method, path_url, headers, body)
    path, _, query = path_url.partition("?")
    raw_uri = path_url.encode().decode("latin-1")
    environ: _Environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(path).encode().decode("latin-1"),
        "QUERY_STRING": query.encode().decode("latin-1"),
        "REQUEST_URI": raw_uri,
        "RAW_URI": raw_uri,
        **base,
        "wsgi.input": BytesIO(body or b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    # Two names of one environ key (X-A and X_A) are joined, as EnvironBuilder joins them; a Host
    # header sent takes the place of the origin's.
    joined: dict[str, str] = {}
    for key, value in fields:
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    environ.update(joined)
    return environ


def _plain_target(path_url: str) -> bool:
    """Whether a request target is printable ASCII (what ``requests`` sends: it percent-encodes
    the rest) and starts with a single slash."""
    return (
        path_url.isascii()
        and path_url.isprintable()
        and " " not in path_url
        and path_url.startswith("/")
        and not path_url.startswith("//")
    )


class InProcessTransport:
    """Route ``requests`` calls for ``base_urls`` into ``app``; a start/stop pair or a ``with`` block."""

    def __init__(self, app: WSGIApplication, base_urls: Sequence[str] = DEFAULT_BASE_URLS) -> None:
        self._app = app
        origins = [_origin(url) for url in base_urls]
        # The origin must end where the URL's authority ends: platform.ringcentral.com must not
        # capture platform.ringcentral.com.evil.example.
        self.url_pattern = re.compile(
            "(?:" + "|".join(re.escape(origin) for origin in origins) + ")(?:[/?#]|$)", re.IGNORECASE
        )
        self._mock: responses.RequestsMock | None = None
        self._origin_environs = {origin: _origin_environ(origin) for origin in origins}

    def start(self) -> None:
        """Start intercepting. The mock is built now so pass-through uses the current send."""
        if self._mock is not None:
            raise RuntimeError("InProcessTransport is already started")
        mock = responses.RequestsMock(
            assert_all_requests_are_fired=False,
            # responses declares the send it expects a little narrower than requests' own types.
            real_adapter_send=HTTPAdapter.send,  # type: ignore[arg-type]
        )
        for method in _METHODS:
            # content_type=None: otherwise responses adds text/plain next to the app's own type.
            # responses types a callback's headers as a mapping; it takes a list of pairs too
            # (CallbackResponse.get_response extends its header dict with them), which keeps a
            # header the app sends twice.
            mock.add_callback(
                method,
                self.url_pattern,
                callback=self._dispatch,  # type: ignore[arg-type]
                content_type=None,
            )
        mock.add_passthru(re.compile(".*"))
        mock.start()
        self._mock = mock

    def stop(self) -> None:
        """Stop intercepting; calling it when stopped does nothing."""
        if self._mock is not None:
            self._mock.stop(allow_assert=False)
            self._mock = None

    def _forget_calls(self) -> None:
        """Drop what ``responses`` keeps of the calls before this one.

        A RequestsMock keeps every request and response it handled (``calls``, and each route's
        ``calls``) for its own assertions, which this private mock never makes: a test session's
        every list page and body stayed in memory, and the garbage collector walked them all again
        and again. The journal (:mod:`mockrc.journal`) is the bounded record of what was sent.
        """
        mock = self._mock
        if mock is not None:
            mock.calls.reset()
            for route in mock.registered():
                route.calls.reset()

    def __enter__(self) -> InProcessTransport:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _dispatch(self, request: PreparedRequest) -> _Reply:
        """Run one request through the app, the way a WSGI server would."""
        self._forget_calls()
        url = str(request.url)
        scheme, netloc = urlsplit(url)[:2]
        origin = f"{scheme}://{netloc}"
        environ = _environ(
            self._origin_environs.get(origin),
            origin,
            str(request.method),
            # path_url keeps the raw query string: "+" and "%20" reach the app as sent.
            request.path_url,
            # A streamed body arrives whole, with its Content-Length instead of chunked
            # Transfer-Encoding, as waitress hands a chunked request to the app.
            [
                (name, _header_text(value))
                for name, value in request.headers.items()
                if name.lower() != "transfer-encoding"
            ],
            _body_bytes(request.body),
        )
        status, headers, body = _run(self._app, environ)
        fault: str | None = None
        answer: list[tuple[str, str]] = []
        for name, value in headers:
            if name.lower() != _FAULT_HEADER:
                answer.append((name, value))
            elif fault is None:
                fault = value
        if fault == FAULT_DROP:
            raise RequestsConnectionError(
                f"mockrc dropped the connection: {request.method} {url}", request=request
            )
        if fault is not None:
            raise ValueError(f"unknown {FAULT_HEADER} value {fault!r}")
        return int(status[:3]), answer, body


def _run(app: WSGIApplication, environ: _Environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``app`` as Werkzeug's ``run_wsgi_app(app, environ, buffered=True)`` does (its answer
    read whole and closed; what it passes to ``write`` is not kept), without the copies of the
    environ and the headers that cost more than the call."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info:
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        started[:] = [(status, headers)]
        return _ignore

    answer = app(environ, start_response)
    try:
        body = b"".join(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()
    status, headers = started[0]
    return status, headers, body


def _ignore(data: bytes) -> None:
    """The ``write`` of a start_response whose output is not kept."""
