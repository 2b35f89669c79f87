"""Client authentication at the token, revoke and introspect endpoints.

RingCentral takes the app's credentials by HTTP Basic (``client_secret_basic``), and mockrc also
takes ``client_id`` and ``client_secret`` in the form (``client_secret_post``), because Entra-style
and generic OAuth clients send them that way. A public app ("client-side web app") has no secret
and identifies itself with ``client_id`` alone. ``client_assertion`` (RFC 7523) is recognised and
refused: mockrc holds no keys to check it with.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import unquote_plus

from mockrc.account import Account, App
from mockrc.oauth import failures


def parse_basic(header: str) -> tuple[str, str]:
    """``(client_id, client_secret)`` of an ``Authorization: Basic`` header value.

    RFC 6749 §2.3.1: both are form-urlencoded before the Basic encoding, so both are decoded after.
    """
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise failures.invalid_authorization_header(header)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise failures.invalid_authorization_header(header) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise failures.invalid_authorization_header(header)
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate_client(account: Account, authorization: str | None, form: Mapping[str, str]) -> App:
    """The app that sent this request, or the OAuthError RingCentral would answer.

    ``form`` holds the request's parameters (empty values already dropped).
    """
    if "client_assertion" in form or "client_assertion_type" in form:
        raise failures.unsupported_client_authentication()
    form_id = form.get("client_id")
    if authorization is not None:
        client_id, secret = parse_basic(authorization)
        if "client_secret" in form:
            raise failures.duplicated("client_secret")
        if form_id is not None and form_id != client_id:
            raise failures.unknown_client(form_id)
        given_secret: str | None = secret or None
    elif form_id is not None:
        client_id, given_secret = form_id, form.get("client_secret")
    else:
        raise failures.client_authentication_required()
    app = account.app(client_id)
    if app is None:
        raise failures.unknown_client(client_id)
    if app.confidential:
        if given_secret is None:
            raise failures.client_authentication_required()
        if not app.secret_matches(given_secret):
            raise failures.invalid_client_credentials()
    elif given_secret is not None:
        raise failures.invalid_client_credentials()
    return app
