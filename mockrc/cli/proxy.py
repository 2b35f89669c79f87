"""``mockrc proxy --upstream URL``: the fake's rules on a client's traffic to a real RingCentral.

The server is ``mockrc serve``'s (the same transport, guard, journal, control plane and
dashboard); RingCentral's paths are forwarded to the upstream (:func:`mockrc.app.create_proxy_app`).
An upstream that is not ``https://`` is refused at start (exit status 2) unless it is on loopback:
the client's credentials cross that connection.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any
from urllib.parse import urlsplit

from mockrc.app import create_proxy_app
from mockrc.cli.addresses import reachable_urls
from mockrc.cli.environment import environment_note
from mockrc.cli.serve import (
    add_bind_options,
    add_journal_options,
    add_remote_options,
    admin_key_of,
    allowed_hosts,
    refuse_remote_bind,
)
from mockrc.errors import ConfigError
from mockrc.http.guard import ADMIN_KEY_HEADER
from mockrc.memory import limit_arenas
from mockrc.paths import UI_PREFIX
from mockrc.profile import available_profiles
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer

#: As :mod:`mockrc.proxy.upstream`'s (a test holds them equal): written here so that building the
#: CLI's parser, which every command does, imports neither urllib3 nor the proxy.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def add_proxy_command(commands: Any) -> None:
    """Register ``mockrc proxy`` on the CLI's subcommands (its line of
    ``mockrc --help`` is in :data:`mockrc.cli.main.COMMANDS`)."""
    proxy = commands.add_parser(
        "proxy",
        description=(
            "Forward every request to RingCentral's paths to --upstream and answer what it answers; "
            "journal each one with the contract violations the fake would record and the fidelity "
            "findings where the upstream answered otherwise than the fake would."
        ),
        epilog=environment_note(),
    )
    proxy.add_argument(
        "--upstream",
        metavar="URL",
        help="the RingCentral to forward to, e.g. https://platform.devtest.ringcentral.com "
        "(https:// unless on loopback)",
    )
    add_bind_options(proxy)
    proxy.add_argument(
        "--profile",
        default="ringcentral",
        choices=available_profiles(),
        help="the fake's rules the traffic is checked with (default: ringcentral)",
    )
    proxy.add_argument("--account", metavar="FILE", help="account file of the fake that predicts answers")
    proxy.add_argument(
        "--auth-error-shape",
        choices=("scim", "rest"),
        default="scim",
        help="shape of the fake's 401/403 bodies on /scim, as for mockrc serve",
    )
    add_journal_options(
        proxy,
        "write every exchange, its violations and its findings to FILE as JSON Lines; see mockrc report",
    )
    proxy.add_argument(
        "--connect-timeout",
        type=_seconds,
        default=CONNECT_TIMEOUT,
        metavar="S",
        help=f"seconds to connect to the upstream before answering 502 (default: {CONNECT_TIMEOUT:g})",
    )
    proxy.add_argument(
        "--read-timeout",
        type=_seconds,
        default=READ_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for the upstream's answer before answering 504 (default: {READ_TIMEOUT:g})",
    )
    add_remote_options(proxy)
    proxy.set_defaults(run=run_proxy)


def run_proxy(args: argparse.Namespace) -> int:
    """``mockrc proxy``: check the options, start the proxy, serve until stopped."""
    from mockrc.proxy.upstream import Upstream  # here: mockrc serve needs neither it nor urllib3

    if not args.upstream:
        print("mockrc: proxy needs --upstream URL (or MOCKRC_UPSTREAM): where to forward", file=sys.stderr)
        return 2
    if refuse_remote_bind(args):
        return 2
    admin_key = admin_key_of(args)
    limit_arenas()  # as mockrc serve: flat memory under many threads (mockrc/memory.py)
    settings = Settings(
        profile=args.profile,
        auth_error_shape=args.auth_error_shape,
        account=args.account,
        journal_size=args.journal_size,
        journal_bytes=args.journal_bytes,
        admin_key=admin_key,
        allowed_hosts=allowed_hosts(args.host, args.allow_remote, args.allowed_host),
    )
    try:
        upstream = Upstream(
            args.upstream, connect_timeout=args.connect_timeout, read_timeout=args.read_timeout
        )
        state = MockState(settings)
        if args.journal:
            state.journal.stream_to(args.journal)
    except (ConfigError, OSError) as exc:
        print(f"mockrc: {exc}", file=sys.stderr, flush=True)
        return 2
    server = LiveServer(create_proxy_app(state, upstream), host=args.host, port=args.port)
    gc.freeze()  # as mockrc serve: full collections skip what lives as long as the server
    server.bind()
    bound = urlsplit(server.url).hostname or ""
    url, _ = reachable_urls(bound, server.port)
    print(
        f"mockrc: forwarding to {upstream.url}: the client's credentials go there and nowhere else",
        flush=True,
    )
    print(f"mockrc: requests checked with the {settings.profile} profile's rules", flush=True)
    if args.journal:
        print(
            f"mockrc: journal {args.journal} (mockrc report {args.journal} --fail-on both for the verdict)",
            flush=True,
        )
    dashboard = f"{url}{UI_PREFIX}"
    if admin_key is not None:
        print(f"mockrc: /__mockrc needs the admin key {admin_key} (header {ADMIN_KEY_HEADER})", flush=True)
        dashboard += f"?key={admin_key}"
    print(f"mockrc: dashboard {dashboard}", flush=True)
    # Last, because scripts wait for this line (as for mockrc serve): the server answers from here on.
    print(f"mockrc: serving RingCentral (proxy to {upstream.url}) at {url}", flush=True)
    server.serve_forever()
    upstream.close()
    state.journal.close()
    print("mockrc: stopped", flush=True)
    return 0
