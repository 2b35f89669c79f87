"""The token endpoint's grants: one function each, from a checked form to the tokens it earns.

Each grant gets the app that authenticated and the form, already checked against the grant's
JSON Schema (``fixtures/oauth/token-<grant>.schema.json``), and answers the tokens issued
or raises the OAuthError RingCentral would answer. Refresh tokens are issued only to apps that
have the ``refresh_token`` grant type (RingCentral's "Issue refresh tokens" setting) and never for
client credentials (RingCentral's sample of that flow carries none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mockrc.account import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    JWT_BEARER,
    PASSWORD,
    REFRESH_TOKEN,
    Account,
    App,
    User,
)
from mockrc.oauth import failures
from mockrc.oauth.forms import access_ttl, app_scopes, refresh_ttl, requested_scopes
from mockrc.oauth.sessions import Issued, SessionStore


@dataclass(frozen=True)
class GrantContext:
    """What a grant may consult: the account and the fake's sessions."""

    account: Account
    store: SessionStore


Grant = Callable[[GrantContext, App, Mapping[str, str]], Issued]


def authorization_code(ctx: GrantContext, app: App, form: Mapping[str, str]) -> Issued:
    """Redeem the code of the authorize flow (with its redirect URI and PKCE checks)."""
    code = ctx.store.redeem_code(
        app, form["code"], redirect_uri=form.get("redirect_uri"), code_verifier=form.get("code_verifier")
    )
    issued = _open(ctx, app, code.user, requested_scopes(form, code.scopes), form)
    ctx.store.mark_redeemed(code, issued.session_id)
    return issued


def jwt_bearer(ctx: GrantContext, app: App, form: Mapping[str, str]) -> Issued:
    """RingCentral's JWT flow: the assertion is a JWT credential a user created."""
    user = ctx.account.user_by_jwt(form["assertion"])
    if user is None:
        raise failures.unparseable_assertion()
    return _open(ctx, app, _enabled(user), app_scopes(form, app), form)


def password(ctx: GrantContext, app: App, form: Mapping[str, str]) -> Issued:
    """The password flow (deprecated at RingCentral): email or phone number, and password."""
    user = ctx.account.find_login(form["username"], form.get("extension"))
    if user is None or not user.password_matches(form["password"]):
        raise failures.invalid_resource_owner_credentials()
    return _open(ctx, app, _enabled(user), app_scopes(form, app), form)


def refresh_token(ctx: GrantContext, app: App, form: Mapping[str, str]) -> Issued:
    """Exchange a refresh token (single use, with RingCentral's grace period)."""
    return ctx.store.refresh(
        app,
        form["refresh_token"],
        scope=form.get("scope"),
        access_ttl=access_ttl(form),
        refresh_ttl=refresh_ttl(form) if "refresh_token_ttl" in form else None,
    )


def client_credentials(ctx: GrantContext, app: App, form: Mapping[str, str]) -> Issued:
    """An account-centric app session: the app acts for the account, with no user."""
    if form["account_id"] not in (ctx.account.id, "~"):
        raise failures.unknown_account(form["account_id"])
    return ctx.store.open(
        app,
        None,
        app_scopes(form, app),
        endpoint_id=form.get("endpoint_id"),
        access_ttl=access_ttl(form),
        refresh_ttl=None,
    )


#: Each grant type with the schema of its form and its function.
GRANTS: Mapping[str, tuple[str, Grant]] = MappingProxyType(
    {
        AUTHORIZATION_CODE: ("token-authorization-code", authorization_code),
        JWT_BEARER: ("token-jwt-bearer", jwt_bearer),
        REFRESH_TOKEN: ("token-refresh-token", refresh_token),
        PASSWORD: ("token-password", password),
        CLIENT_CREDENTIALS: ("token-client-credentials", client_credentials),
    }
)


def _enabled(user: User) -> User:
    if not user.enabled:
        raise failures.login_not_allowed()
    return user


def _open(
    ctx: GrantContext, app: App, user: User, scopes: tuple[str, ...], form: Mapping[str, str]
) -> Issued:
    return ctx.store.open(
        app,
        user,
        scopes,
        endpoint_id=form.get("endpoint_id"),
        access_ttl=access_ttl(form),
        refresh_ttl=refresh_ttl(form) if app.issues_refresh_tokens else None,
    )
