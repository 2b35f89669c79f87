"""Every option of every command from the environment: ``MOCKRC_<OPTION>``.

``--state-file`` is ``MOCKRC_STATE_FILE``. The command line wins over the environment, which wins
over the built-in default. Repeatable options take a comma-separated list there.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any, Final

#: Where ``users`` and ``token`` find a running fake unless ``--url`` or ``--state-file`` says
#: otherwise (here because ``--url`` on the command line beats ``MOCKRC_STATE_FILE``).
DEFAULT_URL: Final = "http://127.0.0.1:8080"
ENV_PREFIX: Final = "MOCKRC_"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off", ""})


def env_name(action: argparse.Action) -> str:
    return ENV_PREFIX + action.dest.upper()


def apply_environment(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> dict[str, list[Any]]:
    """Make ``MOCKRC_<OPTION>`` the default of each option of ``parser`` that has it set.

    Returns the defaults given to repeatable options, which argparse would otherwise extend with
    the command line's values (see :func:`command_line_wins`). A value that does not parse stops
    the command as a bad option would, naming the variable.
    """
    from_env: dict[str, list[Any]] = {}
    for action in parser._actions:  # argparse has no public list of a parser's options
        if not action.option_strings or action.dest in ("help", argparse.SUPPRESS):
            continue
        raw = environ.get(env_name(action))
        if raw is None:
            continue
        try:
            value = _parse_env(action, raw)
        except (ValueError, argparse.ArgumentTypeError) as exc:
            # A type's own message says what is wrong (--rate-limit's NAME=N); Python's ("invalid
            # literal for int()") does not, so the variable's expected value is said instead.
            option = action.option_strings[-1]
            if action.nargs != 0:
                option += f" {action.metavar or action.dest.upper()}"
            if isinstance(action, argparse._AppendAction):
                option += ", a comma-separated list"
            if isinstance(exc, argparse.ArgumentTypeError):
                parser.error(f"{env_name(action)}={raw!r} (it sets {option}): {exc}")
            parser.error(f"{env_name(action)}={raw!r}: must be {_expected(action)} (it sets {option})")
        action.default = value
        if isinstance(action, argparse._AppendAction):
            from_env[action.dest] = value
    return from_env


def _parse_env(action: argparse.Action, raw: str) -> Any:
    if isinstance(action, argparse._StoreTrueAction):
        if raw.strip().lower() not in _TRUE | _FALSE:
            raise ValueError(raw)
        return raw.strip().lower() in _TRUE
    convert = action.type if callable(action.type) else str
    if isinstance(action, argparse._AppendAction):
        values = [convert(part.strip()) for part in raw.split(",") if part.strip()]
    else:
        values = [convert(raw)]
    for value in values:
        if action.choices is not None and value not in action.choices:
            raise ValueError(value)
    return values if isinstance(action, argparse._AppendAction) else values[0]


def _expected(action: argparse.Action) -> str:
    """What a ``MOCKRC_<OPTION>`` variable must hold, in words, for the message that refuses it."""
    if isinstance(action, argparse._StoreTrueAction):
        return f"one of {', '.join(sorted(_TRUE | _FALSE - {''}))}"
    if action.choices is not None:
        return f"one of {', '.join(map(str, action.choices))}"
    return "a whole number" if action.type is int else f"what {action.option_strings[-1]} takes"


def command_line_wins(
    args: argparse.Namespace, given: argparse.Namespace, from_env: Mapping[str, list[Any]]
) -> None:
    """Put back what the command line said over what the environment said.

    ``given`` is the same command line parsed without the environment. argparse extends a
    repeatable option's default, so a list from the environment is replaced by the command
    line's own; and ``--url`` on the command line beats ``MOCKRC_STATE_FILE`` (they exclude
    each other).
    """
    for dest in from_env:
        if getattr(given, dest, None):
            setattr(args, dest, getattr(given, dest))
    if getattr(given, "url", DEFAULT_URL) != DEFAULT_URL and getattr(given, "state_file", None) is None:
        args.state_file = None


def environment_note() -> str:
    return (
        f"Every option can also be set in the environment as {ENV_PREFIX}<OPTION> (--state-file: "
        f"{ENV_PREFIX}STATE_FILE; repeatable options as a comma-separated list); the command line wins."
    )
