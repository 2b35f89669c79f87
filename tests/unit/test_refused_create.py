"""A refused create changes nothing: not the store, and not the seeded sequence of ids.

The Users service draws a new user's id from a seeded random source; a 409 (userName or email
taken) or a 403 (no unassigned extension left) must come before that draw, or the next user
created would get another id than on a fake that never saw the refused request.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockrc.clock import FakeClock
from mockrc.errors import Forbidden, Uniqueness
from mockrc.ids import IdFactory
from mockrc.profile import load_profile
from mockrc.scim.users import UserService
from mockrc.violations import ViolationLog

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _service(profile: str, licences: int | None = None) -> UserService:
    chosen = load_profile(profile)
    return UserService(
        chosen, FakeClock(), IdFactory(chosen.rules.id_style, seed=11), unassigned_extensions=licences
    )


def _body(user_name: str) -> dict[str, Any]:
    return {
        "schemas": [CORE_USER],
        "userName": user_name,
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"type": "work", "value": user_name}],
    }


@pytest.mark.parametrize("profile", ["ringcentral", "scim"])
def test_a_refused_duplicate_draws_no_id(profile: str) -> None:
    refused, twin = _service(profile), _service(profile)
    for service in (refused, twin):
        service.create(_body("ann@example.com"), ViolationLog())

    with pytest.raises(Uniqueness):
        refused.create(_body("ANN@example.com"), ViolationLog())

    made = [service.create(_body("cy@example.com"), ViolationLog()) for service in (refused, twin)]
    assert made[0].id == made[1].id
    assert [u.id for u in refused.store] == [u.id for u in twin.store]


def test_a_create_refused_for_want_of_an_extension_draws_no_id() -> None:
    refused, twin = _service("ringcentral", licences=1), _service("ringcentral", licences=1)
    made = []
    for service in (refused, twin):
        first = service.create(_body("ann@example.com"), ViolationLog())
        if service is refused:
            with pytest.raises(Forbidden):
                service.create(_body("bob@example.com"), ViolationLog())
        service.delete(first.id)
        made.append(service.create(_body("cy@example.com"), ViolationLog()))

    assert made[0].id == made[1].id
