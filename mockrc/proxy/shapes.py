"""The shapes of the fake's answers (``fixtures/schemas/mockrc/answers.schema.json``), as validators.

The proxy checks every upstream answer it can name a shape for (a User, a ListResponse, an error,
a token) against the shape the fake answers, and reports each difference at its JSON pointer.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from itertools import islice
from typing import Any, Literal

from jsonschema.protocols import Validator as JsonSchemaValidator

from mockrc.json_schema import compile_schema
from mockrc.paths import OAUTH_PREFIX, SCIM_PREFIX, is_scim_path
from mockrc.resources import load_json_fixture
from mockrc.violations import json_pointer

Shape = Literal["user", "listResponse", "scimError", "authError", "restError", "oauthToken", "oauthError"]
#: Differences reported per answer: the first ones say enough.
DIFFERENCES_KEPT = 10


@cache
def _validator(shape: Shape) -> JsonSchemaValidator:
    document: Mapping[str, Any] = load_json_fixture("schemas", "mockrc", "answers.schema.json")
    return compile_schema(
        {"$schema": document["$schema"], "$defs": document["$defs"], "$ref": f"#/$defs/{shape}"}
    )


def expected_shape(method: str, path: str, status: int) -> Shape | None:
    """The shape the fake's answer to ``method path`` with ``status`` has; None when it has none to check."""
    if is_scim_path(path):
        if status in (401, 403):
            return "authError"
        if status >= 400:
            return "scimError"
        if not 200 <= status < 300 or status == 204:
            return None
        if path in (f"{SCIM_PREFIX}/Users/.search", f"{SCIM_PREFIX}/.search") or (
            method == "GET" and path == f"{SCIM_PREFIX}/Users"
        ):
            return "listResponse"
        if path == f"{SCIM_PREFIX}/Users" or path.startswith(f"{SCIM_PREFIX}/Users/"):
            return "user"
        return None
    if path == f"{OAUTH_PREFIX}/token":
        return "oauthToken" if status == 200 else "oauthError" if 400 <= status < 500 else None
    return None


def shape_differences(shape: Shape, body: Any) -> list[tuple[str, str]]:
    """Where ``body`` is not of ``shape``: (JSON pointer, what is wrong), at most :data:`DIFFERENCES_KEPT`."""
    errors = islice(_validator(shape).iter_errors(body), DIFFERENCES_KEPT)
    found = [(json_pointer(list(e.absolute_path)), e.message[:300]) for e in errors]
    return sorted(found)
