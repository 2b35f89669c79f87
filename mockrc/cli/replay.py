"""``mockrc replay JOURNAL --against URL`` and ``mockrc record JOURNAL --seed-out FILE``.

The work is :mod:`mockrc.replay`'s and :mod:`mockrc.record`'s; these commands read the options,
print the verdict or what was written, and answer the exit status: for replay 0 when nothing
differs beyond what ``--allow`` rules accept, 1 when something does (or nothing could be
replayed), 2 on bad input (an unreadable journal, a bad rule, a target that cannot be used);
for record 0 when the files are written, 2 when they cannot be.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from mockrc.errors import ConfigError
from mockrc.profile import available_profiles

if TYPE_CHECKING:
    from mockrc.replay import AllowRule

#: Per request, as :data:`mockrc.replay.http_target.DEFAULT_TIMEOUT` (a test holds them equal):
#: written here so that building the parser imports nothing of replay's (requests, the XML writer).
DEFAULT_TIMEOUT = 30.0


def add_replay_commands(commands: Any) -> None:
    """Register ``mockrc replay`` and ``mockrc record`` on the CLI's subcommands (each one's line of
    ``mockrc --help`` is in :data:`mockrc.cli.main.COMMANDS`)."""
    parser = commands.add_parser(
        "replay",
        description=(
            "Replay the requests of a journal (mockrc serve --journal, mockrc proxy) in order against "
            "a target, with the target's ids and tokens in place of the recorded ones, and compare each "
            "answer with the recorded one: status, error code (scimType, errorCode, error) and body shape. "
            "Exit status: 0 when nothing differs beyond what --allow accepts, 1 when something does or "
            "nothing could be replayed, 2 on bad input. Secrets can come from MOCKRC_TOKEN, "
            "MOCKRC_CLIENT_SECRET, MOCKRC_JWT and MOCKRC_PASSWORD instead of the command line."
        ),
    )
    parser.add_argument("journal", metavar="JOURNAL.jsonl", help="the journal to replay")
    # Not required=True: argparse would then refuse MOCKRC_AGAINST, which the environment may give.
    parser.add_argument(
        "--against", metavar="URL", help="the target's base URL (https://, or http:// to loopback); required"
    )
    parser.add_argument("--token", help="a bearer token for the target's SCIM API")
    parser.add_argument("--client-id", help="the app's client id, for the token requests")
    parser.add_argument("--client-secret", help="the app's client secret")
    parser.add_argument("--jwt", help="a JWT credential to sign in with (with --client-id/--client-secret)")
    parser.add_argument("--username", help="a user to sign in with the password grant")
    parser.add_argument("--password", help="that user's password")
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        type=_rule,
        metavar="KIND:[METHOD ]PATH-GLOB",
        help="accept differences of KIND (status, error, shape or *) on matching requests; repeatable",
    )
    parser.add_argument("--allow-file", metavar="FILE", help="more --allow rules, one a line, # comments")
    parser.add_argument(
        "--format", choices=("text", "json", "junit"), default="text", help="what to print (default: text)"
    )
    parser.add_argument("--output", metavar="FILE", help="write the report there instead of standard output")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help="per request (default: 30)"
    )
    parser.add_argument(
        "--account",
        metavar="ID",
        help="only this account's requests (a server with several accounts journals them all in one "
        "file; 'default' is the one it started with); required when the journal holds several",
    )
    parser.set_defaults(run=run_replay_command)

    parser = commands.add_parser(
        "record",
        description=(
            "Read a journal (mockrc proxy or mockrc serve --journal) and write the users the server "
            "answered as a seed file (mockrc serve --users FILE) and, with --scenarios-out, the 429, "
            "5xx and scenario answers as scenario files (mockrc serve --scenario FILE), so that a fake "
            "starts where the server was. Exit status: 0 when written, 2 on bad input."
        ),
    )
    parser.add_argument("journal", metavar="JOURNAL.jsonl", help="the journal to read")
    parser.add_argument("--seed-out", metavar="FILE", help="the seed file to write (JSON); required")
    parser.add_argument("--scenarios-out", metavar="DIR", help="write the scenario files into this folder")
    parser.add_argument(
        "--all-errors", action="store_true", help="record every answer of 400 or more as a scenario step"
    )
    parser.add_argument(
        "--profile",
        choices=available_profiles(),
        default="ringcentral",
        help="check the users with this profile's rules, as mockrc serve --profile does",
    )
    parser.add_argument(
        "--account",
        metavar="ID",
        help="only this account's requests (a server with several accounts journals them all in one "
        "file; 'default' is the one it started with); required when the journal holds several",
    )
    parser.set_defaults(run=run_record_command)


def _account(args: argparse.Namespace) -> str:
    """The account whose requests to read: ``--account``, else the journal's only one.

    Accounts share nothing (the same userName, ids and tokens may recur in two of them), so mixing
    two accounts' requests would replay or record a session that never happened. A first pass over
    the file (streamed, like the second) finds the accounts it holds.
    """
    from mockrc.replay import JournalFileError, read_journal
    from mockrc.state import DEFAULT_ACCOUNT

    if args.account is not None:
        return str(args.account)
    accounts = dict.fromkeys(entry.get("account", DEFAULT_ACCOUNT) for entry in read_journal(args.journal))
    if len(accounts) > 1:
        shown = ", ".join(list(accounts)[:10]) + (", ..." if len(accounts) > 10 else "")
        raise JournalFileError(
            f"{args.journal} holds the requests of {len(accounts)} accounts ({shown}): "
            "choose one with --account ID"
        )
    return next(iter(accounts), DEFAULT_ACCOUNT)


def _of_account(entries: Iterable[dict[str, Any]], account: str) -> Iterator[dict[str, Any]]:
    """The entries of ``account`` (an entry written before accounts existed is the default account's)."""
    from mockrc.state import DEFAULT_ACCOUNT

    return (entry for entry in entries if entry.get("account", DEFAULT_ACCOUNT) == account)


def _rule(text: str) -> AllowRule:
    from mockrc.replay import AllowRuleError, parse_rule

    try:
        return parse_rule(text)
    except AllowRuleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run_replay_command(args: argparse.Namespace) -> int:
    """``mockrc replay``: replay, print or write the report, answer the exit status."""
    from mockrc.replay import (
        AllowRuleError,
        Credentials,
        JournalFileError,
        ReplaySetupError,
        read_allow_file,
        read_journal,
        replay,
    )
    from mockrc.replay.http_target import HttpTarget, TargetError

    if args.against is None:
        return _fail("replay", "give the target: --against URL (or MOCKRC_AGAINST)")
    rules = list(args.allow)
    credentials = Credentials(
        token=args.token,
        client_id=args.client_id,
        client_secret=args.client_secret,
        jwt=args.jwt,
        username=args.username,
        password=args.password,
    )
    try:
        if args.allow_file is not None:
            rules += read_allow_file(args.allow_file)
        target = HttpTarget(args.against, timeout=args.timeout)
    except (AllowRuleError, TargetError) as exc:
        return _fail("replay", str(exc))
    try:
        report = replay(
            _of_account(read_journal(args.journal), _account(args)),
            target,
            credentials=credentials,
            rules=rules,
            journal=args.journal,
            target_name=target.base_url,
        )
    except (JournalFileError, ReplaySetupError) as exc:
        return _fail("replay", str(exc))
    finally:
        target.close()
    rendered = {
        "text": report.text,
        "json": lambda: json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n",
        "junit": report.junit,
    }[args.format]()
    if args.output is None:
        sys.stdout.write(rendered)
        return report.exit_status
    try:
        with open(args.output, "w", encoding="utf-8") as stream:
            stream.write(rendered)
    except OSError as exc:
        return _fail("replay", f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"mockrc replay: {report.headline()}")
    return report.exit_status


def run_record_command(args: argparse.Namespace) -> int:
    """``mockrc record``: read the journal, write the seed (and scenario) files, say what was written."""
    from mockrc.record import record, write_scenarios, write_seed
    from mockrc.replay import JournalFileError, read_journal

    if args.seed_out is None:
        return _fail("record", "give the seed file to write: --seed-out FILE (or MOCKRC_SEED_OUT)")
    try:
        entries = _of_account(read_journal(args.journal), _account(args))
        recording = record(entries, source=args.journal, all_errors=args.all_errors)
        users = write_seed(recording, args.seed_out, profile=args.profile)
        written = write_scenarios(recording, args.scenarios_out) if args.scenarios_out else []
    except (JournalFileError, ConfigError) as exc:
        return _fail("record", str(exc))
    except OSError as exc:
        return _fail("record", f"cannot write: {exc.strerror or exc}")
    print(f"mockrc record: {users} users written to {args.seed_out}")
    if args.scenarios_out is not None:
        steps = sum(len(d["steps"]) for d in recording.scenario_documents().values())
        print(
            f"mockrc record: {len(written)} scenario files ({steps} answers) written to {args.scenarios_out}"
        )
    for note in recording.notes():
        print(f"mockrc record: {note}")
    return 0


def _fail(command: str, message: str) -> int:
    print(f"mockrc {command}: {message}", file=sys.stderr)
    return 2
