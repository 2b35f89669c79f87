"""The SCIM PATCH engine: RFC 7644 §3.5.2 operations applied to one resource.

A fake is only useful if it answers a PATCH the way the client's real target would, so this
module follows the RFC closely and bends only where Microsoft Entra ID's provisioning service
depends on a real-world behaviour (Microsoft's "Known issues and resolutions with SCIM 2.0
protocol compliance", the ``aadOptscim062020`` flag:
https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
). Each bend is recorded in the request's :class:`~mockrc.violations.ViolationLog` as a warning,
so a contract report can tell a client that relies on it.

Decisions where RFC 7644 is silent or where Entra needs something else:

- ``op`` is case-insensitive (Entra sends ``Replace``); non-lower-case is warned
  (``compat.op-case``). An unknown op is ``invalidSyntax``.
- Boolean attributes accept the strings ``"true"``/``"false"`` in any case (Entra's default
  ``"False"``), stored as booleans and warned (``compat.string-boolean``). Numbers or booleans
  sent for string attributes are kept as sent and warned (``compat.non-string-value``); objects
  and arrays there are ``invalidValue``.
- A path-less ``add``/``replace`` treats each key of its value as a path, so Entra's
  ``"name.givenName"`` and ``"urn:…:enterprise:2.0:User:department"`` keys reach the right
  attribute instead of being stored literally. A key that is a schema URI holds that schema's
  attributes, as in a resource body.
- ``add`` and ``replace`` on a filtered path (``emails[type eq "work"].value``) set the value
  on every matching element. When nothing matches and the filter is made of ``eq`` comparisons
  joined by ``and``, the element is created from them (several ops on
  ``addresses[type eq "work"].<sub>`` therefore build one address). For ``replace`` RFC 7644
  §3.5.2.3 asks for ``noTarget`` instead, which fails Entra's update, so the element is created
  and ``compat.replace-creates`` is warned. Other filters that match nothing are ``noTarget``.
- ``add``/``replace`` of an object on a complex value (``name``, or a filtered element) merges
  its sub-attributes; the ones not sent are kept (RFC 7644 §3.5.2.3 for complex attributes).
- ``add`` to ``emails``, ``phoneNumbers``, ``ims``, ``photos`` or ``addresses`` of an element
  whose ``type`` is already present merges into that element instead of adding a second one
  (Entra assumes one element per type); an element equal to an existing one is not added again
  (RFC 7644 §3.5.2.1).
- ``remove`` of an attribute that has no value is a no-op (idempotent, so a retried PATCH does
  not fail); ``remove`` whose filter selects nothing is ``noTarget``. ``remove`` of a
  multi-valued attribute with a ``value`` (Entra's ``{"op":"Remove","path":"members",
  "value":[{"value":"id"}]}``) removes the listed elements, matched on their ``value``
  sub-attribute (or on every sub-attribute given when ``value`` is absent); listed elements that
  are not there are ignored. On any other path a ``remove`` ignores ``value``.
- ``null`` means unassigned (RFC 7643 §2.5): it removes the attribute or sub-attribute.
- Mutability (RFC 7644 §3.5.2): any operation on a ``readOnly`` attribute (``id``, ``meta``) or
  on ``schemas`` (the server derives it) is ``mutability``; an ``immutable`` attribute may be
  given a value once; a ``required`` attribute (or a required sub-attribute of a single-valued
  complex attribute) may not become unassigned (RFC 7644 §3.5.2.2).
- Setting ``primary`` to true on one element sets it to false on the others (RFC 7644 §3.5.2).
- Value filters need a multi-valued complex attribute; a filter on anything else is
  ``invalidPath``, and so is an attribute the filter names that the attribute does not have.
- An empty ``Operations`` list changes nothing. RFC 7644 §3.5.2 asks for "one or more"
  operations but RingCentral's published schema sets no minimum, so it is accepted and warned
  (``compat.empty-operations``).

Operations apply in order to a deep copy of the resource; the first failing one raises and the
caller's resource is untouched, so a failing PATCH changes nothing (RFC 7644 §3.5.2).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from mockrc.errors import (
    InvalidFilter,
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    Mutability,
    NoTarget,
    ScimError,
)
from mockrc.json_input import canonical
from mockrc.limits import LIMITS
from mockrc.scim.filter_ast import And, AttrPath, Comparison, Expr, PatchPath, ValueFilter
from mockrc.scim.filter_eval import Predicate, compile_filter
from mockrc.scim.filter_parser import FilterSyntaxError, parse_path
from mockrc.scim.schema import AttributeDef, ResourceSchema
from mockrc.violations import Violation, ViolationLog, json_pointer

_OPS = ("add", "replace", "remove")
#: Core User attributes that Entra treats as holding at most one element per ``type``
#: (lower-case names, as the schema keys them).
_ONE_PER_TYPE = frozenset({"emails", "phonenumbers", "ims", "photos", "addresses"})
_STRING_TYPES = frozenset({"string", "reference", "datetime", "binary"})

Pointer = tuple[str | int, ...]


def apply_patch(
    resource: Mapping[str, Any],
    operations: Sequence[Mapping[str, Any]],
    schema: ResourceSchema,
    log: ViolationLog,
    *,
    in_place: bool = False,
    parse: Callable[[str], PatchPath] = parse_path,
) -> dict[str, Any]:
    """Apply PATCH ``operations`` to a copy of ``resource`` and return the copy.

    ``resource`` is keyed by the schema's canonical attribute names, extension attributes under
    their schema URI. Raises a :class:`~mockrc.errors.ScimError` subclass naming the operation's
    index and path on the first operation that fails; warnings go to ``log``.

    ``in_place``: ``resource`` is a dict the caller owns and discards on failure (a user just
    decoded from the store), so it is changed and returned itself: the deep copy was ~40 % of a
    one-operation PATCH (issue 12).

    ``parse``: how a path is parsed, :func:`~mockrc.scim.filter_parser.parse_path` or a cache of
    it (:class:`~mockrc.scim.users.UserService` keeps one: clients send the same few paths).
    """
    work = resource if in_place and isinstance(resource, dict) else copy.deepcopy(dict(resource))
    if not operations:
        log.warn(
            "/Operations",
            "compat.empty-operations",
            'RFC 7644 §3.5.2 asks for one or more operations in "Operations"; nothing was changed',
        )
    for index, operation in enumerate(operations):
        _Operation(work, schema, log, index, parse).run(operation)
    return work


@dataclass(frozen=True)
class _Target:
    """What one path (or one key of a path-less value) names, resolved against the schema."""

    where: str  # how error details name it: ``path "…"`` or ``value key "…"``
    pointer: Pointer  # where the path sits in the request body, for warnings
    attr: AttributeDef
    sub: AttributeDef | None = None
    value_filter: Expr | None = None
    #: Whether one element of ``attr`` satisfies ``value_filter`` (set when there is a filter).
    selects: Predicate | None = None


class _Operation:
    """One operation of the list: its index names it in every error and warning."""

    def __init__(
        self,
        work: dict[str, Any],
        schema: ResourceSchema,
        log: ViolationLog,
        index: int,
        parse: Callable[[str], PatchPath] = parse_path,
    ) -> None:
        self.work = work
        self.parse = parse
        self.schema = schema
        self.log = log
        self.index = index
        self.kind = ""

    def fail(self, error: type[ScimError], where: str, reason: str, rule: str | None = None) -> NoReturn:
        """Raise ``error``; ``rule``, when given, is recorded as the violation (else the error
        funnel records the refusal under the error's own rule)."""
        detail = f"Operations[{self.index}]: {where}: {reason}"
        violations = [Violation(f"/Operations/{self.index}", rule, detail)] if rule else []
        raise error(detail, violations=violations)

    # --- the operation as a whole --------------------------------------------------------------

    def run(self, operation: Mapping[str, Any]) -> None:
        raw_op = operation.get("op")
        if not isinstance(raw_op, str) or raw_op.lower() not in _OPS:
            self.fail(InvalidSyntax, f"op {json.dumps(raw_op)}", 'op must be "add", "replace" or "remove"')
        self.kind = raw_op.lower()
        if raw_op != self.kind:
            self.log.warn(
                f"/Operations/{self.index}/op",
                "compat.op-case",
                f'op "{raw_op}" is not lower case; RFC 7644 §3.5.2 spells it "{self.kind}"',
            )
        path = operation.get("path")
        value_pointer: Pointer = ("Operations", self.index, "value")
        if path is None:
            if self.kind == "remove":
                self.fail(NoTarget, "no path", 'remove needs a "path" (RFC 7644 §3.5.2.2)')
            self.apply_object(operation.get("value"), value_pointer, "no path")
            return
        if not isinstance(path, str):
            self.fail(InvalidSyntax, f"path {json.dumps(path)}", "path must be a string")
        where = f"path {_quoted(path)}"
        if self.kind != "remove" and "value" not in operation:
            self.fail(InvalidValue, where, f'{self.kind} needs a "value"')
        extension = self.extension_uri(path)
        if extension is not None:
            self.apply_extension(extension, operation.get("value"), value_pointer, where)
            return
        target = self.resolve(path, where, ("Operations", self.index, "path"))
        self.apply(target, operation.get("value"), "value" in operation, value_pointer)

    def apply_object(self, value: Any, pointer: Pointer, where: str) -> None:
        """A path-less add/replace: every key of ``value`` is a path (or a schema URI)."""
        if not isinstance(value, Mapping):
            self.fail(InvalidValue, where, f'{self.kind} without a "path" needs an object "value"')
        for key, item in value.items():
            extension = self.extension_uri(key)
            if extension is not None:
                self.apply_extension(extension, item, (*pointer, key), f"value key {_quoted(key)}")
            else:
                where = f"value key {_quoted(key)}"
                self.apply(self.resolve(key, where, (*pointer, key)), item, True, (*pointer, key))

    def extension_uri(self, text: str) -> str | None:
        """The extension schema URI ``text`` spells (any case), or None."""
        uri = self.schema.canonical_uri(text)
        return uri if uri in self.schema.extension_uris else None

    def apply_extension(self, uri: str, value: Any, pointer: Pointer, where: str) -> None:
        """An extension's attributes at once, addressed by its URI as in a resource body."""
        if self.kind == "remove":
            present = self.work.get(uri) or {}
            for attr in self.schema.attributes(uri).values():
                if attr.name in present:
                    self.apply(_Target(where, pointer, attr), None, False, pointer)
            return
        if not isinstance(value, Mapping):
            self.fail(InvalidValue, where, f'the attributes of "{uri}" must be an object')
        for key, item in value.items():
            if key.lower() == "schemas":
                # scim2-models serialises an extension object with its own "schemas"; RFC 7643
                # keeps "schemas" at the resource level only, so it is dropped here, not applied.
                self.log.warn(
                    json_pointer((*pointer, key)),
                    "compat.schemas-in-extension",
                    f'"schemas" inside the "{uri}" object is ignored',
                )
                continue
            path = f"{uri}:{key}"
            self.apply(
                self.resolve(path, f"value key {_quoted(path)}", (*pointer, key)), item, True, (*pointer, key)
            )

    # --- paths ---------------------------------------------------------------------------------

    def resolve(self, text: str, where: str, pointer: Pointer) -> _Target:
        """Parse and resolve a path; ``invalidPath`` for bad syntax or anything undefined."""
        try:
            path = self.parse(text)
        except FilterSyntaxError as exc:
            rule = exc.rule if exc.rule != FilterSyntaxError.rule else None
            self.fail(InvalidPath, where, f"{exc.reason} (at position {exc.position})", rule)
        schema_uri = None
        if path.attr.uri is not None:
            schema_uri = self.schema.canonical_uri(path.attr.uri)
            if schema_uri is None:
                self.fail(InvalidPath, where, f'schema "{path.attr.uri}" is not defined')
        attr = self.schema.attribute(path.attr.attr, schema_uri)
        if attr is None:
            self.fail(InvalidPath, where, self.undefined(path.attr.attr, schema_uri))
        selects = None
        if path.value_filter is not None:
            if path.attr.sub_attr is not None or not (attr.multi_valued and attr.is_complex):
                self.fail(
                    InvalidPath,
                    where,
                    f'"{path.attr.dotted}" is not a multi-valued complex attribute, '
                    "so it takes no value filter",
                )
            selects = self.element_filter(path.value_filter, attr, where)
        sub_name = path.attr.sub_attr or path.sub_attr
        sub = None
        if sub_name is not None:
            if not attr.is_complex:
                self.fail(
                    InvalidPath,
                    where,
                    f'"{attr.name}" is not complex, so it has no sub-attribute "{sub_name}"',
                )
            sub = attr.sub(sub_name)
            if sub is None:
                self.fail(InvalidPath, where, f'attribute "{attr.name}.{sub_name}" is not defined')
        return _Target(where, pointer, attr, sub, path.value_filter, selects)

    def undefined(self, name: str, schema_uri: str | None) -> str:
        """Why ``name`` resolves to nothing, pointing at the URN when an extension defines it."""
        reason = f'attribute "{name}" is not defined'
        if schema_uri is None:
            for uri in self.schema.extension_uris:
                if self.schema.attribute(name, uri) is not None:
                    return f'{reason}; extension attributes need their schema URI: "{uri}:{name}"'
        return reason

    def element_filter(self, expr: Expr, attr: AttributeDef, where: str) -> Predicate:
        """Compile ``attr[expr]`` into a test of ONE element, using the filter evaluator's rules.

        The evaluator judges whole resources, and ``attr[expr]`` matches a resource when one
        element satisfies ``expr``; so a resource holding just the element under test answers
        for that element. Its ``invalidFilter`` becomes ``invalidPath``: here it is a path.
        """
        uri = attr.schema_uri if attr.schema_uri in self.schema.extension_uris else None
        try:
            matches = compile_filter(ValueFilter(AttrPath(attr.name, uri=uri), expr), self.schema)
        except InvalidFilter as exc:
            self.fail(InvalidPath, where, exc.detail)

        def selects(element: Mapping[str, Any]) -> bool:
            alone = {attr.name: [element]}
            return matches({uri: alone} if uri else alone)

        return selects

    # --- one target ----------------------------------------------------------------------------

    def apply(self, target: _Target, value: Any, has_value: bool, pointer: Pointer) -> None:
        """Apply this operation to one target, then check that mutability rules still hold."""
        attr = target.attr
        if attr.mutability == "readOnly":
            self.fail(Mutability, target.where, f'attribute "{attr.name}" is readOnly')
        if attr.name == "schemas":
            self.fail(Mutability, target.where, '"schemas" is set by the server from the attributes present')
        if target.sub is not None and target.sub.mutability == "readOnly":
            self.fail(Mutability, target.where, f'attribute "{attr.name}.{target.sub.name}" is readOnly')
        extension = attr.schema_uri in self.schema.extension_uris
        holder: dict[str, Any] = self.work.get(attr.schema_uri, {}) if extension else self.work
        # Copied only when a rule compares before with after: a copy per operation would make a
        # PATCH of many operations on one long attribute quadratic.
        constrained = _constrained(attr)
        before = copy.deepcopy(holder.get(attr.name)) if constrained else None
        if self.kind == "remove":
            self.remove(target, holder, value if has_value else None, pointer)
        else:
            self.set(target, holder, value, pointer)
        after = holder.get(attr.name)
        if constrained:
            self.check_change(target, before, after)
        if isinstance(after, list) and len(after) > LIMITS.array_length:
            # Checked after every operation, not only on the result, so that each operation works
            # on at most the limit plus what it adds.
            self.fail(
                InvalidValue,
                target.where,
                f'"{attr.name}" would have {len(after):,} elements; the limit is {LIMITS.array_length}',
                "limit.array-length",
            )
        if extension:
            if holder:
                self.work[attr.schema_uri] = holder
            else:
                self.work.pop(attr.schema_uri, None)

    def check_change(self, target: _Target, before: Any, after: Any) -> None:
        """``immutable`` and ``required`` rules, judged by what the operation actually changed."""
        attr = target.attr
        if before == after:
            return
        if attr.mutability == "immutable" and before is not None:
            self.fail(
                Mutability, target.where, f'attribute "{attr.name}" is immutable and already has a value'
            )
        if attr.required and after is None:
            self.fail(Mutability, target.where, f'attribute "{attr.name}" is required and cannot be removed')
        if attr.multi_valued or not attr.is_complex:
            return
        for sub in attr.sub_attributes.values():
            old = (before or {}).get(sub.name)
            new = (after or {}).get(sub.name)
            if old == new:
                continue
            label = f"{attr.name}.{sub.name}"
            if sub.mutability == "immutable" and old is not None:
                self.fail(
                    Mutability, target.where, f'attribute "{label}" is immutable and already has a value'
                )
            if sub.required and new is None and after is not None:
                self.fail(Mutability, target.where, f'attribute "{label}" is required and cannot be removed')

    def set(self, target: _Target, holder: dict[str, Any], value: Any, pointer: Pointer) -> None:
        """``add`` or ``replace`` on one target."""
        attr = target.attr
        if not attr.multi_valued:
            if target.sub is not None:
                current = dict(holder.get(attr.name) or {})
                update = self.simple(target.sub, _label(target), value, pointer, target.where)
                _merge(current, {target.sub.name: update})
                _store(holder, attr.name, current)
            elif attr.is_complex:
                merged = None if value is None else dict(holder.get(attr.name) or {})
                if merged is not None:
                    _merge(merged, self.complex(attr, value, pointer, target.where))
                _store(holder, attr.name, merged)
            else:
                _store(holder, attr.name, self.simple(attr, attr.name, value, pointer, target.where))
            return
        elements: list[Any] = list(holder.get(attr.name) or [])
        was_primary = [e for e in elements if isinstance(e, dict) and e.get("primary") is True]
        if target.sub is None and target.value_filter is None:
            new = self.elements(attr, value, pointer, target.where)
            if self.kind == "replace":
                elements = new
            else:
                _Additions(attr, elements).add_all(new)
        else:
            self.set_in_elements(target, elements, value, pointer)
        if attr.sub("primary") is not None:
            _one_primary(elements, was_primary)
        _store(holder, attr.name, elements)

    def set_in_elements(self, target: _Target, elements: list[Any], value: Any, pointer: Pointer) -> None:
        """``add``/``replace`` on ``attr[filter]``, ``attr[filter].sub`` or ``attr.sub``."""
        attr = target.attr
        if target.sub is None:
            update = self.complex(attr, value, pointer, target.where)
        else:
            update = {target.sub.name: self.simple(target.sub, _label(target), value, pointer, target.where)}
        matched = self.select(target, elements)
        for element in matched:
            _merge(element, update)
        if matched:
            return
        if target.value_filter is None:
            self.fail(NoTarget, target.where, f'"{attr.name}" has no elements to set a sub-attribute on')
        seed = _seed(target.value_filter, attr)
        if seed is None:
            self.fail(NoTarget, target.where, "the filter matches no element, and cannot describe a new one")
        created = {**seed, **_without_nulls(update)}
        if created == seed:  # only nulls were sent: nothing to create
            return
        if self.kind == "replace":
            self.log.warn(
                json_pointer(target.pointer),
                "compat.replace-creates",
                f'{target.where} matches no element of "{attr.name}", so a new element was created; '
                'RFC 7644 §3.5.2.3 answers "noTarget" here, but Microsoft Entra ID relies on the creation',
            )
        elements.append(created)

    def remove(self, target: _Target, holder: dict[str, Any], value: Any, pointer: Pointer) -> None:
        attr = target.attr
        if attr.name not in holder:
            if target.value_filter is not None:
                self.fail(
                    NoTarget, target.where, f'"{attr.name}" has no elements, so the filter matches none'
                )
            return
        if not attr.multi_valued:
            if target.sub is None:
                del holder[attr.name]
            else:
                current = dict(holder[attr.name])
                current.pop(target.sub.name, None)
                _store(holder, attr.name, current)
            return
        elements: list[Any] = list(holder[attr.name])
        if target.sub is None and target.value_filter is None:
            if value is None:
                kept = []
            else:
                listed = _Listed(attr, self.elements(attr, value, pointer, target.where))
                kept = [e for e in elements if not listed.includes(e)]
        else:
            matched = self.select(target, elements)
            if not matched and target.value_filter is not None:
                self.fail(NoTarget, target.where, f'no element of "{attr.name}" matches the filter')
            if target.sub is None:
                doomed = {id(m) for m in matched}
                kept = [e for e in elements if id(e) not in doomed]
            else:
                for element in matched:
                    element.pop(target.sub.name, None)
                kept = [e for e in elements if e]
        _store(holder, attr.name, kept)

    def select(self, target: _Target, elements: list[Any]) -> list[dict[str, Any]]:
        """The elements a value filter selects; every element when there is no filter."""
        if target.selects is None:
            return list(elements)
        return [e for e in elements if target.selects(e)]

    # --- values --------------------------------------------------------------------------------

    def simple(self, defn: AttributeDef, label: str, value: Any, pointer: Pointer, where: str) -> Any:
        """Check a single value against a non-complex attribute's type; None means unassign.

        ``label`` names the attribute in messages (``name.givenName``).
        """
        if value is None:
            return None
        kind = defn.type.lower()
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                self.log.warn(
                    json_pointer(pointer),
                    "compat.string-boolean",
                    f'"{label}" is a boolean but was sent as the string "{value}"',
                )
                return value.lower() == "true"
            self.fail(InvalidValue, where, f'"{label}" must be a boolean, not {json.dumps(value)}')
        if kind in ("integer", "decimal"):
            allowed: tuple[type, ...] = (int,) if kind == "integer" else (int, float)
            if isinstance(value, allowed) and not isinstance(value, bool):
                return value
            noun = "an integer" if kind == "integer" else "a number"
            self.fail(InvalidValue, where, f'"{label}" must be {noun}, not {json.dumps(value)}')
        if kind in _STRING_TYPES:
            if isinstance(value, Mapping | list):
                shape = "an object" if isinstance(value, Mapping) else "an array"
                self.fail(InvalidValue, where, f'"{label}" takes a single {defn.type} value, not {shape}')
            if not isinstance(value, str):
                self.log.warn(
                    json_pointer(pointer),
                    "compat.non-string-value",
                    f'"{label}" is a {defn.type} but was sent as {json.dumps(value)}; it is stored as sent',
                )
            return value
        self.fail(InvalidValue, where, f'"{label}" has the unsupported type "{defn.type}"')

    def complex(self, attr: AttributeDef, value: Any, pointer: Pointer, where: str) -> dict[str, Any]:
        """Canonicalise and check an object of sub-attributes; a None value means unassign."""
        if not isinstance(value, Mapping):
            self.fail(InvalidValue, where, f'"{attr.name}" is complex, so its value must be an object')
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = attr.sub(key)
            if sub is None:
                if item is None:  # e.g. Entra's "$ref": null; unassigned either way
                    continue
                self.fail(InvalidPath, where, f'attribute "{attr.name}.{key}" is not defined')
            if sub.mutability == "readOnly":
                self.fail(Mutability, where, f'attribute "{attr.name}.{sub.name}" is readOnly')
            out[sub.name] = self.simple(sub, f"{attr.name}.{sub.name}", item, (*pointer, key), where)
        return out

    def elements(self, attr: AttributeDef, value: Any, pointer: Pointer, where: str) -> list[Any]:
        """The elements a multi-valued value carries; a single object counts as one element."""
        if value is None:
            return []
        if isinstance(value, list):
            items = [(item, (*pointer, n)) for n, item in enumerate(value)]
        elif attr.is_complex and isinstance(value, Mapping):
            items = [(value, pointer)]
        else:
            self.fail(InvalidValue, where, f'"{attr.name}" is multi-valued, so its value must be an array')
        out: list[Any] = []
        for item, item_pointer in items:
            if attr.is_complex:
                element = _without_nulls(self.complex(attr, item, item_pointer, where))
            else:
                element = self.simple(attr, attr.name, item, item_pointer, where)
            if element:
                out.append(element)
        return out


# --- helpers on plain values -------------------------------------------------------------------


def _label(target: _Target) -> str:
    """``attr.sub`` of a target that names a sub-attribute."""
    return f"{target.attr.name}.{target.sub.name}" if target.sub else target.attr.name


def _quoted(text: str) -> str:
    """A path as a JSON string, so the quotes of a filter inside it stay readable (a long one cut)."""
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= 200 else f"{shown[:200]}…"


def _store(holder: dict[str, Any], name: str, value: Any) -> None:
    """Set ``holder[name]``, or delete it when the value is unassigned (null, [] or {})."""
    if value is None or value == [] or value == {}:
        holder.pop(name, None)
    else:
        holder[name] = value


def _merge(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    """Overwrite ``target``'s sub-attributes with ``update``'s; a None value removes one."""
    for key, value in update.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value


def _without_nulls(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _constrained(attr: AttributeDef) -> bool:
    """Whether :meth:`_Operation.check_change` has a rule to check on ``attr`` (immutable or
    required, on it or, for a single-valued complex attribute, on a sub-attribute)."""
    if attr.mutability == "immutable" or attr.required:
        return True
    if attr.multi_valued or not attr.is_complex:
        return False
    return any(sub.mutability == "immutable" or sub.required for sub in attr.sub_attributes.values())


def _match_key(defn: AttributeDef, value: Any) -> Any:
    """A hashable key that is equal for values SCIM calls equal (strings fold case unless the
    attribute is caseExact), so matching many values is a set lookup, not a comparison of pairs."""
    if isinstance(value, str) and not defn.case_exact:
        return ("string", value.casefold())
    return canonical(value)


class _Additions:
    """``add`` of elements to a multi-valued attribute (RFC 7644 §3.5.2.1), in linear time: an
    element equal to one present is not added again, and for one-per-type attributes an element
    whose ``type`` is present is merged into the first element of that type."""

    def __init__(self, attr: AttributeDef, elements: list[Any]) -> None:
        self.attr = attr
        self.elements = elements
        type_def = attr.sub("type")
        self.type_def = type_def if attr.name.lower() in _ONE_PER_TYPE else None
        self.present: dict[Any, int] = {}
        self.by_type: dict[Any, dict[str, Any]] = {}
        for element in elements:
            self._index(element)

    def _index(self, element: Any) -> None:
        key = canonical(element)
        self.present[key] = self.present.get(key, 0) + 1
        if self.type_def is not None and isinstance(element, dict):
            kind = element.get(self.type_def.name)
            self.by_type.setdefault(_match_key(self.type_def, kind), element)

    def add_all(self, new: list[Any]) -> None:
        for element in new:
            self.add(element)

    def add(self, element: Any) -> None:
        if canonical(element) in self.present:
            return
        if self.type_def is not None and self.type_def.name in element:
            existing = self.by_type.get(_match_key(self.type_def, element[self.type_def.name]))
            if existing is not None:
                old = canonical(existing)
                _merge(existing, element)
                self.present[old] -= 1
                if not self.present[old]:
                    del self.present[old]
                new = canonical(existing)
                self.present[new] = self.present.get(new, 0) + 1
                return
        self.elements.append(element)
        self._index(element)


class _Listed:
    """The elements a remove-with-value lists, matched on their ``value`` sub-attribute, else on
    every sub-attribute each one gives: one set per set of sub-attributes, so testing an element
    costs one lookup per such set rather than a comparison with every listed element."""

    def __init__(self, attr: AttributeDef, listed: list[Any]) -> None:
        self.attr = attr
        self.keys: dict[tuple[str, ...], set[tuple[Any, ...]]] = {}
        for item in listed:
            if not attr.is_complex:
                names: tuple[str, ...] = ()
                key = (_match_key(attr, item),)
            else:
                names = ("value",) if "value" in item else tuple(item)
                key = tuple(_match_key(attr.sub_attributes[n.lower()], item[n]) for n in names)
            self.keys.setdefault(names, set()).add(key)

    def includes(self, element: Any) -> bool:
        if not self.attr.is_complex:
            return (_match_key(self.attr, element),) in self.keys.get((), set())
        if not isinstance(element, Mapping):
            return False
        return any(
            tuple(_match_key(self.attr.sub_attributes[n.lower()], element.get(n)) for n in names) in keys
            for names, keys in self.keys.items()
        )


def _one_primary(elements: list[Any], was_primary: list[Any]) -> None:
    """RFC 7644 §3.5.2: a newly primary element makes every other one ``"primary": false``."""
    primaries = [e for e in elements if isinstance(e, dict) and e.get("primary") is True]
    before = {id(old) for old in was_primary}
    newly = [e for e in primaries if id(e) not in before]
    if newly:
        for element in primaries:
            if element is not newly[-1]:
                element["primary"] = False


def _seed(expr: Expr, attr: AttributeDef) -> dict[str, Any] | None:
    """The element a filter of ``eq``s joined by ``and`` describes; None for any other filter."""
    if isinstance(expr, Comparison) and expr.op == "eq" and expr.value is not None:
        # The filter was compiled already, so the name is a sub-attribute of ``attr``.
        return {attr.sub_attributes[expr.path.attr.lower()].name: expr.value}
    if isinstance(expr, And):
        left, right = _seed(expr.left, attr), _seed(expr.right, attr)
        return None if left is None or right is None else {**left, **right}
    return None
