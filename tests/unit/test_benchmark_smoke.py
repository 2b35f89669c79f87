"""The benchmark (``python -m benchmarks.bench_scim``) still runs, end to end, at toy sizes.

Only the shape of what it reports is checked: its figures depend on the machine, so no test
asserts on speed. The live part needs wrk, which the benchmark installs (apt-get, as root) when
it is missing; where it cannot, the test says so and is skipped.
"""

from __future__ import annotations

import math

import pytest

from benchmarks import bench_journal
from benchmarks.bench_journal import Scale as JournalScale
from benchmarks.bench_scim import Options, format_report, parse_options, quick_options, run, targets
from benchmarks.wrk import WrkMissing, ensure_wrk

TINY = Options(
    sizes=(3, 5),
    seconds=1.0,
    rounds=1,
    threads=1,
    connections=2,
    server_threads=2,
    memory_sizes=(4,),
    journal_entries=3,
    in_process_users=3,
    in_process_calls=2,
    in_process_rounds=1,
    startup_runs=1,
    seed_sizes=(2,),
)
OPERATIONS = ["ceiling", "health", "get", "filter", "email", "list", "patch", "put", "post", "delete"]


def _positive(value: float | None) -> bool:
    return value is not None and value > 0 and math.isfinite(value)


def test_a_tiny_run_measures_every_section_and_reports_every_target() -> None:
    try:
        ensure_wrk()
    except WrkMissing as exc:
        pytest.skip(str(exc))
    report = run(TINY, "the command")

    assert [r.users for r in report.live] == [3, 5]
    for live in report.live:
        assert [row.operation.key for row in live.rows] == OPERATIONS
        assert live.row("ceiling").vs_ceiling == 1.0
        for row in live.rows:
            assert len(row.rounds) == TINY.rounds
            assert _positive(row.per_second) and _positive(row.vs_ceiling)
            assert 0 < row.p50 <= row.p99 <= row.max
    assert list(report.traced_bytes_per_user) == [4]
    assert _positive(report.traced_bytes_per_user[4])
    assert _positive(report.journal_bytes_per_entry)
    result = report.in_process
    assert all(_positive(x) for x in (result.floor, result.mock_health, result.mock_get_user, result.ratio))
    assert len(report.startups) == 1
    assert _positive(report.startup)
    [seeded] = report.seed_loads
    assert seeded.users == 2 and _positive(seeded.seconds)

    judged = targets(report)
    # GET by id and two filters at each size; p99 bound and p99 scaling of the 9 operations
    # after the ceiling but health; memory; in-process; startup.
    assert len(judged) == 3 * 2 + 8 + 8 + 1 + 1 + 1
    text = format_report(report)
    assert text.startswith("mockrc SCIM benchmark\n")
    assert "the command" in text
    headings = (
        "1. Live server",
        "2. Memory per user",
        "3. In-process",
        "4. Startup",
        "5. Seeding",
        "Targets",
    )
    for heading in headings:
        assert heading in text
    for live in report.live:
        for row in live.rows:
            assert text.count(row.operation.name) >= 2
    verdict_lines = [line for line in text.splitlines() if line.strip().startswith(("PASS  ", "MISS  "))]
    assert len(verdict_lines) == len(judged)


def test_options_default_to_the_full_run_and_can_be_narrowed() -> None:
    assert parse_options([]) == Options()
    assert Options().sizes == (1_000, 100_000)
    assert (Options().threads, Options().connections) == (2, 16)
    assert parse_options(["--quick"]) == quick_options()
    narrowed = parse_options(["--quick", "--users", "500,50", "--connections", "4"])
    assert narrowed.sizes == (50, 500)
    assert narrowed.connections == 4
    assert narrowed.seconds == quick_options().seconds
    assert parse_options(["--users", "1_000,1000000"]).sizes == (1_000, 1_000_000)
    assert Options().seed_sizes == ()
    assert parse_options(["--seed-users", "1000000"]).seed_sizes == (1_000_000,)


def test_sizes_must_be_numbers() -> None:
    with pytest.raises(SystemExit):
        parse_options(["--users", "many"])


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
        journal_size=5,
    )

    bench_journal.timings(tiny)
    bench_journal.memory_per_entry(tiny)
    bench_journal.collector(tiny)
    bench_journal.soak(tiny)
    bench_journal.adversarial_reads()

    printed = capsys.readouterr().out
    assert (
        "record_exchange" in printed
        and "counted/held" in printed
        and " dropped after " in printed
        and "escaped quotes" in printed
        and "per entry kept" in printed
    )


def test_the_collector_pause_benchmark_runs_at_toy_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from benchmarks import gc_pauses

    try:
        gc_pauses.main(["--users", "300", "--posts", "800"])  # 800 POSTs: generation 0 collects
    finally:
        gc.unfreeze()  # the benchmark froze this test process's objects, as mockrc serve does its own
    out = capsys.readouterr().out

    assert "collector pauses during 800 POSTs, 300 users added after gc.freeze()" in out
    assert "generation 0: " in out and "generation 0:    0 collections" not in out
    assert "CPU per POST" in out
