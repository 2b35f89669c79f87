"""The page "Test your provisioning client in 5 minutes" (docs/pytest.md): its files, written out as
the page names them, run under pytest with the plugin, and fail exactly where and how the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "pytest.md"
SECTION = re.search(
    r"\A# Test your provisioning client in 5 minutes\n(.*?)^## ",
    PAGE.read_text(encoding="utf-8"),
    re.M | re.S,
)
assert SECTION is not None, (
    "docs/pytest.md does not start with '# Test your provisioning client in 5 minutes'"
)
TEXT = SECTION.group(1)
#: ``` ```python title="test_provisioning.py" ``` blocks: the files the reader saves.
FILES = dict(re.findall(r'^```python title="([\w./]+)"\n(.*?)^```', TEXT, re.M | re.S))
FAILING = re.findall(r"`(test_\w+)` fails with:\n+```text\n(.*?)```", TEXT, re.S)


def test_the_section_has_a_client_tests_and_a_failure_to_show() -> None:
    assert "provisioning.py" in FILES
    assert sum(name.startswith("test_") for name in FILES) >= 2
    assert len(FAILING) == 1


def test_the_section_runs_as_it_says(pytester: pytest.Pytester) -> None:
    for name, source in FILES.items():
        pytester.path.joinpath(name).write_text(source, encoding="utf-8")
    tests = [
        t
        for name, s in FILES.items()
        if name.startswith("test_")
        for t in re.findall(r"^def (test_\w+)", s, re.M)
    ]
    [(failing, shown)] = FAILING

    result = pytester.runpytest()

    result.assert_outcomes(passed=len(tests) - 1, failed=1)
    result.stdout.fnmatch_lines([f"FAILED *::{failing} - *"])
    expected = shown.rstrip("\n").split("\n")
    lines = result.stdout.lines
    start = lines.index(expected[0])
    assert lines[start : start + len(expected)] == expected
