"""The one place where errors become responses.

Domain errors (:mod:`mockrc.errors`) carry their status and codes; Werkzeug's routing errors
(unknown path, wrong method, body too large) are translated to the same shapes; anything else is
an internal error: answered as a SCIM 500 without a traceback, and kept on the state so that a
test can re-raise it. Paths under ``/scim`` answer SCIM error bodies; other paths answer
RingCentral's REST error body; OAuth errors answer RingCentral's OAuth body wherever they occur.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from mockrc.errors import AuthError, GuardRefusal, MockrcError, OAuthError, ScimError
from mockrc.http.wire import json_response, rest_error_body, scim_error_body, scim_response
from mockrc.limits import LIMITS
from mockrc.paths import is_scim_path
from mockrc.state import HandlerError, MockState
from mockrc.violations import Violation, ViolationLog

#: RingCentral's token endpoint sends these with its errors (RFC 6749 §5.1 asks them of token responses).
NO_CACHE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error_body(error: OAuthError) -> dict[str, Any]:
    """RingCentral's OAuth error body, keys in the order most real bodies show them."""
    items: list[dict[str, Any]] = []
    for item in error.items:
        entry: dict[str, Any] = {"errorCode": item.code, "message": item.message}
        if item.parameters:
            entry["parameters"] = [
                {"parameterName": name} if value is None else {"parameterName": name, "parameterValue": value}
                for name, value in item.parameters
            ]
        items.append(entry)
    return {"error": error.error, "errors": items, "error_description": error.items[0].message}


def render_error(error: MockrcError, state: MockState, path: str) -> Response:
    """The wire form of a mockrc error for a request to ``path``."""
    if isinstance(error, OAuthError):
        return json_response(oauth_error_body(error), error.status, headers=dict(NO_CACHE))
    if isinstance(error, AuthError):
        if is_scim_path(path) and state.settings.auth_error_shape == "scim":
            return scim_response(scim_error_body(error.status, error.message), error.status)
        body = rest_error_body(
            error.code, error.message, top_level_code=error.top_level_code, permission=error.permission
        )
        return json_response(body, error.status)
    scim_type = error.scim_type if isinstance(error, ScimError) else None
    if is_scim_path(path):
        return scim_response(scim_error_body(error.status, error.detail, scim_type), error.status)
    code = error.code if isinstance(error, GuardRefusal) else f"HTTP-{error.status}"
    return json_response(rest_error_body(code, error.detail), error.status)


_HTTP_DETAILS = {
    404: "Resource not found: {method} {path}",
    405: "Method {method} is not allowed for {path}",
    413: "Request body is too large: the limit is {body_bytes:,} bytes",
}


#: The rule a refusal is recorded under when the code that refused attached no finer violation
#: (the PATCH engine, the OAuth forms): the client sent what RingCentral refuses, and contract
#: reports must see it. Refusals that depend on state (404, 409, bad credentials) are not listed:
#: they are answers, not contract violations.
REFUSAL_RULES = {
    "invalidPath": "scim.invalid-path",
    "noTarget": "scim.no-target",
    "mutability": "scim.mutability",
    "invalidSyntax": "scim.invalid-syntax",
    "invalidValue": "scim.invalid-value",
    "invalid_request": "oauth.invalid-request",
    "unsupported_grant_type": "oauth.unsupported-grant-type",
}


def _refusal_rule(error: MockrcError) -> str | None:
    if isinstance(error, OAuthError):
        return REFUSAL_RULES.get(error.error)
    if isinstance(error, ScimError) and error.scim_type:
        return REFUSAL_RULES.get(error.scim_type)
    return None


def register_error_handlers(app: Flask, state: MockState) -> None:
    @app.errorhandler(MockrcError)
    def _mockrc_error(error: MockrcError) -> Response:
        found = g.setdefault("violations", ViolationLog())
        # The error may carry violations the request's log holds already (those it was built
        # from): a set makes skipping them linear. The log keeps the per-request limit.
        seen = set(found)
        for violation in error.violations:
            if violation not in seen:
                seen.add(violation)
                found.append(violation)
        rule = None if error.violations else _refusal_rule(error)
        if rule is not None:
            found.append(Violation("", rule, error.detail))
        return render_error(error, state, request.path)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        template = _HTTP_DETAILS.get(status)
        detail = (
            template.format(method=request.method, path=request.path, body_bytes=LIMITS.body_bytes)
            if template
            else error.name
        )
        if status == 413:
            g.setdefault("violations", ViolationLog()).error("", "limit.body-bytes", detail)
        allowed = sorted(getattr(error, "valid_methods", None) or ()) if status == 405 else []
        usable = [m for m in allowed if m not in ("HEAD", "OPTIONS")]
        if usable:
            detail += f": use {' or '.join(usable)}"
        if is_scim_path(request.path):
            if status == 404:
                detail += " (RingCentral's SCIM API has Users, Schemas, ResourceTypes, ServiceProviderConfig)"
            response = scim_response(scim_error_body(status, detail), status)
        else:
            response = json_response(rest_error_body(f"HTTP-{status}", detail), status)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        request_id = g.get("request_id", 0)
        state.handler_errors.append(HandlerError(request_id, request.method, request.path, error))
        app.logger.exception("mockrc: unexpected error while handling %s %s", request.method, request.path)
        detail = "Internal Server Error. The fake failed; its log and handler_errors hold the traceback."
        return scim_response(scim_error_body(500, detail), 500)
