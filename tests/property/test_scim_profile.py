"""The same properties under ``--profile scim`` (a generic RFC 7643/7644 User target), with bodies
generated from its own schema (``fixtures/schemas/scim/user.schema.json``): more attributes,
``attributes``/``excludedAttributes`` honoured, ``/.search`` at the root."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from tests.property import strategies as s
from tests.property.conftest import Target
from tests.property.strategies import Draw, Request, requests_of

PROFILE = "scim"


def scim_user(d: Draw) -> Request:
    body: Any = s.from_schema(d, s.SCIM_USER)
    if s.chance(d, 50):
        body = s.mutate(d, body)
    request = s.create_user(d)
    request.body = s.body_bytes(d, body)
    return request


@given(requests_of(scim_user))
def test_creating_users_from_the_scim_schema(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.patch_user))
def test_patching_users(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.list_users), requests_of(s.search_users))
def test_listing_and_searching_users(target: Target, listing: Request, search: Request) -> None:
    target.fresh()
    target.exchange(listing)
    target.exchange(search)
