"""The journal without HTTP: redaction, entries, ring buffer, JSON Lines stream, patterns, assertions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockrc.clock import FakeClock
from mockrc.journal import (
    BODY_LIMIT,
    REDACTED,
    Journal,
    JournalEntry,
    Message,
    RequestPattern,
    decode_body,
    parse_byte_size,
    read_body,
    redact_header,
    wsgi_headers,
)
from mockrc.redaction import SAFE_HEADERS, is_secret_name, redact_pairs
from mockrc.resources import load_json_fixture
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import Violation

SCIM = "application/scim+json"
FORM = "application/x-www-form-urlencoded"
USERNAME_RULE = Violation(
    "/userName", "ringcentral.username-is-work-email", "userName must be the work email"
)
STRING_BOOLEAN = Violation("/Operations/0/value", "compat.string-boolean", '"False" read as false', "warning")


def entry(
    number: int,
    method: str = "GET",
    path: str = "/scim/v2/Users",
    *,
    status: int = 200,
    body: Any = None,
    query: dict[str, Any] | None = None,
    violations: tuple[Violation, ...] = (),
    **extra: Any,
) -> JournalEntry:
    raw = b"" if body is None else json.dumps(body).encode()
    return JournalEntry(
        id=number,
        time=FakeClock.DEFAULT_START + number,
        method=method,
        path=path,
        status=status,
        request=Message((("Authorization", "Bearer secret-token"), ("Content-Type", SCIM)), raw, SCIM),
        response=Message((("Content-Type", SCIM),), b'{"id":"1"}', SCIM),
        query=query or {},
        violations=violations,
        **extra,
    )


def journal_of(*entries: JournalEntry, capacity: int = 100) -> Journal:
    journal = Journal(capacity)
    for item in entries:
        journal.record(item)
    return journal


# --- redaction ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", "Bearer eyJhbGciOi.secret", f"Bearer {REDACTED}"),
        ("authorization", "Basic bW9ja3JjOnNlY3JldA==", f"Basic {REDACTED}"),
        ("Authorization", "a-bare-secret-without-scheme", REDACTED),
        ("Proxy-Authorization", "Basic abc", f"Basic {REDACTED}"),
        ("Cookie", "session=abc", REDACTED),
        ("Set-Cookie", "session=abc; HttpOnly", REDACTED),
        ("Content-Type", "application/scim+json", "application/scim+json"),
    ],
)
def test_secret_headers_are_redacted_and_the_auth_scheme_kept(name: str, value: str, shown: str) -> None:
    assert redact_header(name, value) == shown


def test_a_redirect_keeps_its_state_but_not_its_authorization_code() -> None:
    location = redact_header(
        "Location", "http://localhost:8080/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz"
    )

    assert location == "http://localhost:8080/callback?code=%5Bredacted%5D&state=xyz"


def test_json_secrets_are_redacted_at_any_depth_in_any_case() -> None:
    body = {
        "userName": "alice@example.com",
        "Password": "t1meMa$heen",
        "nested": [{"access_token": "at", "refresh_token": "rt", "errorCode": "OAU-140", "token": None}],
    }

    decoded = decode_body(json.dumps(body).encode(), "application/json")

    assert decoded == {
        "userName": "alice@example.com",
        "Password": REDACTED,
        "nested": [
            {"access_token": REDACTED, "refresh_token": REDACTED, "errorCode": "OAU-140", "token": None}
        ],
    }


def test_form_secrets_are_redacted_and_repeated_fields_kept() -> None:
    form = (
        b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJ.jwt&client_secret=s"
        b"&code_verifier=v&scope=a&scope=b"
    )

    assert decode_body(form, FORM) == {
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": REDACTED,
        "client_secret": REDACTED,
        "code_verifier": REDACTED,
        "scope": ["a", "b"],
    }


def test_a_malformed_json_body_is_kept_as_text_with_its_secrets_redacted() -> None:
    text = '{"userName": "a@example.com", "password": "p\\"w", '

    assert decode_body(text.encode(), SCIM) == f'{{"userName": "a@example.com", "password": "{REDACTED}", '


def test_text_bodies_have_form_shaped_secrets_redacted() -> None:
    html = '<a href="/callback?code=abc123&amp;state=s">back</a>'

    assert (
        decode_body(html.encode(), "text/html") == f'<a href="/callback?code={REDACTED}&amp;state=s">back</a>'
    )


def test_empty_and_oversized_bodies() -> None:
    assert read_body(b"", SCIM) == (None, None)
    body, note = read_body(b'{"password": "' + b"x" * BODY_LIMIT + b'"}', SCIM)
    assert body == f'{{"password": "{REDACTED}"'
    assert note == f"truncated: the journal keeps the first {BODY_LIMIT} of {BODY_LIMIT + 16} bytes"


def test_request_headers_are_copied_from_the_wsgi_environ_and_named_when_read() -> None:
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/scim+json",
        "CONTENT_LENGTH": "",
        "HTTP_CONTENT_TYPE": "application/scim+json",
        "HTTP_USER_AGENT": "Microsoft.Identity.Provisioning",
        "HTTP_AUTHORIZATION": "Bearer secret",
        "HTTP_X_MS_CLIENT_REQUEST_ID": "42",
        "wsgi.input": object(),
    }

    message = Message(wsgi_headers(environ), b"", SCIM, wsgi=True)

    assert message.headers == {
        "Content-Type": "application/scim+json",
        "User-Agent": "Microsoft.Identity.Provisioning",
        "Authorization": f"Bearer {REDACTED}",
        "X-Ms-Client-Request-Id": "42",
    }


def test_reading_a_message_twice_gives_independent_copies() -> None:
    message = Message((), b'{"a": [1]}', "application/json")

    message.body["a"].append(2)

    assert message.body == {"a": [1]}


# --- entries --------------------------------------------------------------------------------------


def test_an_entry_renders_as_a_journal_line_of_the_published_schema() -> None:
    item = entry(
        7,
        "PATCH",
        "/scim/v2/Users/42",
        status=200,
        body={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []},
        query={"attributes": "userName"},
        violations=(STRING_BOOLEAN,),
        route="/scim/v2/Users/<user_id>",
        principal="100000001",
        app="mockrc-client-id",
        duration_ms=1.23456,
        served_by="disable-flow/step 2",
    )

    line = item.to_dict()

    Draft202012Validator(load_json_fixture("schemas", "mockrc", "journal-entry.schema.json")).validate(line)
    assert line["time"] == "2026-01-01T00:00:07.000Z"
    assert line["headers"]["Authorization"] == f"Bearer {REDACTED}"
    assert line["response"] == {
        "headers": {"Content-Type": SCIM},
        "body": {"id": "1"},
        "body_size": 10,
        "body_truncated": False,
        "body_note": None,
    }
    assert line["duration_ms"] == 1.235
    assert line["served_by"] == "disable-flow/step 2"
    assert line["violations"] == [STRING_BOOLEAN.to_dict()]
    assert json.loads(json.dumps(line)) == line
    assert item.describe() == "#7 PATCH /scim/v2/Users/42?attributes=userName -> 200"


# --- the ring buffer ------------------------------------------------------------------------------


def test_the_journal_keeps_the_newest_entries_and_counts_the_others() -> None:
    journal = journal_of(*(entry(n) for n in range(1, 6)), capacity=3)

    assert [e.id for e in journal.entries()] == [3, 4, 5]
    assert journal.dropped == 2
    assert journal.clear() == 3
    assert len(journal) == 0 and journal.dropped == 0


def test_a_journal_needs_room_for_one_entry() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Journal(0)


def test_entries_is_a_snapshot() -> None:
    journal = journal_of(entry(1))
    snapshot = journal.entries()

    journal.record(entry(2))

    assert [e.id for e in snapshot] == [1]


# --- the JSON Lines stream ------------------------------------------------------------------------


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_entry_is_on_disk_as_soon_as_it_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(2)
    journal.stream_to(path)

    journal.record(entry(1, body={"password": "p"}))
    assert [line["id"] for line in lines_of(path)] == [1]  # read while the file is still open
    journal.record(entry(2))
    journal.record(entry(3))
    journal.clear()
    journal.record(entry(4))

    assert [line["id"] for line in lines_of(path)] == [1, 2, 3, 4]  # the stream outlives the ring buffer
    assert lines_of(path)[0]["body"] == {"password": REDACTED}
    journal.close()
    journal.record(entry(5))
    assert len(lines_of(path)) == 4


def test_streaming_starts_the_file_afresh(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text('{"left over": "from a previous run"}\n', encoding="utf-8")
    journal = Journal()

    journal.stream_to(path)
    journal.record(entry(1))
    journal.close()

    assert [line["id"] for line in lines_of(path)] == [1]


# --- patterns -------------------------------------------------------------------------------------

CREATE = entry(
    1, "POST", status=400, body={"userName": "a@example.com", "active": True}, violations=(USERNAME_RULE,)
)
SEARCH = entry(
    2, query={"filter": 'userName eq "a@example.com"', "count": ["1", "2"]}, app="mockrc-client-id"
)


@pytest.mark.parametrize(
    ("pattern", "item", "matches"),
    [
        (RequestPattern(method="post"), CREATE, True),
        (RequestPattern(path="/scim/v2/Users"), CREATE, True),
        (RequestPattern(path="/scim/v2/Users/1"), CREATE, False),
        (RequestPattern(path_regex=r"/scim/v2/Users(/\d+)?"), CREATE, True),
        (RequestPattern(path_regex=r"/scim/v2"), CREATE, False),  # in full, not a prefix
        (RequestPattern(query={"filter": 'userName eq "a@example.com"'}), SEARCH, True),
        (RequestPattern(query={"count": "2"}), SEARCH, True),  # any value of a repeated parameter
        (RequestPattern(query={"count": "3"}), SEARCH, False),
        (RequestPattern(body={"userName": "a@example.com"}), CREATE, True),  # members given only
        (RequestPattern(body={"active": 1}), CREATE, False),  # true is not 1
        (RequestPattern(body={"userName": "b@example.com"}), CREATE, False),
        (RequestPattern(status=400, rule="ringcentral.username-is-work-email"), CREATE, True),
        (RequestPattern(rule="schema.required"), CREATE, False),
        (RequestPattern(app="mockrc-client-id"), SEARCH, True),
        (RequestPattern(principal="100000001"), SEARCH, False),
    ],
)
def test_pattern_criteria(pattern: RequestPattern, item: JournalEntry, matches: bool) -> None:
    assert pattern.matches(item) is matches


def test_differences_say_what_was_sent_instead() -> None:
    pattern = RequestPattern(
        method="PUT", status=201, body={"userName": "b@example.com"}, rule="schema.required", served_by="s"
    )

    assert pattern.differences(CREATE) == [
        "method was POST",
        'body /userName is "a@example.com", expected "b@example.com"',
        "status was 400",
        "no violation of schema.required (violations: ringcentral.username-is-work-email)",
        "served_by was null",
    ]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"verb": "GET"}, "unknown pattern field"),
        ({"status": "400"}, "'status' must be an integer"),
        ({"status": True}, "'status' must be an integer"),
        ({"method": 1}, "'method' must be a string"),
        ({"query": {"count": 1}}, "'query' must be an object of strings"),
        ({"path_regex": "(unclosed"}, "not a regular expression"),
    ],
)
def test_a_pattern_from_json_names_what_is_wrong(document: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        RequestPattern.from_json(document)


def test_a_pattern_from_json() -> None:
    pattern = RequestPattern.from_json(
        {"method": "POST", "body": {"userName": "a@example.com"}, "status": 400}
    )

    assert pattern == RequestPattern(method="POST", body={"userName": "a@example.com"}, status=400)
    assert pattern.describe() == 'POST with body {"userName": "a@example.com"}, status 400'


def test_find_and_count_take_a_pattern_or_criteria_but_not_both() -> None:
    journal = journal_of(CREATE, SEARCH)

    assert journal.find(method="GET") == [SEARCH]
    assert journal.count(RequestPattern(status=400)) == 1
    with pytest.raises(TypeError):
        journal.find(RequestPattern(), method="GET")


def test_near_misses_come_closest_first_then_newest() -> None:
    journal = journal_of(
        entry(1, "POST", status=201),
        entry(2, "POST", "/restapi/oauth/token", status=400),
        entry(3, "POST", status=400),
        entry(4, "GET", "/scim/v2/Users/1", status=404),
        entry(5, "POST", status=409),
    )

    misses = journal.near_misses(method="POST", path="/scim/v2/Users", status=200)

    assert [(m.entry.id, m.differences) for m in misses] == [
        (5, ("status was 409",)),
        (3, ("status was 400",)),
        (1, ("status was 201",)),
    ]
    assert [
        m.entry.id for m in journal.near_misses(method="POST", path="/scim/v2/Users", status=200, limit=5)
    ] == [
        5,
        3,
        1,
        2,
    ]


# --- assertions -----------------------------------------------------------------------------------


def test_assert_requested_returns_the_matches() -> None:
    journal = journal_of(CREATE, SEARCH)

    assert journal.assert_requested(method="POST") == [CREATE]
    assert journal.assert_requested(path="/scim/v2/Users", times=2) == [CREATE, SEARCH]


def test_assert_requested_shows_the_near_misses() -> None:
    journal = journal_of(CREATE, SEARCH)

    with pytest.raises(AssertionError) as failure:
        journal.assert_requested(method="POST", path="/scim/v2/Users", body={"userName": "b@example.com"})

    assert str(failure.value) == (
        'expected POST /scim/v2/Users with body {"userName": "b@example.com"} at least once; '
        "it was requested 0 times\n"
        "near misses (closest first):\n"
        '  #1 POST /scim/v2/Users -> 400: body /userName is "a@example.com", expected "b@example.com"\n'
        "  #2 GET /scim/v2/Users?filter=userName+eq+%22a%40example.com%22&count=1&count=2 -> 200: "
        "method was GET; there was no body"
    )


def test_assert_requested_counts_times() -> None:
    journal = journal_of(CREATE, entry(2, "POST", status=201))

    with pytest.raises(
        AssertionError, match=r"expected POST 1 time; it was requested 2 times\nmatching requests:"
    ):
        journal.assert_requested(method="POST", times=1)


def test_without_near_misses_the_last_requests_are_shown() -> None:
    with pytest.raises(AssertionError, match="no request was recorded"):
        Journal().assert_requested(method="DELETE")
    with pytest.raises(AssertionError, match=r"no request came close; the last requests were:\n  #1 POST"):
        journal_of(CREATE, SEARCH).assert_requested(method="DELETE")


def test_assert_not_requested_lists_what_was() -> None:
    journal = journal_of(CREATE, SEARCH)

    journal.assert_not_requested(method="DELETE")
    with pytest.raises(AssertionError, match=r"expected no GET; it was requested 1 times:\n  #2 GET"):
        journal.assert_not_requested(method="GET")


def test_violations_and_assert_no_violations() -> None:
    patch = entry(3, "PATCH", "/scim/v2/Users/1", violations=(STRING_BOOLEAN,))
    journal = journal_of(CREATE, SEARCH, patch)

    assert [(r.entry.id, r.violation.rule) for r in journal.violations()] == [
        (1, "ringcentral.username-is-work-email"),
        (3, "compat.string-boolean"),
    ]
    assert [r.entry.id for r in journal.violations(severity="warning")] == [3]
    assert journal.violations(rule="compat.string-boolean")[0].to_dict() == {
        "request_id": 3,
        "method": "PATCH",
        "path": "/scim/v2/Users/1",
        "status": 200,
        **STRING_BOOLEAN.to_dict(),
    }
    with pytest.raises(AssertionError) as failure:
        journal.assert_no_violations()
    assert str(failure.value) == (
        "1 error-severity contract violations:\n"
        "  #1 POST /scim/v2/Users -> 400: error ringcentral.username-is-work-email at /userName: "
        "userName must be the work email"
    )
    journal_of(SEARCH, patch).assert_no_violations()
    with pytest.raises(AssertionError, match=r"compat\.string-boolean"):
        journal_of(SEARCH, patch).assert_no_violations(include_warnings=True)


def _sized(number: int, body_bytes: int, query: dict[str, Any] | None = None) -> JournalEntry:
    raw = b'{"userName": "' + b"x" * body_bytes + b'"}'
    return JournalEntry(
        id=number,
        time=FakeClock.DEFAULT_START,
        method="POST",
        path="/scim/v2/Users",
        status=201,
        request=Message((("Content-Type", SCIM),), raw, SCIM),
        response=Message((), b""),
        query=query or {},
    )


def test_the_journal_is_bounded_by_bytes_too_and_drops_the_oldest() -> None:
    one = _sized(0, 40_000).cost()
    journal = Journal(capacity=100, max_bytes=3 * one)

    for number in range(1, 8):
        journal.record(_sized(number, 40_000))

    assert [e.id for e in journal.entries()] == [5, 6, 7]
    assert journal.dropped == 4
    assert journal.bytes == 3 * one <= journal.max_bytes
    journal.clear()
    assert journal.bytes == 0


def test_an_entry_larger_than_the_bound_is_kept_alone() -> None:
    journal = Journal(capacity=100, max_bytes=1000)

    journal.record(_sized(1, 10))
    journal.record(_sized(2, 50_000))

    assert [e.id for e in journal.entries()] == [2]
    assert journal.dropped == 1


def test_a_body_is_kept_as_a_prefix_with_its_full_size() -> None:
    raw = b"[" + b"1," * (4 * 1024 * 1024) + b"1]"
    message = Message((("Content-Type", SCIM),), raw, SCIM)

    record = message.to_dict()

    assert message.cost() < BODY_LIMIT + 1024
    assert (record["body_size"], record["body_truncated"]) == (len(raw), True)
    assert record["body_note"] == f"truncated: the journal keeps the first {BODY_LIMIT} of {len(raw)} bytes"
    assert len(record["body"]) == BODY_LIMIT


@pytest.mark.parametrize(
    ("text", "size"),
    [("1000", 1000), ("64M", 64 * 1024**2), ("512k", 512 * 1024), ("1GiB", 1024**3), (" 2 MB ", 2 * 1024**2)],
)
def test_byte_sizes_are_read_in_binary_units(text: str, size: int) -> None:
    assert parse_byte_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "1.5M", "-1", "10 parsecs"])
def test_a_bad_byte_size_says_what_is_wanted(text: str) -> None:
    with pytest.raises(ValueError, match="not a size in bytes"):
        parse_byte_size(text)


def test_the_settings_bound_the_journal_of_a_fake() -> None:
    state = MockState(Settings(journal_size=5, journal_bytes=123_456), clock=FakeClock())

    assert (state.journal.capacity, state.journal.max_bytes) == (5, 123_456)


# --- redaction after decoding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("newPassword", True),
        ("pasword", True),
        ("client_secret", True),
        ("access_token", True),
        ("refresh_token", True),
        ("X-Api-Key", True),
        ("code", True),
        ("code_verifier", True),
        ("client_assertion", True),
        ("postalCode", False),
        ("token_type", False),
        ("userName", False),
        ("expires_in", False),
    ],
)
def test_names_of_secrets(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_json_is_redacted_after_decoding_escapes() -> None:
    raw = b'{"userName": "a@example.com", "pass\\u0077ord": "hunter22", "\\u0074oken": "t"}'

    assert decode_body(raw, SCIM) == {"userName": "a@example.com", "password": REDACTED, "token": REDACTED}


def test_form_names_are_redacted_after_percent_decoding() -> None:
    assert decode_body(b"grant_type=password&pass%77ord=hunter22&%63ode=abc", FORM) == {
        "grant_type": "password",
        "password": REDACTED,
        "code": REDACTED,
    }


def test_a_patch_of_a_secret_attribute_by_urn_hides_its_value_even_in_malformed_text() -> None:
    op = {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:password", "value": "hunter22"}
    valid = json.dumps({"Operations": [op]}).encode()

    assert decode_body(valid, SCIM) == {"Operations": [{**op, "value": REDACTED}]}
    assert "hunter22" not in decode_body(valid[:-3], SCIM)  # cut off: text, still redacted


def test_text_hides_credentials_after_an_auth_scheme() -> None:
    text = "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc' https://example.com"

    assert (
        decode_body(text.encode(), "text/plain")
        == f"curl -H 'Authorization: Bearer {REDACTED}' https://example.com"
    )


def test_a_deep_body_reads_as_text_with_a_note_and_never_raises() -> None:
    deep = b"[" * 5000 + b"]" * 5000

    body, note = read_body(deep, SCIM)

    assert body == deep.decode() and note is not None and "nested deeper" in note


def test_the_journal_page_states_the_header_allow_list_exactly() -> None:
    page = (Path(__file__).parents[2] / "docs" / "journal.md").read_text(encoding="utf-8")
    stated = page.split("keep their value only if they are one of", 1)[1].split(
        "(request and response alike)"
    )[0]

    assert {name.lower() for name in re.findall(r"`([A-Za-z-]+)`", stated)} == SAFE_HEADERS


def test_html_form_fields_named_like_secrets_have_their_value_hidden() -> None:
    page = '<input type="hidden" name="ticket" value="t1ck3t"><input name="username" value="ann">'

    assert decode_body(page.encode(), "text/html") == (
        f'<input type="hidden" name="ticket" value="{REDACTED}"><input name="username" value="ann">'
    )


def test_a_long_query_counts_towards_the_bound() -> None:
    plain, queried = _sized(1, 10), _sized(2, 10, {"filter": "x" * 100_000})

    assert queried.cost() >= plain.cost() + 100_000


def test_a_huge_parameter_keeps_its_start_and_its_length() -> None:
    [(name, value)] = redact_pairs([("filter", "x" * 200_000)]).items()

    assert name == "filter" and value == "x" * 65536 + "... [truncated: 200000 characters]"


def test_describe_cuts_a_long_request_target_and_says_how_long_it_was() -> None:
    """A hostile request's megabyte of query string must not fill every report line that names it."""
    from mockrc.journal import DESCRIBED_TARGET

    recorded = entry(7, query={"filter": "x" * 100_000}, status=414)

    line = recorded.describe()

    assert len(line) < DESCRIBED_TARGET + 100
    assert line.startswith("#7 GET /scim/v2/Users?filter=xxx")
    assert "[100,022 characters]" in line
    assert line.endswith("-> 414")
    assert entry(8, query={"filter": 'userName eq "a"'}).describe() == (
        "#8 GET /scim/v2/Users?filter=userName+eq+%22a%22 -> 200"
    )


def test_near_misses_look_only_at_the_newest_window_of_entries() -> None:
    """Scoring an entry decodes its body: over a full journal that took seconds for three lines."""
    journal = journal_of(
        entry(1, "POST", status=201),
        entry(2, "POST", status=400),
        entry(3, "GET", "/scim/v2/Users/1", status=404),
    )

    wanted = {"method": "POST", "path": "/scim/v2/Users", "status": 200}
    assert [m.entry.id for m in journal.near_misses(window=2, **wanted)] == [2]
    assert [m.entry.id for m in journal.near_misses(window=1, **wanted)] == []
    assert [m.entry.id for m in journal.near_misses(**wanted)] == [2, 1]


class _CountingEntry:
    """An entry that counts how often its body is decoded."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped
        self.decoded = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    @property
    def body(self) -> Any:
        self.decoded += 1
        return self.wrapped.body


def test_a_body_pattern_decodes_only_the_bodies_of_entries_that_met_the_other_criteria() -> None:
    create, search = _CountingEntry(CREATE), _CountingEntry(SEARCH)
    pattern = RequestPattern(method="POST", body={"userName": "nobody@example.com"})

    assert not pattern.matches(create) and not pattern.matches(search)  # type: ignore[arg-type]
    assert (create.decoded, search.decoded) == (1, 0)
