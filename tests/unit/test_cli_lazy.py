"""The ``mockrc`` command imports a command's module only when that command runs, and says exactly
what it said when it imported them all: the same ``--help``, the same options, the same errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import pytest

from mockrc.cli.main import COMMANDS, _all_parsers, _named_command, _parser

COMMAND_MODULES = sorted({command.registrar.partition(":")[0] for command in COMMANDS.values()})


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Every parser's ``--help`` text, by its ``prog`` (``mockrc users list``)."""
    return {child.prog: child.format_help() for child in _all_parsers(parser)}


def test_mockrc_help_lists_every_command_as_the_full_parser_does() -> None:
    assert _parser(()).format_help() == _parser().format_help()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_parsed_alone_has_the_options_and_help_of_the_full_parser(name: str) -> None:
    alone = _helps(_parser((name,)))
    full = _helps(_parser())

    assert alone["mockrc"] == full["mockrc"]
    mine = {prog: text for prog, text in full.items() if prog.split()[1:2] == [name]}
    assert mine and {prog: alone[prog] for prog in mine} == mine


def test_the_command_to_import_is_the_first_word_or_none_or_every_one() -> None:
    assert list(_named_command(["serve", "--port", "0"])) == ["serve"]
    assert list(_named_command(["--version"])) == []
    assert list(_named_command(["users", "list", "--url", "x"])) == ["users"]
    assert list(_named_command(["sevre"])) == list(COMMANDS)  # argparse's own answer to a typo


#: A command line as a fresh process parses it (``--help`` prints and exits), then, on the last line
#: of output: the modules of the CLI it imported, and the collector's state (on again, with the
#: start's objects frozen).
PARSE = """
import gc, json, sys
from mockrc.cli.main import parse_args, _collector_paused
try:
    with _collector_paused():
        parse_args(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.startswith("mockrc.cli.")),
    "collector": gc.isenabled(),
    "frozen": gc.get_freeze_count() > 0,
}))
"""


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["serve", "--port", "0"], "mockrc.cli.serve"),
        (["report", "journal.jsonl"], "mockrc.cli.report"),
        (["token", "--json"], "mockrc.cli.commands"),
    ],
)
def test_a_command_imports_its_own_module_and_no_other_command_s(argv: list[str], module: str) -> None:
    _, found = _parse_in_a_fresh_process(argv)

    assert [m for m in found["modules"] if m in COMMAND_MODULES] == [module]
    assert found["collector"] and found["frozen"]


def test_help_imports_no_command_module() -> None:
    output, found = _parse_in_a_fresh_process(["--help"])

    assert "users     list, export or seed the users" in output
    assert [m for m in found["modules"] if m in COMMAND_MODULES] == []


def _parse_in_a_fresh_process(argv: list[str]) -> tuple[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", PARSE, *argv], capture_output=True, text=True, check=True, timeout=120
    )
    output, _, last = done.stdout.rstrip("\n").rpartition("\n")
    found: dict[str, Any] = json.loads(last)
    return output, found


def test_a_collector_that_was_off_stays_off() -> None:
    import gc

    from mockrc.cli.main import _collector_paused

    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
