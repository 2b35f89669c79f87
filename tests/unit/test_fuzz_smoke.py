"""The fuzz run (``python -m benchmarks.fuzz``) still runs, end to end, at a toy size.

Only the shape of its report is checked: how many 5xx, hangs and megabytes it finds is what the
command measures, and the figures depend on the machine (no test asserts on them).
"""

from __future__ import annotations

from benchmarks.fuzz import Options, format_report, parse_options, run, targets


def test_a_tiny_run_sends_requests_and_reports_every_figure_and_target() -> None:
    options = Options(requests=200, users=20, seconds=60, clients=2, seed=1)
    report = run(options, "the command")

    tally = report.tally
    assert 0 < tally.sent <= options.requests
    assert sum(tally.statuses.values()) + tally.no_answer == tally.sent
    assert sum(tally.families.values()) == tally.sent
    assert report.journal_recorded is not None and report.journal_recorded > 0
    assert report.rss_start is not None and report.rss_end is not None and report.rss_start > 0
    assert report.client_cpu > 0 and report.server_cpu is not None and report.server_cpu > 0
    judged = targets(report)
    assert len(judged) == 4  # 5xx, hangs, journal, memory

    text = format_report(report)
    assert text.startswith("mockrc fuzz run\n")
    assert "CPU while sending   server " in text
    assert "the command" in text
    for heading in ("1. Traffic", "2. Failures", "3. Journal", "4. Server memory (VmRSS)", "Targets"):
        assert heading in text
    verdicts = [line for line in text.splitlines() if line.strip().startswith(("PASS  ", "MISS  "))]
    assert len(verdicts) == len(judged)


def test_options_default_to_the_full_run() -> None:
    assert parse_options([]) == Options()
    assert Options().requests == 100_000 and Options().users == 10_000
    narrowed = parse_options(["--requests", "500", "--users", "50", "--seconds", "30", "--clients", "3"])
    assert narrowed == Options(requests=500, users=50, seconds=30.0, clients=3, seed=0)
