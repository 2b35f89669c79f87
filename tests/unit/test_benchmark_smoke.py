"""The benchmark (``python -m benchmarks.bench_scim``) still runs, end to end, at toy sizes.

Only the shape of what it reports is checked: its figures depend on the machine, so no test
asserts on speed.
"""

from __future__ import annotations

import math

import pytest

from benchmarks import bench_journal
from benchmarks.bench_journal import Scale as JournalScale
from benchmarks.bench_scim import Options, format_report, parse_options, quick_options, run, targets

TINY = Options(
    sizes=(3, 5),
    seconds=0.0,
    rounds=2,
    connections=2,
    calibration_requests=2,
    min_requests=3,
    warmup=1,
    memory_sizes=(4,),
    in_process_users=3,
    in_process_calls=2,
    in_process_rounds=1,
    startup_runs=1,
)


def _positive(value: float | None) -> bool:
    return value is not None and value > 0 and math.isfinite(value)


def test_a_tiny_run_measures_every_section_and_reports_every_target() -> None:
    report = run(TINY, "the command")

    assert [r.users for r in report.live] == [3, 5]
    for live in report.live:
        assert [row.endpoint.key for row in live.rows] == ["ceiling", "get", "filter", "post", "patch"]
        assert live.row("ceiling").vs_ceiling == 1.0
        assert all(_positive(row.best.per_second) and _positive(row.vs_ceiling) for row in live.rows)
        assert all(len(row.rounds) == TINY.rounds for row in live.rows)
        assert all(row.best.requests == TINY.min_requests and 0 <= row.spread < 1 for row in live.rows)
    assert _positive(report.filter_scale)
    assert list(report.traced_bytes_per_user) == [4]
    assert _positive(report.traced_bytes_per_user[4])
    result = report.in_process
    assert all(_positive(x) for x in (result.floor, result.mock_health, result.mock_get_user, result.ratio))
    assert len(report.startups) == 1
    assert _positive(report.startups[0].answered)

    judged = targets(report)
    # GET by id and filter at each size, the filter's scaling, in-process, startup.
    assert len(judged) == 2 * 2 + 3
    text = format_report(report)
    assert text.startswith("mockrc SCIM benchmark\n")
    assert "the command" in text
    for heading in ("1. Live server", "2. Memory per user", "3. In-process", "4. Startup", "Targets"):
        assert heading in text
    for live in report.live:
        for row in live.rows:
            assert text.count(row.endpoint.name) >= 2
    verdict_lines = [line for line in text.splitlines() if line.strip().startswith(("PASS  ", "MISS  "))]
    assert len(verdict_lines) == len(judged)


def test_options_default_to_the_full_run_and_can_be_narrowed() -> None:
    assert parse_options([]) == Options()
    assert Options().sizes == (1_000, 100_000)
    assert parse_options(["--quick"]) == quick_options()
    narrowed = parse_options(["--quick", "--sizes", "500", "50", "--connections", "4"])
    assert narrowed.sizes == (50, 500)
    assert narrowed.connections == 4
    assert narrowed.seconds == quick_options().seconds


def test_the_journal_benchmark_runs_at_toy_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    tiny = JournalScale(
        users=3,
        rounds=1,
        calls=2,
        entries=2,
        soak_users=3,
        big_bodies=1,
        big_size=100_000,
        lists=1,
        list_count=3,
        drops=2,
        journal_bytes=200_000,
    )

    bench_journal.timings(tiny)
    bench_journal.memory_per_entry(tiny)
    bench_journal.soak(tiny)
    bench_journal.adversarial_reads()

    printed = capsys.readouterr().out
    assert (
        "record_exchange" in printed
        and "counted/held" in printed
        and " dropped after " in printed
        and "escaped quotes" in printed
    )
