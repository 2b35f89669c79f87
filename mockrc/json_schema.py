"""The one way mockrc builds a JSON Schema validator (draft 2020-12), for every schema it ships.

Payload schemas of the profiles (:mod:`mockrc.validation`), the OAuth form and account schemas
(:mod:`mockrc.oauth.schemas`), and the formats of seed files, scenario files and journal entries
all compile here, and each validates in time linear in the document: jsonschema's own
``uniqueItems`` compares every pair of elements it cannot sort (objects, mixed types), which is
quadratic in an array's length.

Only shipped schemas compile here, and the tests check every one of them against the 2020-12
metaschema (``tests/unit/test_validation.py``, ``tests/unit/test_oauth_forms.py``): checking them
again at every start cost ~30 ms of the 0.3 s budget of ``mockrc serve``'s first answer (issue
12). For the same reason jsonschema itself (with referencing, attrs, rpds: ~40 ms to import) is
imported when the first schema is compiled, not when this module is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from mockrc.json_input import canonical
from mockrc.resources import load_json_fixture

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry


def json_text(value: Any) -> str:
    """Compact JSON for a message; long values are shortened so a message stays one readable line."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= 120 else text[:117] + "..."


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``uniqueItems`` in linear time: a set of canonical forms instead of comparing every pair."""
    from jsonschema.exceptions import ValidationError

    if unique and validator.is_type(instance, "array"):
        seen: set[Any] = set()
        for element in instance:
            key = canonical(element)
            if key in seen:
                yield ValidationError(f"{json_text(instance)} has non-unique elements")
                return
            seen.add(key)


@cache
def schema_validator() -> type[Validator]:
    """Draft 2020-12, with the one keyword whose check is not linear replaced; built on first use."""
    from jsonschema import Draft202012Validator, validators

    extended: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]  # typeshed leaves it unannotated
        Draft202012Validator, {"uniqueItems": _unique_items}
    )
    return extended


def compile_schema(document: Mapping[str, Any], *, registry: Registry | None = None) -> Validator:
    """A validator of the shipped schema ``document`` (not checked against the metaschema here:
    the tests do that). ``registry`` resolves the ``$ref`` s between several schemas."""
    if registry is None:
        return schema_validator()(document)
    return schema_validator()(document, registry=registry)


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
