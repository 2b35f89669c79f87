"""``mockrc serve``: the fake as a real HTTP server, and what it prints at start."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import ipaddress
import os
import secrets
import socket
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from mockrc.accounts import Accounts
from mockrc.app import create_app
from mockrc.cli.addresses import reachable_urls
from mockrc.cli.environment import environment_note
from mockrc.clock import FakeClock
from mockrc.errors import ConfigError
from mockrc.http.guard import ADMIN_KEY_HEADER, HostPolicy, parse_allowed_host
from mockrc.journal import parse_byte_size
from mockrc.loopback import resolves_to_loopback
from mockrc.memory import limit_arenas
from mockrc.paths import ACCOUNTS_PREFIX, UI_PREFIX
from mockrc.profile import available_profiles
from mockrc.ratelimit import RateLimits
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import DRAIN_SECONDS, LiveServer

#: The token ``mockrc serve`` accepts when none is given, so the fake is usable on its defaults.
DEFAULT_TOKEN = "mockrc-admin-token"


def _byte_size(text: str) -> int:
    try:
        size = parse_byte_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if size < 1:
        raise argparse.ArgumentTypeError("the journal needs at least 1 byte")
    return size


def add_serve_command(commands: Any) -> None:
    """Register ``mockrc serve`` on the CLI's subcommands (its line of
    ``mockrc --help`` is in :data:`mockrc.cli.main.COMMANDS`)."""
    serve = commands.add_parser("serve", description="Run the fake.", epilog=environment_note())
    add_bind_options(serve)
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
        help="account file: apps, users, SCIM enabled (default: the built-in account, see docs/oauth.md)",
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
        "rate-limited, ... see docs/scenarios.md) or a scenario file (repeatable)",
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
    add_journal_options(
        serve,
        "write every request, its answer and its contract violations to FILE as JSON Lines "
        "(started afresh; complete even when the server is stopped); see mockrc report",
    )
    serve.add_argument(
        "--clock",
        choices=("system", "fake"),
        default="system",
        help="system: real time (default); fake: starts at 2026-01-01T00:00:00Z and moves only by "
        "POST /__mockrc/clock/advance",
    )
    serve.add_argument(
        "--state-file",
        metavar="FILE",
        help="keep the account, users and tokens in this SQLite file, so a restart finds them "
        "(every acknowledged write is on disk before its answer; default: memory only)",
    )
    add_remote_options(serve)
    serve.set_defaults(run=run_serve)


def add_bind_options(parser: argparse.ArgumentParser) -> None:
    """``--host`` and ``--port``: where ``mockrc serve`` and ``mockrc proxy`` listen."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind; 0 picks a free one (default: 8080)"
    )


def add_journal_options(parser: argparse.ArgumentParser, journal_help: str) -> None:
    """``--journal FILE`` and the journal's bounds in memory (``mockrc serve``, ``mockrc proxy``)."""
    parser.add_argument(
        "--journal",
        metavar="FILE",
        help=journal_help,
    )
    parser.add_argument(
        "--journal-size",
        type=int,
        default=Settings.journal_size,
        metavar="N",
        help=f"requests kept in memory for /__mockrc/journal (default: {Settings.journal_size})",
    )
    parser.add_argument(
        "--journal-bytes",
        type=_byte_size,
        default=Settings.journal_bytes,
        metavar="SIZE",
        help="memory the journal's entries may hold, e.g. 64M or 1G; the oldest go first "
        f"(default: {Settings.journal_bytes // 1024**2}M)",
    )


def add_remote_options(parser: argparse.ArgumentParser) -> None:
    """``--allow-remote``, ``--allowed-host`` and ``--admin-key``: who may reach the server and its
    control API (``mockrc serve``, ``mockrc proxy``; docs/safety.md)."""
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow --host to be an address other than loopback (reachable from the network); "
        "/__mockrc then needs the admin key printed at start",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        type=_allowed_host,
        metavar="HOST",
        help="also answer requests whose Host header names HOST: a host name, an IP address, a network "
        "(10.0.0.0/8) or '*' for any (repeatable). Loopback and --host are always answered; with "
        "--allow-remote, so are the machine's own names and any IP address",
    )
    parser.add_argument(
        "--admin-key",
        metavar="KEY",
        help="the admin key of /__mockrc with --allow-remote (default: a random one, printed at start)",
    )


def refuse_remote_bind(args: argparse.Namespace) -> bool:
    """Say why and answer True when ``--host`` is not loopback and ``--allow-remote`` was not given."""
    if resolves_to_loopback(args.host) or args.allow_remote:
        return False
    print(
        f"mockrc: --host {args.host} is not a loopback address: anyone who can reach it could use the "
        "fake and its control API. Say so with --allow-remote (then /__mockrc needs an admin key), "
        "or bind 127.0.0.1",
        file=sys.stderr,
        flush=True,
    )
    return True


def admin_key_of(args: argparse.Namespace) -> str | None:
    """The control API's admin key: given, or a random one, with ``--allow-remote`` only."""
    return (args.admin_key or secrets.token_urlsafe(18)) if args.allow_remote else None


def _allowed_host(text: str) -> str:
    """``HOST`` of ``--allowed-host``, checked now so that a typo stops the start."""
    try:
        parse_allowed_host(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def allowed_hosts(host: str, allow_remote: bool, listed: Sequence[str]) -> tuple[str, ...]:
    """The hosts ``mockrc serve`` answers for besides loopback (:class:`mockrc.http.guard.HostPolicy`).

    ``--host`` unless it is a wildcard address (``0.0.0.0``, ``::``: nobody sends those as Host),
    then ``--allowed-host``. With ``--allow-remote``, also the names and addresses the banner
    prints for other machines: the machine's own names, and any IP address, which a page cannot
    re-point at the fake the way it can re-point a name of its own (DNS rebinding).
    """
    hosts: list[str] = []
    try:
        if not ipaddress.ip_address(host.strip("[]")).is_unspecified:
            hosts.append(host)
    except ValueError:
        with contextlib.suppress(ValueError):  # not a name a Host header can carry: it never matches
            parse_allowed_host(host)
            hosts.append(host)
    hosts += listed
    if allow_remote:
        hosts += [socket.gethostname(), socket.getfqdn(), "0.0.0.0/0", "::/0"]
    return tuple(dict.fromkeys(h for h in hosts if h))


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


def run_serve(args: argparse.Namespace) -> int:
    if refuse_remote_bind(args):
        return 2
    admin_key = admin_key_of(args)
    settings = Settings(
        profile=args.profile,
        tokens=tuple(args.token or [DEFAULT_TOKEN]),
        seed=args.seed,
        auth_error_shape=args.auth_error_shape,
        account=args.account,
        scenarios=tuple(args.scenario),
        rate_limits=_rate_limits(args),
        journal_size=args.journal_size,
        journal_bytes=args.journal_bytes,
        state_file=args.state_file,
        admin_key=admin_key,
        users=tuple(args.users),
        allowed_hosts=allowed_hosts(args.host, args.allow_remote, args.allowed_host),
    )
    limit_arenas()  # before any thread allocates: flat memory under many threads (mockrc/memory.py)
    try:
        state = MockState(settings, clock=FakeClock() if args.clock == "fake" else None)
        if args.journal:
            state.journal.stream_to(args.journal)
    except (ConfigError, OSError) as exc:
        print(f"mockrc: {exc}", file=sys.stderr, flush=True)
        return 2
    try:
        app = create_app(state)  # with the accounts a state file kept (docs/accounts.md)
    except (ConfigError, OSError) as exc:
        print(f"mockrc: {exc}", file=sys.stderr, flush=True)
        return 2
    accounts: Accounts = app.extensions["mockrc.accounts"]
    server = LiveServer(app, host=args.host, port=args.port)
    # Everything built so far (modules, the app, the seed's leftovers, faker's tables) lives as long
    # as the server: moved out of the collector's generations, a full collection no longer walks
    # its ~50,000 objects (~20 ms on this project's machines, a pause some request would wait
    # out; https://docs.python.org/3/library/gc.html#gc.freeze). Issue 12's p99.
    gc.freeze()
    server.bind()
    # Bound to every address (0.0.0.0, ::), the server is reached at loopback and the machine's names.
    bound = urlsplit(server.url).hostname or ""
    url, remote_urls = reachable_urls(bound, server.port)
    print(f"mockrc: base URL {url} (the server URL of RingCentral's SDKs, Postman)", flush=True)
    print(f"mockrc: SCIM base URL {url}/scim/v2 (an identity provider's Tenant URL)", flush=True)
    print(
        f"mockrc: bearer tokens accepted: {', '.join(settings.tokens)} (an identity provider's Secret Token)",
        flush=True,
    )
    client = state.account.default_app
    secret = f", client_secret {client.client_secret}" if client.client_secret else ""
    if client.allows("client_credentials"):  # the grant needs the account's id (no user signs in)
        secret += f", account_id {state.account.id} for client_credentials"
    print(
        f"mockrc: OAuth token URL {url}/restapi/oauth/token (client_id {client.client_id}{secret})",
        flush=True,
    )
    admin = state.account.default_admin
    jwt = f", JWT {admin.jwt_credentials[0]}" if admin.jwt_credentials else ""
    print(f"mockrc: sign in as {admin.email}, password {admin.password}{jwt}", flush=True)
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
    scenarios = ", ".join(a.name for a in state.scenarios.active) or "none"
    print(f"mockrc: profile {settings.profile}, scenarios: {scenarios}", flush=True)
    if state.state_file is not None:
        print(
            f"mockrc: state file {os.path.abspath(state.state_file.path)}: {len(state.users.store)} users "
            f"(kept across restarts; start {state.state_file.starts})",
            flush=True,
        )
    else:
        print("mockrc: state in memory only (--state-file FILE keeps it across restarts)", flush=True)
    if len(accounts) > 1:
        print(f"mockrc: {len(accounts) - 1} more account(s) from the state file", flush=True)
    print(f"mockrc: accounts {url}{ACCOUNTS_PREFIX} (POST makes a fresh one)", flush=True)
    dashboard = f"{url}{UI_PREFIX}"
    if remote_urls:
        every = f"every IPv{ipaddress.ip_address(bound).version} address"
        print(
            f"mockrc: bound to {bound} ({every}); from other machines: {', '.join(remote_urls)}", flush=True
        )
    if admin_key is not None:
        print(
            f"mockrc: reachable from the network: /__mockrc needs the admin key {admin_key} "
            f"(header {ADMIN_KEY_HEADER})",
            flush=True,
        )
        dashboard += f"?key={admin_key}"
    if args.allow_remote or args.allowed_host:
        print(
            f"mockrc: answers for the hosts {HostPolicy.of(settings).describe()} (Host header; "
            "--allowed-host HOST adds one)",
            flush=True,
        )
    print(f"mockrc: dashboard {dashboard}", flush=True)
    # Last, because scripts wait for this line: the server answers from here on.
    print(f"mockrc: serving RingCentral (profile {settings.profile}) at {url}", flush=True)
    unanswered = server.serve_forever(on_drain=_draining)
    if unanswered:
        print(f"mockrc: {unanswered} request(s) still unanswered: their connections were closed", flush=True)
    accounts.close()
    state.journal.close()
    if state.state_file is not None:
        state.state_file.close()
    print("mockrc: stopped", flush=True)
    return 0


def _draining(in_flight: int) -> None:
    if in_flight:
        print(
            f"mockrc: stopping: answering the {in_flight} request(s) in flight first "
            f"(up to {DRAIN_SECONDS:g} s; a second signal cuts them)",
            flush=True,
        )
