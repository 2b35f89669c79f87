"""The shared-server benchmark (``python -m benchmarks.bench_shared``) still runs, at a toy size.

Only the report's shape is checked: its figures depend on the machine, so no test asserts on speed.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_shared import Options, format_report, parse_options, run


def test_a_tiny_run_times_both_modes_and_reports_the_ratio() -> None:
    options = Options(tests=2, workers=1, runs=1)

    result = run(options)
    report = format_report(result, options, "the command")

    assert len(result.per_worker) == len(result.shared) == 1
    assert all(seconds > 0 for seconds in [*result.per_worker, *result.shared])
    assert result.ratio > 0
    assert report.startswith("$ the command\n")
    assert "| server per worker |" in report
    assert f"| {result.ratio:.2f} |" in report


def test_the_options_refuse_nonsense() -> None:
    assert parse_options(["--tests", "5", "--workers", "1"]) == Options(tests=5, workers=1, runs=1)
    with pytest.raises(SystemExit):
        parse_options(["--tests", "0"])
