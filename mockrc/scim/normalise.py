"""Normalising a User body before validation: canonical names, nothing silently lost.

Clients write attribute names in any case (RFC 7643 §2.1 makes them case-insensitive) and send
things a strict schema would reject although RingCentral tolerates them: Entra ID sends
``"meta": {"resourceType": "User"}`` and may send ``"roles": []``, ``"primary": true`` in emails,
or ``"active": "False"``. The normaliser turns a body into what the JSON Schema and the store
expect, and records every change it makes as a warning so that strict mode and the request
journal can show it:

- attribute names, sub-attribute names and extension URNs take the schema's spelling;
- read-only attributes (``id``, ``meta``, ``groups``, ``manager.displayName``) are dropped
  (``schema.read-only-ignored``): RFC 7643 §2.2 says the server ignores them on input;
- attributes the profile does not define are dropped (``schema.unknown-attribute``);
- ``"True"``/``"False"`` strings for boolean attributes become booleans (``compat.string-boolean``);
- ``null`` values are dropped without a warning: RFC 7643 §2.5 makes ``null`` the same as
  "unassigned", and the server must not echo nulls back;
- the same attribute twice in different case (``"userName"`` and ``"username"``) is an error
  (``schema.duplicate-attribute``): which one the client meant is unknowable.

Values are otherwise kept exactly as sent: Entra compares what it reads back with what it wrote,
so reformatting a value would make it patch the user on every cycle. Pointers in the warnings
point into the body the client sent, with the client's spelling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockrc.errors import InvalidSyntax
from mockrc.profile import Profile
from mockrc.scim.schema import AttributeDef
from mockrc.violations import Violation, ViolationLog, json_pointer

Pointer = tuple[str | int, ...]

_STRING_BOOLEANS = {"true": True, "false": False}


def normalise_user(body: object, profile: Profile, log: ViolationLog) -> dict[str, Any]:
    """A new dict with ``body``'s attributes under their canonical names; changes go to ``log``.

    ``body`` is any parsed JSON: InvalidSyntax if it is not an object at all, as there is nothing
    to normalise.
    """
    if not isinstance(body, Mapping):
        message = "the request body must be a JSON object"
        raise InvalidSyntax(message, violations=[Violation("", "schema.type", message)])
    schema = profile.resource_schema
    core = schema.attributes()
    out: dict[str, Any] = {}
    firsts = _first_spellings(body)
    for key, value in body.items():
        pointer: Pointer = (key,)
        # Every schema URI has a colon, no attribute name has one: most keys skip the URI lookup.
        extension = schema.canonical_uri(key) if ":" in key else None
        if extension is not None and extension != schema.core_uri:
            if not _first_spelling(key, firsts, pointer, log) or value is None:
                continue
            out[extension] = (
                _complex(value, schema.attributes(extension), extension, profile.name, pointer, log)
                if isinstance(value, Mapping)
                else value
            )
            continue
        attr = core.get(key.lower())
        if attr is None:
            _unknown(key, "User", profile.name, pointer, log)
        else:
            _put(out, attr, key, value, firsts, profile.name, pointer, log)
    return out


def _put(
    out: dict[str, Any],
    attr: AttributeDef,
    key: str,
    value: Any,
    firsts: Mapping[str, str] | None,
    profile_name: str,
    pointer: Pointer,
    log: ViolationLog,
) -> None:
    """Store ``value`` under ``attr``'s canonical name, unless it is read-only, null or a duplicate."""
    if attr.mutability == "readOnly":
        log.warn(
            json_pointer(pointer),
            "schema.read-only-ignored",
            f'"{key}" is read-only: the server sets it, so the value sent was ignored',
        )
        return
    if not _first_spelling(key, firsts, pointer, log) or value is None:
        return
    out[attr.name] = _value(attr, value, profile_name, pointer, log)


def _first_spellings(source: Mapping[str, Any]) -> dict[str, str] | None:
    """The first key of ``source`` for each lower-cased name: one pass, so a body with thousands
    of case variants of one name costs linear time, not a scan of the body per key. None when
    no two keys share a name (nearly every body): then every key is the first of its name."""
    firsts: dict[str, str] = {}
    for key in source:
        firsts.setdefault(key.lower(), key)
    return None if len(firsts) == len(source) else firsts


def _first_spelling(key: str, firsts: Mapping[str, str] | None, pointer: Pointer, log: ViolationLog) -> bool:
    """Whether ``key`` is the first of its object's keys for its attribute; if not, an error."""
    if firsts is None:
        return True
    first = firsts[key.lower()]
    if first == key:
        return True
    log.error(
        json_pointer(pointer),
        "schema.duplicate-attribute",
        f'"{key}" repeats "{first}": attribute names are case-insensitive, so this attribute is given twice',
    )
    return False


def _value(attr: AttributeDef, value: Any, profile_name: str, pointer: Pointer, log: ViolationLog) -> Any:
    """One attribute's value, normalised according to its definition."""
    if attr.is_complex:
        if attr.multi_valued and isinstance(value, list):
            return [
                _complex(item, attr.sub_attributes, attr.name, profile_name, (*pointer, index), log)
                if isinstance(item, Mapping)
                else item
                for index, item in enumerate(value)
            ]
        if not attr.multi_valued and isinstance(value, Mapping):
            return _complex(value, attr.sub_attributes, attr.name, profile_name, pointer, log)
        return value
    if attr.type == "boolean" and isinstance(value, str) and value.lower() in _STRING_BOOLEANS:
        boolean = _STRING_BOOLEANS[value.lower()]
        log.warn(
            json_pointer(pointer),
            "compat.string-boolean",
            f"{json.dumps(attr.name)} is a boolean, but the string {json.dumps(value)} was sent; "
            f"read as {json.dumps(boolean)}",
        )
        return boolean
    return value


def _complex(
    value: Mapping[str, Any],
    definitions: Mapping[str, AttributeDef],
    parent: str,
    profile_name: str,
    pointer: Pointer,
    log: ViolationLog,
) -> dict[str, Any]:
    """A complex value (or an extension object) whose keys are the names in ``definitions``."""
    out: dict[str, Any] = {}
    firsts = _first_spellings(value)
    for key, item in value.items():
        sub = definitions.get(key.lower())
        if sub is None:
            _unknown(key, parent, profile_name, (*pointer, key), log)
        else:
            _put(out, sub, key, item, firsts, profile_name, (*pointer, key), log)
    return out


def _unknown(key: str, parent: str, profile_name: str, pointer: Pointer, log: ViolationLog) -> None:
    log.warn(
        json_pointer(pointer),
        "schema.unknown-attribute",
        f'"{key}" is not an attribute of {parent} in the {profile_name} profile; it was ignored',
    )
