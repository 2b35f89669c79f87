"""Evaluating SCIM filters against resources (RFC 7644 §3.4.2.2).

:func:`compile_filter` checks a parsed filter against the resource schema once per query — every
attribute must exist, every operator must suit its attribute's type, every value must have the
attribute's JSON type — and returns a predicate that is cheap to call on each resource. Problems
raise :class:`~mockrc.errors.InvalidFilter` (400 ``invalidFilter``) with a detail that names the
attribute or operator. :func:`matches` is the one-shot convenience.

Resources are plain mappings keyed by the schema's canonical attribute names; extension
attributes sit under their schema URI (``resource["urn:…:enterprise:2.0:User"]["department"]``).

Semantics, and what we decided where RFC 7644 leaves room:

- **Unknown names are errors.** An unknown attribute, sub-attribute or schema URI raises
  InvalidFilter naming it, instead of matching nothing. RFC 7644 allows either; a fake exists to
  surface client mistakes, and "no results" for a misspelt attribute looks exactly like "no such
  user" — which makes Entra ID create a duplicate. Extension attributes must carry their schema
  URI (RFC 7644 §3.10); the error for a bare one suggests the qualified spelling.
- **Strings** honour the attribute's ``caseExact``: when it is false both sides are compared
  after :meth:`str.casefold` (the store's case-insensitive indexes fold the same way).
  ``co``/``sw``/``ew`` are substring tests; ``gt``/``ge``/``lt``/``le`` compare lexicographically.
- **Numbers** (integer, decimal) compare numerically; **dateTime** values compare chronologically
  after parsing ISO 8601 (``Z`` or an offset; a value without one is taken as UTC), so
  ``meta.lastModified gt "2011-05-13T04:42:34Z"`` works whatever the stored spelling.
- **Operator/type combinations.** ``co``/``sw``/``ew`` apply to strings and references only
  (a substring of a number or an instant has no meaning). ``gt``/``ge``/``lt``/``le`` on boolean
  or binary are refused, as RFC 7644 requires. Complex attributes take only ``pr``.
- **Value types must fit.** A string attribute is compared with a JSON string, a number
  with a JSON number, a boolean with ``true``/``false``, a dateTime with a quoted ISO 8601
  string; anything else is refused rather than silently never matching. Stored values of
  the wrong JSON type simply do not match (the filter does not coerce ``"True"`` to ``true``).
- **Complex attributes with a ``value`` sub-attribute** (``emails``, ``manager``) compare through
  it, so ``emails co "example.com"`` means ``emails.value co "example.com"`` (the RFC's own
  example filters use this form).
- **Multi-valued attributes** match if ANY element matches (RFC 7644 §3.4.2.2). For ``ne`` that
  means "some element differs": ``emails.type ne "work"`` matches a user with a work and a home
  email. An element without the attribute counts as different.
- **Absent attributes.** ``pr`` is true for a value that is not null, not ``""``, not an empty
  list and, for a complex value, has at least one present sub-attribute. ``eq null`` is
  ``not (… pr)`` and ``ne null`` is ``… pr``; other operators with ``null`` are refused. Any
  other comparison with an absent attribute is false, except ``ne``, which is true.
- **valuePath** ``emails[type eq "work" and value co "@x"]`` matches when one element satisfies
  the whole bracketed filter; names inside the brackets are sub-attributes of the parent.
  Entra's ``emails[type eq "work"].value eq "x"`` needs one element that satisfies both.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockrc.errors import InvalidFilter
from mockrc.scim.filter_ast import And, AttrPath, Comparison, Expr, Not, Or, Present, ValueFilter
from mockrc.scim.filter_parser import COMPARE_OPS
from mockrc.scim.schema import AttributeDef, ResourceSchema

#: A compiled filter: does this resource match?
Predicate = Callable[[Mapping[str, Any]], bool]
#: Reads the values of one attribute path from a resource (or from one element of a value filter).
Reader = Callable[[Mapping[str, Any]], list[Any]]

_SUBSTRING_OPS = frozenset({"co", "sw", "ew"})
_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "co": operator.contains,
    "sw": str.startswith,
    "ew": str.endswith,
}


@dataclass(frozen=True)
class _Field:
    """An attribute path resolved against the schema: its definition and how to read it."""

    definition: AttributeDef
    #: The path as the client wrote it, for error messages.
    label: str
    #: The path's values in one resource (or element): multi-valued attributes and sub-attributes
    #: of their elements are flattened; an absent single value gives ``[]``.
    values: Reader


Resolver = Callable[[AttrPath], _Field]


def compile_filter(expr: Expr, schema: ResourceSchema) -> Predicate:
    """Check ``expr`` against ``schema`` and return its predicate; InvalidFilter if it cannot apply."""
    return _compile(expr, lambda path: _resolve(path, schema))


def matches(expr: Expr, resource: Mapping[str, Any], schema: ResourceSchema) -> bool:
    """Does ``resource`` match ``expr``? Compiles on every call: use :func:`compile_filter` in loops."""
    return compile_filter(expr, schema)(resource)


def _compile(expr: Expr, resolve: Resolver) -> Predicate:
    if isinstance(expr, And):
        left, right = _compile(expr.left, resolve), _compile(expr.right, resolve)
        return lambda resource: left(resource) and right(resource)
    if isinstance(expr, Or):
        left, right = _compile(expr.left, resolve), _compile(expr.right, resolve)
        return lambda resource: left(resource) or right(resource)
    if isinstance(expr, Not):
        inner = _compile(expr.expr, resolve)
        return lambda resource: not inner(resource)
    if isinstance(expr, Present):
        field = resolve(expr.path)
        return lambda resource: _any_present(field.values(resource))
    if isinstance(expr, Comparison):
        return _compile_comparison(expr, resolve(expr.path))
    return _compile_value_filter(expr, resolve)


# --- attribute resolution --------------------------------------------------------------------


def _resolve(path: AttrPath, schema: ResourceSchema) -> _Field:
    """Resolve a top-level path (``attr``, ``attr.sub``, ``<schema URI>:attr[.sub]``)."""
    uri = None
    if path.uri is not None:
        uri = schema.canonical_uri(path.uri)
        if uri is None:
            known = ", ".join(schema.schema_uris)
            raise InvalidFilter(f'unknown schema URI "{path.uri}" in "{path}" (this resource has {known})')
    attr = schema.attribute(path.attr, uri)
    if attr is None:
        raise InvalidFilter(_unknown_attribute(path, schema))
    sub = _sub_attribute(attr, path.sub_attr, str(path)) if path.sub_attr is not None else None
    extension = uri if uri is not None and uri != schema.core_uri else None

    def values(resource: Mapping[str, Any]) -> list[Any]:
        container = resource.get(extension) if extension else resource
        return _as_list(container.get(attr.name)) if isinstance(container, Mapping) else []

    return _Field(sub or attr, str(path), _pluck(values, sub.name) if sub else values)


def _unknown_attribute(path: AttrPath, schema: ResourceSchema) -> str:
    detail = f'unknown attribute "{path}"'
    if path.uri is None:
        for uri in schema.extension_uris:
            if schema.attribute(path.attr, uri) is not None:
                return f'{detail}: extension attributes need their schema URI, e.g. "{uri}:{path.dotted}"'
    return detail


def _sub_attribute(attr: AttributeDef, name: str, label: str) -> AttributeDef:
    sub = attr.sub(name)
    if sub is not None:
        return sub
    if not attr.is_complex:
        raise InvalidFilter(
            f'unknown attribute "{label}": "{attr.name}" is not complex, it has no sub-attributes'
        )
    names = ", ".join(s.name for s in attr.sub_attributes.values())
    raise InvalidFilter(f'unknown attribute "{label}": "{attr.name}" has the sub-attributes {names}')


def _element_resolver(parent: _Field) -> Resolver:
    """Resolve the names inside ``parent[...]``: sub-attributes of ``parent``, read from one element."""

    def resolve(path: AttrPath) -> _Field:
        if path.uri is not None or path.sub_attr is not None:
            raise InvalidFilter(
                f'"{path}" inside "{parent.label}[...]" must be a sub-attribute name of "{parent.label}"'
            )
        sub = _sub_attribute(parent.definition, path.attr, f"{parent.label}.{path.attr}")
        return _Field(sub, f"{parent.label}.{path.attr}", lambda element: _as_list(element.get(sub.name)))

    return resolve


def _pluck(values: Reader, name: str) -> Reader:
    """Read the sub-attribute ``name`` of each complex value that ``values`` gives."""
    return lambda resource: [item.get(name) for item in values(resource) if isinstance(item, Mapping)]


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda element: first(element) and second(element)


def _as_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    return list(raw) if isinstance(raw, list) else [raw]


def _is_present(value: Any) -> bool:
    """RFC 7644 ``pr``: a non-empty value, or a complex value with a non-empty node."""
    if value is None or value == "":
        return False
    if isinstance(value, Mapping):
        return any(_is_present(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_present(v) for v in value)
    return True


def _any_present(values: list[Any]) -> bool:
    return any(_is_present(v) for v in values)


# --- comparisons -----------------------------------------------------------------------------


def _compile_value_filter(expr: ValueFilter, resolve: Resolver) -> Predicate:
    parent = resolve(expr.path)
    if not parent.definition.is_complex:
        raise InvalidFilter(
            f'"{parent.label}[...]": only complex attributes take a value filter, '
            f'and "{parent.label}" is {parent.definition.type}'
        )
    in_element = _element_resolver(parent)
    selects = _compile(expr.filter, in_element)
    if expr.comparison is not None:
        selects = _both(selects, _compile(expr.comparison, in_element))
    return lambda resource: any(
        selects(element) for element in parent.values(resource) if isinstance(element, Mapping)
    )


def _compile_comparison(expr: Comparison, field: _Field) -> Predicate:
    op, value = expr.op, expr.value
    if op not in COMPARE_OPS:
        raise InvalidFilter(f'unknown operator "{op}"')
    if value is None:
        if op == "eq":
            return lambda resource: not _any_present(field.values(resource))
        if op == "ne":
            return lambda resource: _any_present(field.values(resource))
        raise InvalidFilter(f'operator "{op}" cannot compare "{field.label}" with null; only eq and ne can')
    definition, values = field.definition, field.values
    if definition.is_complex:
        value_sub = definition.sub("value")
        if value_sub is None:
            names = ", ".join(f'"{field.label}.{s.name}"' for s in definition.sub_attributes.values())
            raise InvalidFilter(
                f'operator "{op}" cannot compare the complex attribute "{field.label}"; '
                f"compare one of its sub-attributes ({names})"
            )
        definition, values = value_sub, _pluck(field.values, value_sub.name)
    test = _value_test(definition, op, value, field.label)
    if op == "ne":
        return lambda resource: not (found := values(resource)) or not all(test(v) for v in found)
    return lambda resource: any(test(v) for v in values(resource))


def _value_test(definition: AttributeDef, op: str, value: Any, label: str) -> Callable[[Any], bool]:
    """A test of one stored value against ``value`` with ``op``; ``ne`` is tested as ``eq``.

    Refuses (InvalidFilter) operator/type and value/type combinations that cannot apply.
    """
    kind = definition.type
    test_op = "eq" if op == "ne" else op
    shown = json.dumps(value, ensure_ascii=False)
    if kind in ("boolean", "binary") and op not in ("eq", "ne"):
        raise InvalidFilter(
            f'operator "{op}" is not allowed on the {kind} attribute "{label}" (RFC 7644 §3.4.2.2)'
        )
    if kind not in ("string", "reference") and op in _SUBSTRING_OPS:
        raise InvalidFilter(f'operator "{op}" applies to strings, and "{label}" is {kind}')
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidFilter(f'"{label}" is boolean: compare it with true or false, not {shown}')
        return lambda stored: isinstance(stored, bool) and stored == value
    if kind in ("integer", "decimal"):
        if _number(value) is None:
            raise InvalidFilter(f'"{label}" is {kind}: compare it with a JSON number, not {shown}')
        return _tester(test_op, value, _number)
    if kind == "dateTime":
        instant = _datetime(value)
        if instant is None:
            raise InvalidFilter(
                f'"{label}" is dateTime: compare it with a quoted ISO 8601 date-time '
                f'such as "2011-05-13T04:42:34Z", not {shown}'
            )
        return _tester(test_op, instant, _datetime)
    if not isinstance(value, str):
        raise InvalidFilter(f'"{label}" is {kind}: compare it with a quoted string, not {shown}')
    if definition.case_exact or kind == "binary":
        return _tester(test_op, value, lambda stored: stored if isinstance(stored, str) else None)
    return _tester(
        test_op, value.casefold(), lambda stored: stored.casefold() if isinstance(stored, str) else None
    )


def _tester(op: str, operand: Any, convert: Callable[[Any], Any]) -> Callable[[Any], bool]:
    """Test ``convert(stored) <op> operand``; a stored value that does not convert never matches."""
    compare = _TESTS[op]

    def test(stored: Any) -> bool:
        converted = convert(stored)
        return converted is not None and compare(converted, operand)

    return test


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _datetime(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (or a datetime); naive values are taken as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
