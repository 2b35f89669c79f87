"""The ``mockrc`` command line: one parser for every command, and the dispatch to them.

Each command is a module of this package: ``serve`` (:mod:`mockrc.cli.serve`), ``proxy``
(:mod:`mockrc.cli.proxy`), ``report`` (:mod:`mockrc.cli.report`), ``replay`` and ``record``
(:mod:`mockrc.cli.replay`), and ``scenarios``,
``users`` and ``token`` (:mod:`mockrc.cli.commands`).
Each registers its parser and sets ``run``, the function that runs it. Every option can also come
from a ``MOCKRC_*`` environment variable (:mod:`mockrc.cli.environment`).

A command's module is imported only when that command runs (as click's lazy groups do,
https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands): ``mockrc serve``
does not pay for the proxy's, the report's or the state file commands' imports before its first
answer, and ``mockrc --help`` lists every command from :data:`COMMANDS` without importing any.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from importlib import import_module
from typing import Any, NamedTuple

from mockrc.cli.environment import apply_environment, command_line_wins


class Command(NamedTuple):
    """A command as ``mockrc --help`` lists it, and where its options and ``run`` are defined."""

    #: The module that registers it, as ``module:function`` (the function takes the subcommands).
    registrar: str
    #: Its line in ``mockrc --help`` (the only place it is written: the registrar's ``add_parser``
    #: gets it from here).
    help: str


#: Every command, in the order ``mockrc --help`` lists them; a module's commands are adjacent.
COMMANDS: Mapping[str, Command] = {
    "serve": Command("mockrc.cli.serve:add_serve_command", "run the fake as an HTTP server"),
    "proxy": Command(
        "mockrc.cli.proxy:add_proxy_command",
        "forward to a real RingCentral, checking the traffic with the fake's rules",
    ),
    "report": Command(
        "mockrc.cli.report:add_report_command",
        "turn a journal (mockrc serve --journal FILE) into a contract verdict for CI",
    ),
    "replay": Command(
        "mockrc.cli.replay:add_replay_commands",
        "send a journal's requests again to another server and report how its answers differ",
    ),
    "record": Command(
        "mockrc.cli.replay:add_replay_commands",
        "write a journal's users as a seed file, and its error answers as scenario files",
    ),
    "scenarios": Command(
        "mockrc.cli.commands:add_commands", "list the shipped scenarios, or check scenario files"
    ),
    "users": Command(
        "mockrc.cli.commands:add_commands", "list, export or seed the users of a fake or a state file"
    ),
    "token": Command(
        "mockrc.cli.commands:add_commands", "mint an access token for a user of the account and print it"
    ),
}


class CommandError(Exception):
    """A command cannot do what was asked: printed as ``mockrc <command>: message``, exit status 2."""


class _VersionAction(argparse.Action):
    """``--version``: mockrc's version, looked up only when asked (a lookup in the installed
    packages' metadata costs milliseconds that every other command would pay at its start)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"{parser.prog} {_installed_version()}")
        parser.exit()


def _installed_version() -> str:
    """mockrc's version, from the installed package's metadata (pyproject.toml's, at install time)."""
    from importlib import metadata

    try:
        return metadata.version("mockrc")
    except metadata.PackageNotFoundError:  # imported from a folder on sys.path, never installed
        return "(not installed: no version)"


class _Subcommands:
    """The parser's subcommands as a registrar sees them: ``add_parser`` adds each command's
    line of ``mockrc --help`` from :data:`COMMANDS`."""

    def __init__(self, action: Any) -> None:
        self._action = action

    def add_parser(self, name: str, **options: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self._action.add_parser(name, help=COMMANDS[name].help, **options)
        return parser


def _parser(full: Collection[str] = COMMANDS.keys()) -> argparse.ArgumentParser:
    """The command line's parser, with the options of the commands named in ``full`` and of the
    other commands of their modules (which are imported); every other command is there with its
    help line only."""
    parser = argparse.ArgumentParser(
        prog="mockrc", description="A stateful fake of RingCentral's OAuth 2.0 and SCIM 2.0 APIs."
    )
    parser.add_argument("--version", action=_VersionAction, help="show program's version number and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    registrars = {COMMANDS[name].registrar for name in full}
    for name, command in COMMANDS.items():
        if command.registrar not in registrars:
            commands.add_parser(name, help=command.help)
        elif name not in commands.choices:  # its module registers all of its commands at once
            module, _, function = command.registrar.partition(":")
            getattr(import_module(module), function)(_Subcommands(commands))
    return parser


def _named_command(argv: Sequence[str]) -> Collection[str]:
    """The commands whose options ``argv`` needs: the one it names (its first word: the top level
    has no option that takes a value); none when it has no word (``mockrc --help``); every one when
    its first word is no command's name, so that argparse answers a typo exactly as it always did."""
    words = [word for word in argv if not word.startswith("-")]
    if not words:
        return ()
    return (words[0],) if words[0] in COMMANDS else COMMANDS.keys()


def parse_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> argparse.Namespace:
    """The command line ``argv``, with ``MOCKRC_*`` variables of ``environ`` (default: the process's)
    as the defaults of the options they name."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(_named_command(argv))
    given = parser.parse_args(argv)  # the command line alone, before the environment's defaults: it wins
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
    """Run the command line ``argv`` (default: the process's, ``sys.argv[1:]``); its exit status."""
    try:
        # Only as the process's command (mockrc, python -m mockrc): called with ``argv`` inside a
        # longer-lived program (a test), freezing would keep that program's garbage for good.
        with _collector_paused() if argv is None else nullcontext():
            args = parse_args(argv)  # imports the command's module: most of a command's start
        code = _run(args)
        sys.stdout.flush()  # inside the try: output still buffered may meet the closed pipe here
    except BrokenPipeError:
        _stdout_gone()
        return 1
    return code


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the command's modules are imported, then on again.

    Importing makes ~100,000 objects that live as long as the process and little garbage; with the
    collector on, every young generation that fills up is walked, and full passes walk the growing
    heap again. What the imports made is then frozen (moved where the collector never looks, as
    https://docs.python.org/3/library/gc.html#gc.freeze advises for a process's start), so the next
    collection does not walk it all at once: ~6% fewer instructions to ``mockrc serve``'s first
    answer (callgrind, benchmarks/README.md). Leaves a collector that was off, off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


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
