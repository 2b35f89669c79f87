"""``python -m benchmarks.startup --against DIR`` runs and prints both checkouts' medians and the ratio
(here against this same checkout: the shape of the report, never a timing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.startup import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_comparison_prints_each_checkout_s_medians_and_their_ratio(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    main(["--against", str(ROOT), "--runs", "1"])

    this, against, ratio = capsys.readouterr().out.splitlines()
    for line, name in ((this, "this"), (against, "against")):
        assert re.fullmatch(
            rf"{name} +{re.escape(str(ROOT))}: first answer [0-9.]+ s, CPU to it \S+ s \(medians of 1\)", line
        )
    assert re.fullmatch(r"this / against: first answer [0-9.]+, CPU \S+", ratio)
