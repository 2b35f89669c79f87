"""The command line page (docs/cli.md) lists what the installed ``mockrc`` command has: every option of
``mockrc serve`` in its options table, and every command in its tools table, read from ``--help``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
MOCKRC = str(Path(sys.executable).with_name("mockrc"))


def help_text(*command: str) -> str:
    return subprocess.run([MOCKRC, *command, "--help"], capture_output=True, text=True, check=True).stdout


def table(heading: str) -> list[str]:
    """The first cell of each row of the table under ``heading`` (a ``##`` heading of the page)."""
    section = PAGE.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| `")]


def test_the_serve_options_table_lists_every_option_of_mockrc_serve() -> None:
    documented = {cell.strip("`").split()[0] for cell in table("`mockrc serve` options")}
    usage = help_text("serve").split("\n\n", 1)[0]

    assert documented == set(re.findall(r"\[(--[a-z-]+)", usage)) - {"--help"}


def test_the_tools_table_lists_every_command() -> None:
    documented = {cell.strip("`").split()[1] for cell in table("Command line tools")}
    listed = help_text().split("  COMMAND\n", 1)[1].split("\n\n", 1)[0]

    assert documented == set(re.findall(r"^    ([a-z]+)", listed, flags=re.M))
