"""Payload builders for tests: Entra's real request shapes for RingCentral's mapping."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def entra_user(email: str = "Alice.Smith@Contoso.com", **overrides: Any) -> dict[str, Any]:
    """A POST /Users body as Entra's RingCentral app sends it (full default attribute mapping)."""
    body: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": "alice",
        "userName": email,
        "active": True,
        "title": "Sales Manager",
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "Smith", "givenName": "Alice"},
        "phoneNumbers": [{"type": "mobile", "value": "+1 (650) 555-0100"}],
        "addresses": [
            {
                "type": "work",
                "streetAddress": "20 Davis Drive",
                "locality": "Belmont",
                "region": "CA",
                "postalCode": "94002",
                "country": "US",
            }
        ],
        ENTERPRISE: {"department": "Sales"},
    }
    body.update(overrides)
    return body


def minimal_user(email: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [CORE],
        "userName": email,
        "name": {"givenName": "Given", "familyName": "Family"},
        "emails": [{"type": "work", "value": email}],
    }
    body.update(overrides)
    return body


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def deterministic(max_examples: int) -> settings:
    """Hypothesis settings for a property test run by the suite: the same examples every run
    (derandomized, no example database), so it passes or fails alike under xdist and in any order
    and leaves nothing behind; no deadline and no size checks (the examples are large on purpose)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
