"""Payload validation against a profile's JSON Schemas, reported as :class:`Violation` records.

The JSON Schemas (``fixtures/schemas/``) say what a User body, a PatchOp body and a SearchRequest
body may contain under a profile. Every violation is reported, not just the first, because a client
developer fixing a mapping wants the whole list in one round trip. Each one carries a JSON pointer
to the offending value, a stable rule id ``schema.<keyword>`` (the failing JSON Schema keyword,
e.g. ``schema.enum``) and a message written for people, with values in JSON notation
(``"home" is not one of ["work"]``). Messages do not repeat the pointer: callers show both.

User bodies are validated *after* :func:`mockrc.scim.normalise.normalise_user`, which
canonicalises attribute names and drops read-only and unknown attributes, so the schemas can be
strict (``additionalProperties: false``) without rejecting what RingCentral tolerates.

Compiling a schema costs more than validating a body with it, and every fake builds a
:class:`Validator`; so each schema is compiled once per profile, when the first body of its kind
is validated (not at start: that would import jsonschema before the first answer), and shared by
every :class:`Validator`.

Most bodies are valid, and jsonschema's generic descent cost ~35 % of a PATCH (issue 12): each
schema also gets a fast yes/no check (:func:`mockrc.json_schema.fast_check`), and a body it calls
valid skips jsonschema. A body it does not call valid goes to jsonschema as before, so every
violation, its pointer and its message come from there, unchanged.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from mockrc.json_schema import compile_schema, fast_check, json_text, keyword_value
from mockrc.limits import LIMITS
from mockrc.profile import Profile, SchemaKind
from mockrc.violations import Truncation, Violation, json_pointer

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator as JsonSchemaValidator


@dataclass(frozen=True)
class _Compiled:
    """One payload schema, compiled twice: the full validator, and a fast check of validity
    (None when the schema uses a keyword the fast check is not trusted with)."""

    validator: JsonSchemaValidator
    known_valid: Callable[[Any], bool] | None


@cache
def _compiled(profile: Profile, kind: SchemaKind) -> _Compiled:
    """The profile's ``kind`` JSON Schema, compiled once per process."""
    document = copy.deepcopy(profile.json_schemas[kind])
    return _Compiled(compile_schema(document), fast_check(document))


class Validator:
    """Validates the payloads of one profile. Cheap to create; safe to share between threads."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def validate(
        self, kind: SchemaKind, payload: Any, *, limit: int = LIMITS.violations_per_request
    ) -> list[Violation]:
        """Every way ``payload`` breaks the ``kind`` schema, sorted by where; empty when it is valid.

        At most ``limit``: checking stops there (jsonschema finds errors lazily), and a last
        :class:`~mockrc.violations.Truncation` entry says there were more.
        """
        known_valid = _compiled(self.profile, kind).known_valid
        if known_valid is not None and known_valid(payload):
            return []
        found = list(islice(self._all(kind, payload), limit + 1))
        violations = sorted(found[:limit], key=lambda v: (_path_key(v.pointer), v.rule, v.message))
        if len(found) > limit:
            violations.append(Truncation.of(0, True, limit))
        return violations

    def _all(self, kind: SchemaKind, payload: Any) -> Iterator[Violation]:
        """The violations of ``payload``, as jsonschema finds them (lazily)."""
        required_seen: set[tuple[tuple[Any, ...], tuple[Any, ...]]] = set()
        for error in _compiled(self.profile, kind).validator.iter_errors(payload):
            if error.validator == "required":
                # jsonschema yields one error per missing property, each naming it only in prose:
                # report the whole keyword once, one violation per missing property.
                where = (tuple(error.absolute_path), tuple(error.absolute_schema_path))
                if where in required_seen:
                    continue
                required_seen.add(where)
            yield from _violations(error)


def _violations(error: ValidationError) -> Iterable[Violation]:
    """One jsonschema error as violations: one per missing or unexpected property, else one."""
    path = tuple(error.absolute_path)
    keyword = str(error.validator)
    rule = f"schema.{keyword}"
    instance = error.instance
    if keyword == "required" and isinstance(instance, Mapping):
        for name in keyword_value(error):
            if name not in instance:
                yield Violation(json_pointer(path), rule, f"{json_text(name)} is required")
    elif keyword == "additionalProperties" and isinstance(instance, Mapping):
        for name in instance:
            if not _declared(name, error.schema):
                yield Violation(json_pointer((*path, name)), rule, f"{json_text(name)} is not allowed here")
    else:
        yield Violation(json_pointer(path), rule, _message(keyword, error))


def _declared(name: str, schema: Any) -> bool:
    """Whether the object schema declares property ``name`` (by ``properties`` or ``patternProperties``)."""
    if not isinstance(schema, Mapping):
        return False
    return name in schema.get("properties", {}) or any(
        re.search(pattern, name) for pattern in schema.get("patternProperties", {})
    )


def _message(keyword: str, error: ValidationError) -> str:
    """A message about the value at the error's pointer, in JSON notation."""
    value = error.validator_value
    shown = json_text(error.instance)
    if keyword == "enum":
        return f"{shown} is not one of {json_text(value)}"
    if keyword == "const":
        return f"{shown} must be {json_text(value)}"
    if keyword == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        return f"{shown} is not of type {expected}"
    if keyword == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters long"
    if keyword == "minItems":
        return f"must have at least {value} element{'s' if value != 1 else ''}"
    if keyword == "uniqueItems":
        return f"{shown} has duplicate elements"
    if keyword == "contains" and isinstance(value, Mapping) and "const" in value:
        return f"{shown} must contain {json_text(value['const'])}"
    return error.message


def _path_key(pointer: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key for a pointer: array indexes in numeric order (``/emails/2`` before ``/emails/10``)."""
    parts = pointer.split("/")[1:]
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
