"""OAuth sessions, refresh tokens and authorization codes, with RingCentral's lifetime rules.

Every successful grant opens a *session* (RingCentral's ``session_id``); its access tokens live in
the :class:`~mockrc.tokens.TokenRegistry`, where the SCIM endpoints check them, and its refresh
tokens live here. The rules are RingCentral's, from its guide's "Refresh tokens" and "Access tokens"
pages (https://developers.ringcentral.com/guide/authentication/refresh-tokens and
https://developers.ringcentral.com/guide/authentication/tokens):

- a refresh token can be used once; using it issues a new access and refresh token and ends the
  previous access token at once;
- the used refresh token stays valid for a grace period: presenting it again answers the *same*
  new tokens (the cached result of the first refresh, for clients that lost the response), until
  10 s after the new access token is first used, and at most 60 min;
- revoking any token of a session ends the whole session;
- authorization codes live 60 s and can be redeemed once; redeeming one again also ends the
  session it opened (RFC 6749 §4.1.2; RingCentral documents nothing here).

Values are opaque and deterministic from the fake's seed, from a random stream of their own, so
that signing in does not shift the ids the SCIM store hands out.

The store is a :class:`~mockrc.repository.Repository` of two kinds: ``sessions`` (a row is
``(the session as JSON text,)``) and ``refresh_tokens`` (``(session id, the record as JSON text)``).
Authorization codes live 60 s and are not handed out.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from mockrc.account import Account, App, User
from mockrc.clock import Clock
from mockrc.oauth import failures
from mockrc.oauth.forms import requested_scopes
from mockrc.oauth.pkce import ChallengeMethod, verifies
from mockrc.repository import Observer, Observers, Row
from mockrc.tokens import Principal, TokenRegistry, principal_json, principal_of

#: Lifetime of an authorization code (RingCentral's redirect example: ``expires_in=60``).
CODE_TTL: Final = 60
#: A used refresh token dies this long after the access token it was exchanged for is first used.
REFRESH_GRACE_AFTER_USE: Final = 10
#: ... and at the latest this long after it was used (RingCentral: "at least 60 minutes").
REFRESH_GRACE_MAX: Final = 3600


class Secrets:
    """Opaque, unguessable-looking values, deterministic from a seed."""

    def __init__(self, seed: int, namespace: str = "") -> None:
        #: Put after a value's prefix: the account a value belongs to (:mod:`mockrc.accounts`).
        self.namespace = namespace
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Start the stream of ``seed`` again (a reset: the same values as a fresh fake's)."""
        self._random = random.Random(f"mockrc-oauth-{seed}")

    def token(self, prefix: str) -> str:
        raw = self._random.getrandbits(256).to_bytes(32, "big")
        return prefix + self.namespace + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def endpoint_id(self) -> str:
        """22 base64url characters, like RingCentral's ``endpoint_id`` values."""
        raw = self._random.getrandbits(128).to_bytes(16, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def number(self) -> str:
        """A decimal identifier (session ids)."""
        return str(self._random.randrange(10**17, 10**18))


def principal_for(account: Account, app: App, user: User | None, scopes: tuple[str, ...]) -> Principal:
    """Who a token acts for. Without a user (client credentials) the app acts for the account.

    Such an app-only token passes the administrator check: RingCentral's client credentials flow
    exists so that partner apps can manage an account's users without any user's credentials.
    """
    return Principal(
        owner_id=user.extension_id if user is not None else "",
        client_id=app.client_id,
        scopes=frozenset(scopes),
        is_admin=user.is_admin if user is not None else True,
        account_id=account.id,
        scim_enabled=account.scim_enabled,
    )


@dataclass(frozen=True)
class Issued:
    """What one grant or refresh handed out: RingCentral's TokenInfo, with absolute expiries."""

    session_id: str
    access_token: str
    access_expires_at: float
    refresh_token: str | None
    refresh_expires_at: float | None
    scopes: tuple[str, ...]
    owner_id: str | None
    endpoint_id: str


@dataclass
class Session:
    """One OAuth session: one sign-in of one user (or of the app alone) to one app."""

    id: str
    client_id: str
    user: User | None
    scopes: tuple[str, ...]
    endpoint_id: str
    principal: Principal
    refresh_ttl: int
    active: bool = True
    latest: Issued | None = None


@dataclass
class RefreshRecord:
    value: str
    session_id: str
    issued_at: float
    expires_at: float
    used_at: float | None = None
    #: The tokens the first use of this refresh token issued (answered again during the grace).
    successor: Issued | None = None


@dataclass(frozen=True)
class AuthorizationCode:
    value: str
    client_id: str
    user: User
    scopes: tuple[str, ...]
    #: The redirect URI the code was sent to, and whether the authorize request named it.
    redirect_uri: str
    redirect_uri_given: bool
    code_challenge: str | None
    code_challenge_method: ChallengeMethod
    expires_at: float
    #: The session the code was redeemed for (None while unused).
    session_id: str | None = None


def _issued_json(issued: Issued | None) -> dict[str, Any] | None:
    return None if issued is None else asdict(issued)


def _issued_of(document: Mapping[str, Any] | None) -> Issued | None:
    return None if document is None else Issued(**{**document, "scopes": tuple(document["scopes"])})


def _session_json(session: Session) -> str:
    return json.dumps(
        {
            **asdict(session),
            "user": session.user.extension_id if session.user is not None else None,
            "principal": principal_json(session.principal),
            "latest": _issued_json(session.latest),
        }
    )


def _session_of(text: str, account: Account) -> Session | None:
    """A session of ``account``; None when its user is no longer in the account."""
    document = json.loads(text)
    user = None
    if document["user"] is not None:
        user = account.user(document["user"])
        if user is None:
            return None
    return Session(
        **{
            **document,
            "user": user,
            "scopes": tuple(document["scopes"]),
            "principal": principal_of(document["principal"]),
            "latest": _issued_of(document["latest"]),
        }
    )


def _refresh_json(record: RefreshRecord) -> str:
    return json.dumps({**asdict(record), "successor": _issued_json(record.successor)})


def _refresh_of(text: str) -> RefreshRecord:
    document = json.loads(text)
    return RefreshRecord(**{**document, "successor": _issued_of(document["successor"])})


@dataclass
class SessionStore:
    """Sessions, refresh tokens and authorization codes of one fake."""

    account: Account
    tokens: TokenRegistry
    clock: Clock
    secrets: Secrets
    _sessions: dict[str, Session] = field(default_factory=dict)
    _refresh: dict[str, RefreshRecord] = field(default_factory=dict)
    _codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    _observers: Observers = field(default_factory=Observers)
    kinds = ("sessions", "refresh_tokens")

    def _changed_session(self, session: Session) -> None:
        if self._observers:
            self._observers("sessions", session.id)

    def _changed_refresh(self, record: RefreshRecord) -> None:
        if self._observers:
            self._observers("refresh_tokens", record.value)

    # --- sessions ---------------------------------------------------------------------------

    def open(
        self,
        app: App,
        user: User | None,
        scopes: tuple[str, ...],
        *,
        endpoint_id: str | None,
        access_ttl: int,
        refresh_ttl: int | None,
    ) -> Issued:
        """Start a session and issue its first tokens (a refresh token only if ``refresh_ttl``)."""
        session = Session(
            id=self.secrets.number(),
            client_id=app.client_id,
            user=user,
            scopes=scopes,
            endpoint_id=endpoint_id or self.secrets.endpoint_id(),
            principal=principal_for(self.account, app, user, scopes),
            refresh_ttl=refresh_ttl or 0,
        )
        self._sessions[session.id] = session
        return self._issue(session, access_ttl, refresh_ttl)  # tells the observers of the session

    def _issue(self, session: Session, access_ttl: int, refresh_ttl: int | None) -> Issued:
        now = self.clock.now()
        access = self.secrets.token("mockrc-at-")
        self.tokens.register(access, session.principal, session_id=session.id, ttl=access_ttl)
        refresh: RefreshRecord | None = None
        if refresh_ttl:
            refresh = RefreshRecord(self.secrets.token("mockrc-rt-"), session.id, now, now + refresh_ttl)
            self._refresh[refresh.value] = refresh
            self._changed_refresh(refresh)
        issued = Issued(
            session_id=session.id,
            access_token=access,
            access_expires_at=now + access_ttl,
            refresh_token=refresh.value if refresh else None,
            refresh_expires_at=refresh.expires_at if refresh else None,
            scopes=session.scopes,
            owner_id=session.user.extension_id if session.user else None,
            endpoint_id=session.endpoint_id,
        )
        session.latest = issued
        self._changed_session(session)
        return issued

    def session(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def end(self, session_id: str) -> None:
        """End a session: every access and refresh token of it stops working."""
        session = self._sessions.get(session_id)
        if session is not None:
            session.active = False
            self._changed_session(session)
        self.tokens.revoke_session(session_id)

    # --- refresh ----------------------------------------------------------------------------

    def refresh(
        self,
        app: App,
        value: str,
        *,
        scope: str | None,
        access_ttl: int,
        refresh_ttl: int | None,
    ) -> Issued:
        """Exchange refresh token ``value`` (see the module docstring for the rules).

        ``scope`` may narrow the session's permissions (RFC 6749 §6), never widen them;
        ``refresh_ttl`` None keeps the session's refresh token lifetime.
        """
        now = self.clock.now()
        record = self._refresh.get(value)
        session = self._sessions.get(record.session_id) if record else None
        if record is None or session is None or not session.active or session.client_id != app.client_id:
            raise failures.token_not_found()
        if record.successor is not None and record.used_at is not None:
            return self._replay(record.successor, record.used_at, now)
        if now >= record.expires_at:
            raise failures.token_expired()
        if scope is not None:
            session.scopes = requested_scopes({"scope": scope}, session.scopes)
            session.principal = replace(session.principal, scopes=frozenset(session.scopes))
        if session.latest is not None:
            self.tokens.revoke(session.latest.access_token)
        issued = self._issue(session, access_ttl, refresh_ttl or session.refresh_ttl)
        record.used_at = now
        record.successor = issued
        self._changed_refresh(record)
        return issued

    def _replay(self, successor: Issued, used_at: float, now: float) -> Issued:
        """A used refresh token presented again: the same tokens, while the grace lasts."""
        access = self.tokens.find(successor.access_token)
        first_use = access.first_used_at if access else None
        next_record = self._refresh.get(successor.refresh_token or "")
        if (
            now >= used_at + REFRESH_GRACE_MAX
            or (first_use is not None and now >= first_use + REFRESH_GRACE_AFTER_USE)
            or (next_record is not None and next_record.successor is not None)
        ):
            raise failures.token_not_found()
        return successor

    # --- authorization codes -------------------------------------------------------------

    def issue_code(
        self,
        app: App,
        user: User,
        *,
        redirect_uri: str,
        redirect_uri_given: bool,
        code_challenge: str | None,
        code_challenge_method: ChallengeMethod,
    ) -> AuthorizationCode:
        now = self.clock.now()
        # Redeemed codes are kept a while after they expire, so that a replay still ends its session.
        self._codes = {k: c for k, c in self._codes.items() if c.expires_at + REFRESH_GRACE_MAX > now}
        code = AuthorizationCode(
            value=self.secrets.token("mockrc-code-"),
            client_id=app.client_id,
            user=user,
            scopes=app.permissions,
            redirect_uri=redirect_uri,
            redirect_uri_given=redirect_uri_given,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            expires_at=now + CODE_TTL,
        )
        self._codes[code.value] = code
        return code

    def redeem_code(
        self, app: App, value: str, *, redirect_uri: str | None, code_verifier: str | None
    ) -> AuthorizationCode:
        """The code, checked against the token request; refusals name RingCentral's OAU code."""
        code = self._codes.get(value)
        if code is None:
            raise failures.invalid_authorization_code()
        if code.client_id != app.client_id:
            raise failures.code_of_another_app()
        if code.session_id is not None:
            self.end(code.session_id)
            raise failures.invalid_authorization_code()
        if self.clock.now() >= code.expires_at:
            raise failures.authorization_code_expired()
        if redirect_uri is None and code.redirect_uri_given:
            raise failures.missing("redirect_uri")
        if redirect_uri is not None and redirect_uri != code.redirect_uri:
            raise failures.redirect_uris_do_not_match()
        if code.code_challenge is None:
            if code_verifier is not None:
                raise failures.code_verifier_invalid()
        elif code_verifier is None:
            raise failures.code_verifier_missing()
        elif not verifies(code_verifier, code.code_challenge, code.code_challenge_method):
            raise failures.code_verifier_invalid()
        return code

    def mark_redeemed(self, code: AuthorizationCode, session_id: str) -> None:
        self._codes[code.value] = replace(code, session_id=session_id)

    # --- lookups for revoke and introspect ------------------------------------------------

    def refresh_record(self, value: str) -> RefreshRecord | None:
        return self._refresh.get(value)

    def clear(self) -> None:
        """Forget every session, refresh token and authorization code (a reset)."""
        self._sessions.clear()
        self._refresh.clear()
        self._codes.clear()
        self._observers("sessions", None)
        self._observers("refresh_tokens", None)

    # --- the repository seam (mockrc.repository) ---------------------------------------------------

    def subscribe(self, observer: Observer) -> None:
        self._observers.add(observer)

    def row(self, kind: str, key: str) -> Row | None:
        if kind == "sessions":
            session = self._sessions.get(key)
            return None if session is None else (_session_json(session),)
        record = self._refresh.get(key)
        return None if record is None else (record.session_id, _refresh_json(record))

    def rows(self, kind: str) -> Iterator[tuple[str, Row]]:
        if kind == "sessions":
            return ((k, (_session_json(s),)) for k, s in list(self._sessions.items()))
        return ((k, (r.session_id, _refresh_json(r))) for k, r in list(self._refresh.items()))

    def load(self, kind: str, key: str, row: Row) -> None:
        """Take back a session (dropped if its user left the account) or a refresh token
        (dropped if its session was)."""
        if kind == "sessions":
            (text,) = row
            session = _session_of(str(text), self.account)
            if session is not None:
                self._sessions[session.id] = session
            return
        _, text = row
        record = _refresh_of(str(text))
        if record.session_id in self._sessions:
            self._refresh[key] = record
