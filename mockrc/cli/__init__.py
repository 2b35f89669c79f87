"""The ``mockrc`` command line (entry point ``mockrc.cli:main``; ``python -m mockrc`` too).

:mod:`mockrc.cli.main` builds the parser and runs the command it names; each command is a module
of this package (``serve``, ``report``, and ``scenarios``/``users``/``token`` in ``commands``),
imported only when its command runs; ``environment`` reads options from ``MOCKRC_*`` variables,
``addresses`` the URLs a server bound to every address prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockrc.cli.main import main

if TYPE_CHECKING:
    from mockrc.cli.serve import DEFAULT_TOKEN

__all__ = ["DEFAULT_TOKEN", "main"]


def __getattr__(name: str) -> Any:
    """``DEFAULT_TOKEN`` from :mod:`mockrc.cli.serve`, imported on first use (PEP 562): importing
    the entry point must not import what only ``mockrc serve`` needs."""
    if name == "DEFAULT_TOKEN":
        from mockrc.cli.serve import DEFAULT_TOKEN

        return DEFAULT_TOKEN
    raise AttributeError(f"module 'mockrc.cli' has no attribute {name!r}")
