"""Wire formats: the JSON bodies and media types mockrc answers with.

One module builds every body shape (SCIM resources and lists, SCIM errors, RingCentral's REST
gateway errors), so the order of keys and the media types are decided in one place.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

SCIM_MEDIA_TYPE = "application/scim+json"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def dumps(body: Any) -> str:
    """Compact JSON that keeps the order keys were built in and non-ASCII text as it is."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status=status, headers=headers, content_type=SCIM_MEDIA_TYPE)


def scim_text_response(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A SCIM body already encoded as :func:`dumps` encodes (:class:`~mockrc.scim.render.UserRenderer`)."""
    return Response(text, status=status, headers=headers, content_type=SCIM_MEDIA_TYPE)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status=status, headers=headers, content_type="application/json")


def scim_error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    """RFC 7644 §3.12 error, in the key order RingCentral uses: schemas, status, scimType, detail."""
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    body["detail"] = detail
    return body


def rest_error_body(
    code: str, message: str, *, top_level_code: str | None = None, permission: str | None = None
) -> dict[str, Any]:
    """RingCentral's REST/gateway error: a top-level errorCode and message plus ``errors[]``."""
    item: dict[str, Any] = {"errorCode": code, "message": message}
    body: dict[str, Any] = {"errorCode": top_level_code or code, "message": message}
    if permission:
        item["permissionName"] = permission
    body["errors"] = [item]
    if permission:
        body["permissionName"] = permission
    return body


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    """RFC 7644 §3.4.2 ListResponse; itemsPerPage is the number of resources on this page."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def list_response_text(resources: list[str], total: int, start_index: int) -> str:
    """:func:`list_response` encoded, from its resources already encoded: the same text as
    ``dumps(list_response(...))`` of their dicts, without building or encoding them again."""
    joined = ",".join(resources)
    if type(total) is int and type(start_index) is int:  # a bool is an int JSON writes as true
        return (
            f'{{"schemas":["{LIST_RESPONSE}"],"totalResults":{total},"startIndex":{start_index},'
            f'"itemsPerPage":{len(resources)},"Resources":[{joined}]}}'
        )
    empty = dumps(list_response([], total, start_index) | {"itemsPerPage": len(resources)})
    return f"{empty[:-2]}{joined}]}}"  # empty ends with the Resources' "[]}"
