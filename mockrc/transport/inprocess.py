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
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import responses
from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from requests.exceptions import ConnectionError as RequestsConnectionError
from werkzeug.test import EnvironBuilder, run_wsgi_app

from mockrc.settings import DEFAULT_BASE_URLS
from mockrc.transport.faults import FAULT_DROP, FAULT_HEADER

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

_Reply = tuple[int, list[tuple[str, str]], bytes]


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
        url = str(request.url)
        scheme, netloc = urlsplit(url)[:2]
        environ = EnvironBuilder(
            # path_url keeps the raw query string: "+" and "%20" reach the app as sent.
            path=request.path_url,
            base_url=f"{scheme}://{netloc}",
            method=str(request.method),
            # A streamed body arrives whole, with its Content-Length instead of chunked
            # Transfer-Encoding, as waitress hands a chunked request to the app.
            headers=[
                (name, _header_text(value))
                for name, value in request.headers.items()
                if name.lower() != "transfer-encoding"
            ],
            data=_body_bytes(request.body),
        ).get_environ()
        body, status, headers = run_wsgi_app(self._app, environ, buffered=True)
        fault = headers.pop(FAULT_HEADER, None)
        if fault == FAULT_DROP:
            raise RequestsConnectionError(
                f"mockrc dropped the connection: {request.method} {url}", request=request
            )
        if fault is not None:
            raise ValueError(f"unknown {FAULT_HEADER} value {fault!r}")
        return int(status[:3]), headers.to_wsgi_list(), b"".join(body)
