"""The fast reads (:mod:`mockrc.http.fast_reads`) answer exactly as Flask would, or leave it to Flask.

Requests are generated around the plain case (``GET /scim/v2/Users/{id}`` and ``GET
/scim/v2/Users`` with a filter and paging): ids that exist and ids that do not, odd ids (escapes,
unicode, percent signs, slashes), filters valid and broken, ``startIndex``/``count`` at their edges,
repeated and extra parameters, Host, Authorization and Accept variants, bodies on a GET, other
methods and paths; on fakes with expired, revoked and under-privileged tokens, active scenarios,
rate limits and ignored filters. Each goes to two apps on equal states and equal fake clocks,
one with the fast reads and one without, through WSGI; the two must agree on the status, every
header in order, the body's bytes, the journal's entries as its API reads them back, the request
ids drawn, the tokens' state and the errors kept. And the fast path must have answered the plain
cases itself, or the comparison would prove nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockrc.accounts import AccountRequest
from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
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

SCENARIOS = ("filter-ignored", "missing-admin-rights", "auth-failure", "token-expiry")


@pytest.fixture(scope="module", params=["ringcentral", "scim"])
def pair(request: pytest.FixtureRequest) -> Pair:
    return Pair.of(request.param, "fast_reads")


def _ids(state: MockState) -> list[str]:
    return [user.id for user in state.users.store]


def _user_names(state: MockState) -> list[str]:
    return [str(user.attributes.get("userName")) for user in state.users.store]


def _seeded(pair: Pair) -> tuple[list[str], list[str]]:
    """The seeded users' ids and userNames, as both fakes hold them once reset: an earlier test (in
    random order) may have left them changed, the generated requests including DELETEs and POSTs."""
    for state in (pair.fast_state, pair.slow_state):
        prepare(state, PLAIN_WORLD)
    assert _ids(pair.fast_state) == _ids(pair.slow_state)
    return _ids(pair.fast_state), _user_names(pair.fast_state)


ODD = "aé\u00ff☃\U0001f600 %/\\\"'?#&+=;:.,~\x00\t\n"
INTEGERS = ["", "0", "1", "2", "3", "-1", "-0", "+2", " 3", "07", "1_0", "x", "2147483647", "2147483648"]
INTEGERS += ["-2147483649", "9" * 5000, "\u0663", "1.0", "%31"]

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
    "script",
)


@st.composite
def cases(draw: st.DrawFn, ids: list[str], names: list[str]) -> tuple[World, dict[str, Any]]:
    """A fake's world and a WSGI environ, each a few steps from the plain case at most."""
    varied = draw(st.sets(st.sampled_from(DIMENSIONS), max_size=3))

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
            ignore_filters=st.booleans(),
        ),
    )
    method = pick("method", "GET", st.sampled_from(["HEAD", "POST", "DELETE", "get", "OPTIONS"]))
    listing = draw(st.booleans())
    if listing:
        path = "/scim/v2/Users"
    else:
        user_id = draw(st.sampled_from(ids))
        user_id = pick("id", user_id, odd_ids(ids))
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
                "/scim/v2/Schemas",
                "/__mockrc/health",
                "/scim/v2/users",
                "/scim/v2/Users/.search",
                f"//scim/v2/Users/{ids[0]}",
            ]
        ),
    )
    query = draw(plain_queries(names)) if listing else ""
    query = pick("query", query, odd_queries(ids, names))
    script = pick("script", "", st.just("/prefix"))  # drawn in the order the examples were made
    environ = wsgi_environ(
        method, path, query, scheme=draw(st.sampled_from(["http", "https"])), script=script
    )
    host = draw(st.sampled_from(["localhost", "127.0.0.1:8080", "platform.ringcentral.com", "[::1]:3000"]))
    host = pick(
        "host",
        host,
        st.sampled_from(
            ["localhost:80", "LOCALHOST:443", "evil.example", "bad host", "localhost:x", "localhost.", None]
        ),
    )
    if host is not None:
        environ["HTTP_HOST"] = host
    token = pick("token", STATIC, st.sampled_from([*TOKENS, "unknown"]))
    authorization = pick(
        "authorization",
        f"Bearer {token}",
        st.sampled_from(
            [f"bearer  {token} ", f"Basic {token}", "", "Bearer", "Bearer  ", f"Token {token}", None]
        ),
    )
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    accept = draw(st.sampled_from([None, "application/scim+json", "application/json", "text/html", "*/*"]))
    if accept is not None:
        environ["HTTP_ACCEPT"] = accept
    body = b""
    kind = pick("body", "none", st.sampled_from(["json", "empty", "chunked", "type"]))
    if kind == "json":
        body = b'{"a":1}'
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    elif kind == "empty":
        environ["CONTENT_LENGTH"] = "0"
    elif kind == "chunked":
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    elif kind == "type":
        environ["CONTENT_TYPE"] = "text/plain"
    environ["mockrc.test.body"] = body
    return world, environ


@st.composite
def odd_ids(draw: st.DrawFn, ids: list[str]) -> str:
    """A path segment as a server hands it over: UTF-8 bytes, percent-decoded, as latin-1 text."""
    text = draw(
        st.one_of(
            st.sampled_from(ids).map(lambda i: i + "/"),
            st.sampled_from(ids).map(lambda i: i + "x"),
            st.sampled_from(ids).map(lambda i: i[:-1]),
            st.sampled_from([".search", "", "%", "%zz", "%2F", "..", ".", "nobody", "\\"]),
            st.text(alphabet=ODD, max_size=8),
        )
    )
    return str(text.encode().decode("latin-1"))


def filters(ids: list[str], names: list[str]) -> st.SearchStrategy[str]:
    plain = st.sampled_from(names).flatmap(
        lambda name: st.sampled_from(
            [
                f'userName eq "{name}"',
                f'USERNAME Eq "{name.upper()}"',
                f'emails eq "{name}"',
                f'emails.value eq "{name}"',
                f'userName eq "{name}x"',
            ]
        )
    )
    odd = st.sampled_from(
        [
            'userName eq "nobody@example.com"',
            'password eq "hunter2"',
            'userName sw "a"',
            "userName pr",
            'name.familyName eq "x"',
            'userName eq "unterminated',
            "((",
            "",
            " ",
            'userName eq "a" and active eq true',
            'title eq "x" or userName eq "y"',
            "x" * 3000,
        ]
    )
    by_id = st.sampled_from(ids).map(lambda i: f'id eq "{i}"')
    return st.one_of(plain, odd, by_id)


@st.composite
def plain_queries(draw: st.DrawFn, names: list[str]) -> str:
    """filter/startIndex/count, each at most once, percent-encoded as clients do."""
    params: dict[str, str] = {}
    if draw(st.booleans()):
        name = draw(st.sampled_from(names))
        params["filter"] = draw(st.sampled_from([f'userName eq "{name}"', f'emails.value eq "{name}"']))
    for name in ("startIndex", "count"):
        if draw(st.booleans()):
            params[name] = draw(st.sampled_from(["1", "2", "3", "10", "100"]))
    order = draw(st.permutations(list(params)))
    return "&".join(f"{name}={quote(params[name])}" for name in order)


@st.composite
def odd_queries(draw: st.DrawFn, ids: list[str], names: list[str]) -> str:
    """Queries near the plain ones: broken values, edge integers, repeated or extra parameters,
    odd encodings."""
    pairs: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(
            st.sampled_from(["filter", "startIndex", "count", "attributes", "excludedAttributes", "x", ""])
        )
        if name == "filter":
            value = draw(filters(ids, names))
        elif name in ("startIndex", "count"):
            value = draw(st.sampled_from(INTEGERS))
        else:
            value = draw(st.sampled_from(["userName", "emails", "", "id,name"]))
        encode = draw(st.integers(0, 3))
        if encode == 0:
            pairs.append(f"{name}={value}" if draw(st.booleans()) else name)
        else:
            pairs.append(f"{quote(name)}={quote(value, safe=draw(st.sampled_from(['', '/', ' '])))}")
    text = "&".join(pairs)
    repeat = draw(st.sampled_from(["", "", "&count=1", "&startIndex=2", "&count=2&count=1"]))
    return text + repeat + draw(st.sampled_from(["", "&", "%zz", "%ff", "&filter", "=%C3%A9", "%C3%A9", "+"]))


def _same_answer(pair: Pair, world: World, environ: dict[str, Any]) -> tuple[str, bytes]:
    """Send ``environ`` to both apps in ``world``; assert they agree; the fast app's answer."""
    prepare(pair.fast_state, world)
    prepare(pair.slow_state, world)
    fast = call(pair.fast, environ)
    slow = call(pair.slow, environ)
    assert fast == slow, environ
    assert observable(pair.fast_state) == observable(pair.slow_state), environ
    return fast[0], fast[2]


def test_the_fast_reads_answer_as_flask_does(pair: Pair) -> None:
    """Generated requests around the plain case: the same answer and state changes, either way."""
    ids, names = _seeded(pair)
    before = pair.answered
    ok = 0

    @settings(max_examples=max(settings().max_examples, 300))
    @given(case=cases(ids, names))
    def check(case: tuple[World, dict[str, Any]]) -> None:
        nonlocal ok
        status, _ = _same_answer(pair, *case)
        ok += status.startswith("200")

    check()
    # The fast path answered a fair share of the requests that succeeded: it was put to the test.
    answered = pair.answered - before
    assert answered >= 20
    assert answered <= ok


PLAIN = [
    "/scim/v2/Users/{id}",
    "/scim/v2/Users",
    "/scim/v2/Users?count=2",
    "/scim/v2/Users?startIndex=2&count=1",
    "/scim/v2/Users?startIndex=0&count=-5",
    "/scim/v2/Users?startIndex=99&count=",
    '/scim/v2/Users?filter=userName+eq+"{name}"',
    "/scim/v2/Users?filter=userName%20eq%20%22{name}%22&startIndex=1&count=10",
    '/scim/v2/Users?filter=emails.value eq "nobody@example.com"',
]


@pytest.mark.parametrize("target", PLAIN)
def test_the_plain_reads_are_answered_by_the_fast_path(pair: Pair, target: str) -> None:
    ids, names = _seeded(pair)
    path, _, query = target.format(id=ids[1], name=names[2]).partition("?")
    environ = plain_environ("GET", path, query)
    before = pair.answered

    status, body = _same_answer(pair, PLAIN_WORLD, environ)

    assert status == "200 OK"
    assert pair.answered == before + 1
    assert body.startswith(b'{"schemas":')


@pytest.mark.parametrize(
    "change",
    [
        "scenario",
        "rate limits",
        "expired token",
        "missing permission",
        "unknown user",
        "attributes",
        "repeated parameter",
    ],
)
def test_what_the_fast_path_leaves_to_flask_is_answered_alike(pair: Pair, change: str) -> None:
    ids, _ = _seeded(pair)
    world = PLAIN_WORLD
    environ = plain_environ("GET", f"/scim/v2/Users/{ids[0]}", "")
    if change == "scenario":
        world = replace(world, scenario="missing-admin-rights")
    elif change == "rate limits":
        world = replace(world, rate_limits=True)
    elif change == "expired token":
        environ["HTTP_AUTHORIZATION"] = "Bearer expired"
    elif change == "missing permission":
        environ["HTTP_AUTHORIZATION"] = "Bearer no-permission"
    elif change == "unknown user":
        environ["PATH_INFO"] = "/scim/v2/Users/nobody"
    elif change == "attributes":
        environ["QUERY_STRING"] = "attributes=userName"
    else:
        environ["PATH_INFO"] = "/scim/v2/Users"
        environ["QUERY_STRING"] = "count=2&count=1"
    before = pair.answered

    _same_answer(pair, world, environ)

    assert pair.answered == before


def test_a_fake_with_a_state_file_leaves_every_read_to_flask(tmp_path: Path) -> None:
    """A state file commits in Flask's after-request hook: the fast reads must not skip it."""
    state = MockState(
        Settings(users=(2,), tokens=(STATIC,), state_file=str(tmp_path / "state.db")), clock=FakeClock()
    )
    app = create_app(state)
    user_id = _ids(state)[0]
    reads = app.extensions["mockrc.fast_reads"]

    status, _, body = call(app, plain_environ("GET", f"/scim/v2/Users/{user_id}", ""))

    assert (status, reads.answered) == ("200 OK", 0)
    assert user_id in body.decode()
    state.state_file.close()


def test_a_filter_on_a_secret_is_journaled_redacted_either_way(pair: Pair) -> None:
    """The scim profile answers a filter on ``password`` (no user matches); RingCentral's refuses it."""
    environ = plain_environ("GET", "/scim/v2/Users", "filter=password%20eq%20%22hunter2%22")
    before = pair.answered

    status, _ = _same_answer(pair, PLAIN_WORLD, environ)

    [entry] = journal(pair.fast_state)
    assert entry["query"] == {"filter": 'password eq "[redacted]"'}
    answered = pair.fast_state.profile.name == "scim"
    assert (status, pair.answered - before) == (("200 OK", 1) if answered else ("400 BAD REQUEST", 0))


def test_a_second_accounts_reads_are_answered_for_that_account() -> None:
    """The fast reads read the account Tenancy chose: another account's token reads its users."""
    answers = []
    for fast_reads in (True, False):
        app, default = fake("ringcentral", fast_reads=fast_reads)
        key, state, credentials = app.extensions["mockrc.accounts"].create(AccountRequest(count=3, seed=5))
        user_id = _ids(state)[1]
        assert user_id not in _ids(default)
        environ = plain_environ("GET", f"/scim/v2/Users/{user_id}", "")
        environ["HTTP_AUTHORIZATION"] = f"Bearer {credentials.token}"
        listing = {**environ, "PATH_INFO": "/scim/v2/Users", "QUERY_STRING": "count=2"}
        answer = [call(app, environ), call(app, listing), journal(state), journal(default)]
        # An account's id, token and admin are random: the same text either way once named alike.
        text = json.dumps(answer, default=repr).replace(key, "KEY").replace(str(credentials.token), "TOKEN")
        text = text.replace(state.admin_principal.owner_id, "ADMIN")
        answers.append(text)
        if fast_reads:
            assert app.extensions["mockrc.fast_reads"].answered == 2
            assert [e["account"] for e in journal(state)] == [key, key]
    assert answers[0] == answers[1]
