"""Bearer tokens on incoming requests, checked as RingCentral's API gateway checks them."""

from __future__ import annotations

from flask import Request

from mockrc.errors import Unauthenticated
from mockrc.permissions import ScimPermission, require_scim_access
from mockrc.tokens import AccessToken, TokenRegistry


def bearer_token(request: Request) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (scheme in any case)."""
    header = request.headers.get("Authorization")
    if header is None or not header.strip():
        raise Unauthenticated("AGW-401", "Authorization header is not specified")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("AGW-402", "Invalid Authorization header")
    return token.strip()


def authorise_scim(request: Request, tokens: TokenRegistry, needed: ScimPermission) -> AccessToken:
    """The caller's token, if it may make a SCIM call that needs ``needed``; else 401/403."""
    token = tokens.authenticate(bearer_token(request))
    require_scim_access(token.principal, needed)
    return token
