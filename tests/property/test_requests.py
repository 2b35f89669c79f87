"""Whatever a client sends, mockrc answers precisely, records it, and loses nothing.

For every generated request (``strategies.py``: SCIM bodies, PATCH operations, filters, query
parameters, ``.search`` bodies, OAuth forms, raw bytes, control-plane calls), through both
transports, :meth:`~tests.property.conftest.Target.exchange` checks that:

- the answer is a 2xx or a well-formed 4xx: never a 5xx; an error is JSON (strict RFC 8259, no
  ``NaN``) with the right Content-Type, a SCIM error under ``/scim``, RingCentral's OAuth or REST
  error elsewhere;
- the fake raised nothing (``state.handler_errors`` stays empty);
- the request is in the journal exactly once, with its status, in memory and in the journal
  file (``--journal FILE``: one strict JSON line); ``/__mockrc/journal`` and
  ``/__mockrc/report`` (JSON and JUnit) still answer 200 afterwards;
- a refused request (4xx) changed no user, token, session or refresh token;
- no credential the request carried (the admin token, the app's secret, a password, a JWT)
  shows in the journal file, ``/__mockrc/journal`` or the report.

Each family has its own test, so that one failing family does not hide the others; the
explicit ``@example``s are the reproducers of issue 10, run on every run.
"""

from __future__ import annotations

from hypothesis import example, given

from tests.property import strategies as s
from tests.property.conftest import Target
from tests.property.strategies import Request, requests_of

SCIM = "application/scim+json"
FORM = "application/x-www-form-urlencoded"


def _json(family: str, method: str, path: str, body: bytes, content_type: str = SCIM) -> Request:
    return Request(family, method, path, {"Content-Type": content_type}, body)


@given(requests_of(s.create_user))
@example(_json("scim.create", "POST", "/scim/v2/Users", b'{"schemas":[' + b"1," * 2_000 + b"1]}"))
@example(_json("scim.create", "POST", "/scim/v2/Users", b"[" * 1_100 + b"]" * 1_100))
@example(_json("scim.create", "POST", "/scim/v2/Users", b'{"userName":' + b"9" * 4_301 + b"}"))
@example(_json("scim.create", "POST", "/scim/v2/Users", b'{"userName":"\\ud800","title":NaN}'))
def test_creating_users(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.replace_user))
@example(_json("scim.replace", "PUT", "/scim/v2/Users/{user}", b'{"a":' * 1_100 + b"1" + b"}" * 1_100))
def test_replacing_users(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.patch_user))
@example(  # RFC 7643 §4.1.1: password is write-only; its value must not reach the journal
    _json(
        "scim.patch",
        "PATCH",
        "/scim/v2/Users/{user}",
        b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        b'"Operations":[{"op":"replace","path":"password","value":"mockrc-admin-password"}]}',
    )
)
@example(
    _json(
        "scim.patch",
        "PATCH",
        "/scim/v2/Users/{user}",
        b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace",'
        b'"path":"' + b"not (" * 300 + b'title pr"}]}',
    )
)
def test_patching_users(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.list_users))
@example(Request("scim.list", "GET", "/scim/v2/Users?startIndex=9223372036854775808"))
@example(Request("scim.list", "GET", "/scim/v2/Users?filter=" + "(" * 250 + "userName%20pr" + ")" * 250))
@example(Request("scim.list", "GET", "/scim/v2/Users?count=" + "9" * 5_000))
def test_listing_and_filtering_users(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.search_users))
@example(
    _json(
        "scim.search",
        "POST",
        "/scim/v2/Users/.search",
        b'{"attributes":[' + b'"userName",' * 2_000 + b'"x"],"filter":"' + b"not (" * 250 + b'userName pr"}',
    )
)
@example(_json("scim.search", "POST", "/scim/v2/Users/.search", b'{"schemas":["\\ud83d"],"count":0}'))
def test_searching_users(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.read_user))
@example(Request("scim.read", "GET", "/scim/v2/Users/{user}", user_role="odd", odd_user="%2Fx"))
def test_reading_and_deleting_users(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.discovery))
def test_discovery(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.token_request))
@example(  # the admin's bearer token where client credentials belong: the error must not echo it
    Request(
        "oauth.token",
        "POST",
        "/restapi/oauth/token",
        {"Content-Type": FORM},
        b"grant_type=password&username=101&password=mockrc-admin-password",
        auth="admin",
    )
)
@example(  # a parameter of another grant: refused, and its value (a password) not echoed
    Request(
        "oauth.token",
        "POST",
        "/restapi/oauth/token",
        {"Content-Type": FORM, "Authorization": "Basic bW9ja3JjLWNsaWVudC1pZDptb2NrcmMtY2xpZW50LXNlY3JldA=="},
        b"grant_type=client_credentials&password=mockrc-user-password",
        auth="given",
    )
)
def test_token_requests(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.revoke_request))
def test_revoke_and_introspect_requests(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.userinfo_request))
def test_userinfo_requests(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.raw_body))
def test_raw_bodies_with_odd_content_types(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.control_request))
@example(_json("control", "POST", "/__mockrc/clock/advance", b'{"seconds":1e300}'))  # KNOWN.md #10
def test_control_plane_reads_with_junk(target: Target, request: Request) -> None:
    target.fresh()
    target.exchange(request)


@given(requests_of(s.any_request), requests_of(s.any_request), requests_of(s.any_request))
def test_a_mixed_sequence_keeps_every_property(
    target: Target, first: Request, second: Request, third: Request
) -> None:
    """Three requests in a row on one state: what one did (or failed to do) never breaks the next."""
    target.fresh()
    for request in (first, second, third):
        target.exchange(request)
