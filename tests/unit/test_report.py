"""Contract reports from journal entries: verdict, JUnit XML, JSON (against its schema), Markdown, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from jsonschema import Draft202012Validator

from mockrc.cli import main
from mockrc.report import build_report, load_journal
from mockrc.resources import load_json_fixture
from mockrc.rules import RULES as ALL_RULES

#: The contract rules a report has one case each for (the fidelity family has its own suite).
RULES = [rule for rule in ALL_RULES if rule.kind == "violation"]

USERNAME = {
    "pointer": "/userName",
    "rule": "ringcentral.username-is-work-email",
    "message": "userName [a@example.com] must be the same as the work email [b@example.com]",
    "severity": "error",
}
FILTER = {
    "pointer": "?filter",
    "rule": "ringcentral.filter-unsupported",
    "message": "RingCentral supports only userName and email filters",
    "severity": "error",
}
STRING_BOOLEAN = {
    "pointer": "/Operations/0/value",
    "rule": "compat.string-boolean",
    "message": '"active" is a boolean but was sent as the string "False"',
    "severity": "warning",
}


def line(number: int, method: str, path: str, status: int, *violations: dict[str, str], **extra: Any) -> dict:
    route = "/scim/v2/Users/<user_id>" if path.count("/") == 4 else path
    return {
        "id": number,
        "time": "2026-01-01T00:00:00.000Z",
        "method": method,
        "path": path,
        "query": {},
        "route": route,
        "headers": {"Authorization": "Bearer [redacted]"},
        "body": None,
        "principal": "100000001",
        "app": "mockrc-client-id",
        "status": status,
        "response": {"headers": {}, "body": None},
        "duration_ms": 1.0,
        "served_by": None,
        "violations": list(violations),
        **extra,
    }


VALID = [
    line(1, "POST", "/scim/v2/Users", 201),
    line(2, "GET", "/scim/v2/Users", 200, query={"filter": 'userName eq "a@example.com"'}),
]
MIXED = [
    *VALID,
    line(3, "POST", "/scim/v2/Users", 400, USERNAME, body={"userName": "a@example.com"}),
    line(4, "GET", "/scim/v2/Users", 400, FILTER, query={"filter": 'title eq "x"'}),
    line(5, "PATCH", "/scim/v2/Users/7", 200, STRING_BOOLEAN),
    line(6, "PATCH", "/scim/v2/Users/8", 200, STRING_BOOLEAN),
]


def junit(report_xml: str) -> dict[str, ElementTree.Element]:
    """The test cases of a JUnit document, by name."""
    root = ElementTree.fromstring(report_xml)
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_valid_traffic_passes() -> None:
    report = build_report(VALID, source="j.jsonl")

    assert report.exit_status == 0
    assert report.headline() == "PASS: no error-severity contract violation in 2 requests"


def test_an_error_severity_violation_fails_and_warnings_do_not() -> None:
    report = build_report(MIXED, source="j.jsonl")

    assert report.exit_status == 1
    assert report.headline() == (
        "FAIL: 2 error-severity contract violations of 2 rules in 6 requests (2 warnings)"
    )
    assert build_report([*VALID, MIXED[4]], source="j.jsonl").exit_status == 0


def test_strict_warnings_promotes_warnings_to_errors() -> None:
    report = build_report([*VALID, MIXED[4]], source="j.jsonl", strict_warnings=True)

    assert report.exit_status == 1
    assert [r.id for r in report.rules if r.outcome == "failed"] == ["compat.string-boolean"]


def test_junit_has_one_case_per_rule_and_failures_name_the_offending_requests() -> None:
    cases = junit(build_report(MIXED, source="j.jsonl").junit())

    assert set(cases) == {rule.id for rule in RULES}
    failed = {name: case.find("failure") for name, case in cases.items() if case.find("failure") is not None}
    assert set(failed) == {"ringcentral.username-is-work-email", "ringcentral.filter-unsupported"}
    username = failed["ringcentral.username-is-work-email"]
    assert username.get("type") == "ringcentral.username-is-work-email"
    assert username.get("message", "").startswith("1 request broke ringcentral.username-is-work-email: ")
    assert "#3 POST /scim/v2/Users -> 400 (principal 100000001, app mockrc-client-id)" in (
        username.text or ""
    )
    assert "error at /userName: userName [a@example.com] must be the same" in (username.text or "")
    assert 'body: {"userName":"a@example.com"}' in (username.text or "")
    assert '#4 GET /scim/v2/Users?filter=title eq "x" -> 400' in (
        failed["ringcentral.filter-unsupported"].text or ""
    )
    # A warning is shown, not failed.
    warned = cases["compat.string-boolean"]
    assert warned.find("failure") is None
    assert "#5 PATCH /scim/v2/Users/7" in (warned.findtext("system-out") or "")


def test_junit_counts_and_properties() -> None:
    root = ElementTree.fromstring(build_report(MIXED, source="j.jsonl").junit())
    suite = root.find("testsuite")

    assert suite is not None
    assert (root.get("tests"), root.get("failures")) == (str(len(RULES)), "2")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == (str(len(RULES)), "2", "0")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"source": "j.jsonl", "requests": "6", "strict_warnings": "false", "verdict": "fail"}


def test_junit_stays_well_formed_whatever_the_client_sent() -> None:
    nasty = line(1, "POST", "/scim/v2/Users", 400, USERNAME, body="\x00\x07 <not xml> & \ud800")

    document = build_report([nasty], source="j.jsonl").junit()

    failure = junit(document)["ringcentral.username-is-work-email"].find("failure")
    assert failure is not None and "\ufffd\ufffd <not xml> & \ufffd" in (failure.text or "")


def test_a_rule_unknown_to_this_version_is_still_reported() -> None:
    future = {
        "pointer": "",
        "rule": "oauth.future-rule",
        "message": "from a newer mockrc",
        "severity": "error",
    }

    report = build_report([line(1, "POST", "/restapi/oauth/token", 400, future)], source="j.jsonl")

    assert report.exit_status == 1
    assert report.rules[-1].id == "oauth.future-rule" and not report.rules[-1].catalogued
    assert junit(report.junit())["oauth.future-rule"].find("failure") is not None


def test_json_report_follows_its_published_schema() -> None:
    document = build_report(MIXED, source="j.jsonl").to_json()

    Draft202012Validator(load_json_fixture("schemas", "mockrc", "report.schema.json")).validate(document)
    assert document["verdict"] == "fail" and document["exit_status"] == 1
    assert document["summary"] == {
        "requests": 6,
        "requests_with_violations": 4,
        "errors": 2,
        "warnings": 2,
        "rules_failed": 2,
        "rules_warned": 1,
    }
    assert [v["request_id"] for v in document["violations"]] == [3, 4, 5, 6]
    by_id = {rule["id"]: rule for rule in document["rules"]}
    assert by_id["compat.string-boolean"]["requests"] == [5, 6]
    assert by_id["compat.string-boolean"]["outcome"] == "warned"
    assert by_id["http.media-type"]["outcome"] == "passed"


SCHEMA = Draft202012Validator(load_json_fixture("schemas", "mockrc", "report.schema.json"))
NOTHING = "nothing was recorded (0 requests"


def test_an_empty_journal_says_nothing_was_recorded_in_every_form() -> None:
    report = build_report([], source="j.jsonl")
    document = report.to_json()

    assert report.exit_status == 0  # min_requests is 0 for the Python API: a test reads its own fake
    assert report.headline().startswith(f"PASS: {NOTHING}): did the client reach the fake?")
    SCHEMA.validate(document)
    assert (document["min_requests"], document["summary"]["requests"]) == (0, 0)
    assert NOTHING in document["headline"]
    assert NOTHING in report.markdown() and "No request was recorded" in report.markdown()
    root = ElementTree.fromstring(report.junit())
    assert NOTHING in (root.findtext("testsuite/system-out") or "")


def test_fewer_requests_than_min_requests_fail_in_every_form() -> None:
    empty, few = build_report([], source="j", min_requests=1), build_report(VALID, source="j", min_requests=3)

    assert (empty.exit_status, few.exit_status) == (1, 1)
    assert empty.headline() == (
        f"FAIL: {NOTHING}, at least 1 expected by --min-requests): did the client reach the fake?"
    )
    assert few.headline() == "FAIL: only 2 requests recorded, at least 3 expected by --min-requests"
    for report in (empty, few):
        document = report.to_json()
        SCHEMA.validate(document)
        assert (document["verdict"], document["exit_status"]) == ("fail", 1)
        assert document["headline"] == report.headline()
        assert f"**{report.headline()}**" in report.markdown()
        root = ElementTree.fromstring(report.junit())
        assert (root.get("tests"), root.get("failures")) == (str(len(RULES) + 1), "1")
        failure = junit(report.junit())["requests-recorded"].find("failure")
        assert failure is not None and failure.get("message") == report.headline().removeprefix("FAIL: ")


def test_enough_requests_pass_and_violations_still_fail_with_too_few() -> None:
    enough = build_report(VALID, source="j", min_requests=2)
    both = build_report(MIXED, source="j", min_requests=7)

    assert enough.exit_status == 0
    assert junit(enough.junit())["requests-recorded"].find("failure") is None
    assert both.headline() == (
        "FAIL: 2 error-severity contract violations of 2 rules in 6 requests (2 warnings); "
        "only 6 requests recorded, at least 7 expected by --min-requests"
    )


def test_endpoints_group_by_route_template() -> None:
    endpoints = build_report(MIXED, source="j.jsonl").to_json()["endpoints"]

    assert endpoints == [
        {
            "endpoint": "GET /scim/v2/Users",
            "requests": 2,
            "errors": 1,
            "warnings": 0,
            "statuses": {"200": 1, "400": 1},
        },
        {
            "endpoint": "PATCH /scim/v2/Users/{user_id}",
            "requests": 2,
            "errors": 0,
            "warnings": 2,
            "statuses": {"200": 2},
        },
        {
            "endpoint": "POST /scim/v2/Users",
            "requests": 2,
            "errors": 1,
            "warnings": 0,
            "statuses": {"201": 1, "400": 1},
        },
    ]


def test_offenders_are_worst_first() -> None:
    two_errors = line(7, "POST", "/scim/v2/Users", 400, USERNAME, FILTER)

    offenders = build_report([*MIXED, two_errors], source="j.jsonl").offenders()

    assert [(o["request_id"], o["errors"], o["warnings"]) for o in offenders] == [
        (7, 2, 0),
        (3, 1, 0),
        (4, 1, 0),
        (5, 0, 1),
        (6, 0, 1),
    ]


def test_markdown_summary() -> None:
    text = build_report(MIXED, source="j.jsonl").markdown()

    assert text.startswith("# mockrc contract report\n\n**FAIL: 2 error-severity")
    assert "| `ringcentral.username-is-work-email` | failed | 1 | 1 |" in text
    assert "| `compat.string-boolean` | warned | 2 | 2 |" in text
    assert "| `PATCH /scim/v2/Users/{user_id}` | 2 | 0 | 2 | 200: 2 |" in text
    assert "## Worst offenders" in text
    assert text.index("#3 POST") < text.index("#5 PATCH")


def test_markdown_of_clean_traffic_has_no_rule_or_offender_section() -> None:
    text = build_report(VALID, source="j.jsonl").markdown()

    assert "**PASS: no error-severity contract violation in 2 requests**" in text
    assert "## By rule" not in text and "## Worst offenders" not in text


# --- reading journal files ------------------------------------------------------------------------


def write_journal(path: Path, entries: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def test_load_journal_reads_every_line(tmp_path: Path) -> None:
    path = write_journal(tmp_path / "j.jsonl", MIXED)

    assert load_journal(path) == MIXED


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"id": 1}\n', r"j.jsonl:1: not a journal entry: /: 'time' is a required property"),
        (json.dumps(VALID[0]) + "\n{oops\n", r"j.jsonl:2: not a JSON document"),
        (json.dumps({**VALID[0], "status": "200"}) + "\n", r"j.jsonl:1: not a journal entry: /status: "),
        (
            json.dumps({**VALID[0], "violations": [{"rule": "x"}]}) + "\n",
            r"j.jsonl:1: not a journal entry: /violations/0",
        ),
    ],
)
def test_a_bad_journal_is_refused_naming_the_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ValueError, match=problem):
        load_journal(path)


def test_a_missing_journal_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the journal"):
        load_journal(tmp_path / "nowhere.jsonl")


# --- `mockrc report` ------------------------------------------------------------------------------


def test_the_command_exits_1_on_errors_and_writes_every_form(tmp_path: Path, capsys) -> None:
    journal = write_journal(tmp_path / "j.jsonl", MIXED)
    xml, js, md = tmp_path / "r.xml", tmp_path / "r.json", tmp_path / "r.md"

    status = main(["report", str(journal), "--junit", str(xml), "--json", str(js), "--markdown", str(md)])

    assert status == 1
    assert "ringcentral.username-is-work-email" in junit(xml.read_text(encoding="utf-8"))
    assert json.loads(js.read_text(encoding="utf-8"))["verdict"] == "fail"
    assert md.read_text(encoding="utf-8").startswith("# mockrc contract report")
    out = capsys.readouterr().out
    assert out.startswith("mockrc report: FAIL: 2 error-severity contract violations")
    assert "  ringcentral.username-is-work-email: #3 POST /scim/v2/Users -> 400\n" in out


def test_the_command_exits_0_on_valid_traffic_and_1_with_strict_warnings(tmp_path: Path, capsys) -> None:
    journal = write_journal(tmp_path / "j.jsonl", [*VALID, MIXED[4]])

    assert main(["report", str(journal)]) == 0
    assert main(["report", str(journal), "--strict-warnings"]) == 1
    assert "PASS" in capsys.readouterr().out


def test_the_command_writes_markdown_to_standard_output(tmp_path: Path, capsys) -> None:
    journal = write_journal(tmp_path / "j.jsonl", VALID)

    assert main(["report", str(journal), "--markdown", "-"]) == 0
    assert capsys.readouterr().out.startswith("# mockrc contract report\n")


def test_the_command_exits_2_on_bad_input(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")

    assert main(["report", str(bad)]) == 2
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
    journal = write_journal(tmp_path / "j.jsonl", VALID)
    assert main(["report", str(journal), "--junit", str(tmp_path / "no-such-dir" / "r.xml")]) == 2
    assert "bad.jsonl:1: not a JSON document" in capsys.readouterr().err


def test_a_report_line_cuts_a_long_request_target_and_says_how_long_it_was() -> None:
    """A refused megabyte of query string is named in one short line, not a megabyte one."""
    from mockrc.report import describe_entry

    record = {
        "id": 4,
        "method": "GET",
        "path": "/scim/v2/Users",
        "query": {"filter": "x" * 50_000},
        "status": 414,
    }

    line = describe_entry(record)

    assert line.startswith("#4 GET /scim/v2/Users?filter=xxx")
    assert line.endswith("… [50,022 characters] -> 414")
    assert len(line) < 400
    assert describe_entry({**record, "query": {"count": "1"}}) == "#4 GET /scim/v2/Users?count=1 -> 414"
