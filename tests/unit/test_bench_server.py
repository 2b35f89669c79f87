"""The server comparison (``python -m benchmarks.bench_server``) runs at toy sizes, and its stack specs parse.

Only the report's shape is checked: its figures depend on the machine. cheroot is not a
dependency, so the run compares two waitress stacks (plain ``LiveServer`` and an adjusted one).
"""

from __future__ import annotations

import pytest

from benchmarks.bench_server import run
from benchmarks.stacks import parse_spec
from benchmarks.wrk import WrkMissing, ensure_wrk


def test_a_spec_names_a_stack_and_its_settings() -> None:
    assert parse_spec("waitress") == ("waitress", {})
    assert parse_spec("waitress:threads=4,backlog=2048") == ("waitress", {"threads": "4", "backlog": "2048"})
    assert parse_spec("cheroot:numthreads=8") == ("cheroot", {"numthreads": "8"})


@pytest.mark.parametrize(
    ("spec", "message"), [("gunicorn", "unknown server 'gunicorn'"), ("waitress:threads", "not NAME=VALUE")]
)
def test_a_bad_spec_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_spec(spec)


def test_a_tiny_comparison_reports_every_operation_on_every_stack(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        ensure_wrk()
    except WrkMissing as exc:
        pytest.skip(str(exc))
    stacks = ["waitress", "waitress:threads=2,channel_timeout=30"]
    sizes = ["--users=3", "--ops=ceiling,get,post", "--seconds=1", "--rounds=1", "--threads=2"]
    run([*(f"--server={s}" for s in stacks), *sizes, "--connections=2"])

    out = capsys.readouterr().out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ") and "req/s" not in line]
    assert [(row[0], row[1]) for row in rows] == [
        (f"| {op}", stack) for op in ("ceiling", "get", "post") for stack in stacks
    ]
    for row in rows:
        requests_per_second, p50, p99, largest = (float(cell.replace(",", "")) for cell in row[2:6])
        assert requests_per_second > 0
        assert 0 < p50 <= p99 <= largest
    assert rows[0][6] == "1.00" and rows[0][7] == "1.00"  # the base ceiling against itself
