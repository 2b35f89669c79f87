"""The accounts benchmark (``python -m benchmarks.bench_accounts``) still runs, at toy sizes.

Only the shape of its report is checked: its figures depend on the machine.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_accounts import Options, format_report, run
from benchmarks.wrk import WrkMissing, ensure_wrk


def test_a_tiny_run_reports_every_figure_and_target() -> None:
    try:
        ensure_wrk()
    except WrkMissing as exc:
        pytest.skip(str(exc))
    options = Options(pairs=2, memory_accounts=2, accounts=2, users=1, seconds=1, rounds=1, connections=2)
    report = run(options, "the command")

    assert report.domain_ms > 0 and report.inprocess_ms > 0 and report.http_ms > 0
    assert report.bytes_per_account > 0
    assert len(report.one) == len(report.spread) == 1
    assert report.ratio > 0
    text = format_report(report, options)
    assert "command: the command" in text
    assert text.count("PASS") + text.count("MISS") == 2
