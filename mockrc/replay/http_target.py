"""The target of a replay over HTTP, with requests.

requests (already installed: ``responses``, a dependency, is built on it) rather than urllib3
alone: it gives sessions that keep connections alive, a CA bundle for a sandbox's HTTPS, and
proxies from the environment. A target is a base URL; credentials travel only over
HTTPS, or plain HTTP to a loopback address (a local mockrc). Answers are read up to
:data:`~mockrc.replay.runner.RESPONSE_LIMIT` bytes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from mockrc.loopback import is_loopback_name
from mockrc.replay.runner import RESPONSE_LIMIT, Answer
from mockrc.replay.substitution import OutgoingRequest

#: Seconds to wait for a connection and for each read, unless told otherwise.
DEFAULT_TIMEOUT = 30.0


class TargetError(ValueError):
    """A target URL replay will not use; the message says why."""


def check_target_url(url: str) -> str:
    """``url`` without a trailing slash; TargetError unless HTTPS, or HTTP to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"{url!r} is not an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise TargetError(f"{url!r}: give the base URL alone, without a query or fragment")
    if parts.scheme == "http" and not is_loopback_name(parts.hostname):
        raise TargetError(
            f"{url!r}: replay sends credentials, so the target must be https:// (plain http:// only to a"
            " loopback address such as 127.0.0.1)"
        )
    return url.rstrip("/")


class HttpTarget:
    """Sends replayed requests to ``base_url`` over one session; never follows redirects."""

    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = check_target_url(base_url)
        self.timeout = timeout
        self._session = requests.Session()
        # The environment's proxies (HTTPS_PROXY, NO_PROXY), but not the rest of what requests
        # takes from it: a ~/.netrc entry would add credentials to a request recorded without any.
        self._session.trust_env = False
        self._session.proxies.update(requests.utils.get_environ_proxies(self.base_url))

    def send(self, request: OutgoingRequest) -> Answer:
        url = self.base_url + request.path + (f"?{request.query}" if request.query else "")
        try:
            response = self._session.request(
                request.method,
                url,
                headers=request.headers,
                data=request.body,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            return Answer(None, {}, b"", 0, f"{type(exc).__name__}: {exc}"[:300])
        with response:
            try:
                body = response.raw.read(RESPONSE_LIMIT + 1, decode_content=True)
            except Exception as exc:  # urllib3's and the socket's errors alike: an answer cut short
                return Answer(
                    response.status_code, dict(response.headers), b"", 0, f"the answer broke off: {exc}"[:300]
                )
        note = (
            f"the answer is longer than {RESPONSE_LIMIT:,} bytes: cut" if len(body) > RESPONSE_LIMIT else None
        )
        return Answer(response.status_code, dict(response.headers), body[:RESPONSE_LIMIT], len(body), note)

    def close(self) -> None:
        self._session.close()
