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

:func:`fast_check` compiles a second, much cheaper form of a payload schema for bodies that are
valid (the common case): a yes/no answer from code fastjsonschema generates, ~20 times cheaper
than jsonschema's generic descent (issue 12). Only "valid" is trusted from it: "invalid" sends the
body to the jsonschema validator, whose errors every message is built from.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
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


#: Keywords :func:`fast_check` trusts fastjsonschema with: each means the same under the draft
#: fastjsonschema compiles (2019-09, its default for a 2020-12 ``$schema``) as under 2020-12, as
#: fastjsonschema implements it (read in its draft04/06 generators): ``items`` with one schema,
#: ``type`` with jsonschema's ``integer`` (a float with no fraction counts), ``enum``/``const``
#: of strings, ``uniqueItems`` by value (``true`` differs from ``1``, ``1`` equals ``1.0``, as
#: :func:`~mockrc.json_input.canonical` says). A schema with any other keyword (``$ref`` beside
#: other keywords, ``$defs``, ``pattern``, ``format``, ``prefixItems``...) gets no fast check:
#: its meaning would have to be checked first, and ``tests/unit/test_fast_validation.py``
#: generates documents only around the keywords listed here.
_FAST_KEYWORDS = frozenset(
    {"type", "enum", "const", "required", "properties", "additionalProperties", "items", "contains"}
    | {"minItems", "maxItems", "minLength", "maxLength", "uniqueItems"}
)
#: Keywords that only annotate (no effect on validity in either draft).
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples"})
#: Keywords whose value is one subschema, and the one whose value maps names to subschemas.
_SUBSCHEMA = frozenset({"items", "contains", "additionalProperties"})
#: The types of plain JSON data, as :func:`json.loads` builds it (no subclasses).
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def fast_keywords_only(schema: Any) -> bool:
    """Whether ``schema`` uses only keywords :func:`fast_check` trusts fastjsonschema with."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping):
        return False
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword not in _FAST_KEYWORDS:
            return False
        if keyword in ("enum", "const"):
            values = value if keyword == "enum" else [value]
            if not all(isinstance(v, str) for v in values):
                return False  # compared with == by fastjsonschema: 1 == True == 1.0 in Python
        elif keyword == "properties":
            if not all(fast_keywords_only(sub) for sub in value.values()):
                return False
        elif keyword in _SUBSCHEMA and not fast_keywords_only(value):
            return False  # ``items`` as an array (draft 7 tuples) is no schema: refused here too
    return True


def fast_check(document: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    """A yes/no check of ``document``'s schema whose "yes" agrees with :func:`compile_schema`'s
    validator; None when the schema uses a keyword outside :data:`_FAST_KEYWORDS`.

    "No" is not trusted (the caller asks jsonschema). Two differences of fastjsonschema are kept
    out: it fills in ``default`` values (turned off), and it takes a tuple for a JSON array,
    which jsonschema does not, so only plain JSON data (dicts, lists, strings, numbers, booleans,
    null, as a JSON or YAML reader builds it) is passed to it; anything else is answered "no".
    """
    if not fast_keywords_only(document):
        return None
    import fastjsonschema

    generated = fastjsonschema.compile(copy.deepcopy(dict(document)), use_default=False)
    invalid = fastjsonschema.JsonSchemaValueException

    def is_valid(payload: Any) -> bool:
        if not _plain_json(payload):
            return False
        try:
            generated(payload)
        except invalid:
            return False
        return True

    return is_valid


def _plain_json(value: Any) -> bool:
    """Whether ``value`` holds only dicts, lists and JSON scalars (exact types), iteratively."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind in _JSON_SCALARS
    stack = [value]
    while stack:
        item = stack.pop()
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append(child)
            elif kind not in _JSON_SCALARS:
                return False
    return True
