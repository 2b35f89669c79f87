"""What contract reports read of a journal: each request decoded once (its summary), records
without headers, responses or bodies, and offenders with a bounded excerpt of their body."""

from __future__ import annotations

import json

import pytest

import mockrc.journal as journal_module
from mockrc.journal import (
    BODY_LIMIT,
    ENTRY_OVERHEAD,
    EXCERPT_CHARS,
    SUMMARY_RESERVE,
    Journal,
    JournalEntry,
    ReportRecord,
    body_excerpt,
)
from mockrc.report import build_report
from mockrc.violations import Violation
from tests.unit.test_journal import STRING_BOOLEAN, USERNAME_RULE, entry, journal_of

ERROR = USERNAME_RULE
WARNING = STRING_BOOLEAN


def _report_journal(*extra: JournalEntry) -> Journal:
    """Entries of every shape a report meets: clean, with violations, a big body, a secret echoed."""
    password = "hunter2-hunter2"
    return journal_of(
        entry(1, "POST", status=201, body={"userName": "a@example.com"}),
        entry(2, "POST", status=400, body={"userName": "x" * 200_000}, violations=(ERROR,)),
        entry(
            3,
            "POST",
            f"/scim/v2/Users/{password}",
            status=400,
            body={"userName": "b@example.com", "password": password},
            violations=(Violation("/password", "scim.invalid-value", f"bad [{password}]"),),
            app=f"app-{password}",
        ),
        entry(4, "GET", "/nowhere", status=404, violations=(WARNING,)),
        *extra,
        capacity=1000,
    )


def test_a_report_from_report_records_is_the_report_from_full_records() -> None:
    journal = _report_journal()

    from_records = build_report(journal.records(), source="live", strict_warnings=True).to_json()
    from_summaries = build_report(journal.report_records(), source="live", strict_warnings=True).to_json()

    assert from_summaries == from_records
    assert "hunter2-hunter2" not in json.dumps(from_summaries)


def test_a_report_record_is_the_record_without_headers_response_or_body() -> None:
    journal = _report_journal()

    for record, summary in zip(journal.records(), journal.report_records(), strict=True):
        body = record.pop("body")
        for dropped in ("headers", "response"):
            record.pop(dropped)
        assert dict(summary) == {**record, "body_excerpt": body_excerpt(body)}


def test_offenders_carry_a_bounded_excerpt_of_the_body_not_the_body() -> None:
    journal = _report_journal()

    offenders = build_report(journal.report_records(), source="live").to_json()["offenders"]
    big = next(o for o in offenders if o["request_id"] == 2)

    assert "body" not in big
    assert big["body_size"] > BODY_LIMIT
    assert big["body_excerpt"].startswith('{"userName": "xxx')
    assert len(big["body_excerpt"]) <= EXCERPT_CHARS + 30
    assert big["body_excerpt"].endswith(" characters]")


def test_a_report_over_many_big_bodies_stays_small() -> None:
    """Each offender carried its body's 64 KiB (a 64 MB report over 1,000): now an excerpt each."""
    journal = journal_of(
        *(
            entry(n, "POST", status=400, body={"userName": "x" * 100_000}, violations=(ERROR,))
            for n in range(50)
        ),
        capacity=50,
    )

    text = json.dumps(build_report(journal.report_records(), source="live").to_json())

    assert len(text) < 100 * 1024  # with each offender's 64 KiB: over 3 MB


def test_the_request_is_decoded_once_for_every_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    journal = _report_journal()
    decoded: list[int] = []
    real = journal_module.read_body
    monkeypatch.setattr(
        journal_module, "read_body", lambda *args, **kwargs: decoded.append(1) or real(*args, **kwargs)
    )

    for _ in range(3):
        build_report(journal.report_records(), source="live").to_json()
        journal.violations()
        [e.describe() for e in journal.entries()]

    assert len(decoded) == len(journal)


def test_an_entry_counts_what_its_summary_keeps() -> None:
    journal = _report_journal()

    for item in journal.entries():
        assert item.summary().size() <= SUMMARY_RESERVE
        assert item.cost() >= ENTRY_OVERHEAD + SUMMARY_RESERVE


def test_secrets_too_many_to_keep_are_decoded_again_and_still_scrubbed() -> None:
    secrets = {f"password{n}": f"secret-value-{n:04}" for n in range(100)}
    echoed = "secret-value-0042"
    many = entry(
        9,
        "POST",
        status=400,
        body=secrets,
        violations=(Violation("/password42", "scim.invalid-value", f"bad [{echoed}]"),),
    )

    assert many.summary().secrets is None
    assert echoed not in json.dumps(dict(ReportRecord(many)))
    assert echoed not in many.describe() + str(many.shown_violations())
