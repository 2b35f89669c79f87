"""Bearer tokens on incoming requests, checked as RingCentral's API gateway checks them.

:func:`bearer_token_of` is the one reader of an ``Authorization: Bearer`` header (RFC 6750 §2.1):
the SCIM and userinfo views use it strictly (:func:`bearer_token`: a missing or malformed header
answers 401), and the journal and the scenario overlay leniently (:func:`request_principal`: whose
token it is, if any, whatever its state).
"""

from __future__ import annotations

from flask import Request

from mockrc.errors import Unauthenticated
from mockrc.permissions import ScimPermission, require_scim_access
from mockrc.tokens import AccessToken, Principal, TokenRegistry


def bearer_token_of(header: str | None) -> str | None:
    """The token of an ``Authorization`` value ``Bearer <token>`` (scheme in any case); None for
    no header, another scheme, or no token."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def bearer_token(request: Request) -> str:
    """The request's bearer token, or 401 as RingCentral's gateway answers a missing or bad header."""
    # From the WSGI environ, what request.headers.get("Authorization") reads through two calls.
    header: str | None = request.environ.get("HTTP_AUTHORIZATION")
    if header is None or not header.strip():
        raise Unauthenticated("AGW-401", "Authorization header is not specified")
    token = bearer_token_of(header)
    if token is None:
        raise Unauthenticated("AGW-402", "Invalid Authorization header")
    return token


def request_principal(request: Request, tokens: TokenRegistry) -> Principal | None:
    """Who the request's bearer token acts for, whatever the token's state (expired, revoked);
    None without a bearer token or for one the fake never issued."""
    # From the WSGI environ: it runs on every request, and the headers proxy costs more.
    token = bearer_token_of(request.environ.get("HTTP_AUTHORIZATION"))
    found = tokens.find(token) if token is not None else None
    return found.principal if found is not None else None


def authorise_scim(request: Request, tokens: TokenRegistry, needed: ScimPermission) -> AccessToken:
    """The caller's token, if it may make a SCIM call that needs ``needed``; else 401/403."""
    return authorise_scim_token(tokens, bearer_token(request), needed)


def authorise_scim_token(tokens: TokenRegistry, value: str, needed: ScimPermission) -> AccessToken:
    """The token called ``value``, if it may make a SCIM call that needs ``needed``; else 401/403.

    The views reach it through :func:`authorise_scim`; the fast reads and writes
    (:func:`mockrc.http.fast_path.authorised`) call it with the value they read from the environ.
    """
    token = tokens.authenticate(value)
    require_scim_access(token.principal, needed)
    return token
