"""Reading what the client sent: JSON bodies and integer query parameters.

SCIM clients send ``application/scim+json`` (Entra) or ``application/json`` (SDKs), with or
without a charset; both are accepted. Everything a client can get wrong here answers a precise
400 or 415, never a 500; bodies are read within :mod:`mockrc.limits` (:mod:`mockrc.json_input`).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Request

from mockrc import json_input
from mockrc.errors import InvalidSyntax, InvalidValue, PayloadTooLarge, UnsupportedMediaType
from mockrc.limits import LIMITS, Limits
from mockrc.paths import is_own_path
from mockrc.violations import Violation

#: An integer as RFC 7644 §3.4.2.4 means it: ASCII digits with an optional sign (Python's ``int``
#: would also take ``1_000`` and non-ASCII digits).
_INTEGER = re.compile(r"[+-]?[0-9]+")

JSON_MEDIA_TYPES = frozenset({"application/json", "application/scim+json"})


def json_body(request: Request, *, max_bytes: int | None = None) -> dict[str, Any]:
    """The request body as a JSON object, or a typed error saying what is wrong with it.

    Read within :data:`~mockrc.limits.LIMITS`; a body of mockrc's own control API may hold longer
    arrays (users to seed), see :meth:`~mockrc.limits.Limits.for_control_api`.
    """
    media_type = (request.mimetype or "").lower()
    if media_type not in JSON_MEDIA_TYPES:
        sent = request.content_type or "no Content-Type"
        raise UnsupportedMediaType(
            f"Unsupported Media Type [{sent}]: send application/scim+json or application/json",
            violations=[Violation("Content-Type", "http.media-type", f"unsupported media type [{sent}]")],
        )
    raw = request.get_data(cache=True)
    if max_bytes is not None and len(raw) > max_bytes:
        message = f"Request body is larger than {max_bytes:,} bytes, the limit of this endpoint"
        raise PayloadTooLarge(message, violations=[Violation("", "limit.body-bytes", message)])
    limits = LIMITS.for_control_api() if is_own_path(request.path) else LIMITS
    return json_object(raw, request.mimetype_params.get("charset"), limits)


def json_object(raw: bytes, charset: str | None, limits: Limits = LIMITS) -> dict[str, Any]:
    """A body of a JSON media type as a JSON object, or a typed error saying what is wrong with it:
    :func:`json_body` once the media type and size are accepted (the fast writes,
    :mod:`mockrc.http.fast_writes`, call it with the bytes they read)."""
    if not raw.strip():
        raise InvalidSyntax(
            "Request body is empty: a JSON object is required",
            violations=[Violation("", "http.empty-body", "request body is empty")],
        )
    body = json_input.loads(json_input.decode(raw, charset), limits)
    if not isinstance(body, dict):
        message = f"Request body must be a JSON object, not {type(body).__name__}"
        raise InvalidSyntax(message, violations=[Violation("", "http.not-an-object", message)])
    return body


def int_param(value: Any, name: str, *, largest: int = LIMITS.paging_integer) -> int | None:
    """An integer parameter (query string or search body); None when absent.

    Its magnitude is at most ``largest`` (``startIndex`` and ``count`` are int32 in RingCentral's
    spec): past it, 400 invalidValue, rather than a slice or an index that overflows.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if not _INTEGER.fullmatch(text):
            shown = text if len(text) <= 40 else f"{text[:40]}…"
            message = f"{name} must be an integer, not [{shown}]"
            raise InvalidValue(message, violations=[Violation(f"?{name}", "query.integer", message)])
        digits = text.lstrip("+-").lstrip("0") or "0"
        # int() of a long digit string is slow and stops at 4,300 digits: past int32 is enough to know.
        number = int(digits) if len(digits) <= len(str(largest)) else largest + 1
        number = -number if text.startswith("-") else number
    if abs(number) > largest:
        message = f"{name} must be between {-largest - 1} and {largest} (a 32-bit integer)"
        raise InvalidValue(message, violations=[Violation(f"?{name}", "limit.paging-integer", message)])
    return number
