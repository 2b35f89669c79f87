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


def scim_text_response(
    text: str | bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A SCIM body already encoded as :func:`dumps` encodes (:class:`~mockrc.scim.render.UserRenderer`),
    as text or as its UTF-8 bytes (:func:`list_response_body`)."""
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


def list_response_body(resources: list[str], total: int, start_index: int) -> bytes:
    """:func:`list_response` encoded as the UTF-8 bytes sent, from its resources already encoded
    (the same bytes as ``dumps(list_response(...)).encode()`` of their dicts, without building or
    encoding them again), made with as few copies of the page as
    it can (issue 12: a page of 100 users is ~40-70 KB, and the joined text, the ListResponse
    around it and its encoding were three fresh copies of it).

    The page is joined once, the ListResponse's ends on its first and last resource, and an
    ASCII page (the usual one) is encoded by a copy. A page with any other character is not
    encoded whole: one non-ASCII user makes the joined text 1, 2 or 4 bytes a character
    throughout, which UTF-8 encodes character by character (3-15x the cost of the ASCII
    page's copy); each resource is encoded on its own instead and the bytes joined. UTF-8
    encodes character by character, so the bytes are the same either way."""
    head, tail = _list_response_ends(len(resources), total, start_index)
    if not resources:
        return f"{head}{tail}".encode()
    parts = list(resources)
    parts[0] = head + parts[0]
    parts[-1] += tail
    text = ",".join(parts)
    if text.isascii():
        return text.encode()
    return b",".join([part.encode() for part in parts])


def _list_response_ends(count: int, total: int, start_index: int) -> tuple[str, str]:
    """The text of a ListResponse of ``count`` resources before its first resource and after its
    last: what :func:`dumps` writes around them."""
    if type(total) is int and type(start_index) is int:  # a bool is an int JSON writes as true
        head = (
            f'{{"schemas":["{LIST_RESPONSE}"],"totalResults":{total},"startIndex":{start_index},'
            f'"itemsPerPage":{count},"Resources":['
        )
        return head, "]}"
    empty = dumps(list_response([], total, start_index) | {"itemsPerPage": count})
    return empty[:-2], "]}"  # empty ends with the Resources' "[]}"
