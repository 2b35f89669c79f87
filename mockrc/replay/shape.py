"""What of an answer replay compares: its error code and its body's shape, never its values.

Two servers that behave alike still answer different ids, timestamps, locations, etags and
tokens, so values are no evidence. The *shape* is: the set of attribute paths a JSON body holds
and the JSON type at each (``/Resources[]/emails[]/value`` is a string), with the elements of an
array merged, so a list of three users and a list of five have the same shape. The *error code*
is what a client branches on: SCIM's ``scimType`` (RFC 7644 §3.12), RingCentral's ``errorCode``
(top level, or of the first item of ``errors``) and OAuth's ``error`` (RFC 6749 §5.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: A body's shape: each attribute path and the JSON types found there.
Shape = dict[str, frozenset[str]]

#: Depth past which a shape stops descending (a journal's JSON is at most 64 deep anyway).
MAX_DEPTH = 64
#: Paths a shape records at most: a hostile body of 10,000 distinct keys costs no more than this.
MAX_PATHS = 2_000


def json_type(value: Any) -> str:
    """The JSON type of a parsed value: object, array, string, integer, number, boolean or null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def body_shape(body: Any) -> Shape:
    """Every path of ``body`` and the types there (``""`` is the body itself); empty for no body.

    Text that is not JSON has the shape ``{"": {"text"}}``: its content is a value like any other.
    """
    shape: dict[str, set[str]] = {}
    if body is None:
        return {}
    if isinstance(body, str):
        return {"": frozenset({"text"})}
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack and len(shape) < MAX_PATHS:
        path, value, depth = stack.pop()
        shape.setdefault(path, set()).add(json_type(value))
        if depth >= MAX_DEPTH:
            continue
        if isinstance(value, Mapping):
            for key, inner in value.items():
                name = str(key).replace("~", "~0").replace("/", "~1")
                stack.append((f"{path}/{name}", inner, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[]", inner, depth + 1) for inner in value)
    return {path: frozenset(types) for path, types in shape.items()}


@dataclass(frozen=True)
class ShapeDifference:
    """How two shapes differ: paths only in one of them, and paths whose types differ."""

    only_recorded: dict[str, list[str]]
    only_target: dict[str, list[str]]
    changed: dict[str, tuple[list[str], list[str]]]

    def __bool__(self) -> bool:
        return bool(self.only_recorded or self.only_target or self.changed)

    def describe(self, limit: int = 5) -> str:
        """``/a (string) missing; /b (null) new; /c string -> null``: at most ``limit`` of each kind."""
        parts: list[str] = []
        for label, found in (("missing", self.only_recorded), ("new", self.only_target)):
            items = [f"{path or '/'} ({'|'.join(types)})" for path, types in found.items()]
            parts += _some(items, limit, f" {label}")
        changed = [
            f"{path or '/'} {'|'.join(before)} -> {'|'.join(after)}"
            for path, (before, after) in self.changed.items()
        ]
        parts += _some(changed, limit, "")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "only_recorded": self.only_recorded,
            "only_target": self.only_target,
            "changed": {path: {"recorded": r, "target": t} for path, (r, t) in self.changed.items()},
        }


def _some(items: list[str], limit: int, suffix: str) -> list[str]:
    if not items:
        return []
    shown = ", ".join(items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return [f"{shown}{more}{suffix}"]


def compare_shapes(recorded: Shape, target: Shape) -> ShapeDifference:
    """What the target's answer has that the recorded one has not, and the reverse, path by path."""
    return ShapeDifference(
        only_recorded={p: sorted(t) for p, t in sorted(recorded.items()) if p not in target},
        only_target={p: sorted(t) for p, t in sorted(target.items()) if p not in recorded},
        changed={
            p: (sorted(t), sorted(target[p]))
            for p, t in sorted(recorded.items())
            if p in target and target[p] != t
        },
    )


def error_code(body: Any) -> str | None:
    """``scimType invalidFilter``, ``errorCode CMN-301`` or ``error invalid_grant``; None without one."""
    if not isinstance(body, Mapping):
        return None
    if isinstance(body.get("scimType"), str):
        return f"scimType {body['scimType']}"
    if isinstance(body.get("errorCode"), str):
        return f"errorCode {body['errorCode']}"
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        code = errors[0].get("errorCode")
        if isinstance(code, str):
            return f"errorCode {code}"
    if isinstance(body.get("error"), str):
        return f"error {body['error']}"
    return None
