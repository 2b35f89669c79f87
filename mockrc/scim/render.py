"""SCIM resources as the server returns them (RFC 7643 §3.1 ``id`` and ``meta``).

Stored attributes come back exactly as the client sent them; the server adds ``schemas``,
``id`` and ``meta`` and leaves out what the schema says is never returned (``password``).
``meta.location`` is absolute, so it depends on the host the client called: a base URL is
passed in rather than guessed.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cache
from typing import Any

from mockrc.clock import isoformat
from mockrc.paths import SCIM_PREFIX
from mockrc.profile import Profile
from mockrc.store import StoredUser


def user_location(base_url: str, user_id: str) -> str:
    return f"{base_url}{SCIM_PREFIX}/Users/{user_id}"


@cache
def never_returned(profile: Profile) -> frozenset[str]:
    """Top-level attributes the schema marks ``returned: never`` (RFC 7643 §7), e.g. ``password``."""
    return frozenset(a.name for a in profile.resource_schema.attributes().values() if a.returned == "never")


def render_user(
    user: StoredUser, schemas: list[str], profile: Profile, base_url: str, *, copy: bool = True
) -> dict[str, Any]:
    """The user as the API returns it. ``copy=False`` shares the stored values (no deep copy) for
    callers that serialise the result immediately and never modify it."""
    never = never_returned(profile)
    attributes = {k: v for k, v in user.attributes.items() if k not in never} if never else user.attributes
    return {
        "schemas": schemas,
        "id": user.id,
        **(deepcopy(attributes) if copy else attributes),
        "meta": {
            "resourceType": "User",
            "created": isoformat(user.created),
            "lastModified": isoformat(user.last_modified),
            "location": user_location(base_url, user.id),
        },
    }


def with_meta(document: dict[str, Any], resource_type: str, location: str) -> dict[str, Any]:
    """A discovery document (Schema, ResourceType, ServiceProviderConfig) with its ``meta``."""
    return {**document, "meta": {"resourceType": resource_type, "location": location}}
