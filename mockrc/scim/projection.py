"""``attributes`` and ``excludedAttributes`` (RFC 7644 §3.4.2.5): which attributes a response carries.

``attributes`` replaces the default set with the listed ones; ``excludedAttributes`` removes
listed ones from it. Attributes the schema marks ``returned: always`` (``id``) and ``schemas``
stay either way. Names are case-insensitive and may be sub-attributes (``name.givenName``) or
URN-qualified (``urn:…:enterprise:2.0:User:department``); names the schema does not define are
ignored, as the RFC gives no error for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockrc.errors import InvalidValue
from mockrc.limits import LIMITS, Limits
from mockrc.scim.schema import ResourceSchema
from mockrc.violations import Violation

_KEPT = ("schemas", "id")

#: Where a name points: (extension URI or None, top-level key, sub-attribute key or None).
Place = tuple[str | None, str, str | None]


def parse_attribute_list(
    value: str | Sequence[str] | None, name: str = "attributes", limits: Limits = LIMITS
) -> list[str]:
    """A comma-separated query value (or a SearchRequest list) as a list of distinct names.

    At most ``limits.array_length`` names (400 invalidValue past it): each name costs a lookup
    for every resource of the answer.
    """
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    names = list(dict.fromkeys(item.strip() for item in items if isinstance(item, str) and item.strip()))
    if len(names) > limits.array_length:
        message = f"{name} lists {len(names):,} names; the limit is {limits.array_length}"
        raise InvalidValue(message, violations=[Violation(f"?{name}", "limit.array-length", message)])
    return names


def _locate(schema: ResourceSchema, name: str) -> Place | None:
    """(extension URI or None, top-level key, sub-attribute key) for a name, canonically spelled."""
    uri, rest = schema.split_urn(name)
    if uri is not None and uri != schema.core_uri and not rest:
        return None, uri, None  # a whole extension
    if uri is None and schema.canonical_uri(name) in schema.extension_uris:
        return None, schema.canonical_uri(name) or name, None
    resolved = schema.resolve(name)
    if resolved is None:
        return None
    extension = resolved.attribute.schema_uri if resolved.attribute.schema_uri != schema.core_uri else None
    sub = resolved.sub_attribute.name if resolved.sub_attribute else None
    return extension, resolved.attribute.name, sub


@dataclass(frozen=True)
class Projection:
    """``attributes``/``excludedAttributes`` resolved against the schema once per request, then
    applied to each resource of the answer (resolving per resource multiplied the work)."""

    include: tuple[Place, ...] = ()
    exclude: tuple[Place, ...] = ()
    #: Whether ``attributes`` was given (then ``include`` alone decides, even when empty).
    including: bool = False

    @classmethod
    def of(cls, schema: ResourceSchema, attributes: Sequence[str], excluded: Sequence[str]) -> Projection:
        if attributes:
            places = (_locate(schema, name) for name in attributes)
            return cls(include=tuple(p for p in places if p is not None), including=True)
        removable = []
        for name in excluded:
            place = _locate(schema, name)
            definition = schema.resolve(name)
            if place is None or place[1] in _KEPT:
                continue
            if definition is not None and definition.target.returned == "always":
                continue
            removable.append(place)
        return cls(exclude=tuple(removable))

    @property
    def is_identity(self) -> bool:
        """Whether :meth:`apply` returns every resource as it is (neither parameter named
        anything the schema defines)."""
        return not self.including and not self.exclude

    def apply(self, resource: dict[str, Any]) -> dict[str, Any]:
        """The resource with only the attributes asked for (a new dict when it changes)."""
        if self.including:
            return _include(resource, self.include)
        if self.exclude:
            return _exclude(resource, self.exclude)
        return resource


def project(
    resource: dict[str, Any], schema: ResourceSchema, attributes: Sequence[str], excluded: Sequence[str]
) -> dict[str, Any]:
    """The resource with only the attributes the client asked for (a new dict when it changes)."""
    return Projection.of(schema, attributes, excluded).apply(resource)


def _holder(resource: dict[str, Any], extension: str | None) -> Any:
    return resource.get(extension) if extension else resource


def _include(resource: dict[str, Any], places: Sequence[Place]) -> dict[str, Any]:
    result = {k: resource[k] for k in _KEPT if k in resource}
    for extension, key, sub in places:
        source = _holder(resource, extension)
        if not isinstance(source, dict) or key not in source:
            continue
        target = result.setdefault(extension, {}) if extension else result
        if sub is None:
            target[key] = source[key]
        elif isinstance(source[key], dict) and sub in source[key]:
            target.setdefault(key, {})[sub] = source[key][sub]
        elif isinstance(source[key], list):
            picked = [{sub: e[sub]} for e in source[key] if isinstance(e, dict) and sub in e]
            if picked:
                target[key] = picked
    return result


def _exclude(resource: dict[str, Any], places: Sequence[Place]) -> dict[str, Any]:
    result = dict(resource)
    for extension, key, sub in places:
        if extension:
            holder = dict(result.get(extension) or {})
            holder.pop(key, None)
            if holder:
                result[extension] = holder
            else:
                result.pop(extension, None)
        elif sub is None:
            result.pop(key, None)
        elif isinstance(result.get(key), dict):
            result[key] = {k: v for k, v in result[key].items() if k != sub}
        elif isinstance(result.get(key), list):
            result[key] = [
                {k: v for k, v in e.items() if k != sub} for e in result[key] if isinstance(e, dict)
            ]
    return result
