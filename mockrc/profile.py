"""Profiles: which SCIM service mockrc pretends to be. A profile is data, not a fork.

One engine serves every profile; what differs between RingCentral's SCIM service and a plain RFC
7643/7644 one (attributes, enums, required fields, filter support, id style, business rules) is
read from ``fixtures/profiles/<name>.json``. Adding a profile means adding a file, not code.

The profile file format (our own)::

    {
      "name": "ringcentral",                 # must equal the file name
      "description": "…",
      "schemas": [ <RFC 7643 §7 Schema>, … ],          # served as is by GET /Schemas
      "resourceTypes": [ <RFC 7643 §6 ResourceType> ],  # served by GET /ResourceTypes; the first
                                                       # (id "User") defines the User resource
      "serviceProviderConfig": { <RFC 7643 §5> },      # served by GET /ServiceProviderConfig
      "rules": {
        "filter": "ringcentral" | "full",    # userName/email eq only, or the RFC 7644 grammar
        "userNameIsWorkEmail": bool,         # userName must equal the work email (case-insensitive)
        "uniqueEmails": bool,                # emails unique across the account (409)
        "oneElementPerType": [ "emails", … ],# at most one element per type in these attributes
        "idStyle": "extension" | "uuid",     # numeric extension ids or UUIDs
        "activeDefault": false | true | null,# stored when a create/replace omits active; null: none
        "defaultCount": int,                 # page size when a query gives no count
        "maxResults": int                    # largest page; equals filter.maxResults above
      },
      "jsonSchemas": { "user": "<path under fixtures/schemas/>", "patch": …, "search": … },
      "notes": { "<topic>": "<why a value is what it is>", … }
    }

The discovery documents stay exactly as the RFCs define them (no vendor keys); our reasons for
values the real service does not document go into ``notes``.

Profiles are loaded once per process and shared by every fake, so everything a :class:`Profile`
holds is read-only: JSON objects and arrays are :class:`FrozenJson` and :class:`FrozenList`, a dict
and a list that refuse changes but still serialise, unpack and compare as plain JSON.
``copy.deepcopy`` gives an ordinary mutable copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NoReturn, get_args

from mockrc.errors import ProfileError
from mockrc.resources import fixture, load_json_fixture
from mockrc.scim.schema import ResourceSchema

FilterStyle = Literal["ringcentral", "full"]
IdStyle = Literal["extension", "uuid"]
SchemaKind = Literal["user", "patch", "search"]

_RULE_KEYS = frozenset(
    {
        "filter",
        "userNameIsWorkEmail",
        "attributesParameters",
        "rootSearch",
        "uniqueEmails",
        "oneElementPerType",
        "idStyle",
        "activeDefault",
        "defaultCount",
        "maxResults",
    }
)


def _refuse(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError("profile documents are shared and read-only; use copy.deepcopy() for a copy")


class FrozenJson(dict[str, Any]):
    """A JSON object that refuses changes.

    A subclass of ``dict`` so that ``json.dumps``, ``{**doc}`` and equality with plain dicts work
    unchanged; every mutating method raises ``TypeError`` so that one fake (or test) cannot change
    the documents every other fake in the process is serving.
    """

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: _thaw(value) for key, value in self.items()}


class FrozenList(list[Any]):
    """A JSON array that refuses changes; equal to the plain list with the same items."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [_thaw(value) for value in self]


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return FrozenJson({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return FrozenList(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class ProfileRules:
    """The business rules of a profile (the ``rules`` object of its file)."""

    filter: FilterStyle
    user_name_is_work_email: bool
    unique_emails: bool
    one_element_per_type: tuple[str, ...]
    id_style: IdStyle
    active_default: bool | None
    default_count: int
    max_results: int
    #: RFC 7644 §3.4.2.5 ``attributes``/``excludedAttributes``; RingCentral documents neither.
    attributes_parameters: bool
    #: RFC 7644 §3.4.3 ``POST /.search`` at the service root; RingCentral has only ``/Users/.search``.
    root_search: bool

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], where: str) -> ProfileRules:
        """Parse and check the ``rules`` object; a typo in a profile file fails at load, not later."""
        keys = set(doc)
        if keys != _RULE_KEYS:
            _bad(where, f"rules must have exactly {sorted(_RULE_KEYS)}; got {sorted(keys)}")
        rules = cls(
            filter=doc["filter"],
            user_name_is_work_email=doc["userNameIsWorkEmail"],
            unique_emails=doc["uniqueEmails"],
            one_element_per_type=tuple(doc["oneElementPerType"]),
            id_style=doc["idStyle"],
            active_default=doc["activeDefault"],
            default_count=doc["defaultCount"],
            max_results=doc["maxResults"],
            attributes_parameters=doc["attributesParameters"],
            root_search=doc["rootSearch"],
        )
        if rules.filter not in get_args(FilterStyle):
            _bad(where, f"rules.filter must be one of {get_args(FilterStyle)}, not {rules.filter!r}")
        if rules.id_style not in get_args(IdStyle):
            _bad(where, f"rules.idStyle must be one of {get_args(IdStyle)}, not {rules.id_style!r}")
        flags = (
            rules.user_name_is_work_email,
            rules.unique_emails,
            rules.attributes_parameters,
            rules.root_search,
        )
        if not all(isinstance(flag, bool) for flag in flags):
            _bad(
                where,
                "rules.userNameIsWorkEmail, uniqueEmails, attributesParameters, rootSearch must be booleans",
            )
        if rules.active_default is not None and not isinstance(rules.active_default, bool):
            _bad(where, "rules.activeDefault must be a boolean or null")
        for number in (rules.default_count, rules.max_results):
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                _bad(where, "rules.defaultCount and rules.maxResults must be positive integers")
        if rules.default_count > rules.max_results:
            _bad(where, "rules.defaultCount must not exceed rules.maxResults")
        return rules


@dataclass(frozen=True, eq=False)
class Profile:
    """One profile, loaded from its file. Shared and immutable: compare and hash by identity.

    ``schemas``, ``resource_types`` and ``service_provider_config`` are the discovery documents
    exactly as ``/Schemas``, ``/ResourceTypes`` and ``/ServiceProviderConfig`` serve them (without
    ``meta``, whose ``location`` depends on the host). ``json_schemas`` maps each payload kind to
    its JSON Schema document; :mod:`mockrc.validation` compiles them.
    """

    name: str
    description: str
    schemas: Sequence[FrozenJson]
    resource_types: Sequence[FrozenJson]
    service_provider_config: FrozenJson
    rules: ProfileRules
    #: One key per :data:`SchemaKind` (the loader checks), each a frozen JSON Schema document.
    json_schemas: FrozenJson
    notes: FrozenJson
    #: The User resource's attributes (core schema plus extensions), for every lookup by name.
    resource_schema: ResourceSchema


def available_profiles() -> tuple[str, ...]:
    """The names of the profiles shipped in ``fixtures/profiles/``, sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(".json")
            for entry in fixture("profiles").iterdir()
            if entry.name.endswith(".json")
        )
    )


@cache
def load_profile(name: str) -> Profile:
    """The profile called ``name``, loaded once per process; ProfileError naming the known ones."""
    known = available_profiles()
    if name not in known:
        raise ProfileError(f"unknown profile {name!r}; known profiles: {', '.join(known)}")
    where = f"fixtures/profiles/{name}.json"
    doc = _freeze(load_json_fixture("profiles", f"{name}.json"))
    if doc.get("name") != name:
        _bad(where, f"name must be {name!r}, not {doc.get('name')!r}")
    schemas = doc["schemas"]
    resource_types = doc["resourceTypes"]
    rules = ProfileRules.from_json(doc["rules"], where)
    spc = doc["serviceProviderConfig"]
    if spc["filter"]["maxResults"] != rules.max_results:
        _bad(where, "serviceProviderConfig.filter.maxResults must equal rules.maxResults")
    kinds = set(get_args(SchemaKind))
    if set(doc["jsonSchemas"]) != kinds:
        _bad(where, f"jsonSchemas must name exactly {sorted(kinds)}")
    json_schemas = {
        kind: _freeze(load_json_fixture("schemas", *path.split("/")))
        for kind, path in doc["jsonSchemas"].items()
    }
    return Profile(
        name=name,
        description=doc["description"],
        schemas=schemas,
        resource_types=resource_types,
        service_provider_config=spc,
        rules=rules,
        json_schemas=FrozenJson(json_schemas),
        notes=doc.get("notes", FrozenJson()),
        resource_schema=_user_schema(schemas, resource_types, where),
    )


def _user_schema(
    schemas: Sequence[FrozenJson], resource_types: Sequence[FrozenJson], where: str
) -> ResourceSchema:
    """The User resource type's core schema and extensions, as one :class:`ResourceSchema`."""
    by_id = {doc["id"]: doc for doc in schemas}
    user = next((rt for rt in resource_types if rt["id"] == "User"), None)
    if user is None:
        _bad(where, 'resourceTypes has no "User"')
    wanted = [user["schema"], *(ext["schema"] for ext in user.get("schemaExtensions", ()))]
    missing = [uri for uri in wanted if uri not in by_id]
    if missing:
        _bad(where, f"resourceTypes names schemas that are not in schemas: {missing}")
    return ResourceSchema(by_id[wanted[0]], [by_id[uri] for uri in wanted[1:]])


def _bad(where: str, problem: str) -> NoReturn:
    raise ProfileError(f"{where}: {problem}")
