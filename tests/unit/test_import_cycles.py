"""The state seam has no import circle: the state imports the stores, persistence and the scenario
actions; none of those imports the state back, not even for type checking (issue 11 found
``state.py`` -> ``persistence.py`` -> ``scenarios/actions.py`` -> ``state.py``)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mockrc"
SEAM = ("mockrc.state", "mockrc.persistence", "mockrc.scenarios.actions", "mockrc.repository")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every mockrc module ``path`` imports, anywhere in it (``if TYPE_CHECKING:`` included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found.update(name for name in names if name in modules)
    return found


def _graph() -> dict[str, set[str]]:
    # The package itself is left out: ``mockrc/__init__.py`` names its public API for type
    # checkers only and imports it on first use (PEP 562), so it is no one's import at load time.
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py"}
    modules = set(paths)
    return {name: _imports(path, modules) - {name} for name, path in paths.items()}


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return seen


@pytest.mark.parametrize("module", SEAM)
def test_no_module_of_the_state_seam_imports_itself_back(module: str) -> None:
    graph = _graph()
    assert module in graph
    assert module not in _reaches(graph, module)


def test_nothing_the_state_imports_imports_the_state() -> None:
    graph = _graph()
    back = sorted(m for m in _reaches(graph, "mockrc.state") if "mockrc.state" in graph[m])
    assert back == []


@pytest.mark.parametrize("module", SEAM)
def test_each_module_of_the_seam_imports_alone_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
