"""Where mockrc's data files live: the project's ``fixtures/`` folder, shipped as ``mockrc._fixtures``.

``pyproject.toml`` maps the top-level ``fixtures/`` directory to the package ``mockrc._fixtures``,
so the same files serve a checkout, an editable install and a wheel.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any


def fixture(*parts: str) -> Traversable:
    """The fixture file ``fixtures/<parts…>``."""
    node = files("mockrc._fixtures")
    for part in parts:
        node = node / part
    return node


@cache
def _load_json_text(text: str) -> Any:
    return json.loads(text)


def load_json_fixture(*parts: str) -> Any:
    """Parse a JSON fixture. Callers must not mutate the result: it is shared (parsed once)."""
    return _load_json_text(fixture(*parts).read_text(encoding="utf-8"))
