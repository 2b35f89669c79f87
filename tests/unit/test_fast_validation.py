"""The fast validity check of the payload schemas agrees with jsonschema, valid or not.

:mod:`mockrc.validation` skips jsonschema when :func:`mockrc.json_schema.fast_check` calls a body
valid; the danger is a body it calls valid that jsonschema refuses (a violation silently
accepted). So documents are generated *near* each profile's schemas, from the schemas
themselves: valid ones, and ones broken at any depth in every way the schemas' keywords can
be broken (a required member missing, a member not declared, a wrong type, a value outside an
enum, an empty string or array, a duplicate element, the required ``schemas`` URI missing, an
integer that is a float or a boolean), plus arbitrary JSON anywhere; each is judged both ways.
:func:`test_the_generator_breaks_every_keyword` shows the generator reaches every keyword of
every schema, valid documents included, so the agreement is not vacuous. The other side, every
payload the rest of the suite validates, is cross-checked by ``tests/conftest.py``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from mockrc.json_input import canonical
from mockrc.json_schema import compile_schema, fast_check, fast_keywords_only
from mockrc.profile import SchemaKind, available_profiles, load_profile
from tests.helpers import deterministic

KINDS: tuple[SchemaKind, ...] = ("user", "patch", "search")
CASES = [(profile, kind) for profile in available_profiles() for kind in KINDS]
#: Deterministic and leaving nothing behind (the suite runs in random order, under xdist).
QUICK = deterministic(200)

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def schema_of(profile: str, kind: SchemaKind) -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(load_profile(profile).json_schemas[kind])
    return document


@st.composite
def near(draw: st.DrawFn, schema: Any) -> Any:
    """A document for ``schema``: each draws how often it breaks (never, 1 part in 40, 1 in 10,
    1 in 3), then every part is generated from its subschema and broken at that rate, so the
    documents range from valid to broken in several places at several depths."""
    odds = draw(st.sampled_from([0, 40, 10, 3]))
    return draw(_value(schema, odds, 0))


def _breaks(draw: st.DrawFn, odds: int) -> bool:
    return odds > 0 and draw(st.integers(0, odds - 1)) == 0


@st.composite
def _value(draw: st.DrawFn, schema: Any, odds: int, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 6:
        return draw(ANY_JSON)
    if _breaks(draw, odds):  # anything at all in place of this part
        return draw(ANY_JSON)
    broken = _breaks(draw, odds)  # this part's own keyword broken, its type kept where it can be
    if "enum" in schema:
        choices = list(schema["enum"])
        wrong = [c.upper() for c in choices] + [c + " " for c in choices] + [""]
        return draw(st.sampled_from(wrong if broken else choices))
    if "const" in schema:
        return draw(st.text(max_size=4)) if broken else schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return draw(_object(schema, odds, depth, broken))
    if kind == "array" or "items" in schema or "contains" in schema:
        return draw(_array(schema, odds, depth, broken))
    if kind == "string":
        return "" if broken else draw(st.text(min_size=schema.get("minLength", 0), max_size=6))
    if kind == "boolean":
        return draw(st.sampled_from(["true", "False", 0, 1, None]) if broken else st.booleans())
    if kind == "integer":
        if broken:
            return draw(st.sampled_from([2.5, True, False, "1", -0.5]) | st.floats(allow_nan=False))
        return draw(st.integers(-5, 2**64) | st.sampled_from([1.0, -0.0, 1e20]))
    return draw(ANY_JSON)


@st.composite
def _object(draw: st.DrawFn, schema: dict[str, Any], odds: int, depth: int, broken: bool) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    out: dict[str, Any] = {}
    for name, sub in properties.items():
        kept = not _breaks(draw, odds) if name in required else draw(st.booleans())
        if kept:
            out[name] = draw(_value(sub, odds, depth + 1))
    if broken:  # a member the schema does not declare
        names = [n.upper() for n in properties] + [n + "x" for n in properties] + ["extra", ""]
        out[draw(st.sampled_from(names) | st.text(max_size=5))] = draw(ANY_JSON)
    return out


@st.composite
def _array(draw: st.DrawFn, schema: dict[str, Any], odds: int, depth: int, broken: bool) -> list[Any]:
    items = schema.get("items", {})
    out = [draw(_value(items, odds, depth + 1)) for _ in range(draw(st.integers(0, 3)))]
    if schema.get("uniqueItems") and not broken:
        out = list({canonical(item): item for item in out}.values())
    contains = schema.get("contains")
    wanted = contains.get("const") if isinstance(contains, dict) and not broken else None
    if wanted is not None and not any(canonical(item) == canonical(wanted) for item in out):
        out.insert(draw(st.integers(0, len(out))), wanted)
    minimum = schema.get("minItems", 0)
    if len(out) < minimum and not broken:
        out += [draw(_value(items, odds, depth + 1)) for _ in range(minimum - len(out))]
    if out and broken and draw(st.booleans()):  # a duplicate (equal, maybe not identical) element
        out.append(copy.deepcopy(draw(st.sampled_from(out))))
    elif broken and minimum:
        out = out[: minimum - 1]
    return out


def judged_both_ways(profile: str, kind: SchemaKind) -> tuple[Any, Any]:
    schema = schema_of(profile, kind)
    fast = fast_check(schema)
    assert fast is not None
    return fast, compile_schema(schema)


@pytest.mark.parametrize(("profile", "kind"), CASES)
def test_every_payload_schema_gets_a_fast_check(profile: str, kind: SchemaKind) -> None:
    # Without one, every body of the kind would go through jsonschema again: slow, not wrong.
    assert fast_keywords_only(schema_of(profile, kind))


@pytest.mark.parametrize(("profile", "kind"), CASES)
@given(data=st.data())
@QUICK
def test_fast_valid_exactly_when_jsonschema_finds_no_error(
    profile: str, kind: SchemaKind, data: st.DataObject
) -> None:
    fast, full = judged_both_ways(profile, kind)
    document = data.draw(near(schema_of(profile, kind)))
    errors = [f"{list(e.absolute_path)}: {e.validator}" for e in full.iter_errors(document)]
    assert fast(document) == (not errors), errors


def keywords(schema: Any) -> set[str]:
    """The validation keywords ``schema`` uses, at any depth (inside ``contains`` a failure is
    reported as ``contains``'s)."""
    if not isinstance(schema, dict):
        return set()
    found = {k for k in schema if k not in ("$schema", "$id", "title", "description", "default")}
    for key in ("items", "additionalProperties"):
        found |= keywords(schema.get(key))
    for sub in schema.get("properties", {}).values():
        found |= keywords(sub)
    return found - {"properties", "items"}


@pytest.mark.parametrize(("profile", "kind"), CASES)
def test_the_generator_breaks_every_keyword(profile: str, kind: SchemaKind) -> None:
    schema = schema_of(profile, kind)
    fast, full = judged_both_ways(profile, kind)
    search = settings(QUICK, max_examples=2_000, phases=(Phase.generate,))
    valid = find(near(schema), fast, settings=search)
    assert not list(full.iter_errors(valid))
    for keyword in sorted(keywords(schema)):
        broken = find(
            near(schema),
            lambda d, k=keyword: any(e.validator == k for e in full.iter_errors(d)),
            settings=search,
        )
        assert not fast(broken), (keyword, broken)


def test_a_tuple_is_no_array_for_either() -> None:
    # fastjsonschema takes a tuple for a JSON array, jsonschema does not: not plain JSON data,
    # so the fast check says "not known valid" and jsonschema decides.
    fast, full = judged_both_ways("ringcentral", "search")
    document = {"attributes": ("userName",)}
    assert list(full.iter_errors(document))
    assert not fast(document)
    assert fast({"attributes": ["userName"]})


def test_the_fast_check_fills_in_no_defaults() -> None:
    # The ringcentral user schema has "active": {"default": false}; fastjsonschema would add it.
    fast, _ = judged_both_ways("ringcentral", "user")
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "a@example.com",
        "name": {"givenName": "A", "familyName": "B"},
        "emails": [{"type": "work", "value": "a@example.com"}],
    }
    assert fast(user)
    assert "active" not in user


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
        {"type": "string", "pattern": "^a"},
        {"type": "string", "format": "email"},
        {"type": "array", "prefixItems": [{"type": "string"}]},
        {"type": "array", "items": [{"type": "string"}]},
        {"properties": {"a": {"enum": [1, True]}}},
        {"properties": {"a": {"const": 1}}},
    ],
)
def test_a_schema_with_an_unvetted_keyword_gets_no_fast_check(schema: dict[str, Any]) -> None:
    assert fast_check(schema) is None
