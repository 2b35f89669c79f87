"""The ``packaging`` marker: tests that build the wheel and install it (deselect: ``-m "not packaging"``)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "packaging: builds the sdist and wheel and installs the wheel in a fresh virtualenv "
        '(needs the package index or pip\'s cache; deselect with -m "not packaging")',
    )
