"""The replay benchmark (``python -m benchmarks.bench_replay``) still runs, at toy sizes.

Only the shape of what it prints is checked: its figures depend on the machine.
"""

from __future__ import annotations

import pytest

from benchmarks import bench_replay


def test_a_tiny_run_prints_a_row_per_size_and_the_growth(capsys: pytest.CaptureFixture[str]) -> None:
    bench_replay.main(["--sessions", "1,2"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("command: ") and out[0].endswith("-m benchmarks.bench_replay --sessions 1,2")
    assert [line.split()[0] for line in out[3:5]] == ["5", "10"]
    assert out[5].startswith("growth from 5 to 10 requests: journal x")
