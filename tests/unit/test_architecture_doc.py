"""docs/architecture.md names files that exist: a moved module must move in the doc too."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_every_file_the_architecture_note_names_exists() -> None:
    named = {
        span
        for span in re.findall(r"`([^`\s]+)`", DOC)
        if re.search(r"\.(py|json|md)$", span) and "<" not in span
    }
    assert len(named) > 10
    missing = [
        name for name in sorted(named) if not (ROOT / name).exists() and not (ROOT / "mockrc" / name).exists()
    ]
    assert missing == []
