"""``mockrc scenarios``, ``mockrc users`` and ``mockrc token``.

The commands a developer types next to a running fake. ``users`` and ``token`` work on either:

- a running fake (``--url``, default ``http://127.0.0.1:8080``), through its control API, so they
  see and change exactly what the server serves; or
- a state file (``--state-file FILE``) while no fake runs on it, to prepare or inspect the data a
  ``mockrc serve --state-file FILE`` will start with (a running one holds the file: use ``--url``).

Every option can also come from the environment (:mod:`mockrc.cli.environment`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockrc.cli.environment import DEFAULT_URL, environment_note
from mockrc.cli.main import CommandError
from mockrc.errors import ConfigError, MockrcError
from mockrc.http.guard import ADMIN_KEY_HEADER
from mockrc.oauth.server import DEFAULT_TOKEN_TTL
from mockrc.persistence import StateFileInUse, stored_profile
from mockrc.scenarios.loader import ScenarioError, load_scenario, shipped_scenarios
from mockrc.seed import SeedError, add_users, build_seed
from mockrc.settings import Settings
from mockrc.state import MockState

# --- the two kinds of target ---------------------------------------------------------------------


@dataclass
class LiveFake:
    """A running fake, reached through its control API (``/__mockrc``)."""

    url: str
    admin_key: str | None

    def call(self, method: str, path: str, body: Any = None) -> Any:
        import urllib.error  # here: ~15 ms to import, and mockrc serve (whose start is timed) never calls
        import urllib.request

        headers = {"Accept": "application/json"}
        data = None
        if method != "GET":
            # Also without a body: the fake refuses a state-changing control call that a page of
            # another site could send, and a JSON content type is what such a page cannot.
            headers["Content-Type"] = "application/json"
        if body is not None:
            data = json.dumps(body).encode()
        if self.admin_key:
            headers[ADMIN_KEY_HEADER] = self.admin_key
        request = urllib.request.Request(f"{self.url.rstrip('/')}{path}", data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read()
        except urllib.error.HTTPError as exc:
            raise CommandError(
                f"{method} {self.url}{path} answered {exc.code}: {_message(exc.read())}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CommandError(
                f"no fake answers at {self.url} ({reason}): start one with mockrc serve, pass its --url, "
                "or use --state-file FILE while no fake runs on FILE"
            ) from None
        return json.loads(text) if text else None


def _message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:200]
    return str(body.get("detail") or body.get("message") or body) if isinstance(body, dict) else str(body)


def _open_file(path: str, *, must_exist: bool) -> MockState:
    if must_exist and not os.path.exists(path):
        raise CommandError(f"{path}: no such state file")
    try:
        return MockState(Settings(state_file=path, profile=stored_profile(path) or "ringcentral"))
    except StateFileInUse as exc:
        raise CommandError(f"{exc}; while a fake runs on it, use --url") from None
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


def _target(args: argparse.Namespace) -> LiveFake | str:
    return args.state_file if args.state_file else LiveFake(args.url, args.admin_key)


# --- scenarios -----------------------------------------------------------------------------------


def _scenarios_list(args: argparse.Namespace) -> int:
    names = shipped_scenarios()
    width = max(len(n) for n in names)
    for name in names:
        print(f"{name:<{width}}  {load_scenario(name).description}")
    return 0


def _scenarios_check(args: argparse.Namespace) -> int:
    """Load each file as ``mockrc serve --scenario FILE`` would: 0 when all load, 1 otherwise."""
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            failed += 1
            print(f"mockrc: {exc}", file=sys.stderr)
            continue
        steps = len(scenario.steps)
        print(
            f"{path}: ok, scenario {scenario.name} ({steps} step{'s' if steps != 1 else ''}, "
            f"states {', '.join(scenario.states)})"
        )
    return 1 if failed else 0


# --- users ---------------------------------------------------------------------------------------


def _all_users(target: LiveFake | str) -> list[dict[str, Any]]:
    """Every user as the SCIM API renders it."""
    if isinstance(target, LiveFake):
        return list(target.call("GET", "/__mockrc/users")["Resources"])
    state = _open_file(target, must_exist=True)
    try:
        return [state.users.render(user, "") for user in state.users.store]
    finally:
        _close(state)


def _close(state: MockState) -> None:
    if state.state_file is not None:
        state.state_file.close()


def _users_list(args: argparse.Namespace) -> int:
    users = _all_users(_target(args))
    rows = [
        (
            u.get("id", ""),
            str(u.get("userName", "")),
            " ".join(
                str((u.get("name") or {}).get(part) or "") for part in ("givenName", "familyName")
            ).strip(),
            "active" if u.get("active") else "inactive",
        )
        for u in users
    ]
    if rows:
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip())
    print(f"{len(rows)} user{'s' if len(rows) != 1 else ''}", file=sys.stderr)
    return 0


def _users_export(args: argparse.Namespace) -> int:
    """Write the users as a seed file (``mockrc serve --users FILE`` creates them again)."""
    target = _target(args)
    users = [{k: v for k, v in u.items() if k not in ("id", "meta")} for u in _all_users(target)]
    where = target.url if isinstance(target, LiveFake) else target
    document = {
        "description": f"{len(users)} users exported by mockrc users export from {where}",
        "users": users,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"mockrc: {len(users)} users written to {args.output}", file=sys.stderr)
    return 0


def _users_seed(args: argparse.Namespace) -> int:
    """Create generated users (a number) or a seed file's users, through the profile's rules."""
    source = int(args.source) if args.source.isdigit() else args.source
    target = _target(args)
    if isinstance(target, LiveFake):
        profile = target.call("GET", "/__mockrc/health")["profile"]
        taken = [str(u.get("userName")) for u in target.call("GET", "/__mockrc/users")["Resources"]]
        seed = _build(source, args.seed, profile, taken)
        # Through the control API, as the state-file branch adds them: no licence taken, all or
        # none, and nothing in the journal (a POST to /scim would be traffic a CI gate reads).
        target.call("POST", "/__mockrc/users", {"users": seed})
        print(f"mockrc: {len(seed)} users created at {target.url}")
        return 0
    state = _open_file(target, must_exist=False)
    try:
        taken = [str(u.attributes.get("userName")) for u in state.users.store]
        seed = _build(source, args.seed, state.profile, taken)
        try:
            add_users(state.users, seed)
        except SeedError as exc:
            raise CommandError(str(exc)) from None
    finally:
        _close(state)
    print(f"mockrc: {len(seed)} users added to {target}")
    return 0


def _build(source: int | str, seed: int, profile: Any, taken: Sequence[str]) -> list[dict[str, Any]]:
    try:
        built = build_seed([source], seed=seed, profile=profile, taken=taken)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    if built.account is not None:
        print(
            "mockrc: the seed file's account is not applied here (mockrc serve --users FILE does)",
            file=sys.stderr,
        )
    return [dict(u.body) for u in built.users]


# --- token ---------------------------------------------------------------------------------------


def _token(args: argparse.Namespace) -> int:
    """Mint an access token for a user of the account and print it (or, with --json, all about it)."""
    target = _target(args)
    if isinstance(target, LiveFake):
        request: dict[str, Any] = {"ttl": args.ttl}
        if args.user:
            request["user"] = args.user
        if args.app:
            request["client_id"] = args.app
        minted = target.call("POST", "/__mockrc/tokens", request)
    else:
        minted = _mint_in_file(target, args.user or None, args.app or None, args.ttl)
    print(json.dumps(minted, indent=2) if args.json else minted["access_token"])
    return 0


def _mint_in_file(path: str, user: str | None, client_id: str | None, ttl: int) -> dict[str, Any]:
    """What ``POST /__mockrc/tokens`` answers, minted in a state file by the same domain call."""
    state = _open_file(path, must_exist=False)
    try:
        return state.oauth.mint(user, client_id, ttl).to_json()
    except MockrcError as exc:
        raise CommandError(exc.detail) from None
    finally:
        _close(state)


# --- the parsers ---------------------------------------------------------------------------------


def _target_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", default=DEFAULT_URL, help=f"a running fake (default: {DEFAULT_URL})")
    where.add_argument(
        "--state-file", metavar="FILE", help="work on this state file instead, while no fake runs on it"
    )
    parser.add_argument(
        "--admin-key", metavar="KEY", help="the admin key a fake bound with --allow-remote printed at start"
    )


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Register ``scenarios``, ``users`` and ``token`` (each one's line of ``mockrc --help`` is in
    :data:`mockrc.cli.main.COMMANDS`); returns every parser made (for the environment)."""
    made: list[argparse.ArgumentParser] = []
    epilog = environment_note()

    scenarios = commands.add_parser("scenarios", description="Scenarios.")
    actions = scenarios.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        help="the shipped scenarios and what each does",
        description="List the shipped scenarios (mockrc serve --scenario NAME).",
    )
    listing.set_defaults(run=_scenarios_list)
    check = actions.add_parser(
        "check",
        help="load scenario files as mockrc serve would and report every problem",
        description="Load each scenario file as mockrc serve --scenario FILE would. Exit status 0 when "
        "every file loads, 1 when one has problems (each is printed).",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="a scenario file (YAML or JSON)")
    check.set_defaults(run=_scenarios_check)
    made += [scenarios, listing, check]

    users = commands.add_parser("users", description="Users.")
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        help="one line per user: id, userName, name, active",
        description="List the users.",
        epilog=epilog,
    )
    listing.set_defaults(run=_users_list)
    export = actions.add_parser(
        "export",
        help="write the users as a seed file (mockrc serve --users FILE creates them again)",
        description="Write every user as a seed file: JSON, the users as a client would POST them "
        "(ids and meta left out).",
        epilog=epilog,
    )
    export.add_argument("--output", "-o", default="-", metavar="FILE", help="where to write ('-': stdout)")
    export.set_defaults(run=_users_export)
    seed = actions.add_parser(
        "seed",
        help="add N generated users, or a seed file's users",
        description="Add users: N realistic generated ones (deterministic from --seed), or the users of "
        "a seed file (a shipped one by name, or a path). They go through the profile's rules like a POST.",
        epilog=epilog,
    )
    seed.add_argument("source", metavar="N_OR_FILE", help="how many users to generate, or a seed file")
    seed.add_argument("--seed", type=int, default=0, help="seed of the generated users (default: 0)")
    seed.set_defaults(run=_users_seed)
    for parser in (listing, export, seed):
        _target_options(parser)
    made += [users, listing, export, seed]

    token = commands.add_parser(
        "token",
        description="Mint an access token for a user of the account, as if they had signed in to the "
        "app, and print it (e.g. TOKEN=$(mockrc token)).",
        epilog=epilog,
    )
    token.add_argument(
        "--user", metavar="WHO", help="email, extension id or extension number (default: the first admin)"
    )
    token.add_argument("--app", metavar="CLIENT_ID", help="the app the token is for (default: the first app)")
    token.add_argument(
        "--ttl",
        type=int,
        default=DEFAULT_TOKEN_TTL,
        metavar="SECONDS",
        help=f"lifetime in seconds (default: {DEFAULT_TOKEN_TTL})",
    )
    token.add_argument("--json", action="store_true", help="print everything about the token as JSON")
    _target_options(token)
    token.set_defaults(run=_token)
    made.append(token)
    return made
