"""The hostile-input benchmark (``python -m benchmarks.bench_hostile``) runs, at toy sizes.

Only its shape is checked: its figures depend on the machine, so no test asserts on speed.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_hostile import CASES, format_result, main, parse_options, run


def test_a_tiny_run_measures_every_case_at_each_size_and_gets_an_answer() -> None:
    results = run(parse_options(["--quick", "--sizes", "2", "--scale", "0.01"]))

    assert [r.case.name for r in results] == [c.name for c in CASES]
    for result in results:
        assert len(result.points) == 2
        assert all(400 <= p.status < 500 or p.status == 200 for p in result.points), format_result(result)
        assert all(p.seconds > 0 for p in result.points)
        assert len(result.ratios()) == 1


def test_the_report_prints_the_command_and_the_largest_growth(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--quick", "--sizes", "2", "--scale", "0.01"])

    out = capsys.readouterr().out
    assert out.startswith("mockrc hostile-input benchmark\n")
    assert "command: python -m benchmarks.bench_hostile --quick --sizes 2 --scale 0.01" in out
    assert "largest growth ratio: x" in out
