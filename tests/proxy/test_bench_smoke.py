"""The proxy's benchmark (``python -m benchmarks.bench_proxy``) still runs, end to end, at a toy size."""

from __future__ import annotations

import pytest

from benchmarks import bench_proxy


def test_the_proxy_benchmark_runs_and_prints_every_operation(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_proxy.main(["--requests", "5"]) == 0

    out = capsys.readouterr().out
    for operation in ("GET /Users/{id}", "GET /Users?filter", "POST /Users"):
        assert operation in out
    assert "targets:" in out
