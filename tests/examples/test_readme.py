"""The Python examples of the README and of every documentation page (docs/*.md) are executed, so
the documentation cannot drift from the code; the README's relative links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: The README first, then the site's pages (mkdocs.yml), each by its path from the root.
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
#: ``` ```python ``` blocks (not the ``title="file.py"`` ones, files that test_readme_pytest.py runs).
BLOCKS = [
    (f"{page.relative_to(ROOT)}#{number}", source)
    for page in PAGES
    for number, source in enumerate(
        re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), flags=re.M | re.S), 1
    )
]


def test_the_docs_have_their_python_examples() -> None:
    where = {name.split("#")[0] for name, _ in BLOCKS}

    assert len(BLOCKS) >= 6
    assert {"docs/in-process.md", "docs/oauth.md", "docs/seed-data.md", "docs/scenarios.md"} <= where
    assert "docs/journal.md" in where


@pytest.mark.parametrize(("name", "source"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_a_python_example_runs(name: str, source: str) -> None:
    exec(compile(source, f"{name} (python block)", "exec"), {})


def test_every_relative_link_of_the_readme_exists() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"^\[[^\]]+\]:\s*(\S+)", text, flags=re.M)
    relative = [t for t in targets if not urlsplit(t).scheme and not t.startswith("#")]

    assert relative, "the README links into docs/"
    missing = [t for t in relative if not (ROOT / unquote(urlsplit(t).path)).exists()]
    assert missing == []
