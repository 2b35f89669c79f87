"""Access tokens and who stands behind them.

Every SCIM request is authorised by a bearer token found here. The registry is the one place
that decides whether a token is usable (unknown, expired, revoked) so that tokens registered from
the command line (``mockrc serve --token T``) and tokens issued by the OAuth endpoints go through
the same checks, and expiry follows the injectable clock.

The registry is a :class:`~mockrc.repository.Repository` of one kind, ``tokens``: a row is
``(the token as JSON text,)``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from mockrc.clock import Clock
from mockrc.errors import Unauthenticated
from mockrc.repository import Observer, Observers, Row


@dataclass(frozen=True)
class Principal:
    """The RingCentral user (extension) and the app on whose behalf a token acts."""

    owner_id: str
    client_id: str
    #: The app permissions granted to the token (RingCentral's ``scope``), e.g. ``EditAccounts``.
    scopes: frozenset[str]
    #: Whether the user behind the token has the administrator role.
    is_admin: bool
    account_id: str = "400000001"
    #: Whether the account had SCIM enabled (Directory Provider = SCIM) when the token was issued.
    scim_enabled: bool = True


@dataclass(frozen=True)
class AccessToken:
    """One access token. ``expires_at`` is None for long-lived tokens registered by hand."""

    value: str
    principal: Principal
    session_id: str
    issued_at: float
    expires_at: float | None = None
    revoked: bool = False
    #: When a request first presented the token: RingCentral ends the grace period of the
    #: refresh token it replaced 10 s after that.
    first_used_at: float | None = None


def principal_json(principal: Principal) -> dict[str, Any]:
    """``principal`` as a JSON object (what a state file keeps of tokens and sessions)."""
    return {**asdict(principal), "scopes": sorted(principal.scopes)}


def principal_of(document: Mapping[str, Any]) -> Principal:
    """The principal :func:`principal_json` made ``document`` of."""
    return Principal(**{**document, "scopes": frozenset(document["scopes"])})


def _token_json(token: AccessToken) -> str:
    return json.dumps({**asdict(token), "principal": principal_json(token.principal)})


def _token_of(text: str) -> AccessToken:
    document = json.loads(text)
    return AccessToken(**{**document, "principal": principal_of(document["principal"])})


@dataclass
class TokenRegistry:
    """All access tokens of one fake, keyed by their value."""

    clock: Clock
    _tokens: dict[str, AccessToken] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: Changes to what tokens may do made after they were issued (a scenario takes the admin role
    #: or an app permission away, turns SCIM off), by name. They apply to every token, issued
    #: before or after, when it is used: RingCentral checks roles and permissions on each call.
    _amendments: dict[str, Callable[[Principal], Principal]] = field(default_factory=dict)
    _observers: Observers = field(default_factory=Observers)
    kinds = ("tokens",)

    def _put(self, token: AccessToken) -> AccessToken:
        """Keep ``token`` (the caller holds the lock, and tells the observers once it is released:
        an observer may read the registry)."""
        self._tokens[token.value] = token
        return token

    def _tell(self, values: Iterable[str]) -> None:
        if self._observers:
            for value in values:
                self._observers("tokens", value)

    def register(
        self,
        value: str,
        principal: Principal,
        *,
        session_id: str | None = None,
        ttl: float | None = None,
    ) -> AccessToken:
        """Add a token; ``ttl`` None means it never expires (a static "secret token")."""
        now = self.clock.now()
        token = AccessToken(
            value=value,
            principal=principal,
            session_id=session_id or f"session-{value[:16]}",
            issued_at=now,
            expires_at=None if ttl is None else now + ttl,
        )
        with self._lock:
            self._put(token)
        self._tell((value,))
        return token

    def authenticate(self, value: str) -> AccessToken:
        """The usable token called ``value``, or Unauthenticated with RingCentral's code for why not."""
        now = self.clock.now()
        with self._lock:
            token = self._tokens.get(value)
            first_use = token is not None and not token.revoked and token.first_used_at is None
            if token is not None and first_use:
                token = self._put(replace(token, first_used_at=now))
            # Usually none: no copy then (the amendments may change once the lock is released).
            amendments = tuple(self._amendments.values()) if self._amendments else ()
        if first_use:
            self._tell((value,))
        if token is None:
            raise Unauthenticated("OAU-149", "OAuth token is invalid")
        if token.revoked:
            raise Unauthenticated("OAU-213", "Token not found")
        if token.expires_at is not None and now >= token.expires_at:
            raise Unauthenticated("OAU-128", "Access token expired")
        if not amendments:
            return token
        principal = token.principal
        for amend in amendments:
            principal = amend(principal)
        return token if principal == token.principal else replace(token, principal=principal)

    def amend_principals(self, name: str, change: Callable[[Principal], Principal]) -> None:
        """From now on, every token acts as ``change`` makes its principal (once per ``name``)."""
        with self._lock:
            self._amendments[name] = change

    def expire_all(self) -> None:
        """Every usable token expires now (refresh tokens are not access tokens: they still work)."""
        now = self.clock.now()
        with self._lock:
            live = [
                t
                for t in self._tokens.values()
                if not t.revoked and (t.expires_at is None or t.expires_at > now)
            ]
            for token in live:
                self._put(replace(token, expires_at=now))
        self._tell(t.value for t in live)

    def revoke_all(self) -> set[str]:
        """Revoke every token; returns their sessions, so that their refresh tokens can be ended too."""
        with self._lock:
            tokens = list(self._tokens.values())
            for token in tokens:
                self._put(replace(token, revoked=True))
        self._tell(t.value for t in tokens)
        return {t.session_id for t in tokens}

    def find(self, value: str) -> AccessToken | None:
        """The token called ``value`` whatever its state, without counting this as a use."""
        with self._lock:
            return self._tokens.get(value)

    def revoke(self, value: str) -> None:
        """Revoke one token (a refresh replaces the session's access token this way)."""
        with self._lock:
            token = self._tokens.get(value)
            if token is not None:
                self._put(replace(token, revoked=True))
        if token is not None:
            self._tell((value,))

    def revoke_session(self, session_id: str) -> int:
        """Revoke every token of a session; returns how many were revoked."""
        with self._lock:
            hits = [t for t in self._tokens.values() if t.session_id == session_id and not t.revoked]
            for token in hits:
                self._put(replace(token, revoked=True))
        self._tell(t.value for t in hits)
        return len(hits)

    def __len__(self) -> int:
        with self._lock:
            return len(self._tokens)

    def clear(self) -> None:
        """Forget every token and every amendment (a reset)."""
        with self._lock:
            self._tokens.clear()
            self._amendments.clear()
        self._observers("tokens", None)

    # --- the repository seam (mockrc.repository) ---------------------------------------------------

    def subscribe(self, observer: Observer) -> None:
        self._observers.add(observer)

    def row(self, kind: str, key: str) -> Row | None:
        token = self.find(key)
        return None if token is None else (_token_json(token),)

    def rows(self, kind: str) -> Iterator[tuple[str, Row]]:
        with self._lock:
            tokens = list(self._tokens.values())
        return ((t.value, (_token_json(t),)) for t in tokens)

    def load(self, kind: str, key: str, row: Row) -> None:
        (text,) = row
        token = _token_of(str(text))
        with self._lock:
            self._tokens[key] = token
