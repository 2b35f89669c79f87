"""The guard in front of every request: the right host, no cross-site control calls, the admin key.

A fake on a developer's machine listens on loopback, and the developer's browser can reach
loopback too. Two things a web page in that browser could otherwise do:

- **Cross-site requests.** A page on any site can send a ``POST`` to ``http://127.0.0.1:8080`` (a
  form, or ``fetch`` in ``no-cors`` mode) without asking first, as long as it is a "simple" request:
  a CORS-safelisted content type (``text/plain``, a form) and no custom header (Fetch standard,
  https://fetch.spec.whatwg.org/#cors-safelisted-request-header). So every state-changing call of
  the control plane (``POST``/``PUT``/``PATCH``/``DELETE`` under ``/__mockrc``) must carry what such
  a request cannot: ``Content-Type: application/json`` or the ``X-Mockrc-Admin-Key`` header. A
  browser sends either only after a CORS preflight, which the fake never grants (it sends no
  ``Access-Control-Allow-*`` header). Any ``/__mockrc`` call whose ``Origin`` is not the fake's own
  (``scheme://Host``) is refused as well: browsers send ``Origin`` on every cross-origin request.
  Both answer 403 (``MOCKRC-403``).
- **DNS rebinding.** A page on ``attacker.example`` can re-point that name at 127.0.0.1; its
  requests then reach the fake as *same-origin* requests whose answers the page can read, with
  ``Host: attacker.example`` (https://en.wikipedia.org/wiki/DNS_rebinding). So every request, on
  every path (``/scim`` and ``/restapi`` read users too), must name a host the fake answers for:
  loopback (``localhost``, 127.0.0.0/8, ``[::1]``, any port), the hosts of
  ``Settings.base_urls`` (RingCentral's own hosts, which the in-process transport serves), and
  ``Settings.allowed_hosts`` (``mockrc serve --host`` and ``--allowed-host``). Any other ``Host`` is
  answered 421 Misdirected Request (RFC 9110 §15.5.20: the server is not willing to answer for
  that target URI), rather than a 403 a SCIM client would read as a problem of its token. A
  request without ``Host`` (HTTP/1.0) passes: browsers always send one. The in-process transport
  sends the host of the URL it intercepted, so it must be built from the same ``base_urls`` as the
  app (``MockRingCentral`` and the pytest plugin do); one Settings field serves both transports.

The admin key (``Settings.admin_key``, set by ``mockrc serve --allow-remote``) is checked here as
well, so the control plane's protection is in one place: every ``/__mockrc`` call but the health
check needs it, in the ``X-Mockrc-Admin-Key`` header or in the cookie that opening the dashboard
URL printed at start (``/__mockrc/ui?key=KEY``) sets.

The guard knows nothing of the routes: :meth:`RequestGuard.check` takes the request and raises a
:class:`~mockrc.errors.GuardRefusal` (answered in RingCentral's REST error shape, or SCIM's on
``/scim``), returns the redirect that stores the admin key, or returns None to let the request on.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from flask import Request, redirect
from werkzeug.wrappers import Response  # what redirect() builds; Flask's Response extends it

from mockrc.errors import AdminKeyRequired, CrossSiteRequest, MisdirectedRequest
from mockrc.http.request_limits import query_encoding_error
from mockrc.paths import CONTROL_PREFIX, HEALTH_PATH, UI_PREFIX, is_control_path
from mockrc.settings import Settings

ADMIN_KEY_HEADER: Final = "X-Mockrc-Admin-Key"
ADMIN_KEY_COOKIE: Final = "mockrc_admin_key"
UI_PATHS: Final = frozenset({UI_PREFIX, f"{UI_PREFIX}/"})
#: Methods that change nothing (RFC 9110 §9.2.1); every other one needs proof it is no cross-site form.
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
#: Content types a cross-site page cannot send without a preflight.
JSON_MEDIA_TYPES: Final = frozenset({"application/json", "application/scim+json"})
#: An ``--allowed-host`` entry that turns the Host check off.
ANY_HOST: Final = "*"
#: How much of a refused Host or Origin an error message repeats.
_ECHO_LIMIT: Final = 100
#: Host header values whose verdict is remembered (a client sends the same one every time; parsing
#: it costs ~12 µs, a sizeable part of a whole request). Beyond this many, the memory starts over;
#: a value longer than a DNS name and a port (RFC 1035 §2.3.4) is never remembered.
_REMEMBERED_HOSTS: Final = 64
_REMEMBERED_LENGTH: Final = 253 + len(":65535")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowed_host(entry: str) -> str | IPNetwork:
    """One ``--allowed-host`` entry: ``*``, a network (``10.0.0.0/8``), an address, or a host name.

    Returns the name folded to lower case (without a final dot), or the network (an address is a
    network of one). Raises ``ValueError`` for anything else, a port included: the check ignores
    ports, since a page that rebinds a name can pick any port anyway.
    """
    text = entry.strip()
    if text == ANY_HOST:
        return ANY_HOST
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        pass
    name = text.lower().removesuffix(".")
    if not name or any(not (c.isalnum() or c in "-._") for c in name) or not name.isascii():
        raise ValueError(
            f"{entry!r} is not a host name, an IP address, a network (10.0.0.0/8) or '*' (any host); "
            "leave the port out"
        )
    return name


@dataclass(frozen=True)
class HostPolicy:
    """The hosts one fake answers for (see the module's docstring)."""

    names: frozenset[str]
    networks: tuple[IPNetwork, ...]
    any_host: bool = False
    _verdicts: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, settings: Settings) -> HostPolicy:
        """Loopback, the hosts of the base URLs, and ``settings.allowed_hosts``."""
        entries: list[str] = ["localhost", "127.0.0.0/8", "::1", *settings.allowed_hosts]
        entries += [host for host in (urlsplit(url).hostname for url in settings.base_urls) if host]
        return cls.from_entries(entries)

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> HostPolicy:
        parsed = [parse_allowed_host(entry) for entry in entries]
        return cls(
            names=frozenset(p for p in parsed if isinstance(p, str) and p != ANY_HOST),
            networks=tuple(p for p in parsed if not isinstance(p, str)),
            any_host=ANY_HOST in parsed,
        )

    def allows(self, host: str) -> bool:
        """Whether a ``Host`` header (``name``, ``name:port``, ``[v6]:port``) names this fake."""
        verdict = self._verdicts.get(host)
        if verdict is None:
            verdict = self._allows(host)
            if len(host) <= _REMEMBERED_LENGTH:
                if len(self._verdicts) >= _REMEMBERED_HOSTS:
                    self._verdicts.clear()
                self._verdicts[host] = verdict
        return verdict

    def _allows(self, host: str) -> bool:
        if self.any_host:
            return True
        hostname = _hostname(host)
        if hostname is None:
            return False
        try:
            address = ipaddress.ip_address(hostname)
        except ValueError:
            return hostname.removesuffix(".") in self.names
        return any(address in network for network in self.networks)

    def describe(self) -> str:
        """The hosts allowed, for an error message."""
        networks = [str(n.network_address) if n.num_addresses == 1 else str(n) for n in self.networks]
        return ", ".join([*sorted(self.names), *networks])


def _hostname(host: str) -> str | None:
    """The host name of a ``Host`` header value, lower case, brackets off; None if it is not one."""
    try:
        parts = urlsplit(f"//{host}")
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    if parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return parts.hostname or None


def _same_origin(origin: str, host: str) -> bool:
    """Whether ``origin`` (``scheme://host[:port]``) is the origin of a request sent to ``host``."""
    try:
        sent = urlsplit(origin)
        target = urlsplit(f"//{host}")
        default = {"http": 80, "https": 443}.get(sent.scheme)
        if default is None or sent.path or sent.query or sent.username is not None:
            return False
        return sent.hostname == target.hostname and (sent.port or default) == (target.port or default)
    except ValueError:
        return False


def _echo(text: str) -> str:
    return text if len(text) <= _ECHO_LIMIT else f"{text[:_ECHO_LIMIT]}…"


class RequestGuard:
    """The checks of one fake; :meth:`check` runs before every request."""

    def __init__(self, settings: Settings) -> None:
        self.hosts = HostPolicy.of(settings)
        self.admin_key = settings.admin_key

    def passes_quietly(self, path: str, host: str | None) -> bool:
        """Whether :meth:`check` lets a request to ``path`` with this ``Host`` on without a word
        (no refusal, no redirect): a path outside the control plane, to a host this fake answers
        for. The fast reads and writes (:func:`mockrc.http.fast_path.users_request`) answer only
        such requests."""
        return not is_control_path(path) and (host is None or self.hosts.allows(host))

    def check(self, request: Request) -> Response | None:
        """Refuse a request this fake must not answer (raise), or let it on (None).

        The one response it returns is the redirect that keeps the admin key of the printed
        dashboard URL in a cookie.
        """
        host = request.environ.get("HTTP_HOST")
        if host is not None and not self.hosts.allows(host):
            raise MisdirectedRequest(
                f"mockrc does not answer for the host [{_echo(host)}] named by the Host header; it answers "
                f"for {self.hosts.describe()}. Start it with --allowed-host NAME to answer for another "
                "name (a page can point a name of its own at this machine: DNS rebinding)"
            )
        if not is_control_path(request.path):
            return None
        origin = request.headers.get("Origin")
        if origin is not None and (host is None or not _same_origin(origin, host)):
            raise CrossSiteRequest(
                f"{CONTROL_PREFIX} refuses requests from pages of other origins: the Origin header is "
                f"[{_echo(origin)}], not the origin of the Host [{_echo(host or '')}]"
            )
        # The health check of the server needs no key; an account's (mounted under
        # /__mockrc/accounts/<id>, its script root) does: it would tell who guesses an id that it exists.
        if self.admin_key is not None and (request.path != HEALTH_PATH or request.script_root):
            stored = self._admin_key_in_url(request)
            if stored is not None:
                return stored
            if not self._admin_key_given(request):
                raise AdminKeyRequired(
                    f"{CONTROL_PREFIX} needs the admin key printed when the fake started: send it in the "
                    f"{ADMIN_KEY_HEADER} header, or open the dashboard URL printed at start"
                )
        if request.method not in SAFE_METHODS and not self._not_a_simple_request(request):
            sent = request.content_type or "no Content-Type"
            raise CrossSiteRequest(
                f"{request.method} {_echo(request.path)} needs Content-Type: application/json or the "
                f"{ADMIN_KEY_HEADER} header, not [{_echo(sent)}] without it: a page of another site "
                "could send such a request"
            )
        return None

    @staticmethod
    def _not_a_simple_request(request: Request) -> bool:
        """Whether the request carries what a browser sends cross-site only after a preflight."""
        return (request.mimetype or "").lower() in JSON_MEDIA_TYPES or ADMIN_KEY_HEADER in request.headers

    def _admin_key_given(self, request: Request) -> bool:
        assert self.admin_key is not None
        given = request.headers.get(ADMIN_KEY_HEADER) or request.cookies.get(ADMIN_KEY_COOKIE) or ""
        return hmac.compare_digest(given.encode(), self.admin_key.encode())

    def _admin_key_in_url(self, request: Request) -> Response | None:
        """The printed dashboard URL (``/__mockrc/ui?key=KEY``): keep the key in a cookie for the
        page's own requests, and take it out of the address bar (and of the browser's history)."""
        assert self.admin_key is not None
        # A query that is not UTF-8 cannot hold the key (the request target check answers it).
        if request.path not in UI_PATHS or query_encoding_error(request.environ) or "key" not in request.args:
            return None
        if not hmac.compare_digest(request.args["key"].encode(), self.admin_key.encode()):
            return None
        response = redirect(UI_PREFIX, code=303)
        response.set_cookie(
            ADMIN_KEY_COOKIE, self.admin_key, httponly=True, samesite="Strict", path=CONTROL_PREFIX
        )
        return response
