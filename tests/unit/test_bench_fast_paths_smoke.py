"""benchmarks/fast_paths.py runs at toy sizes, and its fast side is the fast writes' (timings are
printed, never asserted)."""

from __future__ import annotations

import pytest

from benchmarks import fast_paths


def test_the_fast_writes_benchmark_runs_at_toy_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    fast_paths.main(["--users", "30", "--batches", "2", "--size", "5"])
    out = capsys.readouterr().out

    assert "CPU per write, app alone" in out
    for op in fast_paths.OPS:
        assert f"  {op} " in out
    assert out.count("15 of 15") == len(fast_paths.OPS)  # every write of the fast app answered below Flask
