"""The ``mockrc`` command line: one parser for every command, and the dispatch to them.

Each command is a module of this package: ``serve`` (:mod:`mockrc.cli.serve`), ``proxy``
(:mod:`mockrc.cli.proxy`), ``report`` (:mod:`mockrc.cli.report`), ``replay`` and ``record``
(:mod:`mockrc.cli.replay`), and ``scenarios``,
``users`` and ``token`` (:mod:`mockrc.cli.commands`).
Each registers its parser and sets ``run``, the function that runs it. Every option can also come
from a ``MOCKRC_*`` environment variable (:mod:`mockrc.cli.environment`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata

from mockrc.cli.commands import CommandError, add_commands
from mockrc.cli.environment import apply_environment, command_line_wins
from mockrc.cli.proxy import add_proxy_command
from mockrc.cli.replay import add_replay_commands
from mockrc.cli.report import add_report_command
from mockrc.cli.serve import add_serve_command


def _installed_version() -> str:
    """mockrc's version, from the installed package's metadata (pyproject.toml's, at install time)."""
    try:
        return metadata.version("mockrc")
    except metadata.PackageNotFoundError:  # imported from a folder on sys.path, never installed
        return "(not installed: no version)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockrc", description="A stateful fake of RingCentral's OAuth 2.0 and SCIM 2.0 APIs."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_installed_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_serve_command(commands)
    add_proxy_command(commands)
    add_report_command(commands)
    add_replay_commands(commands)
    add_commands(commands)
    return parser


def parse_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> argparse.Namespace:
    """The command line ``argv``, with ``MOCKRC_*`` variables of ``environ`` (default: the process's)
    as the defaults of the options they name."""
    given = _parser().parse_args(argv)  # the command line alone: what it says wins
    parser = _parser()
    environ = os.environ if environ is None else environ
    from_env: dict[str, list[object]] = {}
    # Only the chosen command's parsers: MOCKRC_SEED=x is refused by the command that reads it.
    chosen = " ".join(["mockrc", given.command, getattr(given, "action", None) or ""]).strip()
    for command in _all_parsers(parser):
        if chosen == command.prog or chosen.startswith(command.prog + " "):
            from_env.update(apply_environment(command, environ))
    args = parser.parse_args(argv)
    command_line_wins(args, given, from_env)
    return args


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every subcommand's parser, at any depth."""
    found = [parser]
    for action in parser._actions:  # argparse has no public list of subparsers
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += _all_parsers(child)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _run(parse_args(argv))
        sys.stdout.flush()  # inside the try: output still buffered may meet the closed pipe here
    except BrokenPipeError:
        _stdout_gone()
        return 1
    return code


def _run(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; exit status 2 with a message when it cannot."""
    try:
        code: int = args.run(args)
    except CommandError as exc:
        print(f"mockrc {args.command}: {exc}", file=sys.stderr)
        return 2
    return code


def _stdout_gone() -> None:
    """Whoever read our output stopped (``mockrc scenarios list | head -1``): end quietly.

    As https://docs.python.org/3/library/signal.html#note-on-sigpipe advises: point standard
    output at devnull, so the interpreter's last flush at exit does not raise again, and exit 1.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
