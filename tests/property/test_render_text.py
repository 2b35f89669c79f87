"""The cheap ways of writing users (issue 12) give byte for byte what the dict path gives.

:class:`~mockrc.scim.render.UserRenderer` splices a user's stored JSON text into its resource
instead of decoding it, building :func:`~mockrc.scim.render.render_user`'s dict and encoding it;
:func:`~mockrc.http.wire.list_response_body` joins users' texts into a ListResponse
(``tests/property/test_list_page.py``). Each is compared here with what the views answered
before (``dumps`` of the dicts) over generated users: unicode and escapes, empty attributes, the
enterprise extension with values, empty or absent, ``password`` (never returned by the ``scim``
profile), and keys the splice must not be taken for (``id``, ``meta``, ``schemas``, at the top or
nested, and inside strings).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockrc.clock import FakeClock, IsoFormatter, isoformat
from mockrc.errors import Uniqueness
from mockrc.http.wire import dumps
from mockrc.scim.users import UserService
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.store import StoredUser, UserStore

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#: Keys the splice has to notice, or that matter to ``schemas``, and ordinary ones.
KEYS = ("id", "meta", "schemas", "password", ENTERPRISE, "userName", "name", "title", "externalId", "")
#: Characters JSON escapes or that are not ASCII, so the texts compared hold every kind.
ODD = '"\\\n\t\x00\x1f\u2028é中😀'

texts = st.text(alphabet=st.one_of(st.sampled_from(ODD), st.characters()), max_size=12)
keys = st.one_of(st.sampled_from(KEYS), texts)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), texts
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=12,
)
#: What an extension may hold: values (a dict with attributes) or nothing in several ways.
extension_values = st.one_of(
    st.sampled_from([{}, None, "", [], 0, False, {"department": "Sales"}]),
    st.dictionaries(keys, values, max_size=2),
)
emails = st.lists(st.fixed_dictionaries({"type": st.just("work"), "value": texts}), max_size=2)
attributes = st.dictionaries(keys, values, max_size=6).flatmap(
    lambda base: st.fixed_dictionaries(
        {},
        optional={ENTERPRISE: extension_values, "emails": emails, "password": texts, "userName": texts},
    ).map(lambda extra: {**base, **extra})
)
#: Any time a user's meta can show (year 1 to 9999).
epochs = st.floats(min_value=-62135596800.0, max_value=FakeClock.LATEST + 0.999)
user_ids = st.one_of(st.uuids().map(str), texts.filter(bool))
base_urls = st.one_of(st.just("http://localhost"), st.just(""), texts.map(lambda t: f"http://{t}"))


@pytest.fixture(scope="module")
def services() -> dict[str, UserService]:
    return {name: MockState(Settings(profile=name)).users for name in ("ringcentral", "scim")}


def as_the_views_did(service: UserService, user: StoredUser, base_url: str) -> str:
    """The answer's text before the renderer: the dict, encoded as every SCIM body is."""
    return dumps(service.render(user, base_url, copy=False))


def stored_and_in_hand(user: StoredUser) -> list[StoredUser]:
    """The user as a write hands it over (its attributes in hand, text made on demand or by the
    store) and as a read does (only the stored text), from stores flagging the extension (as the
    Users service's does), flagging it among others, or flagging nothing."""
    fresh = StoredUser(user.id, user.attributes, user.created, user.last_modified, user.version)
    found = [fresh]
    for flagged in ((ENTERPRISE,), ("title", ENTERPRISE, "name"), ()):
        store = UserStore(unique_emails=False, flagged=flagged)
        found.append(store.add(StoredUser(user.id, user.attributes, user.created, user.last_modified)))
        found.append(store.get(user.id))
    return found


@pytest.mark.parametrize("profile", ["ringcentral", "scim"])
@settings(max_examples=300)
@given(attributes=attributes, user_id=user_ids, created=epochs, modified=epochs, base_url=base_urls)
@example(attributes={}, user_id="1", created=0.0, modified=0.0, base_url="")
@example(attributes={"password": "x"}, user_id="1", created=0.0, modified=0.0, base_url="")
@example(attributes={"id": "x", "meta": {}}, user_id="1", created=0.0, modified=0.0, base_url="")
@example(attributes={"name": {ENTERPRISE: {"a": 1}}}, user_id="1", created=0.0, modified=0.0, base_url="")
@example(attributes={ENTERPRISE: {}}, user_id='"é', created=0.5, modified=-0.5, base_url="http://\u2028")
def test_a_user_s_text_is_the_dict_path_s_byte_for_byte(
    services: dict[str, UserService],
    profile: str,
    attributes: dict[str, Any],
    user_id: str,
    created: float,
    modified: float,
    base_url: str,
) -> None:
    service = services[profile]
    for user in stored_and_in_hand(StoredUser(user_id, attributes, created, modified)):
        expected = as_the_views_did(service, user, base_url)

        assert service.render_text(user, base_url) == expected
        assert service.render_texts([user, user], base_url) == [expected, expected]


@pytest.mark.parametrize("profile", ["ringcentral", "scim"])
@settings(max_examples=300)
@given(
    users=st.lists(st.tuples(user_ids, attributes, epochs, epochs), max_size=5, unique_by=lambda u: u[0]),
    base_url=base_urls,
    offset=st.integers(min_value=0, max_value=6),
)
@example(users=[("1", {"id": "x"}, 0.0, 0.0), ("2", {}, 0.0, 1.0)], base_url="", offset=0)
@example(users=[("1", {"name": {"id": 1, "meta": 2}}, 0.0, 0.0)], base_url="", offset=0)
@example(users=[("1", {ENTERPRISE: {}, "password": "p"}, 0.0, 0.0)], base_url="", offset=0)
def test_a_page_written_from_the_store_s_records_is_the_dict_path_s(
    services: dict[str, UserService],
    profile: str,
    users: list[tuple[str, dict[str, Any], float, float]],
    base_url: str,
    offset: int,
) -> None:
    """A listing's page (:meth:`UserStore.listing`) is written from the records, its flags telling
    the ``schemas`` and whether a key forbids the splice; from a store flagging other attributes,
    or none, it is written user by user. Either way: the dict path's text."""
    service = services[profile]
    renderer = service.renderer
    for flagged, marked in (
        (renderer.flagged, renderer.marked),
        ((ENTERPRISE,), frozenset()),
        (("title", ENTERPRISE), frozenset({"id"})),
    ):
        store = UserStore(unique_emails=False, flagged=flagged, marked=marked)
        for user_id, user_attributes, created, modified in users:
            try:
                store.add(StoredUser(user_id, user_attributes, created, modified))
            except Uniqueness:
                continue  # a userName taken: this user is not stored
        listing = store.listing(offset, 4)
        expected = [as_the_views_did(service, user, base_url) for user in store.page(offset, 4)]

        assert service.render_texts(listing, base_url) == expected
        assert service.render_texts(list(listing), base_url) == expected  # its users, made one by one
        assert list(listing) == store.page(offset, 4) == listing[:]


@settings(max_examples=500)
@given(epoch=st.one_of(epochs, st.integers(-62135596800, 253402300799).map(float)))
@example(epoch=5.9999996)  # rounds up into the next second
@example(epoch=-1e-07)  # rounds up to the epoch itself
@example(epoch=1767225600.9995)
@example(epoch=1.0000005)  # half a microsecond: rounds half to even
def test_the_iso_formatter_writes_what_isoformat_writes(epoch: float) -> None:
    formatter = IsoFormatter()

    assert formatter(epoch) == isoformat(epoch)
    assert formatter(epoch) == isoformat(epoch)  # from its cache


@pytest.mark.parametrize("epoch", [float("nan"), float("inf"), -float("inf"), 1e20])
def test_the_iso_formatter_refuses_what_isoformat_refuses(epoch: float) -> None:
    with pytest.raises((ValueError, OverflowError)) as expected:
        isoformat(epoch)
    with pytest.raises(expected.type):
        IsoFormatter()(epoch)


def test_the_iso_formatter_s_caches_stay_bounded() -> None:
    formatter = IsoFormatter()
    for second in range(max(IsoFormatter.LIMIT, IsoFormatter.EXACT_LIMIT) * 2 + 1):
        assert formatter(second + 0.25) == isoformat(second + 0.25)
        assert formatter.format_new(second + 0.5) == isoformat(second + 0.5)

    assert len(formatter._seconds) <= IsoFormatter.LIMIT
    assert len(formatter.exact) == IsoFormatter.EXACT_LIMIT  # the first ones formatted stay
    assert formatter(0.25) == isoformat(0.25) == formatter.exact[0.25]


def test_a_stored_user_with_the_extension_is_written_without_decoding_it(
    services: dict[str, UserService],
) -> None:
    service = services["ringcentral"]
    store = UserStore(unique_emails=False, flagged=(ENTERPRISE,))
    for user_id, extension in (("1", {"department": "Sales"}), ("2", {})):
        attributes = {"userName": f"{user_id}@example.com", ENTERPRISE: extension}
        store.add(StoredUser(user_id, attributes, 0.0, 0.0))
        user = store.get(user_id)

        text = service.render_text(user, "http://localhost")

        assert user._attributes is None  # never decoded: the record's flags told
        assert text == as_the_views_did(service, store.get(user_id), "http://localhost")
        assert (ENTERPRISE in json.loads(text)["schemas"]) == bool(extension)
