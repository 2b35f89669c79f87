"""The ``mockrc`` command line: ``mockrc serve`` runs the fake as a real HTTP server."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.profile import available_profiles
from mockrc.ratelimit import RateLimits
from mockrc.report import add_report_command, run_report_command
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer

#: The token ``mockrc serve`` accepts when none is given, so the fake is usable on its defaults.
DEFAULT_TOKEN = "mockrc-admin-token"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockrc", description="A stateful fake of RingCentral's OAuth 2.0 and SCIM 2.0 APIs."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the fake as an HTTP server", description="Run the fake.")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8080, help="port to bind; 0 picks a free one (default: 8080)"
    )
    serve.add_argument(
        "--profile",
        default="ringcentral",
        choices=available_profiles(),
        help="ringcentral: RingCentral's rules (default); scim: a generic RFC 7643/7644 User target",
    )
    serve.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="T",
        help=f"register T as a long-lived token of the default admin (repeatable; default: {DEFAULT_TOKEN})",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed for ids and generated users (default: 0)")
    serve.add_argument(
        "--users",
        action="append",
        default=[],
        type=_users_source,
        metavar="N_OR_FILE",
        help="start with N realistic generated users (deterministic from --seed), or with the users (and "
        "account) of a seed file: a shipped one by name (acme, small-team) or a path (repeatable)",
    )
    serve.add_argument(
        "--account",
        metavar="FILE",
        help="account file: apps, users, SCIM enabled (default: the built-in account, see the README)",
    )
    serve.add_argument(
        "--auth-error-shape",
        choices=("scim", "rest"),
        default="scim",
        help="shape of 401/403 bodies on /scim: SCIM error (default) or RingCentral's REST gateway error",
    )
    serve.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME_OR_PATH",
        help="activate a scenario from the start: a shipped one by name (auth-failure, token-expiry, "
        "rate-limited, ... see the README) or a scenario file (repeatable)",
    )
    serve.add_argument(
        "--rate-limits",
        action="store_true",
        help="turn RingCentral's per-user rate limits on (per 60 s: Light 50, Medium 40, Heavy 10, Auth 5)",
    )
    serve.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        type=_rate_limit,
        metavar="NAME=N",
        help="override one rate limit (light, medium, heavy, auth; window and penalty in seconds), "
        "e.g. light=300; implies --rate-limits (repeatable)",
    )
    serve.add_argument(
        "--journal",
        metavar="FILE",
        help="write every request, its answer and its contract violations to FILE as JSON Lines "
        "(started afresh; complete even when the server is stopped); see mockrc report",
    )
    serve.add_argument(
        "--journal-size",
        type=int,
        default=Settings.journal_size,
        metavar="N",
        help=f"requests kept in memory for /__mockrc/journal (default: {Settings.journal_size})",
    )
    serve.add_argument(
        "--clock",
        choices=("system", "fake"),
        default="system",
        help="system: real time (default); fake: starts at 2026-01-01T00:00:00Z and moves only by "
        "POST /__mockrc/clock/advance",
    )
    add_report_command(commands)
    return parser


def _rate_limit(text: str) -> tuple[str, int]:
    """``NAME=N`` of ``--rate-limit``."""
    names = [f.name for f in dataclasses.fields(RateLimits)]
    name, _, value = text.partition("=")
    if name not in names or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write NAME=N with NAME one of {', '.join(names)} and N >= 1"
        )
    return name, int(value)


def _users_source(text: str) -> int | str:
    """``N`` of ``--users`` (users to generate) or a seed file's name or path."""
    return int(text) if text.isdigit() else text


def _rate_limits(args: argparse.Namespace) -> RateLimits | None:
    if not args.rate_limits and not args.rate_limit:
        return None
    return RateLimits(**dict(args.rate_limit))


def _serve(args: argparse.Namespace) -> int:
    settings = Settings(
        profile=args.profile,
        tokens=tuple(args.token or [DEFAULT_TOKEN]),
        seed=args.seed,
        auth_error_shape=args.auth_error_shape,
        account=args.account,
        scenarios=tuple(args.scenario),
        rate_limits=_rate_limits(args),
        journal_size=args.journal_size,
        users=tuple(args.users),
    )
    try:
        state = MockState(settings, clock=FakeClock() if args.clock == "fake" else None)
        if args.journal:
            state.journal.stream_to(args.journal)
    except (ValueError, OSError) as exc:
        print(f"mockrc: {exc}", file=sys.stderr, flush=True)
        return 2
    server = LiveServer(create_app(state), host=args.host, port=args.port)
    server.bind()
    print(f"mockrc: SCIM base URL {server.url}/scim/v2", flush=True)
    print(f"mockrc: bearer tokens accepted: {', '.join(settings.tokens)}", flush=True)
    app = state.account.default_app
    print(f"mockrc: OAuth token URL {server.url}/restapi/oauth/token (client_id {app.client_id})", flush=True)
    if args.journal:
        print(f"mockrc: journal {args.journal} (mockrc report {args.journal} for the verdict)", flush=True)
    if settings.users:
        print(f"mockrc: {len(state.users.store)} users seeded (seed {settings.seed})", flush=True)
    for active in state.scenarios.active:
        print(f"mockrc: scenario {active.name} active ({active.scenario.source})", flush=True)
    if settings.rate_limits is not None:
        limits = ", ".join(
            f"{f.name} {getattr(settings.rate_limits, f.name)}" for f in dataclasses.fields(RateLimits)
        )
        print(f"mockrc: rate limits on ({limits})", flush=True)
    # Last, because scripts wait for this line: the server answers from here on.
    print(f"mockrc: serving RingCentral (profile {settings.profile}) at {server.url}", flush=True)
    server.serve_forever()
    state.journal.close()
    print("mockrc: stopped", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "report":
        return run_report_command(args)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
