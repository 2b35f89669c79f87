"""The cheaper ways a write runs (issue 12) end where the full ways end.

- The Users service skips :func:`~mockrc.json_input.check_value` for a body the view read with
  :func:`~mockrc.json_input.loads` within the same limits (``read=True``): sound only if ``loads``
  refuses everything ``check_value`` would, which is checked over generated JSON texts around
  small limits.
- The service parses a PATCH path once and keeps it (an LRU cache of
  :func:`~mockrc.scim.filter_parser.parse_path`): cached and fresh parses give equal paths, and a
  path that does not parse fails the same way each time.
- :func:`~mockrc.json_input.checked_text` refuses what :func:`~mockrc.json_input.check_value`
  refuses, and the text it returns is the one the store would have written (a PATCH stores it).
- The body parser is :func:`json.loads` refusing NaN and the infinities, with its decoder built once.
- The journal reads a request's Content-Length from the environ as Werkzeug's request does.
- :meth:`~mockrc.store.UserStore.replace` given the :meth:`~mockrc.store.UserStore.checkout` the
  new attributes came from unindexes by the keys the checkout noted rather than decoding the
  stored text: over generated sequences, fresh and stale checkouts alike, the store ends with the
  same records and the same indexes as one that decodes every time.
"""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Request
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.wsgi import get_content_length

from mockrc import json_input
from mockrc.clock import FakeClock
from mockrc.errors import ScimError
from mockrc.http.wire import dumps  # the store keeps a user as the answers encode it
from mockrc.ids import IdFactory
from mockrc.json_input import check_value, checked_text, loads
from mockrc.limits import Limits
from mockrc.profile import load_profile
from mockrc.scim.filter_parser import FilterSyntaxError, parse_path
from mockrc.scim.users import UserService
from mockrc.store import StoredUser, UserStore
from mockrc.violations import ViolationLog
from tests.helpers import deterministic

PROFILE = load_profile("ringcentral")
SMALL = Limits(json_depth=4, number_length=12, string_length=6, array_length=4)
QUICK = deterministic(300)

strings = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["\ud800", "a\udfff", "\U0001f600", "é" * 6, "x" * 6, "x" * 7, "\\u"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**13), 10**13),
    st.floats(),
    st.sampled_from([1e308, 1e-300, 1e21, 1e400]),
    strings,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(strings, inner, max_size=4)),
    max_leaves=20,
)


@QUICK
@given(values, st.booleans())
def test_what_loads_accepts_check_value_accepts(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        parsed = loads(text, SMALL)
    except ScimError:
        return
    check_value(parsed, SMALL)  # raises if the view's read let through what the service refuses


PATH_PIECES = (
    "title",
    "name.givenName",
    "NAME.familyname",
    "emails",
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    'emails[type eq "work" and primary eq true].value',
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "addresses[type eq work]",
    "emails[",
    "",
    " ",
    "a..b",
    "]",
    "x.y.z",
)
paths = st.one_of(
    st.sampled_from(PATH_PIECES),
    st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=3).map("".join),
    st.text(alphabet='ab.[]" eqtrue:', max_size=16),
)


def _outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return ("parsed", parse(text))
    except FilterSyntaxError as exc:
        return ("refused", (type(exc), str(exc), exc.rule, exc.position))


@QUICK
@given(st.lists(paths, min_size=1, max_size=8))
def test_cached_patch_paths_parse_as_fresh_ones(texts: list[str]) -> None:
    service = UserService(PROFILE, FakeClock(), IdFactory(PROFILE.rules.id_style))
    for text in [*texts, *texts]:  # the second round is answered from the cache
        assert _outcome(service._patch_paths, text) == _outcome(parse_path, text)


names = st.sampled_from(["a@x.test", "A@X.test", "b@x.test", "c@x.test", "ß@x.test", "SS@x.test"])
attributes = st.fixed_dictionaries(
    {"userName": st.one_of(names, st.just(7))},
    optional={"emails": st.lists(st.fixed_dictionaries({"value": names}), max_size=3)},
)
#: One step: replace user 1 or 2, through a fresh checkout, a stale one (taken before the
#: previous step), or none.
steps = st.lists(
    st.tuples(st.sampled_from(["1", "2"]), attributes, st.sampled_from(["fresh", "stale", "none"]))
)


def _state(store: UserStore) -> tuple[Any, ...]:
    return (
        sorted(store.rows("users")),
        sorted(store._by_user_name.items()),
        sorted(store._by_email.items()),
    )


@QUICK
@given(steps, st.booleans())
def test_replace_through_a_checkout_leaves_the_store_as_replace_alone(
    sequence: list[tuple[str, dict[str, Any], str]], unique_emails: bool
) -> None:
    through, alone = UserStore(unique_emails=unique_emails), UserStore(unique_emails=unique_emails)
    for store in (through, alone):
        store.add(StoredUser("1", {"userName": "a@x.test", "emails": [{"value": "a@x.test"}]}, 0.0, 0.0))
        store.add(StoredUser("2", {"userName": "b@x.test"}, 0.0, 0.0))
    stale = {key: through.checkout(key) for key in ("1", "2")}
    for now, (key, new, how) in enumerate(sequence, start=1):
        checkout = {"fresh": through.checkout(key), "stale": stale[key], "none": None}[how]
        stale = {k: through.checkout(k) for k in ("1", "2")}
        outcomes = []
        for store, given_checkout in ((through, checkout), (alone, None)):
            try:
                store.replace(key, json.loads(json.dumps(new)), float(now), checkout=given_checkout)
                outcomes.append("replaced")
            except ScimError as exc:
                outcomes.append(exc.detail)
        assert outcomes[0] == outcomes[1]
        assert _state(through) == _state(alone)


header_values = st.one_of(
    st.none(),
    st.sampled_from(["0", "12", "-3", " 7 ", "+5", "1_0", "x", "", "99999999999999999999"]),
    st.text(max_size=6),
)


@QUICK
@given(header_values, st.one_of(st.none(), st.sampled_from(["chunked", "gzip", "Chunked", ""])))
def test_the_journal_reads_the_content_length_as_werkzeug_does(
    length: str | None, coding: str | None
) -> None:
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO()}
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    if coding is not None:
        environ["HTTP_TRANSFER_ENCODING"] = coding
    assert get_content_length(environ) == Request(environ).content_length


def _refusal(check: Any, value: Any) -> tuple[str, Any] | None:
    try:
        check(value, SMALL, context="after it")
    except ScimError as exc:
        return exc.detail, exc.violations
    return None


@QUICK
@given(values)
def test_checked_text_checks_as_check_value_and_writes_what_the_store_writes(value: Any) -> None:
    assert _refusal(checked_text, value) == _refusal(check_value, value)
    if _refusal(check_value, value) is None:
        text = checked_text(value, SMALL)
        assert text is None or text == dumps(value)


@QUICK
@given(st.text(max_size=10), st.sampled_from(["replace", "add"]))
def test_a_patch_stores_the_text_of_the_user_it_answers(title: str, op: str) -> None:
    service = UserService(PROFILE, FakeClock(), IdFactory(PROFILE.rules.id_style))
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "a@x.test",
        "name": {"givenName": "A", "familyName": "B"},
        "emails": [{"type": "work", "value": "a@x.test"}],
    }
    created = service.create(body, ViolationLog())
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": op, "path": "title", "value": title}],
    }
    try:
        patched = service.patch(created.id, patch, ViolationLog(), read=True)
    except ScimError:
        return
    stored = service.store.row("users", created.id)
    assert stored is not None
    assert stored[0] == dumps(patched.attributes) == patched.attributes_json
    assert json.loads(stored[0]) == {**created.attributes, "title": title}


json_texts = st.one_of(
    values.map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.text(alphabet='{}[]",:0123456789.eE-+ntrufalsNIfiy\\u\ufeff ', max_size=20),
    st.sampled_from(["\ufeff{}", "NaN", "[Infinity]", "-Infinity", '{"a":1}x', ""]),
)


@QUICK
@given(json_texts)
def test_the_parse_of_a_body_is_json_loads_refusing_constants(text: str) -> None:
    def outcome(parse: Any) -> tuple[str, Any]:
        try:
            return "value", json.dumps(parse(text))
        except json_input._NotJson as exc:
            return "constant", str(exc)
        except ValueError as exc:  # JSONDecodeError
            return "refused", (type(exc), str(exc))

    assert outcome(json_input._parse) == outcome(
        lambda t: json.loads(t, parse_constant=json_input._refuse_constant)
    )
