"""Hostile and broken requests (issue 10): each gets a precise 4xx in RingCentral's or SCIM's shape,
saying what was too large or too deep and the limit, never a 500, and the fake keeps serving.

Every test runs through both transports; the live one sends the bytes over a real socket. Sizes
come from :data:`mockrc.limits.LIMITS`, so a test follows the limit it checks.
"""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Any

import pytest

from mockrc.app import create_app
from mockrc.limits import LIMITS
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.helpers import CORE, ERROR, PATCH_OP, SEARCH, minimal_user, patch
from tests.http.conftest import Fake

SCIM_JSON = {"Content-Type": "application/scim+json"}


def _post_raw(fake: Fake, path: str, body: bytes | str, method: str = "POST", **headers: str) -> Any:
    return fake.request(method, path, data=body, headers={**SCIM_JSON, **headers})


def _scim_error(response: Any, status: int, scim_type: str | None) -> str:
    """Assert a SCIM error body with ``status`` and ``scim_type``; return its detail."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return str(body["detail"])


def _last_rules(fake: Fake) -> list[str]:
    return [v.rule for v in fake.state.journal.entries()[-1].violations]


def _user_id(fake: Fake, email: str = "target@example.com") -> str:
    created = fake.post("/scim/v2/Users", json=minimal_user(email))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _still_serving(fake: Fake) -> None:
    assert fake.get("/__mockrc/health").status_code == 200
    assert fake.get("/scim/v2/Users").status_code == 200


# --- item 1: many violations cost linear time, and at most 100 are reported ---------------------


def test_the_body_that_took_25_seconds_is_refused_at_once_naming_the_array_limit(fake: Fake) -> None:
    body = '{"schemas":[' + ",".join(["1"] * 8000) + "]}"

    detail = _scim_error(_post_raw(fake, "/scim/v2/Users", body), 400, "invalidValue")

    assert detail == f"/schemas: an array of 8,000 elements; the limit is {LIMITS.array_length}"
    assert _last_rules(fake) == ["limit.array-length"]
    _still_serving(fake)


def test_a_body_with_more_problems_than_the_limit_lists_the_first_100_and_says_there_are_more(
    fake: Fake,
) -> None:
    # Each email breaks two rules (type not "work", value not a string): 200 problems in all.
    body = minimal_user("many@example.com", emails=[{"type": "home", "value": n} for n in range(100)])

    detail = _scim_error(fake.post("/scim/v2/Users", json=body), 400, "invalidValue")

    limit = LIMITS.violations_per_request
    assert detail.startswith(f"Invalid user: more than {limit} problems: /emails/0/")
    assert detail.endswith(f"checking stopped after {limit} violations; there are more, not reported")
    assert detail.count("; /emails/") == limit - 1
    rules = _last_rules(fake)
    assert len(rules) == limit + 1
    assert rules[-1] == "limit.violations-per-request"
    assert fake.get("/scim/v2/Users").json()["totalResults"] == 0


def test_a_search_with_a_long_bad_attributes_list_is_refused_with_one_precise_error(fake: Fake) -> None:
    body = {"schemas": [SEARCH], "attributes": [1] * 5000}

    detail = _scim_error(fake.post("/scim/v2/Users/.search", json=body), 400, "invalidValue")

    assert detail == "/attributes: an array of 5,000 elements; the limit is 100"


def test_warnings_past_the_limit_are_counted_not_recorded_and_the_request_succeeds(fake: Fake) -> None:
    unknown = {f"custom{n}": "x" for n in range(250)}

    created = fake.post("/scim/v2/Users", json=minimal_user("warned@example.com", **unknown))

    assert created.status_code == 201, created.text
    [entry] = [e for e in fake.state.journal.entries() if e.method == "POST"]
    assert len(entry.violations) == LIMITS.violations_per_request + 1
    assert {v.rule for v in entry.violations[:-1]} == {"schema.unknown-attribute"}
    summary = entry.violations[-1]
    assert (summary.rule, summary.severity) == ("limit.violations-per-request", "warning")
    assert summary.message.startswith("150 more violations not reported")


# --- item 2: what used to answer 500 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/scim/v2/Users"),
        ("PUT", "/scim/v2/Users/{id}"),
        ("PATCH", "/scim/v2/Users/{id}"),
        ("POST", "/scim/v2/Users/.search"),
    ],
)
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_1000_levels_answers_400_invalid_syntax_naming_the_limit(
    fake: Fake, method: str, path: str, opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    body = opening * 1000 + ("1" if closing == "}" else "") + closing * 1000

    response = _post_raw(fake, path.format(id=_user_id(fake)), body, method)

    detail = _scim_error(response, 400, "invalidSyntax")
    assert detail == f"JSON body arrays and objects nest 1,000 levels deep; the limit is {LIMITS.json_depth}"
    assert _last_rules(fake) == ["limit.json-depth"]
    _still_serving(fake)


def test_json_nested_exactly_to_the_limit_is_read(fake: Fake) -> None:
    # A SearchRequest with an unknown member nested to the limit: the schema refuses the member,
    # which proves the body was parsed.
    depth = LIMITS.json_depth
    body = '{"deep":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"

    detail = _scim_error(_post_raw(fake, "/scim/v2/Users/.search", body), 400, "invalidSyntax")

    assert "/deep" in detail


@pytest.mark.parametrize("digits", [4301, 33])
def test_a_long_integer_answers_400_invalid_value_naming_the_limit(fake: Fake, digits: int) -> None:
    body = '{"schemas":["' + CORE + '"],"userName":' + "7" * digits + "}"

    detail = _scim_error(_post_raw(fake, "/scim/v2/Users", body), 400, "invalidValue")

    assert detail.startswith(f"JSON body has a number of {digits:,} characters; the limit is 32")
    assert _last_rules(fake) == ["limit.number-length"]


def test_digits_inside_a_string_are_not_a_number(fake: Fake) -> None:
    user = minimal_user("digits@example.com", externalId="7" * 100)

    assert fake.post("/scim/v2/Users", json=user).status_code == 201


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(fake: Fake, literal: str) -> None:
    body = '{"schemas":["' + CORE + '"],"userName":' + literal + "}"

    detail = _scim_error(_post_raw(fake, "/scim/v2/Users", body), 400, "invalidSyntax")

    assert detail.startswith(f"Malformed JSON: {literal} is not a JSON value")


def test_a_number_beyond_a_double_answers_400_with_its_pointer(fake: Fake) -> None:
    body = '{"schemas":["' + CORE + '"],"userName":"x@example.com","name":{"givenName":1e400}}'

    detail = _scim_error(_post_raw(fake, "/scim/v2/Users", body), 400, "invalidValue")

    assert detail == "/name/givenName: a number outside the range of a double (IEEE 754), read as infinity"


def test_a_lone_surrogate_escape_is_refused_as_not_text(fake: Fake) -> None:
    body = '{"schemas":["' + CORE + '"],"userName":"\\ud800@example.com"}'

    detail = _scim_error(_post_raw(fake, "/scim/v2/Users", body), 400, "invalidSyntax")

    assert detail.startswith("/userName: a string with a lone surrogate")
    assert _last_rules(fake) == ["http.invalid-text"]


def test_a_surrogate_pair_is_text(fake: Fake) -> None:
    body = json.dumps(minimal_user("pair@example.com", title="\U0001f600"))  # escaped as a pair

    created = _post_raw(fake, "/scim/v2/Users", body)

    assert created.status_code == 201
    assert created.json()["title"] == "\U0001f600"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"userName": "\xff"}', "application/scim+json", "not valid utf-8 text: byte 14"),
        (b'{"userName": "x"}', "application/json; charset=punycode", "charset [punycode] is not supported"),
        (b'{"userName": "x"}', "application/json; charset=nonsense", "charset [nonsense] is not supported"),
    ],
)
def test_a_body_that_is_not_text_answers_400_invalid_syntax(
    fake: Fake, body: bytes, content_type: str, expected: str
) -> None:
    detail = _scim_error(
        _post_raw(fake, "/scim/v2/Users", body, **{"Content-Type": content_type}), 400, "invalidSyntax"
    )

    assert expected in detail
    assert _last_rules(fake) == ["http.invalid-text"]


def test_utf16_with_its_charset_is_read(fake: Fake) -> None:
    body = json.dumps(minimal_user("utf16@example.com")).encode("utf-16")

    response = _post_raw(fake, "/scim/v2/Users", body, **{"Content-Type": "application/json; charset=utf-16"})

    assert response.status_code == 201


def test_a_1_mb_user_name_is_refused_naming_the_string_limit(fake: Fake) -> None:
    user = minimal_user("long@example.com", userName="u" * (1 << 20))

    detail = _scim_error(fake.post("/scim/v2/Users", json=user), 400, "invalidValue")

    assert detail == f"/userName: a string of 1,048,576 characters; the limit is {LIMITS.string_length:,}"
    assert _last_rules(fake) == ["limit.string-length"]


def test_a_string_at_the_limit_is_stored(fake: Fake) -> None:
    user = minimal_user("title@example.com", title="t" * LIMITS.string_length)

    assert fake.post("/scim/v2/Users", json=user).status_code == 201


def test_a_long_member_name_is_refused_without_being_echoed(fake: Fake) -> None:
    user = minimal_user("key@example.com", **{"k" * 100_000: 1})

    response = fake.post("/scim/v2/Users", json=user)

    detail = _scim_error(response, 400, "invalidValue")
    assert detail == f"/: a member name of 100,000 characters; the limit is {LIMITS.string_length:,}"
    assert len(response.content) < 1000


@pytest.mark.parametrize("opening", ["(", "not ("])
@pytest.mark.parametrize("how", ["query", "search"])
@pytest.mark.parametrize("profile", ["ringcentral", pytest.param("scim", marks=pytest.mark.profile("scim"))])
def test_a_filter_nested_250_levels_answers_invalid_filter_naming_the_limit(
    fake: Fake, opening: str, how: str, profile: str
) -> None:
    assert fake.state.profile.name == profile
    text = opening * 250 + 'userName eq "x"' + ")" * 250

    if how == "query":
        response = fake.get("/scim/v2/Users", params={"filter": text})
    else:
        response = fake.post("/scim/v2/Users/.search", json={"schemas": [SEARCH], "filter": text})

    detail = _scim_error(response, 400, "invalidFilter")
    assert f"the filter nests too deep; the limit is {LIMITS.filter_depth} levels" in detail
    assert _last_rules(fake) == ["limit.filter-depth"]


@pytest.mark.profile("scim")
def test_a_long_or_chain_is_too_deep_for_the_evaluator(fake: Fake) -> None:
    text = " or ".join(['userName eq "x"'] * (LIMITS.filter_depth + 1))

    detail = _scim_error(fake.get("/scim/v2/Users", params={"filter": text}), 400, "invalidFilter")

    assert f"the filter nests more than {LIMITS.filter_depth} levels deep" in detail


@pytest.mark.profile("scim")
def test_an_or_chain_within_the_limit_is_evaluated(fake: Fake) -> None:
    _user_id(fake, "found@example.com")
    text = " or ".join(
        [f'userName eq "nobody{n}@example.com"' for n in range(40)] + ['userName eq "found@example.com"']
    )

    response = fake.post("/scim/v2/Users/.search", json={"schemas": [SEARCH], "filter": text})

    assert response.status_code == 200
    assert response.json()["totalResults"] == 1


def test_a_filter_longer_than_the_limit_is_refused_and_not_echoed_whole(fake: Fake) -> None:
    text = 'userName eq "' + "x" * 3000 + '"'

    response = fake.post("/scim/v2/Users/.search", json={"schemas": [SEARCH], "filter": text})

    detail = _scim_error(response, 400, "invalidFilter")
    assert f"the filter is 3,014 characters long; the limit is {LIMITS.filter_length:,}" in detail
    assert len(detail) < 500
    assert _last_rules(fake) == ["limit.filter-length"]


@pytest.mark.profile("scim")
def test_a_patch_path_nested_too_deep_answers_invalid_path(fake: Fake) -> None:
    user_id = _user_id(fake)
    path = "emails[" + "not (" * 100 + 'type eq "work"' + ")" * 100 + "].value"

    response = fake.patch(
        f"/scim/v2/Users/{user_id}", json=patch({"op": "replace", "path": path, "value": "x"})
    )

    detail = _scim_error(response, 400, "invalidPath")
    assert "the path nests too deep" in detail
    assert _last_rules(fake) == ["limit.filter-depth"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("startIndex=9223372036854775808", "startIndex"),
        ("startIndex=2147483648", "startIndex"),
        ("count=99999999999999999999999999999999999999", "count"),
        ("count=-2147483649", "count"),
        ("startIndex=" + "9" * 5000, "startIndex"),
    ],
)
def test_paging_past_int32_answers_400_invalid_value(fake: Fake, query: str, name: str) -> None:
    detail = _scim_error(fake.get(f"/scim/v2/Users?{query}"), 400, "invalidValue")

    assert detail == f"{name} must be between -2147483648 and 2147483647 (a 32-bit integer)"
    assert _last_rules(fake) == ["limit.paging-integer"]


@pytest.mark.parametrize("value", ["1_0", "\u0661\u0660", "1.5", "0x10", "1e3"])  # 10 in Arabic-Indic digits
def test_paging_takes_ascii_integers_only(fake: Fake, value: str) -> None:
    detail = _scim_error(fake.get("/scim/v2/Users", params={"count": value}), 400, "invalidValue")

    assert detail == f"count must be an integer, not [{value}]"


def test_paging_in_a_search_body_past_int32_answers_400(fake: Fake) -> None:
    body = {"schemas": [SEARCH], "startIndex": 2**63}

    detail = _scim_error(fake.post("/scim/v2/Users/.search", json=body), 400, "invalidValue")

    assert detail.startswith("startIndex must be between")


def test_negative_and_largest_paging_values_are_read_as_rfc_7644_says(fake: Fake) -> None:
    _user_id(fake)

    response = fake.get("/scim/v2/Users", params={"startIndex": "-5", "count": "2147483647"})
    empty = fake.get("/scim/v2/Users", params={"startIndex": "2147483647", "count": "-3"})

    assert response.status_code == 200
    assert (response.json()["startIndex"], response.json()["itemsPerPage"]) == (1, 1)
    assert empty.status_code == 200
    assert empty.json()["itemsPerPage"] == 0


@pytest.mark.profile("scim")
def test_patches_cannot_grow_a_user_past_the_array_limit(fake: Fake) -> None:
    user_id = _user_id(fake)
    half = LIMITS.array_length // 2 + 1

    def add(start: int) -> Any:
        emails = [{"value": f"e{n}@example.com"} for n in range(start, start + half)]  # no type: no merging
        return fake.patch(
            f"/scim/v2/Users/{user_id}", json=patch({"op": "add", "path": "emails", "value": emails})
        )

    assert add(0).status_code == 200
    detail = _scim_error(add(half), 400, "invalidValue")

    assert (
        detail
        == f'Operations[0]: path "emails": "emails" would have {2 * half + 1} elements; the limit is 100'
    )
    assert _last_rules(fake) == ["limit.array-length"]
    assert len(fake.get(f"/scim/v2/Users/{user_id}").json()["emails"]) == half + 1


@pytest.mark.profile("scim")
def test_each_patch_operation_is_held_to_the_array_limit(fake: Fake) -> None:
    """Checked per operation, so that 100 operations of 100 elements each cannot build a list of
    10,000 and make every later operation work through it."""
    user_id = _user_id(fake)
    operations = [
        {"op": "add", "path": "emails", "value": [{"value": f"e{o}-{n}@example.com"} for n in range(60)]}
        for o in range(LIMITS.array_length)
    ]

    response = fake.patch(f"/scim/v2/Users/{user_id}", json=patch(*operations))

    detail = _scim_error(response, 400, "invalidValue")
    assert detail == 'Operations[1]: path "emails": "emails" would have 121 elements; the limit is 100'
    assert len(fake.get(f"/scim/v2/Users/{user_id}").json()["emails"]) == 1


@pytest.mark.profile("scim")
def test_an_attributes_parameter_with_too_many_names_is_refused(fake: Fake) -> None:
    names = ",".join(f"name{n}" for n in range(LIMITS.array_length + 1))

    detail = _scim_error(fake.get("/scim/v2/Users", params={"attributes": names}), 400, "invalidValue")

    assert detail == f"attributes lists 101 names; the limit is {LIMITS.array_length}"


@pytest.mark.profile("scim")
def test_a_create_refused_for_its_attributes_parameter_creates_nothing(fake: Fake) -> None:
    names = ",".join(f"name{n}" for n in range(LIMITS.array_length + 1))

    response = fake.post("/scim/v2/Users", params={"attributes": names}, json=minimal_user("no@example.com"))

    assert response.status_code == 400
    assert fake.get("/scim/v2/Users").json()["totalResults"] == 0


def test_a_deep_body_with_a_scenario_active_answers_400_not_500(fake: Fake) -> None:
    assert fake.post("/__mockrc/scenarios/no-available-licence/activate", json={}).status_code == 200

    response = _post_raw(fake, "/scim/v2/Users", "[" * 5000 + "]" * 5000)

    assert _scim_error(response, 400, "invalidSyntax").startswith("JSON body arrays and objects nest")


def test_a_search_body_past_its_limit_answers_413_naming_it(fake: Fake) -> None:
    body = json.dumps(
        {"schemas": [SEARCH], "filter": 'userName eq "x"', "pad": "x" * LIMITS.search_body_bytes}
    )

    detail = _scim_error(_post_raw(fake, "/scim/v2/Users/.search", body), 413, None)

    assert (
        detail
        == f"Request body is larger than {LIMITS.search_body_bytes:,} bytes, the limit of this endpoint"
    )
    assert _last_rules(fake) == ["limit.body-bytes"]


# --- item 7: nosniff, and a long URI in the API's own shape -------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/scim/v2/Users"),
        ("GET", "/scim/v2/Nothing"),
        ("GET", "/__mockrc/health"),
        ("POST", "/restapi/oauth/token"),
        ("GET", "/restapi/v1.0/nothing"),
    ],
)
def test_every_answer_says_nosniff(fake: Fake, method: str, path: str) -> None:
    response = fake.request(method, path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("size", [LIMITS.request_target_bytes + 1, 1_000_000])
def test_a_long_query_on_scim_answers_414_in_scim_shape(fake: Fake, size: int) -> None:
    path = "/scim/v2/Users?filter="
    response = fake.get(path + "x" * (size - len(path)))

    detail = _scim_error(response, 414, None)
    assert detail.startswith(f"Request URI is too long: {size:,} bytes of path and query; the limit is 8,192")
    assert _last_rules(fake) == ["limit.request-target-bytes"]
    _still_serving(fake)


def test_a_long_query_elsewhere_answers_414_in_ringcentral_rest_shape(fake: Fake) -> None:
    response = fake.get("/restapi/oauth/authorize?state=" + "s" * 1_000_000)

    assert response.status_code == 414
    body = response.json()
    assert body["errorCode"] == "HTTP-414"
    assert body["message"].startswith("Request URI is too long: 1,000,0")
    assert body["errors"] == [{"errorCode": "HTTP-414", "message": body["message"]}]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_uri_at_the_limit_is_served(fake: Fake) -> None:
    path = "/scim/v2/Users?excludedAttributes="
    response = fake.get(path + "x" * (LIMITS.request_target_bytes - len(path)))

    assert response.status_code == 200


def test_the_live_server_still_bounds_what_it_reads_of_a_request_head() -> None:
    """Past ``server_head_bytes`` waitress itself answers 431 (plain text; the app never sees it)."""
    target = "/scim/v2/Users?q=" + "x" * LIMITS.server_head_bytes
    with (
        LiveServer(create_app(MockState())) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        # waitress may answer and close before the last bytes are sent
        with contextlib.suppress(ConnectionError):
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        answer = sock.recv(200)

    assert answer.startswith(b"HTTP/1.0 431 Request Header Fields Too Large")


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "x"}] * 101},
        {"schemas": [PATCH_OP], "Operations": [{"op": "add", "value": {"title": "x" * 5000}}]},
    ],
)
def test_patch_bodies_past_the_limits_change_nothing(fake: Fake, body: dict[str, Any]) -> None:
    user_id = _user_id(fake)
    before = fake.get(f"/scim/v2/Users/{user_id}").json()

    response = fake.patch(f"/scim/v2/Users/{user_id}", json=body)

    assert _scim_error(response, 400, "invalidValue")
    assert fake.get(f"/scim/v2/Users/{user_id}").json() == before


def test_a_patch_leaving_more_problems_than_the_limit_says_checking_stopped(fake: Fake) -> None:
    user_id = _user_id(fake)
    emails = [{"type": "home", "value": f"h{n}@example.com"} for n in range(100)]
    phones = [{"type": "pager", "value": str(n)} for n in range(100)]
    body = patch(
        {"op": "replace", "path": "emails", "value": emails},
        {"op": "replace", "path": "phoneNumbers", "value": phones},
    )

    detail = _scim_error(fake.patch(f"/scim/v2/Users/{user_id}", json=body), 400, "invalidValue")

    assert detail.startswith(
        "PATCH would leave an invalid user: more than 100 problems: /emails/0/type: after the PATCH, "
    )
    assert detail.endswith("checking stopped after 100 violations; there are more, not reported")
    assert _last_rules(fake)[-1] == "limit.violations-per-request"


def test_the_control_api_takes_longer_arrays_than_the_scim_api(fake: Fake) -> None:
    """``mockrc users seed 500 --url`` posts every user in one body to ``/__mockrc/users``."""
    users = [minimal_user(f"seed{n}@example.com") for n in range(LIMITS.array_length + 50)]

    seeded = fake.session.post(fake.url("/__mockrc/users"), json={"users": users}, timeout=30)

    assert seeded.status_code == 201, seeded.text
    assert fake.get("/scim/v2/Users").json()["totalResults"] == len(users)
