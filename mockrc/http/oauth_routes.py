"""``/restapi/oauth``: RingCentral's OAuth 2.0 endpoints. Views parse, call the domain and serialise.

The token, revoke and introspect endpoints take ``application/x-www-form-urlencoded`` bodies, as
RingCentral's do (anything else answers 415), and every answer carries ``Cache-Control: no-store``
and ``Pragma: no-cache`` (RFC 6749 §5.1; RingCentral sends them with its errors too). The authorize
endpoint answers HTML pages (sign-in, then consent) rendered on the server with no script and no
external asset, then a 302 to the app's redirect URI.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse  # what redirect() builds

from mockrc.errors import UnsupportedMediaType
from mockrc.http.auth import bearer_token
from mockrc.http.error_responses import NO_CACHE
from mockrc.http.wire import json_response
from mockrc.oauth.authorize import PendingAuthorization
from mockrc.oauth.server import Introspection, TokenInfo, UserInfo
from mockrc.paths import OAUTH_PREFIX
from mockrc.state import MockState
from mockrc.violations import Violation

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def _form_pairs(*, body_required: bool) -> list[tuple[str, str]]:
    """The form parameters of the request, in order, repeats kept (the domain refuses them)."""
    if not request.get_data(cache=True) and not body_required:
        return []
    if request.mimetype != FORM_MEDIA_TYPE:
        sent = request.content_type or "no Content-Type"
        message = f"Unsupported Media Type [{sent}]: send {FORM_MEDIA_TYPE}"
        raise UnsupportedMediaType(
            message, violations=[Violation("Content-Type", "http.media-type", message)]
        )
    return list(request.form.items(multi=True))


def _authorization() -> str | None:
    header = request.headers.get("Authorization")
    return header if header and header.strip() else None


def token_info_body(info: TokenInfo) -> dict[str, Any]:
    """RingCentral's TokenInfo, in the order of its documented example; absent fields left out."""
    body: dict[str, Any] = {
        "access_token": info.access_token,
        "token_type": "bearer",
        "expires_in": info.expires_in,
    }
    if info.refresh_token is not None:
        body["refresh_token"] = info.refresh_token
        body["refresh_token_expires_in"] = info.refresh_token_expires_in
    body["scope"] = info.scope
    if info.owner_id is not None:
        body["owner_id"] = info.owner_id
    body["endpoint_id"] = info.endpoint_id
    body["session_id"] = info.session_id
    return body


def introspection_body(found: Introspection) -> dict[str, Any]:
    """RFC 7662 §2.2: an inactive token is ``{"active": false}`` and nothing else."""
    if not found.active:
        return {"active": False}
    body: dict[str, Any] = {
        "active": True,
        "scope": found.scope,
        "client_id": found.client_id,
        "token_type": "bearer",
    }
    if found.exp is not None:
        body["exp"] = found.exp
    body["iat"] = found.iat
    if found.sub is not None:
        body["sub"] = found.sub
    body["account_id"] = found.account_id
    body["session_id"] = found.session_id
    return body


def userinfo_body(info: UserInfo) -> dict[str, Any]:
    return {
        "sub": info.sub,
        "email": info.email,
        "email_verified": info.email_verified,
        "account_id": info.account_id,
        "family_name": info.family_name,
        "given_name": info.given_name,
    }


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, action=f"{OAUTH_PREFIX}/authorize", **context)
    return Response(html, status=status, headers=dict(NO_CACHE), content_type="text/html; charset=utf-8")


def _signin_page(pending: PendingAuthorization, *, username: str = "", error: str | None = None) -> Response:
    return _page(
        "oauth/signin.html",
        app_name=pending.app.name,
        ticket=pending.ticket,
        username=username or pending.login_hint or "",
        error=error,
    )


def _consent_page(pending: PendingAuthorization) -> Response:
    return _page(
        "oauth/consent.html",
        app_name=pending.app.name,
        ticket=pending.ticket,
        user_email=pending.user.email if pending.user else "",
        permissions=pending.app.permissions,
    )


def _redirect(url: str) -> BaseResponse:
    response = redirect(url, code=302)
    response.headers.update(NO_CACHE)
    return response


def oauth_blueprint(state: MockState) -> Blueprint:
    """The OAuth endpoints of one fake. They read ``state.oauth`` per request: a reset replaces it."""
    routes = Blueprint("oauth", __name__, url_prefix=OAUTH_PREFIX, template_folder="templates")

    @routes.post("/token")
    def token() -> Response:
        info = state.oauth.token(_form_pairs(body_required=True), _authorization())
        return json_response(token_info_body(info), headers=dict(NO_CACHE))

    @routes.post("/revoke")
    def revoke() -> Response:
        state.oauth.revoke(
            _form_pairs(body_required=False), list(request.args.items(multi=True)), _authorization()
        )
        response = Response(status=200, headers=dict(NO_CACHE))
        del response.headers["Content-Type"]  # RFC 7009 §2.2: 200 and no body, so no media type
        return response

    @routes.post("/introspect")
    def introspect() -> Response:
        found = state.oauth.introspect(_form_pairs(body_required=True), _authorization())
        return json_response(introspection_body(found), headers=dict(NO_CACHE))

    @routes.get("/userinfo")
    def userinfo() -> Response:
        token = state.tokens.authenticate(bearer_token(request))
        return json_response(userinfo_body(state.oauth.userinfo(token)), headers=dict(NO_CACHE))

    @routes.route("/authorize", methods=["GET", "POST"])
    def authorize() -> BaseResponse:
        flow = state.oauth.authorize
        if request.method == "GET":
            pairs = list(request.args.items(multi=True))
        else:
            pairs = _form_pairs(body_required=True)
        step = next((value for name, value in pairs if name == "mockrc_step"), None)
        if step == "signin":
            signed = flow.sign_in(pairs)
            if signed.refusal is not None:
                username = next((value for name, value in pairs if name == "username"), "")
                return _signin_page(signed.pending, username=username, error=signed.refusal)
            return _consent_page(signed.pending)
        if step == "consent":
            return _redirect(flow.decide(pairs))
        started = flow.start(pairs)
        if isinstance(started, str):
            return _redirect(started)
        return _signin_page(started)

    return routes
