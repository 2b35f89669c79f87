"""Forwarding one request to the upstream and bringing its answer back, unchanged but bounded.

urllib3 (already installed with ``requests``/``responses``) does the HTTP: a connection pool per
upstream, so a proxied request costs no TCP or TLS handshake of its own; separate connect and
read timeouts; TLS verified against the system's certificates. Nothing is retried: a client
under test must see what the upstream did, once.

What is forwarded (RFC 9110 §7.6.1): the method, path, query and body bytes as received, every
header but the hop-by-hop ones (``Connection`` and those it names, ``Keep-Alive``, ``TE``,
``Transfer-Encoding``, ``Upgrade``, ``Proxy-Connection``) with ``Host`` naming the upstream. The
client's own credentials (``Authorization``, a form's client secret) go to the upstream and
nowhere else. The answer comes back the same way: status, headers (hop-by-hop dropped) and
body, read up to :data:`~mockrc.limits.LIMITS`'s body limit; a longer answer, a refused
connection, a timeout or a TLS failure is an :class:`UpstreamFailure` (502 or 504).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import (
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from mockrc.errors import ConfigError
from mockrc.limits import LIMITS
from mockrc.loopback import resolves_to_loopback

#: Hop-by-hop headers (RFC 9110 §7.6.1): they concern one connection, never forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade", "trailer"}
)
#: Seconds to open a connection to the upstream, and to wait for its answer.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0


@dataclass(frozen=True)
class UpstreamAnswer:
    """The upstream's answer: status, headers as sent (hop-by-hop dropped), body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def decoded(self, max_bytes: int = LIMITS.body_bytes) -> bytes | None:
        """The body without its ``Content-Encoding`` (gzip, deflate), at most ``max_bytes``; None for
        an encoding mockrc does not read (br, zstd), a body that does not decode, or one too large.

        The client gets the body as encoded; the checks and the journal read it decoded.
        """
        encoding = (self.header("Content-Encoding") or "identity").strip().lower()
        if encoding == "identity":
            return self.body
        if encoding not in ("gzip", "x-gzip", "deflate"):
            return None
        # wbits 47: gzip or zlib, told by the header; deflate as RFC 9110 §8.4.1.2 means it is zlib.
        inflater = zlib.decompressobj(47)
        try:
            data = inflater.decompress(self.body, max_bytes + 1)
        except zlib.error:
            return None
        return data if len(data) <= max_bytes else None


class UpstreamFailure(Exception):
    """The upstream gave no usable answer: 502 (refused, TLS, broken, too large) or 504 (timeout)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_upstream_url(url: str) -> str:
    """The upstream's base URL (no trailing slash); ConfigError unless it is https:// or loopback.

    Credentials cross this connection: over plain HTTP anyone on the path could read them, so only
    a loopback upstream (a second mockrc, a test's app) may be plain HTTP.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"--upstream {url!r} is not an http(s) URL such as https://platform.devtest.ringcentral.com"
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"--upstream {parts.scheme}://{parts.hostname}...: no credentials in the URL (the journal and "
            "the banner show it); the client sends its own"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"--upstream {url!r}: give the base URL only, with no query or fragment")
    if parts.scheme != "https" and not resolves_to_loopback(parts.hostname):
        raise ConfigError(
            f"--upstream {url!r} is not https://: the client's credentials would cross the network in "
            "clear text. Use https://, or a loopback address (127.0.0.1, localhost) for a local upstream"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def forwarded_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` without the hop-by-hop ones, nor those a ``Connection`` header names."""
    pairs = list(headers)
    named = {
        token.strip().lower()
        for name, value in pairs
        if name.lower() == "connection"
        for token in value.split(",")
    }
    return [
        (name, value) for name, value in pairs if name.lower() not in HOP_BY_HOP and name.lower() not in named
    ]


class Upstream:
    """The one upstream a proxy forwards to, with its connection pool. Thread-safe."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        max_body_bytes: int = LIMITS.body_bytes,
    ) -> None:
        self.url = check_upstream_url(url)
        parts = urlsplit(self.url)
        self.host = parts.netloc
        self._max_body = max_body_bytes
        self._pool = urllib3.PoolManager(
            num_pools=2,
            maxsize=16,
            retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        )

    def forward(
        self, method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> UpstreamAnswer:
        """Send ``method target`` (path and query, as received) with ``headers`` and ``body``."""
        sent = [(n, v) for n, v in forwarded_headers(headers) if n.lower() not in ("host", "content-length")]
        sent.insert(0, ("Host", self.host))
        if body or method in ("POST", "PUT", "PATCH"):
            sent.append(("Content-Length", str(len(body))))
        try:
            response = self._pool.request(
                method,
                f"{self.url}{target}",
                body=body or None,
                headers=urllib3.HTTPHeaderDict(sent),
                redirect=False,
                preload_content=False,
                decode_content=False,
            )
        except MaxRetryError as exc:
            raise _failure(exc.reason or exc) from None
        except HTTPError as exc:
            raise _failure(exc) from None
        try:
            data = response.read(self._max_body + 1, decode_content=False)
        except (ReadTimeoutError, Urllib3Timeout) as exc:
            response.close()
            raise UpstreamFailure(
                504, f"the upstream did not finish its answer in time ({_reason(exc)})"
            ) from None
        except (ProtocolError, HTTPError) as exc:
            response.close()
            raise _failure(exc) from None
        if len(data) > self._max_body:
            response.close()  # the rest is never read: the connection goes with it
            raise UpstreamFailure(
                502, f"the upstream's answer is larger than {self._max_body:,} bytes, mockrc's limit"
            )
        response.release_conn()
        return UpstreamAnswer(response.status, tuple(forwarded_headers(response.headers.items())), data)

    def close(self) -> None:
        self._pool.clear()


def _reason(exc: BaseException) -> str:
    return str(exc).split(": ", 1)[-1][:200] or type(exc).__name__


def _failure(exc: BaseException) -> UpstreamFailure:
    # A refused connection is a NewConnectionError, which urllib3 derives from its timeout errors.
    if isinstance(exc, (ReadTimeoutError, Urllib3Timeout)) and not isinstance(exc, NewConnectionError):
        return UpstreamFailure(504, f"the upstream did not answer in time ({_reason(exc)})")
    if isinstance(exc, SSLError):
        return UpstreamFailure(502, f"TLS with the upstream failed ({_reason(exc)})")
    return UpstreamFailure(502, f"the upstream could not be reached ({type(exc).__name__}: {_reason(exc)})")
