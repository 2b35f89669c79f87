"""The fast writes (:mod:`mockrc.http.fast_writes`) answer exactly as Flask would, or leave it to Flask.

Requests are generated around the plain case (``POST /scim/v2/Users``, ``PUT``, ``PATCH`` and
``DELETE /scim/v2/Users/{id}``): bodies valid and invalid (schema violations, Entra's compatibility
shapes that log warnings, taken userNames that answer 409, PATCH operations valid and broken,
empty, non-object, non-JSON, too deep and non-UTF-8 bodies), ids that exist and ids that do not,
odd media types and charsets, Content-Length variants (absent, zero, past the limit, longer or
shorter than the body, not plain digits), chunked and terminated input streams, query strings,
Host and Authorization variants; on fakes with expired, revoked and under-privileged tokens,
active scenarios, rate limits and no licence left. Each goes to two apps on equal states and
equal fake clocks, one with the fast writes and one without, through WSGI; the two must agree on
the status, every header in order, the body's bytes, the journal's entries as its API reads them
back, the request ids drawn, the tokens' state, the errors kept, the users as stored and the id
sequence (one more user created on each side gets the same id). And the fast path must have
answered a good share of the cases itself, or the comparison would prove nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockrc.accounts import AccountRequest
from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.limits import LIMITS
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import ViolationLog
from tests.helpers import CORE, ENTERPRISE, PATCH_OP, entra_user, minimal_user
from tests.property.fast_paths import (
    PLAIN_WORLD,
    STATIC,
    TOKENS,
    Pair,
    World,
    call,
    fake,
    journal,
    observable,
    plain_environ,
    prepare,
    wsgi_environ,
)

SCENARIOS = ("no-available-licence", "missing-admin-rights", "auth-failure", "token-expiry", "scim-disabled")
NEW = "new.user@example.com"


@pytest.fixture(scope="module", params=["ringcentral", "scim"])
def pair(request: pytest.FixtureRequest) -> Pair:
    return Pair.of(request.param, "fast_writes")


def _users(pair: Pair) -> list[tuple[str, str]]:
    """(id, userName) of each seeded user, as both fakes hold them once reset (an earlier test
    may have left them changed)."""
    seeded = []
    for state in (pair.fast_state, pair.slow_state):
        prepare(state, PLAIN_WORLD)
        seeded.append([(user.id, str(user.attributes.get("userName"))) for user in state.users.store])
    assert seeded[0] == seeded[1]
    return seeded[0]


def _patch(*operations: Any) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def user_bodies(names: list[str]) -> st.SearchStrategy[Any]:
    """POST and PUT bodies: valid, with Entra's bends (warned), taken, and invalid ones."""
    taken = st.sampled_from(names)
    return st.one_of(
        st.just(minimal_user(NEW)),
        st.just(entra_user(NEW)),  # meta, primary: dropped or kept, warned
        st.just(minimal_user(NEW, active="False")),  # compat.string-boolean
        st.just(minimal_user(NEW, userName=NEW.upper())),
        st.just(minimal_user(NEW, nickName="x", unknownThing=1)),  # schema.unknown-attribute
        st.just(minimal_user(NEW, id="123", meta={"resourceType": "User"})),  # read-only, ignored
        taken.map(minimal_user),  # 409 (or the user's own name, on a PUT)
        taken.map(lambda name: minimal_user(name.upper())),
        st.just(minimal_user(NEW, emails=[])),  # RingCentral: a work email is required
        st.just(minimal_user(NEW, userName="other@example.com")),  # not the work email
        st.just(minimal_user(NEW, userName=5)),
        st.just(minimal_user(NEW, username="dup")),  # the same attribute twice
        st.just({"schemas": [CORE]}),
        st.just({"schemas": [CORE, ENTERPRISE], "userName": NEW, ENTERPRISE: {"department": 7}}),
        st.just({}),
    )


def patch_bodies(names: list[str]) -> st.SearchStrategy[Any]:
    """PATCH bodies: operations valid (some warned) and broken."""
    taken = st.sampled_from(names)
    return st.one_of(
        st.sampled_from(
            [
                _patch({"op": "replace", "path": "title", "value": "Boss"}),
                _patch({"op": "Replace", "path": "title", "value": "Boss"}),  # compat.op-case
                _patch({"op": "add", "value": {"title": "Boss", "name.givenName": "Ann"}}),
                _patch({"op": "replace", "path": "active", "value": "False"}),  # compat.string-boolean
                _patch({"op": "replace", "path": "title", "value": 5}),  # compat.non-string-value
                _patch({"op": "remove", "path": "title"}),
                _patch(),  # compat.empty-operations
                _patch({"op": "add", "path": f"{ENTERPRISE}:department", "value": "Sales"}),
                _patch({"op": "replace", "path": 'addresses[type eq "work"].locality', "value": "Rome"}),
                _patch({"op": "replace", "path": 'emails[type eq "work"].value', "value": NEW}),
                _patch({"op": "replace", "path": "userName", "value": NEW}),
                _patch({"op": "remove", "path": "userName"}),  # required
                _patch({"op": "frob", "path": "title", "value": "x"}),
                _patch({"op": "replace", "path": "nope", "value": "x"}),
                _patch({"op": "replace", "path": "id", "value": "1"}),  # mutability
                _patch({"op": "replace", "path": "title", "value": {"a": 1}}),
                _patch({"op": "remove", "path": 'emails[type eq "home"]'}),  # noTarget
                _patch({"op": "replace", "path": "title[", "value": "x"}),
                {"schemas": [PATCH_OP]},
                {"schemas": [PATCH_OP], "Operations": {"op": "replace"}},
                {"schemas": [CORE], "Operations": []},
            ]
        ),
        taken.map(lambda name: _patch({"op": "replace", "path": "userName", "value": name})),  # 409
    )


#: Raw bodies that are no plain JSON object of the op's, whatever the op.
ODD_RAW = [
    b"",
    b"   ",
    b"[]",
    b"null",
    b"1",
    b'"x"',
    b"{",
    b'{"a":1}}',
    b"[" * 100 + b"]" * 100,  # deeper than LIMITS.json_depth
    b'{"a":' * 70 + b"1" + b"}" * 70,
    b"\xff{}",
    b'\xef\xbb\xbf{"schemas":[]}',
    b'{"userName":"' + b"x" * (LIMITS.string_length + 1) + b'"}',
    b'{"n": NaN}',
    b'{"n": 1e999}',
]
MEDIA_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "Application/SCIM+JSON;charset=UTF-8",
    'application/scim+json; charset="utf-8"',
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
    "application/json; charset=nope",
    "application/json;",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/jsonx",
    "",
    None,
]
CONTENT_LENGTHS = [
    "absent",
    "0",
    "+5",
    "short",
    "long",
    " N",
    "N ",
    "+N",
    "0N",
    "abc",
    "-1",
    "",
    "9" * 30,
    "huge",
]

#: What a generated case may vary from the plain request on a plain fake; each case varies a few
#: of these (often none), so plain cases, odd ones and their combinations all come up.
DIMENSIONS = (
    "world",
    "method",
    "path",
    "id",
    "query",
    "host",
    "authorization",
    "token",
    "body",
    "raw",
    "media type",
    "length",
    "stream",
    "script",
)


@st.composite
def cases(draw: st.DrawFn, users: list[tuple[str, str]]) -> tuple[World, dict[str, Any]]:
    """A fake's world and a WSGI environ, each a few steps from the plain case at most."""
    varied = draw(st.sets(st.sampled_from(DIMENSIONS), max_size=3))
    ids = [user_id for user_id, _ in users]
    names = [name for _, name in users]

    def pick(dimension: str, plain: Any, odd: st.SearchStrategy[Any]) -> Any:
        return draw(odd) if dimension in varied else plain

    world = pick(
        "world",
        PLAIN_WORLD,
        st.builds(
            World,
            advance=st.sampled_from([0.0, 3600.0]),
            scenario=st.sampled_from([None, *SCENARIOS]),
            rate_limits=st.booleans(),
            ignore_filters=st.just(False),
            licences=st.sampled_from([None, 0, 1]),
        ),
    )
    op = draw(st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]))
    method = pick("method", op, st.sampled_from(["GET", "HEAD", "post", "OPTIONS", "PUT", "PATCH"]))
    if op == "POST":
        path = "/scim/v2/Users"
    else:
        user_id = pick("id", draw(st.sampled_from(ids)), odd_ids(ids))
        path = f"/scim/v2/Users/{user_id}"
    path = pick(
        "path",
        path,
        st.sampled_from(
            [
                "/scim/v2/Users/",
                "//scim/v2/Users",
                "/scim/v2//Users",
                "/scim/v2/Usersx",
                "/scim/v2/users",
                "/scim/v2/Users/.search",
                "/scim/v2/.search",
                "/__mockrc/users",
                f"/scim/v2/Users/{ids[0]}/",
                f"//scim/v2/Users/{ids[0]}",
            ]
        ),
    )
    query = pick(
        "query",
        "",
        st.sampled_from(["attributes=userName", "excludedAttributes=emails", "x", "&", "%ff", "a=%C3%A9"]),
    )
    script = pick("script", "", st.just("/prefix"))
    environ = wsgi_environ(
        method, path, query, scheme=draw(st.sampled_from(["http", "https"])), script=script
    )
    host = draw(
        st.sampled_from(
            [
                "localhost",
                "127.0.0.1:8080",
                "platform.ringcentral.com",
                "Platform.RingCentral.com",
                "[::1]:3000",
            ]
        )
    )
    host = pick(
        "host", host, st.sampled_from(["LOCALHOST:443", "evil.example", "bad host", "localhost:x", None])
    )
    if host is not None:
        environ["HTTP_HOST"] = host
    token = pick("token", STATIC, st.sampled_from([*TOKENS, "unknown"]))
    authorization = pick(
        "authorization",
        f"Bearer {token}",
        st.sampled_from([f"bearer  {token} ", f"Basic {token}", "", "Bearer", f"Token {token}", None]),
    )
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization

    # The body: none for a DELETE, else the op's JSON (or something near it), as a client sends it.
    document: Any = None
    if op in ("POST", "PUT"):
        document = draw(user_bodies(names))
        if op == "PUT" and document.get("userName") == NEW and draw(st.booleans()):
            # A PUT that keeps the user's own userName (and work email): the usual one.
            own = names[ids.index(path.rsplit("/", 1)[-1])] if path.rsplit("/", 1)[-1] in ids else NEW
            document = minimal_user(own, title="Boss")
    elif op == "PATCH":
        document = draw(patch_bodies(names))
    document = pick("body", document, st.one_of(user_bodies(names), patch_bodies(names), st.none()))
    raw = b"" if document is None else json.dumps(document, ensure_ascii=draw(st.booleans())).encode()
    raw = pick("raw", raw, st.sampled_from(ODD_RAW))
    media_type = None if op == "DELETE" and "raw" not in varied else "application/scim+json"
    media_type = pick("media type", media_type, st.sampled_from(MEDIA_TYPES))
    if media_type is not None and "utf-16" in media_type:
        raw = raw.decode("utf-8", "replace").encode("utf-16")
    if media_type is not None:
        environ["CONTENT_TYPE"] = media_type
    length = "N" if raw or media_type is not None else "absent"
    length = pick("length", length, st.sampled_from(CONTENT_LENGTHS))
    stream = raw
    if length == "short":
        length, stream = str(len(raw) + 5), raw  # the client sent less than it declared
    elif length == "long":
        length, stream = str(max(len(raw) - 1, 0)), raw  # and more
    elif length == "huge":
        length = str(LIMITS.body_bytes + 1)
    if length != "absent":
        environ["CONTENT_LENGTH"] = length.replace("N", str(len(raw)))
    kind = pick("stream", "plain", st.sampled_from(["terminated", "terminated+", "chunked", "identity"]))
    if kind.startswith("terminated"):
        environ["wsgi.input_terminated"] = True
        if kind.endswith("+"):
            stream += b" {}"  # the server's stream holds more than the Content-Length says
    elif kind == "chunked":
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    elif kind == "identity":
        environ["HTTP_TRANSFER_ENCODING"] = "identity"
    environ["mockrc.test.body"] = stream
    environ["HTTP_ACCEPT"] = draw(st.sampled_from(["application/scim+json", "*/*"]))
    return world, environ


@st.composite
def odd_ids(draw: st.DrawFn, ids: list[str]) -> str:
    """A path segment as a server hands it over: UTF-8 bytes, percent-decoded, as latin-1 text."""
    text = draw(
        st.one_of(
            st.sampled_from(ids).map(lambda i: i + "x"),
            st.sampled_from(ids).map(lambda i: i[:-1]),
            st.sampled_from([".search", "", "%", "%2F", "..", "nobody", "\\", "ñ", "\U0001f600"]),
        )
    )
    return str(text.encode().decode("latin-1"))


def _same_answer(
    pair: Pair, world: World, environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Send ``environ`` to both apps in ``world``; assert they agree, the id sequence included;
    the fast app's answer."""
    prepare(pair.fast_state, world)
    prepare(pair.slow_state, world)
    fast = call(pair.fast, environ)
    slow = call(pair.slow, environ)
    assert fast == slow, environ
    states = (pair.fast_state, pair.slow_state)
    assert observable(states[0]) == observable(states[1]), environ
    licences = [state.users.unassigned_extensions for state in states]
    assert licences[0] == licences[1], environ
    if licences[0] != 0:
        # The next id each side hands out: a refused create must not have drawn one.
        made = [s.users.create(minimal_user("next@example.com"), ViolationLog()) for s in states]
        assert made[0].id == made[1].id, environ
    return fast


def test_the_fast_writes_answer_as_flask_does(pair: Pair) -> None:
    """Generated requests around the plain case: the same answer and state changes, either way."""
    users = _users(pair)
    before = pair.answered
    succeeded = 0

    @settings(max_examples=max(settings().max_examples, 400))
    @given(case=cases(users))
    def check(case: tuple[World, dict[str, Any]]) -> None:
        nonlocal succeeded
        status, _, _ = _same_answer(pair, *case)
        succeeded += status[:3] in ("200", "201", "204")

    check()
    # The fast path answered a good share of the writes that succeeded: it was put to the test.
    answered = pair.answered - before
    assert answered >= 40
    assert answered <= succeeded
    assert answered >= succeeded // 2


def _plain(
    pair: Pair, method: str, document: Any = None, media_type: str = "application/scim+json"
) -> dict[str, Any]:
    """A plain write's environ: to the second seeded user, or /Users for a POST; the body in the
    charset ``media_type`` names (UTF-8 when none)."""
    user_id = _users(pair)[1][0]
    environ = plain_environ(method, "/scim/v2/Users" if method == "POST" else f"/scim/v2/Users/{user_id}")
    if document == b"":
        environ["CONTENT_LENGTH"] = "0"
    elif document is not None:
        _, _, charset = media_type.lower().partition("charset=")
        raw = json.dumps(document, ensure_ascii=False).encode(charset or "utf-8")
        environ.update({"CONTENT_TYPE": media_type, "CONTENT_LENGTH": str(len(raw))})
        environ["mockrc.test.body"] = raw
    return environ


PLAIN = [
    ("POST", minimal_user(NEW), "application/scim+json", "201 CREATED"),
    ("POST", entra_user(NEW), "application/json", "201 CREATED"),
    ("POST", minimal_user(NEW, displayName="Zoë"), "application/json; charset=utf-16", "201 CREATED"),
    ("PUT", minimal_user("keith.baird@example.com", title="Boss"), "application/scim+json", "200 OK"),
    ("PATCH", _patch({"op": "Replace", "path": "title", "value": "Boss"}), "application/scim+json", "200 OK"),
    (
        "PATCH",
        _patch({"op": "add", "value": {"title": "Zoë", "active": "False"}}),
        "Application/SCIM+JSON; charset=ISO-8859-1",
        "200 OK",
    ),
    ("DELETE", None, "", "204 NO CONTENT"),
    ("DELETE", b"", "", "204 NO CONTENT"),  # with Content-Length: 0, as requests sends it
]


@pytest.mark.parametrize(("method", "document", "media_type", "expected"), PLAIN)
def test_the_plain_writes_are_answered_by_the_fast_path(
    pair: Pair, method: str, document: Any, media_type: str, expected: str
) -> None:
    before = pair.answered

    status, _, _ = _same_answer(pair, PLAIN_WORLD, _plain(pair, method, document, media_type))

    assert status == expected
    assert pair.answered == before + 1


def test_the_warnings_of_a_write_answered_below_flask_are_journaled(pair: Pair) -> None:
    environ = _plain(pair, "PATCH", _patch({"op": "Replace", "path": "active", "value": "False"}))
    before = pair.answered

    _same_answer(pair, PLAIN_WORLD, environ)

    assert pair.answered == before + 1
    [entry] = journal(pair.fast_state)
    assert [v["rule"] for v in entry["violations"]] == ["compat.op-case", "compat.string-boolean"]
    assert entry["route"] == "/scim/v2/Users/<user_id>"
    assert entry["body"] == json.loads(environ["mockrc.test.body"])


@pytest.mark.parametrize(
    "change",
    [
        "taken userName",
        "invalid user",
        "unknown user",
        "broken patch",
        "no licence",
        "reader token",
        "expired token",
        "scenario",
        "rate limits",
        "query string",
        "chunked",
        "text/plain",
        "not json",
        "short body",
    ],
)
def test_what_the_fast_path_leaves_to_flask_is_answered_alike(pair: Pair, change: str) -> None:
    world = PLAIN_WORLD
    environ = _plain(pair, "POST", minimal_user(NEW))
    name = _users(pair)[0][1]
    if change == "taken userName":
        environ = _plain(pair, "POST", minimal_user(name))
    elif change == "invalid user":
        environ = _plain(pair, "PUT", {"schemas": [CORE]})
    elif change == "unknown user":
        environ = _plain(pair, "PATCH", _patch({"op": "remove", "path": "title"}))
        environ["PATH_INFO"] = "/scim/v2/Users/nobody"
    elif change == "broken patch":
        environ = _plain(pair, "PATCH", _patch({"op": "remove", "path": "userName"}))
    elif change == "no licence":
        world = replace(world, licences=0)
    elif change == "reader token":
        environ["HTTP_AUTHORIZATION"] = "Bearer reader"
    elif change == "expired token":
        environ["HTTP_AUTHORIZATION"] = "Bearer expired"
    elif change == "scenario":
        world = replace(world, scenario="no-available-licence")
    elif change == "rate limits":
        world = replace(world, rate_limits=True)
    elif change == "query string":
        environ["QUERY_STRING"] = "attributes=userName"
    elif change == "chunked":
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    elif change == "text/plain":
        environ["CONTENT_TYPE"] = "text/plain"
    elif change == "not json":
        environ["mockrc.test.body"] = b"{" + environ["mockrc.test.body"]
    else:
        environ["CONTENT_LENGTH"] = str(int(environ["CONTENT_LENGTH"]) + 1)
    before = pair.answered

    _same_answer(pair, world, environ)

    assert pair.answered == before


def test_a_fake_with_a_state_file_leaves_every_write_to_flask(tmp_path: Path) -> None:
    """A state file commits in Flask's after-request hook: the fast writes must not skip it."""
    state = MockState(
        Settings(users=(2,), tokens=(STATIC,), state_file=str(tmp_path / "state.db")), clock=FakeClock()
    )
    app = create_app(state)
    raw = json.dumps(minimal_user(NEW)).encode()
    environ = plain_environ("POST", "/scim/v2/Users")
    environ.update(
        {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw)), "mockrc.test.body": raw}
    )

    status, _, _ = call(app, environ)

    assert (status, app.extensions["mockrc.fast_writes"].answered) == ("201 CREATED", 0)
    assert state.state_file is not None
    state.state_file.close()


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:8080", "[::1]:3000", "Platform.RingCentral.com"])
def test_a_created_users_location_is_sent_as_werkzeug_sends_it(pair: Pair, host: str) -> None:
    """Werkzeug sends a Location as a URI (its host in lower case, for one); the fast writes work
    out a base URL's once and add the path: twice on the same Host, the second from what they kept."""
    before = pair.answered
    for name in ("first@example.com", "second@example.com"):
        environ = _plain(pair, "POST", minimal_user(name))
        environ["HTTP_HOST"] = host

        status, headers, body = _same_answer(pair, PLAIN_WORLD, environ)

        assert status == "201 CREATED"
        location = json.loads(body)["meta"]["location"]
        assert dict(headers)["Location"] == location.replace(host, host.lower())
    assert pair.answered == before + 2


def test_a_second_accounts_writes_are_done_in_that_account() -> None:
    """The fast writes write to the account Tenancy chose: another account's token changes its
    users, and the default account's stay as they were."""
    answers = []
    for fast_writes in (True, False):
        app, default = fake("ringcentral", fast_writes=fast_writes)
        key, state, credentials = app.extensions["mockrc.accounts"].create(AccountRequest(count=3, seed=5))
        before = [(u.id, u.attributes_json) for u in default.users.store]
        user_id = next(iter(state.users.store)).id
        exchanges = []
        for method, path, document in (
            ("POST", "/scim/v2/Users", minimal_user(NEW)),
            ("PATCH", f"/scim/v2/Users/{user_id}", _patch({"op": "replace", "path": "title", "value": "B"})),
            ("DELETE", f"/scim/v2/Users/{user_id}", None),
        ):
            environ = plain_environ(method, path)
            environ["HTTP_AUTHORIZATION"] = f"Bearer {credentials.token}"
            if document is not None:
                raw = json.dumps(document).encode()
                environ.update({"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw))})
                environ["mockrc.test.body"] = raw
            exchanges.append(call(app, environ))
        assert [status for status, _, _ in exchanges] == ["201 CREATED", "200 OK", "204 NO CONTENT"]
        assert [(u.id, u.attributes_json) for u in default.users.store] == before
        answer = [
            exchanges,
            journal(state),
            journal(default),
            [(u.id, u.attributes_json) for u in state.users.store],
        ]
        # An account's id, token and admin are random: the same text either way once named alike.
        text = json.dumps(answer, default=repr).replace(key, "KEY").replace(str(credentials.token), "TOKEN")
        answers.append(text.replace(state.admin_principal.owner_id, "ADMIN"))
        if fast_writes:
            assert app.extensions["mockrc.fast_writes"].answered == 3
            assert [e["account"] for e in journal(state)] == [key, key, key]
    assert answers[0] == answers[1]
