"""``mockrc report JOURNAL.jsonl``: a journal turned into a contract verdict, for CI.

The report itself is :mod:`mockrc.report`'s; this command reads the file, writes the forms asked
for, prints the headline and each broken rule, and answers the exit status: 0 when no
error-severity violation occurred, 1 when one did (or too few requests were recorded), 2 when
the journal cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mockrc.report import DEFAULT_MIN_REQUESTS, FAIL_ON, build_report, describe_entry, load_journal
from mockrc.state import DEFAULT_ACCOUNT


def add_report_command(commands: Any) -> None:
    """Register ``mockrc report`` on the CLI's subcommands (its line of
    ``mockrc --help`` is in :data:`mockrc.cli.main.COMMANDS`)."""
    parser = commands.add_parser(
        "report",
        description=(
            "Read a JSON Lines journal and write the verdict. Exit status: 0 when no error-severity "
            "contract violation occurred, 1 when one did or fewer requests than --min-requests were "
            "recorded, 2 when the journal cannot be read. With --fail-on findings (or both), the "
            "fidelity findings of a mockrc proxy journal fail it too."
        ),
    )
    parser.add_argument(
        "journal", metavar="JOURNAL.jsonl", help="the journal written by mockrc serve --journal"
    )
    parser.set_defaults(run=run_report_command)
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML (one test case per contract rule)")
    parser.add_argument("--json", metavar="FILE", help="write the JSON report")
    parser.add_argument(
        "--markdown", metavar="FILE", help="write the Markdown summary ('-': standard output)"
    )
    parser.add_argument(
        "--strict-warnings", action="store_true", help="count warning-severity violations as errors"
    )
    parser.add_argument(
        "--account",
        metavar="ID",
        help="report on one account's requests only (a server with several accounts writes them all "
        "to one journal; 'default' is the account it started with)",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="violations",
        help="what fails the verdict: error-severity contract violations (default), the fidelity findings "
        "of a mockrc proxy journal, or both",
    )
    parser.add_argument(
        "--min-requests",
        type=_count,
        default=DEFAULT_MIN_REQUESTS,
        metavar="N",
        help=f"fail when fewer than N requests were recorded (default: {DEFAULT_MIN_REQUESTS}: an empty "
        "journal means the client never reached the fake; 0 accepts one)",
    )


def _count(text: str) -> int:
    """A whole number, zero or more (``--min-requests``)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of requests, zero or more")
    return int(text)


def run_report_command(args: argparse.Namespace) -> int:
    """``mockrc report``: print the verdict, write the files asked for, answer the exit status."""
    try:
        entries = load_journal(args.journal)
    except ValueError as exc:
        print(f"mockrc report: {exc}", file=sys.stderr)
        return 2
    source = args.journal
    if args.account is not None:
        # An entry written before accounts existed is the default account's.
        entries = [e for e in entries if e.get("account", DEFAULT_ACCOUNT) == args.account]
        source = f"{args.journal} (account {args.account})"
    report = build_report(
        entries,
        source=source,
        strict_warnings=args.strict_warnings,
        min_requests=args.min_requests,
        fail_on=args.fail_on,
    )
    outputs = (
        (args.junit, report.junit),
        (args.json, lambda: json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"),
        (args.markdown, report.markdown),
    )
    for target, render in outputs:
        if target is None:
            continue
        if target == "-":
            sys.stdout.write(render())
            continue
        try:
            Path(target).write_text(render(), encoding="utf-8")
        except OSError as exc:
            print(f"mockrc report: cannot write {target}: {exc}", file=sys.stderr)
            return 2
    print(f"mockrc report: {report.headline()}")
    for rule in report.rules:
        if rule.outcome == "failed":
            first = next(f.request for f in rule.findings)
            more = len(rule.request_ids) - 1
            print(f"  {rule.id}: {describe_entry(first)}" + (f" and {more} more" if more else ""))
    for found in report.fidelity:
        if found.items:
            more = len(found.request_ids) - 1
            print(
                f"  {found.id}: {describe_entry(found.items[0].request)}"
                + (f" and {more} more" if more else "")
            )
    return report.exit_status
