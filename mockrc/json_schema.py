"""The one way mockrc builds a JSON Schema validator (draft 2020-12), for every schema it ships.

Payload schemas of the profiles (:mod:`mockrc.validation`), the OAuth form and account schemas
(:mod:`mockrc.oauth.schemas`), and the formats of seed files, scenario files and journal entries
all compile here, so each is checked against the 2020-12 metaschema (a broken shipped schema fails
loudly, not as a validator that accepts everything) and each validates in time linear in the
document: jsonschema's own ``uniqueItems`` compares every pair of elements it cannot sort
(objects, mixed types), which is quadratic in an array's length.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry

from mockrc.json_input import canonical
from mockrc.resources import load_json_fixture


def json_text(value: Any) -> str:
    """Compact JSON for a message; long values are shortened so a message stays one readable line."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= 120 else text[:117] + "..."


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``uniqueItems`` in linear time: a set of canonical forms instead of comparing every pair."""
    if unique and validator.is_type(instance, "array"):
        seen: set[Any] = set()
        for element in instance:
            key = canonical(element)
            if key in seen:
                yield ValidationError(f"{json_text(instance)} has non-unique elements")
                return
            seen.add(key)


#: Draft 2020-12, with the one keyword whose check is not linear replaced. (typeshed's stubs
#: leave ``extend`` unannotated.)
SchemaValidator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"uniqueItems": _unique_items}
)


def compile_schema(document: Mapping[str, Any], *, registry: Registry | None = None) -> Validator:
    """A validator of ``document``, after checking it against the metaschema (SchemaError if it
    is not a schema). ``registry`` resolves the ``$ref`` s between several schemas."""
    Draft202012Validator.check_schema(document)
    if registry is None:
        return SchemaValidator(document)
    return SchemaValidator(document, registry=registry)


def keyword_value(error: ValidationError) -> Any:
    """The value of the keyword ``error`` broke (``required``'s names, ``enum``'s choices, ...).

    jsonschema sets it on every error a validator yields; its stubs also allow the ``Unset`` of
    an error built by hand, which no error read here is.
    """
    return error.validator_value


def failed_instance(error: ValidationError) -> Any:
    """The part of the document ``error`` is about (set, as :func:`keyword_value`, on every
    error a validator yields)."""
    return error.instance


@cache
def fixture_schema(*parts: str) -> Validator:
    """The validator of the shipped schema ``fixtures/<parts...>``, compiled once per process."""
    return compile_schema(load_json_fixture(*parts))
