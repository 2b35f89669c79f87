"""``benchmarks.bench_persisted`` runs at toy sizes and prints every figure (never asserted on)."""

from __future__ import annotations

import pytest

from benchmarks import bench_persisted


def test_the_persisted_mode_benchmark_runs_at_toy_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    bench_persisted.report(users=5, requests=4)

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("persisted mode, in-process: 5 users, 4 requests per round, load ")
    rows = {line.split()[0]: line for line in lines if " of the commit)" in line}
    assert sorted(rows) == sorted(bench_persisted.OPERATIONS)
    assert any(line.startswith("one-row commit, WAL: synchronous=NORMAL ") for line in lines)
