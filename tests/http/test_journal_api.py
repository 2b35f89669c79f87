"""The control API under /__mockrc (journal, violations, users, clock, reset, report), both transports."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
import requests
from jsonschema import Draft202012Validator

from mockrc import mock_ringcentral
from mockrc.clock import SystemClock
from mockrc.resources import load_json_fixture
from tests.helpers import minimal_user
from tests.http.conftest import Fake

ENTRY_SCHEMA = Draft202012Validator(load_json_fixture("schemas", "mockrc", "journal-entry.schema.json"))
REPORT_SCHEMA = Draft202012Validator(load_json_fixture("schemas", "mockrc", "report.schema.json"))


def traffic(fake: Fake) -> None:
    """A create, a refused create, a refused filter and a lookup: ids 1 to 4."""
    assert fake.post("/scim/v2/Users", json=minimal_user("a@example.com")).status_code == 201
    assert (
        fake.post("/scim/v2/Users", json=minimal_user("b@example.com", userName="x@example.com")).status_code
        == 400
    )
    assert fake.get("/scim/v2/Users", params={"filter": 'title eq "Boss"'}).status_code == 400
    assert fake.get("/scim/v2/Users", params={"filter": 'userName eq "a@example.com"'}).status_code == 200


def test_the_journal_lists_entries_as_journal_lines(fake: Fake) -> None:
    traffic(fake)

    listed = fake.get("/__mockrc/journal").json()

    assert (listed["total"], listed["dropped"]) == (4, 0)
    assert [(e["method"], e["status"]) for e in listed["entries"]] == [
        ("POST", 201),
        ("POST", 400),
        ("GET", 400),
        ("GET", 200),
    ]
    for line in listed["entries"]:
        ENTRY_SCHEMA.validate(line)
    assert listed["entries"][0]["headers"]["Authorization"] == "Bearer [redacted]"


def test_the_list_filters_and_keeps_the_newest(fake: Fake) -> None:
    traffic(fake)

    refused = fake.get("/__mockrc/journal", params={"status": "400"}).json()
    newest = fake.get("/__mockrc/journal", params={"method": "GET", "limit": "1"}).json()
    none = fake.get("/__mockrc/journal", params={"limit": "0"}).json()

    assert [e["path"] for e in refused["entries"]] == ["/scim/v2/Users", "/scim/v2/Users"]
    assert (newest["total"], [e["query"] for e in newest["entries"]]) == (
        2,
        [{"filter": 'userName eq "a@example.com"'}],
    )
    assert (none["total"], none["entries"]) == (4, [])


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"verb": "GET"}, "unknown pattern field"),
        ({"status": "four hundred"}, "status must be an integer"),
        ({"limit": "-1"}, "limit must not be negative"),
        ({"path_regex": "("}, "not a regular expression"),
    ],
)
def test_a_bad_filter_answers_400_saying_what(fake: Fake, params: dict[str, str], problem: str) -> None:
    response = fake.get("/__mockrc/journal", params=params)

    assert response.status_code == 400
    assert problem in response.json()["message"]


def test_count_by_query_string_or_json_pattern(fake: Fake) -> None:
    traffic(fake)

    by_query = fake.get("/__mockrc/journal/count", params={"rule": "ringcentral.filter-unsupported"})
    by_body = fake.post(
        "/__mockrc/journal/count", json={"method": "POST", "body": {"userName": "a@example.com"}}
    )

    assert by_query.json() == {"count": 1}
    assert by_body.json() == {"count": 1}


def test_find_answers_the_matches_or_the_near_misses(fake: Fake) -> None:
    traffic(fake)

    found = fake.post("/__mockrc/journal/find", json={"method": "POST", "status": 201}).json()
    missed = fake.post(
        "/__mockrc/journal/find",
        json={"method": "POST", "path": "/scim/v2/Users", "body": {"userName": "b@example.com"}},
    ).json()

    assert [e["id"] for e in found["entries"]] == [1] and found["near_misses"] == []
    assert missed["entries"] == []
    assert [(m["entry"]["id"], m["differences"]) for m in missed["near_misses"]] == [
        (2, ['body /userName is "x@example.com", expected "b@example.com"']),
        (1, ['body /userName is "a@example.com", expected "b@example.com"']),
        (4, ["method was GET", "there was no body"]),
    ]


def test_find_answers_the_newest_matches_up_to_its_limit_and_how_many_matched(fake: Fake) -> None:
    """A find over a full journal must not answer every entry (tens of megabytes, seconds to build)."""
    for _ in range(105):
        fake.get("/scim/v2/Users/missing")

    default = fake.post("/__mockrc/journal/find", json={"method": "GET"}).json()
    two = fake.get("/__mockrc/journal/find", params={"method": "GET", "limit": 2}).json()
    posted = fake.post("/__mockrc/journal/find?limit=0", json={"method": "GET"}).json()

    assert default["total"] == 105 and [e["id"] for e in default["entries"]] == list(range(6, 106))
    assert two["total"] == 105 and [e["id"] for e in two["entries"]] == [104, 105]
    assert posted == {"total": 105, "entries": [], "near_misses": []}
    assert fake.get("/__mockrc/journal/find", params={"limit": -1}).status_code == 400


def test_find_needs_a_json_pattern_when_posted(fake: Fake) -> None:
    # The admin-key header gets a text body past the guard, which refuses it from a cross-site form.
    response = fake.post("/__mockrc/journal/find", data="method=POST", headers={"X-Mockrc-Admin-Key": "-"})

    assert response.status_code == 415


def test_clear_empties_the_journal(fake: Fake) -> None:
    traffic(fake)

    assert fake.delete("/__mockrc/journal", json={}).json() == {"cleared": 4}
    assert fake.get("/__mockrc/journal").json()["total"] == 0


def test_violations_list_every_violation_with_its_request(fake: Fake) -> None:
    traffic(fake)

    errors = fake.get("/__mockrc/violations", params={"severity": "error"}).json()
    by_rule = fake.get("/__mockrc/violations", params={"rule": "ringcentral.filter-unsupported"}).json()

    assert [(v["request_id"], v["rule"], v["status"]) for v in errors["violations"]] == [
        (2, "ringcentral.username-is-work-email", 400),
        (3, "ringcentral.filter-unsupported", 400),
    ]
    assert errors["total"] == 2
    assert by_rule["violations"][0] == {
        "request_id": 3,
        "method": "GET",
        "path": "/scim/v2/Users",
        "status": 400,
        "pointer": "?filter",
        "rule": "ringcentral.filter-unsupported",
        "message": by_rule["violations"][0]["message"],
        "severity": "error",
    }
    assert fake.get("/__mockrc/violations", params={"severity": "fatal"}).status_code == 400


def test_users_are_listed_without_a_token(fake: Fake) -> None:
    created = fake.post("/scim/v2/Users", json=minimal_user("a@example.com")).json()

    listed = fake.session.get(fake.url("/__mockrc/users"), timeout=10).json()

    assert listed == {"totalResults": 1, "Resources": [created]}


def test_users_are_seeded_without_a_token_and_without_a_journal_entry(fake: Fake) -> None:
    """``POST /__mockrc/users``: what ``mockrc users seed --url`` calls. A body without ``schemas``
    gets the profile's, as a seed file's users do; the journal a CI gate reads stays empty."""
    bare = {k: v for k, v in minimal_user("a@example.com").items() if k != "schemas"}

    seeded = fake.session.post(
        fake.url("/__mockrc/users"), json={"users": [bare, minimal_user("b@example.com")]}, timeout=10
    )

    assert seeded.status_code == 201
    listed = fake.session.get(fake.url("/__mockrc/users"), timeout=10).json()
    assert seeded.json() == listed
    assert [u["userName"] for u in listed["Resources"]] == ["a@example.com", "b@example.com"]
    assert fake.get(f"/scim/v2/Users/{listed['Resources'][0]['id']}").json() == listed["Resources"][0]
    journaled = fake.get("/__mockrc/journal").json()["entries"]
    assert [(e["method"], e["route"]) for e in journaled] == [("GET", "/scim/v2/Users/<user_id>")]
    assert fake.get("/__mockrc/violations").json()["total"] == 0


@pytest.mark.parametrize(
    ("users", "status", "says"),
    [
        ("a@example.com", 400, '"users" must be a list of SCIM User objects'),
        ([["a@example.com"]], 400, '"users" must be a list of SCIM User objects'),
        (
            [{"userName": "c@example.com"}],
            400,
            'users[1] (c@example.com): Invalid user: 2 problems: /: "emails" is required',
        ),
        ([minimal_user("taken@example.com")], 409, "users[1] (taken@example.com): User with userName"),
    ],
)
def test_a_seed_the_fake_refuses_adds_nobody_and_says_which_user_and_why(
    fake: Fake, users: object, status: int, says: str
) -> None:
    fake.post("/scim/v2/Users", json=minimal_user("taken@example.com"))
    body = {"users": [minimal_user("new@example.com"), *users] if isinstance(users, list) else users}

    refused = fake.session.post(fake.url("/__mockrc/users"), json=body, timeout=10)

    assert refused.status_code == status
    assert refused.json()["message"].startswith(says)
    listed = fake.session.get(fake.url("/__mockrc/users"), timeout=10).json()
    assert [u["userName"] for u in listed["Resources"]] == ["taken@example.com"]


def test_the_clock_is_read_and_advanced(fake: Fake) -> None:
    assert fake.get("/__mockrc/clock").json() == {
        "now": "2026-01-01T00:00:00.000Z",
        "epoch": 1767225600.0,
        "advanceable": True,
    }

    advanced = fake.post("/__mockrc/clock/advance", json={"seconds": 3600})

    assert advanced.json()["now"] == "2026-01-01T01:00:00.000Z"
    assert fake.clock.now() == 1767225600.0 + 3600


@pytest.mark.parametrize("seconds", [-1, "60", True, None])
def test_the_clock_only_moves_forward_by_a_number(fake: Fake, seconds: object) -> None:
    response = fake.post("/__mockrc/clock/advance", json={"seconds": seconds})

    assert response.status_code == 400
    assert "seconds" in response.json()["message"]


@pytest.mark.parametrize("seconds", [1e300, 99_999_999_999_999_999_999, 253402300799])
def test_the_clock_cannot_be_advanced_past_year_9999(fake: Fake, seconds: float) -> None:
    """A clock past the last writable timestamp would fail every later answer that shows a time."""
    response = fake.post("/__mockrc/clock/advance", json={"seconds": seconds})

    assert response.status_code == 400
    assert "past 9999-12-31T23:59:59Z" in response.json()["message"]
    assert fake.clock.now() == 1767225600.0
    assert fake.get("/scim/v2/Users").status_code == 200
    assert fake.get("/__mockrc/journal").status_code == 200


def test_reset_forgets_users_tokens_and_the_journal(fake: Fake) -> None:
    traffic(fake)

    assert fake.post("/__mockrc/reset", json={}).json() == {"status": "reset"}

    assert fake.session.get(fake.url("/__mockrc/users"), timeout=10).json()["totalResults"] == 0
    assert fake.get("/__mockrc/journal").json()["total"] == 0
    assert fake.get("/scim/v2/Users").status_code == 401  # the token issued before the reset is gone


@pytest.mark.parametrize(
    ("method", "path", "use"),
    [
        ("GET", "/__mockrc/reset", "POST"),
        ("GET", "/__mockrc/clock/advance", "POST"),
        ("PUT", "/__mockrc/journal", "DELETE or GET"),
    ],
)
def test_a_wrong_method_on_a_control_path_answers_405_saying_which(
    fake: Fake, method: str, path: str, use: str
) -> None:
    response = fake.request(method, path, json={})

    assert response.status_code == 405
    assert response.json()["message"] == f"Method {method} is not allowed for {path}: use {use}"
    assert set(use.split(" or ")) <= set(response.headers["Allow"].split(", "))


def test_the_live_report_is_json_by_default(fake: Fake) -> None:
    traffic(fake)

    response = fake.get("/__mockrc/report")

    assert response.headers["X-Mockrc-Verdict"] == "fail"
    document = response.json()
    REPORT_SCHEMA.validate(document)
    assert (document["source"], document["verdict"], document["summary"]["requests"]) == ("live", "fail", 4)


def test_the_live_report_in_junit_and_markdown(fake: Fake) -> None:
    traffic(fake)

    junit = fake.get("/__mockrc/report", params={"format": "junit"})
    markdown = fake.get("/__mockrc/report", params={"format": "markdown"})

    assert junit.headers["Content-Type"] == "application/xml; charset=utf-8"
    failed = {
        c.get("name")
        for c in ElementTree.fromstring(junit.text).iter("testcase")
        if c.find("failure") is not None
    }
    assert failed == {"ringcentral.username-is-work-email", "ringcentral.filter-unsupported"}
    assert markdown.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown.text.startswith("# mockrc contract report")


def test_the_live_report_passes_clean_traffic_unless_warnings_are_strict(fake: Fake) -> None:
    fake.post("/scim/v2/Users", json={**minimal_user("a@example.com"), "roles": []})  # a tolerated extra

    assert fake.get("/__mockrc/report").headers["X-Mockrc-Verdict"] == "pass"
    strict = fake.get("/__mockrc/report", params={"strict_warnings": "true"})
    assert (strict.headers["X-Mockrc-Verdict"], strict.json()["strict_warnings"]) == ("fail", True)
    assert fake.get("/__mockrc/report", params={"format": "pdf"}).status_code == 400
    assert fake.get("/__mockrc/report", params={"strict_warnings": "maybe"}).status_code == 400


def test_the_live_report_of_a_fake_nobody_called_fails_unless_min_requests_allows_it(fake: Fake) -> None:
    """As ``mockrc report``: a CI gate on a journal the client never reached must not pass."""
    gate = fake.get("/__mockrc/report")
    allowed = fake.get("/__mockrc/report", params={"min_requests": "0", "format": "markdown"})
    negative = fake.get("/__mockrc/report", params={"min_requests": "-1"})

    assert gate.headers["X-Mockrc-Verdict"] == "fail"
    REPORT_SCHEMA.validate(gate.json())
    assert (gate.json()["min_requests"], gate.json()["summary"]["requests"]) == (1, 0)
    assert gate.json()["headline"].startswith("FAIL: nothing was recorded (0 requests, at least 1 expected")
    assert allowed.headers["X-Mockrc-Verdict"] == "pass"
    assert "**PASS: nothing was recorded (0 requests)" in allowed.text
    assert (negative.status_code, negative.json()["message"]) == (
        400,
        "min_requests must not be negative, not [-1]",
    )


def test_the_system_clock_cannot_be_advanced() -> None:
    with mock_ringcentral(clock=SystemClock()) as rc:
        clock = requests.get(f"{rc.base_url}/__mockrc/clock", timeout=10).json()
        response = requests.post(f"{rc.base_url}/__mockrc/clock/advance", json={"seconds": 60}, timeout=10)

    assert clock["advanceable"] is False
    assert response.status_code == 400
    assert "start it with --clock fake" in response.json()["message"]


def test_a_report_with_a_bad_parameter_is_refused_before_the_journal_is_read(
    fake: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a full journal takes seconds: a request that will be refused must not pay for it."""

    def read_everything() -> None:
        raise AssertionError("the journal was read for a request that is refused")

    monkeypatch.setattr(fake.state.journal, "records", read_everything)

    response = fake.get("/__mockrc/report", params={"strict_warnings": "x"})

    assert response.status_code == 400
    assert "strict_warnings must be true or false" in response.json()["message"]


@pytest.mark.parametrize("path", ["/__mockrc/journal", "/__mockrc/journal/find"])
def test_a_limit_past_the_maximum_answers_400_saying_the_maximum(fake: Fake, path: str) -> None:
    """Every entry answered is a full record: limit=1000000 on a full journal took tens of seconds."""
    traffic(fake)

    refused = fake.get(path, params={"limit": 1_000_000})
    largest = fake.get(path, params={"limit": 1_000})

    assert refused.status_code == 400
    assert "limit must be at most 1,000, not [1000000]" in refused.json()["message"]
    assert "before=" in refused.json()["message"]
    assert largest.status_code == 200 and largest.json()["total"] == 4


@pytest.mark.parametrize("path", ["/__mockrc/journal", "/__mockrc/journal/find"])
def test_older_entries_are_read_a_page_at_a_time_with_before(fake: Fake, path: str) -> None:
    traffic(fake)

    newest = fake.get(path, params={"limit": 2}).json()
    older = fake.get(path, params={"limit": 2, "before": newest["entries"][0]["id"]}).json()
    oldest = fake.get(path, params={"limit": 2, "before": older["entries"][0]["id"]}).json()

    assert [e["id"] for e in newest["entries"]] == [3, 4]
    assert [e["id"] for e in older["entries"]] == [1, 2]
    assert oldest["entries"] == [] and oldest["total"] == 4
    bad = fake.get(path, params={"before": "yesterday"})
    assert bad.status_code == 400 and "before must be an integer" in bad.json()["message"]
