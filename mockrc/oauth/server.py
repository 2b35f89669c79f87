"""The authorization server of one fake: what ``/restapi/oauth/*`` does, without HTTP.

The views hand it the request's parameters as ``(name, value)`` pairs (so that a repeated
parameter can be refused) and the ``Authorization`` header, and serialise what it answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from mockrc.account import Account, App, User
from mockrc.clock import Clock, isoformat
from mockrc.errors import InvalidValue, NotFound, PermissionDenied
from mockrc.oauth import failures
from mockrc.oauth.authorize import AuthorizeFlow
from mockrc.oauth.client_auth import authenticate_client
from mockrc.oauth.forms import check, form_fields
from mockrc.oauth.grants import GRANTS, GrantContext
from mockrc.oauth.sessions import Issued, Secrets, SessionStore
from mockrc.tokens import AccessToken, Principal, TokenRegistry

#: The app permission RingCentral's reference asks of ``/restapi/oauth/introspect``.
INTROSPECTION_PERMISSION: Final = "Interoperability"
#: Lifetime of a minted token unless asked otherwise: RingCentral's default access token lifetime.
DEFAULT_TOKEN_TTL: Final = 3600


@dataclass(frozen=True)
class TokenInfo:
    """RingCentral's ``TokenInfo``: the token endpoint's answer. Lifetimes are what remains now."""

    access_token: str
    expires_in: int
    refresh_token: str | None
    refresh_token_expires_in: int | None
    scope: str
    owner_id: str | None
    endpoint_id: str
    session_id: str


@dataclass(frozen=True)
class Introspection:
    """RFC 7662 / RingCentral's ``TokenIntrospectionResponse``; only ``active`` when inactive."""

    active: bool
    scope: str | None = None
    client_id: str | None = None
    exp: int | None = None
    iat: int | None = None
    sub: str | None = None
    account_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class UserInfo:
    """OpenID Connect claims of the user behind a token (RingCentral's ``UserInfoResource``)."""

    sub: str
    email: str
    email_verified: bool
    account_id: str
    family_name: str
    given_name: str


@dataclass(frozen=True)
class MintedToken:
    """An access token minted for a user of the account (:meth:`OAuthServer.mint`)."""

    access_token: str
    expires_in: int
    expires_at: float
    scope: str
    owner_id: str
    email: str
    client_id: str

    def to_json(self) -> dict[str, Any]:
        """What ``POST /__mockrc/tokens`` answers and ``mockrc token --json`` prints."""
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "expires_at": isoformat(self.expires_at),
            "scope": self.scope,
            "owner_id": self.owner_id,
            "email": self.email,
            "client_id": self.client_id,
        }


class OAuthServer:
    """Token, revoke, introspect, userinfo and the authorize flow, over one account."""

    def __init__(
        self, account: Account, tokens: TokenRegistry, clock: Clock, *, seed: int = 0, namespace: str = ""
    ) -> None:
        self.account = account
        self.tokens = tokens
        self.clock = clock
        # ``namespace`` marks every token, code and ticket as this account's (mockrc.accounts).
        self._secrets = Secrets(seed, namespace)
        self.sessions = SessionStore(account, tokens, clock, self._secrets)
        self.authorize = AuthorizeFlow(account, self.sessions, clock, self._secrets)

    def restart(self, account: Account, seed: int) -> None:
        """Serve ``account`` as a fresh server of ``seed`` would, in place (a reset): every
        session, refresh token, code and sign-in in progress is forgotten, and whoever holds this
        server, its sessions or its authorize flow keeps holding the live ones."""
        self.account = self.sessions.account = self.authorize.account = account
        self._secrets.reseed(seed)
        self.sessions.clear()
        self.authorize.clear()

    def token(self, pairs: Iterable[tuple[str, str]], authorization: str | None) -> TokenInfo:
        """``POST /restapi/oauth/token``: the form is checked, then the client, then the grant."""
        form = form_fields(pairs)
        grant_type = form.get("grant_type")
        if grant_type is None:
            raise failures.missing("grant_type")
        if grant_type not in GRANTS:
            raise failures.unsupported_grant_type(grant_type)
        schema, grant = GRANTS[grant_type]
        check(schema, form)
        app = authenticate_client(self.account, authorization, form)
        if not app.allows(grant_type):
            raise failures.unauthorized_grant_type()
        return self._token_info(grant(GrantContext(self.account, self.sessions), app, form))

    def _token_info(self, issued: Issued) -> TokenInfo:
        now = self.clock.now()
        return TokenInfo(
            access_token=issued.access_token,
            expires_in=_remaining(issued.access_expires_at, now),
            refresh_token=issued.refresh_token,
            refresh_token_expires_in=(
                _remaining(issued.refresh_expires_at, now) if issued.refresh_expires_at is not None else None
            ),
            scope=" ".join(issued.scopes),
            owner_id=issued.owner_id,
            endpoint_id=issued.endpoint_id,
            session_id=issued.session_id,
        )

    def mint(
        self, user: str | None = None, client_id: str | None = None, ttl: int = DEFAULT_TOKEN_TTL
    ) -> MintedToken:
        """An access token for a user of the account, as if they had signed in to the app
        (``mockrc token``, ``POST /__mockrc/tokens``): no refresh token, every permission of the app.

        ``user`` is an email, an extension id or an extension number (default: the first admin);
        ``client_id`` an app of the account (default: the first). NotFound names what the account has.
        """
        if isinstance(ttl, bool) or ttl < 1:
            raise InvalidValue(f'"ttl" must be a whole number of seconds, 1 or more, not {ttl!r}')
        app = self.account.default_app if client_id is None else self.account.app(client_id)
        if app is None:
            known = ", ".join(a.client_id for a in self.account.apps)
            raise NotFound(f"the account has no app {client_id!r} (its apps: {known})")
        person = self._account_user(user)
        issued = self.sessions.open(
            app, person, app.permissions, endpoint_id=None, access_ttl=ttl, refresh_ttl=None
        )
        return MintedToken(
            access_token=issued.access_token,
            expires_in=ttl,
            expires_at=issued.access_expires_at,
            scope=" ".join(issued.scopes),
            owner_id=person.extension_id,
            email=person.email,
            client_id=app.client_id,
        )

    def _account_user(self, wanted: str | None) -> User:
        """The account user ``wanted`` names (email, extension id or number); the default admin for None."""
        if wanted is None:
            return self.account.default_admin
        folded = wanted.strip().casefold()
        for user in self.account.users:
            if folded in (user.email.casefold(), user.extension_id, user.extension_number):
                return user
        known = ", ".join(u.email for u in self.account.users)
        raise NotFound(f"the account has no user {wanted!r} (its users: {known})")

    def revoke(
        self,
        form_pairs: Iterable[tuple[str, str]],
        query_pairs: Iterable[tuple[str, str]],
        authorization: str | None,
    ) -> None:
        """``POST /restapi/oauth/revoke``: end the session of an access or refresh token.

        As RingCentral documents (and RFC 7009 §2.2 allows), an unknown, expired or foreign token
        is answered like a revoked one: only the request itself and the client are checked.
        """
        form = form_fields(form_pairs)
        check("revoke-request", form)
        in_query = form_fields(query_pairs).get("token")
        if in_query is not None and "token" in form and in_query != form["token"]:
            raise failures.query_and_body_differ("token")
        value = form.get("token", in_query)
        if value is None:
            raise failures.missing("token")
        app = authenticate_client(self.account, authorization, form)
        session_id = self._session_of(app, value)
        if session_id is not None:
            self.sessions.end(session_id)

    def _session_of(self, app: App, value: str) -> str | None:
        """The session of this app that token ``value`` belongs to (access or refresh token)."""
        access = self.tokens.find(value)
        if access is not None:
            return access.session_id if access.principal.client_id == app.client_id else None
        record = self.sessions.refresh_record(value)
        session = self.sessions.session(record.session_id) if record else None
        return session.id if session is not None and session.client_id == app.client_id else None

    def introspect(self, pairs: Iterable[tuple[str, str]], authorization: str | None) -> Introspection:
        """``POST /restapi/oauth/introspect`` (RingCentral's 2024 reference; needs Interoperability)."""
        form = form_fields(pairs)
        check("introspect-request", form)
        app = authenticate_client(self.account, authorization, form)
        if INTROSPECTION_PERMISSION not in app.permissions:
            raise failures.missing_app_permission(INTROSPECTION_PERMISSION)
        now = self.clock.now()
        value = form["token"]
        access = self.tokens.find(value)
        if access is not None:
            if access.revoked or (access.expires_at is not None and now >= access.expires_at):
                return Introspection(active=False)
            if access.principal.client_id != app.client_id:
                return Introspection(active=False)
            return self._describe(
                app, access.principal, access.session_id, access.issued_at, access.expires_at
            )
        record = self.sessions.refresh_record(value)
        session = self.sessions.session(record.session_id) if record else None
        if (
            record is None
            or session is None
            or not session.active
            or session.client_id != app.client_id
            or record.used_at is not None
            or now >= record.expires_at
        ):
            return Introspection(active=False)
        return self._describe(app, session.principal, session.id, record.issued_at, record.expires_at)

    def _describe(
        self, app: App, principal: Principal, session_id: str, issued_at: float, expires_at: float | None
    ) -> Introspection:
        return Introspection(
            active=True,
            scope=" ".join(p for p in app.permissions if p in principal.scopes),
            client_id=principal.client_id,
            exp=int(expires_at) if expires_at is not None else None,
            iat=int(issued_at),
            sub=principal.owner_id or None,
            account_id=principal.account_id,
            session_id=session_id,
        )

    def userinfo(self, token: AccessToken) -> UserInfo:
        """``GET /restapi/oauth/userinfo``: the claims of the user behind an authenticated token."""
        user = self.account.user(token.principal.owner_id)
        if user is None:
            raise PermissionDenied(
                "CMN-408",
                "User info is not available: the token was issued to the application without a user",
            )
        return UserInfo(
            sub=user.extension_id,
            email=user.email,
            email_verified=True,
            account_id=self.account.id,
            family_name=user.family_name,
            given_name=user.given_name,
        )


def _remaining(expires_at: float, now: float) -> int:
    """Seconds left, to the nearest second (never negative).

    ``now`` is read after the token was issued, so a fresh token has a hair less than its TTL left
    (and ``now + ttl - now`` is inexact in floating point): truncating answered 3599 for 3600 on
    the system clock. Rounding answers the TTL for a fresh token on any clock, and the seconds
    truly left for a refresh token presented again within its grace period.
    """
    return max(0, round(expires_at - now))
