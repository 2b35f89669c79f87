"""Where mockrc's data files live, in a checkout and in an installed wheel: the one loader.

Two plain data folders (no Python in them) sit at the top of the repository:

- ``fixtures/``: the JSON Schemas (``schemas/``), the profiles, the default account, the seed files
  and the OAuth form schemas (``oauth/``);
- ``scenarios/``: the shipped scenarios (``*.yaml``) and the bodies they send (``bodies/``).

The build copies both into the package as ``mockrc/_data/fixtures`` and ``mockrc/_data/scenarios``
(``pyproject.toml``, ``[tool.setuptools.package-dir]``), so a wheel carries them. A checkout, and an
editable install (which runs the checkout's code), has no ``mockrc/_data``: the folders are read
where they are, so an edit to them is seen at once. Test-only payloads live in ``tests/samples/``
and never ship.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

DataFolder = Literal["fixtures", "scenarios"]


@cache
def data_folder(name: DataFolder) -> Traversable:
    """The folder ``fixtures`` or ``scenarios``: the wheel's copy, or else the checkout's own."""
    installed = files("mockrc") / "_data" / name
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"mockrc's data folder {name}/ is missing: looked in {installed} (an installed wheel) and"
        f" {checkout} (a checkout); reinstall mockrc"
    )


def _child(node: Traversable, parts: tuple[str, ...]) -> Traversable:
    for part in parts:
        node = node / part
    return node


def fixture(*parts: str) -> Traversable:
    """The file or folder ``fixtures/<parts…>``."""
    return _child(data_folder("fixtures"), parts)


def scenario_data(*parts: str) -> Traversable:
    """The file or folder ``scenarios/<parts…>``: a shipped scenario, or a body it sends."""
    return _child(data_folder("scenarios"), parts)


@cache
def _load_json_text(text: str) -> Any:
    return json.loads(text)


def load_json_fixture(*parts: str) -> Any:
    """Parse a JSON fixture. Callers must not mutate the result: it is shared (parsed once)."""
    return _load_json_text(fixture(*parts).read_text(encoding="utf-8"))
