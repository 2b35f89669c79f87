"""``POST /__mockrc/tokens``: mint an access token for a user of the account (``mockrc token --url``).

The view parses and checks the body; the minting is the OAuth server's
(:meth:`mockrc.oauth.server.OAuthServer.mint`), which ``mockrc token --state-file`` calls directly.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from mockrc.errors import InvalidValue
from mockrc.http.request_parsing import json_body
from mockrc.http.wire import json_response
from mockrc.oauth.server import DEFAULT_TOKEN_TTL
from mockrc.paths import CONTROL_PREFIX
from mockrc.state import MockState

_NO_STORE = {"Cache-Control": "no-store"}


def tokens_blueprint(state: MockState) -> Blueprint:
    routes = Blueprint("mockrc_tokens", __name__, url_prefix=CONTROL_PREFIX)

    @routes.post("/tokens")
    def mint() -> Response:
        """``{"user": WHO, "client_id": APP, "ttl": SECONDS}``, every member optional."""
        body = json_body(request) if request.get_data(cache=True).strip() else {}
        unknown = sorted(set(body) - {"user", "client_id", "ttl"})
        if unknown:
            raise InvalidValue(f"unknown member(s) {', '.join(unknown)}: send user, client_id, ttl")
        user = body.get("user")
        client_id = body.get("client_id")
        ttl = body.get("ttl", DEFAULT_TOKEN_TTL)
        if user is not None and not isinstance(user, str):
            raise InvalidValue('"user" must be an email, an extension id or an extension number')
        if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 1:
            raise InvalidValue(f'"ttl" must be a whole number of seconds, 1 or more, not {ttl!r}')
        minted = state.oauth.mint(user, None if client_id is None else str(client_id), ttl)
        return json_response(minted.to_json(), headers=_NO_STORE)

    return routes
