"""A list page's bytes (issue 12's cheaper page) are the dict path's, encoded, byte for byte.

``GET /scim/v2/Users`` writes its page from the store's records: the users whose ids JSON writes
as they are and whose text the renderer can splice by a plain loop
(``UserRenderer._plain_record_texts``), any other page user by user, and the ListResponse joined
once and encoded as ASCII or resource by resource (:func:`~mockrc.http.wire.list_response_body`).
Each is compared here with what encoding the dicts gives, over generated users (the attributes of
``test_render_text``: unicode, escapes, the extension, ``password``, keys that collide with what the
server writes), ids plain and not, empty pages and the last one; and the plain loop is checked to
have written every page it can.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockrc.errors import Uniqueness
from mockrc.http.scim_routes import page_body
from mockrc.http.wire import dumps, list_response, list_response_body
from mockrc.scim.render import UserRenderer
from mockrc.scim.users import Page, UserService
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.store import StoredUser, UserStore
from tests.property.test_render_text import ENTERPRISE, attributes, base_urls, epochs, keys, texts, values

#: Ids as the server makes them (uuids, numbers) and as a state file may hold them (any text).
ids = st.one_of(st.uuids().map(str), st.integers(min_value=0, max_value=10**12).map(str), texts.filter(bool))
users = st.lists(st.tuples(ids, attributes, epochs, epochs), max_size=6, unique_by=lambda u: u[0])


@pytest.fixture(scope="module")
def services() -> dict[str, UserService]:
    return {name: MockState(Settings(profile=name)).users for name in ("ringcentral", "scim")}


def outcome(make: Callable[[], bytes]) -> bytes | str:
    """The bytes made, or that none could be: a lone surrogate (a JSON escape such as ``"\\ud800"``
    decodes to one) has no UTF-8, and the page is refused as the dict path's encoding refuses it."""
    try:
        return make()
    except UnicodeEncodeError:
        return "not UTF-8"


def written_plainly(service: UserService, stored: list[StoredUser]) -> bool:
    """Whether the plain loop can write these users: each has attributes and no key the splice
    cannot take."""
    return all(user.attributes and service.renderer.marked.isdisjoint(user.attributes) for user in stored)


@pytest.mark.parametrize("profile", ["ringcentral", "scim"])
@settings(max_examples=300)
@given(
    users=users,
    base_url=base_urls,
    offset=st.integers(min_value=0, max_value=7),
    count=st.integers(min_value=0, max_value=7),
)
@example(users=[], base_url="http://localhost", offset=0, count=100)  # an empty store
@example(users=[("1", {"userName": "a"}, 0.0, 0.0)], base_url="", offset=1, count=5)  # past the last
@example(users=[("1", {}, 0.0, 1.0)], base_url="", offset=0, count=1)  # no attributes: no comma
@example(users=[("1", {"id": "x"}, 0.0, 0.0), ("2", {"a": "é"}, 0.0, 0.0)], base_url="", offset=0, count=2)
@example(users=[('"1', {"a": 1}, 0.0, 0.0), ("2", {"a": "中"}, 0.0, 0.0)], base_url="", offset=0, count=2)
@example(users=[("\ud800", {"a": 1}, 0.0, 0.0)], base_url="", offset=0, count=1)  # no UTF-8
@example(users=[("1", {ENTERPRISE: {"a": 1}, "b": "😀"}, 0.5, 0.5)], base_url="http://é", offset=0, count=1)
def test_a_page_s_body_is_the_dict_path_s_encoded(
    services: dict[str, UserService],
    profile: str,
    users: list[tuple[str, dict[str, Any], float, float]],
    base_url: str,
    offset: int,
    count: int,
) -> None:
    service = services[profile]
    renderer = service.renderer
    store = UserStore(unique_emails=False, flagged=renderer.flagged, marked=renderer.marked)
    for user_id, user_attributes, created, modified in users:
        try:
            store.add(StoredUser(user_id, user_attributes, created, modified))
        except Uniqueness:
            continue  # a userName taken: this user is not stored
    stored = store.page(offset, count)
    resources = [service.render(user, base_url, copy=False) for user in stored]
    expected = outcome(lambda: dumps(list_response(resources, len(store), offset + 1)).encode())
    listing, total = store.listing(offset, count), len(store)

    assert outcome(lambda: page_body(service, Page(total, offset + 1, listing), base_url)) == expected
    assert outcome(lambda: page_body(service, Page(total, offset + 1, stored), base_url)) == expected
    # The plain loop (for ids JSON writes as they are) writes every page it can, the flags it
    # meets noted by the first page; any other it leaves to the loop that writes any page.
    if all(json.dumps(user.id, ensure_ascii=False) == f'"{user.id}"' for user in stored):
        texts = [dumps(resource) for resource in resources]
        plain = renderer._plain_record_texts(listing.records, renderer._location_head(base_url))
        assert plain == texts if written_plainly(service, stored) else plain in (None, texts)


@settings(max_examples=300)
@given(
    resources=st.lists(st.dictionaries(keys, values, max_size=3), max_size=4),
    total=st.one_of(st.integers(min_value=0, max_value=2**63), st.booleans()),
    start_index=st.one_of(st.integers(min_value=1, max_value=2**63), st.booleans()),
)
@example(resources=[], total=0, start_index=1)
@example(resources=[{"a": "x"}, {"b": "é"}, {"c": "中"}, {"d": "😀"}], total=4, start_index=1)
@example(resources=[{"a": "x"}, {"b": "\ud800"}], total=2, start_index=1)
def test_a_list_response_s_body_is_the_dict_path_s_encoded(
    resources: list[dict[str, Any]], total: int, start_index: int
) -> None:
    body = outcome(lambda: list_response_body([dumps(r) for r in resources], total, start_index))

    assert body == outcome(lambda: dumps(list_response(resources, total, start_index)).encode())


def test_the_server_s_own_users_are_written_by_the_plain_loop(services: dict[str, UserService]) -> None:
    service = services["ringcentral"]
    renderer = UserRenderer(service.profile)
    store = UserStore(unique_emails=False, flagged=renderer.flagged, marked=renderer.marked)
    for user_id, extension in (("3f2b8c1e-8a4d-4c6e-9b7a-1d2e3f4a5b6c", {}), ("62912001", {"a": "é"})):
        store.add(
            StoredUser(user_id, {"userName": f"{user_id}@example.com", ENTERPRISE: extension}, 0.0, 1.0)
        )
    expected = [dumps(service.render(user, "http://localhost", copy=False)) for user in store.page(0, 2)]
    assert (
        renderer.record_texts(store.listing(0, 2).records, "http://localhost") == expected
    )  # notes the flags

    def refused(*args: object) -> list[str]:
        raise AssertionError("written user by user")

    renderer._any_record_texts = refused  # type: ignore[method-assign]
    assert renderer.record_texts(store.listing(0, 2).records, "http://localhost") == expected
