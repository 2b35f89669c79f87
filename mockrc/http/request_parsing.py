"""Reading what the client sent: JSON bodies and integer query parameters.

SCIM clients send ``application/scim+json`` (Entra) or ``application/json`` (SDKs), with or
without a charset; both are accepted. Everything a client can get wrong here answers a precise
400 or 415, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Request

from mockrc.errors import InvalidSyntax, InvalidValue, PayloadTooLarge, UnsupportedMediaType
from mockrc.violations import Violation

JSON_MEDIA_TYPES = frozenset({"application/json", "application/scim+json"})


def json_body(request: Request, *, max_bytes: int | None = None) -> dict[str, Any]:
    """The request body as a JSON object, or a typed error saying what is wrong with it."""
    media_type = (request.mimetype or "").lower()
    if media_type not in JSON_MEDIA_TYPES:
        sent = request.content_type or "no Content-Type"
        raise UnsupportedMediaType(
            f"Unsupported Media Type [{sent}]: send application/scim+json or application/json",
            violations=[Violation("Content-Type", "http.media-type", f"unsupported media type [{sent}]")],
        )
    raw = request.get_data(cache=True)
    if max_bytes is not None and len(raw) > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
    if not raw.strip():
        raise InvalidSyntax(
            "Request body is empty: a JSON object is required",
            violations=[Violation("", "http.empty-body", "request body is empty")],
        )
    try:
        charset = request.mimetype_params.get("charset", "utf-8")
        body = json.loads(raw.decode(charset))
    except (UnicodeDecodeError, LookupError) as exc:
        raise InvalidSyntax(f"Request body is not valid text: {exc}") from None
    except json.JSONDecodeError as exc:
        message = f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise InvalidSyntax(message, violations=[Violation("", "http.malformed-json", message)]) from None
    if not isinstance(body, dict):
        message = f"Request body must be a JSON object, not {type(body).__name__}"
        raise InvalidSyntax(message, violations=[Violation("", "http.not-an-object", message)])
    return body


def int_param(value: Any, name: str) -> int | None:
    """An integer parameter (query string or search body); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        message = f"{name} must be an integer, not [{value}]"
        raise InvalidValue(message, violations=[Violation(f"?{name}", "query.integer", message)]) from None
