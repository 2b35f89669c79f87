"""The OAuth JSON Schemas (``fixtures/oauth/``) and their failures, named by field.

Every form the OAuth endpoints take (each token grant, revoke, introspect, each step of the
authorize flow) and the account file have a JSON Schema, like the SCIM payloads do. The schemas
are plain JSON Schema 2020-12 documents, usable by outside tools; shared field definitions live
in ``fields.schema.json`` and are referenced by ``$id``, so every form lists its own fields
(``additionalProperties: false``) without repeating their definitions.

A failure is reported as :class:`Problem` records (which field, missing / unknown / invalid, a
message) so that the token endpoint can answer RingCentral's ``invalid_request`` naming the
field, and the account loader can name the file and the field. Schemas are compiled once per
process: compiling costs far more than validating, and the documents never change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from mockrc.json_schema import compile_schema, keyword_value
from mockrc.resources import fixture
from mockrc.violations import json_pointer

if TYPE_CHECKING:  # jsonschema is imported when a schema is first compiled (mockrc.json_schema)
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry

ProblemKind = Literal["missing", "unknown", "invalid"]


@dataclass(frozen=True)
class Problem:
    """One way a document breaks its schema.

    ``field`` is a JSON pointer into the document (``/users/0/role``); for the flat OAuth forms it
    is ``/<name>``, and :attr:`name` gives the bare field name.
    """

    field: str
    kind: ProblemKind
    message: str

    @property
    def name(self) -> str:
        """The last segment of :attr:`field`: the form field's own name."""
        return self.field.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


@cache
def _registry() -> Registry:
    """Every schema of ``fixtures/oauth/``, by ``$id``, so ``$ref`` between them resolves."""
    from referencing import Registry, Resource

    registry: Registry = Registry()
    for entry in fixture("oauth").iterdir():
        if entry.name.endswith(".schema.json"):
            document = json.loads(entry.read_text(encoding="utf-8"))
            registry = registry.with_resource(document["$id"], Resource.from_contents(document))
    return registry.crawl()


@cache
def _validator(name: str) -> Validator:
    """The compiled schema ``fixtures/oauth/<name>.schema.json`` (checked against the metaschema)."""
    document = json.loads(fixture("oauth", f"{name}.schema.json").read_text(encoding="utf-8"))
    return compile_schema(document, registry=_registry())


def validate(name: str, instance: Any) -> list[Problem]:
    """Every way ``instance`` breaks schema ``name``: missing fields first, then unknown, then invalid."""
    problems: list[Problem] = []
    for error in _validator(name).iter_errors(instance):
        problems.extend(_problems(error))
    order = {"missing": 0, "unknown": 1, "invalid": 2}
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (order[p.kind], p.field))


def _problems(error: ValidationError) -> list[Problem]:
    path = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, Mapping):
        return [
            Problem(json_pointer([*path, name]), "missing", f'"{name}" is required')
            for name in keyword_value(error)
            if name not in instance
        ]
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        declared = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        return [
            Problem(json_pointer([*path, name]), "unknown", f'"{name}" is not allowed here')
            for name in instance
            if name not in declared
        ]
    return [Problem(json_pointer(path), "invalid", _message(error))]


def _message(error: ValidationError) -> str:
    """A short message about the value, in JSON notation (the pointer is reported beside it)."""
    shown = json.dumps(error.instance, ensure_ascii=False)
    if error.validator == "enum":
        return f"{shown} is not one of {json.dumps(error.validator_value, ensure_ascii=False)}"
    if error.validator == "const":
        return f"{shown} must be {json.dumps(error.validator_value, ensure_ascii=False)}"
    if error.validator == "type":
        return f"{shown} is not of type {error.validator_value}"
    if error.validator == "pattern":
        description = error.schema.get("description", "") if isinstance(error.schema, Mapping) else ""
        return f"{shown} is not valid" + (f": {description}" if description else "")
    if error.validator == "minLength":
        return "must not be empty"
    if error.validator == "minItems":
        return f"must have at least {error.validator_value} element(s)"
    return error.message
