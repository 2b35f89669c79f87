"""SCIM attribute model (RFC 7643 §7): what each attribute of a resource is.

The filter engine, the PATCH engine, the payload normaliser and the discovery endpoints all need
the same facts about an attribute: its type, whether it is multi-valued, whether string values
compare case-sensitively (``caseExact``), its mutability and uniqueness. Those facts live in the
profile's SCIM schema documents (``fixtures/profiles/<profile>.json``, the same documents that
``GET /Schemas`` serves), and this module turns them into lookups. Nothing here knows about HTTP.

Attribute names are case-insensitive (RFC 7643 §2.1), so every lookup folds case and answers with
the canonical spelling from the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass(frozen=True)
class AttributeDef:
    """One attribute (or sub-attribute) definition as RFC 7643 §7 describes it."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    sub_attributes: Mapping[str, AttributeDef] = field(default_factory=dict)
    #: The schema URI this attribute belongs to (core or an extension).
    schema_uri: str = CORE_USER

    @classmethod
    def from_scim(cls, doc: Mapping[str, Any], schema_uri: str) -> AttributeDef:
        """Build from an RFC 7643 §7 attribute document."""
        subs = {sub["name"].lower(): cls.from_scim(sub, schema_uri) for sub in doc.get("subAttributes", ())}
        return cls(
            name=doc["name"],
            type=doc.get("type", "string"),
            multi_valued=bool(doc.get("multiValued", False)),
            required=bool(doc.get("required", False)),
            case_exact=bool(doc.get("caseExact", False)),
            mutability=doc.get("mutability", "readWrite"),
            returned=doc.get("returned", "default"),
            uniqueness=doc.get("uniqueness", "none"),
            canonical_values=tuple(doc.get("canonicalValues", ())),
            sub_attributes=subs,
            schema_uri=schema_uri,
        )

    @property
    def is_complex(self) -> bool:
        return self.type == "complex"

    def sub(self, name: str) -> AttributeDef | None:
        """The sub-attribute called ``name`` (any case), or None."""
        return self.sub_attributes.get(name.lower())


# Attributes every resource has (RFC 7643 §3.1), whatever its schema says.
_COMMON = (
    AttributeDef(name="id", case_exact=True, mutability="readOnly", returned="always", uniqueness="server"),
    AttributeDef(name="externalId", case_exact=True),
    AttributeDef(
        name="meta",
        type="complex",
        mutability="readOnly",
        sub_attributes={
            n.lower(): AttributeDef(name=n, type=t, case_exact=ce, mutability="readOnly")
            for n, t, ce in (
                ("resourceType", "string", True),
                ("created", "dateTime", False),
                ("lastModified", "dateTime", False),
                ("location", "reference", True),
                ("version", "string", True),
            )
        },
    ),
    AttributeDef(name="schemas", multi_valued=True, case_exact=True, mutability="readWrite"),
)


@dataclass(frozen=True)
class ResolvedPath:
    """Where an attribute path points: the top-level attribute and, maybe, one sub-attribute."""

    attribute: AttributeDef
    sub_attribute: AttributeDef | None = None

    @property
    def target(self) -> AttributeDef:
        """The definition the path finally names."""
        return self.sub_attribute or self.attribute


class ResourceSchema:
    """All attributes of one resource type: its core schema plus its extensions.

    ``resolve`` is the single place that interprets an attribute path such as ``userName``,
    ``name.givenName``, ``emails.value`` or
    ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department``.
    """

    def __init__(self, core: Mapping[str, Any], extensions: Iterable[Mapping[str, Any]] = ()) -> None:
        self.core_uri: str = core["id"]
        self.extension_uris: tuple[str, ...] = tuple(ext["id"] for ext in extensions)
        self._by_schema: dict[str, dict[str, AttributeDef]] = {}
        core_attrs = {a.name.lower(): a for a in _COMMON}
        for doc in core.get("attributes", ()):
            core_attrs[doc["name"].lower()] = AttributeDef.from_scim(doc, self.core_uri)
        self._by_schema[self.core_uri.lower()] = core_attrs
        for ext in extensions:
            self._by_schema[ext["id"].lower()] = {
                doc["name"].lower(): AttributeDef.from_scim(doc, ext["id"])
                for doc in ext.get("attributes", ())
            }

    @property
    def schema_uris(self) -> tuple[str, ...]:
        return (self.core_uri, *self.extension_uris)

    def canonical_uri(self, uri: str) -> str | None:
        """The schema URI as the schema spells it, for a URI given in any case; None if unknown."""
        for known in self.schema_uris:
            if known.lower() == uri.lower():
                return known
        return None

    def attributes(self, schema_uri: str | None = None) -> dict[str, AttributeDef]:
        """Top-level attributes of one schema (default: the core schema), keyed by lower-case name."""
        return self._by_schema[(schema_uri or self.core_uri).lower()]

    def attribute(self, name: str, schema_uri: str | None = None) -> AttributeDef | None:
        """A top-level attribute by name (any case) in one schema (default: core)."""
        return self._by_schema.get((schema_uri or self.core_uri).lower(), {}).get(name.lower())

    def split_urn(self, path: str) -> tuple[str | None, str]:
        """Split ``urn:…:User:department`` into (schema URI, rest); plain paths give (None, path).

        The longest known schema URI that prefixes the path wins, so the core URI and an
        extension URI that shares its prefix are told apart.
        """
        lowered = path.lower()
        for uri in sorted(self.schema_uris, key=len, reverse=True):
            prefix = uri.lower() + ":"
            if lowered.startswith(prefix):
                return uri, path[len(prefix) :]
        return None, path

    def resolve(self, path: str) -> ResolvedPath | None:
        """Resolve ``attr``, ``attr.sub`` or ``<schema-uri>:attr[.sub]``; None if it names nothing."""
        uri, rest = self.split_urn(path)
        attr_name, _, sub_name = rest.partition(".")
        attr = self.attribute(attr_name, uri)
        if attr is None:
            return None
        if not sub_name:
            return ResolvedPath(attr)
        sub = attr.sub(sub_name)
        if sub is None:
            return None
        return ResolvedPath(attr, sub)
