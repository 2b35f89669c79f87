"""The pytest plugin: a fake RingCentral for every test, strict about what the client under test did.

Installing mockrc enables it (entry point ``pytest11``). It gives tests two fixtures:

- ``mockrc``: the fake in-process. Every ``requests`` call to RingCentral's hosts is answered by a
  fresh fake for this test, with no socket (:class:`MockrcFixture`).
- ``mockrc_server``: the fake on a real socket, for clients that do not use ``requests`` (httpx,
  aiohttp, subprocesses, other languages). One live server per pytest process (per xdist worker),
  started on a free loopback port when first needed, serves a fresh fake for every test
  (:class:`MockrcServerFixture`, with ``url``). Between tests it answers 503, so a request that
  outlives its test lands in no other test's fake.

**Shared-server mode**: with ``--mockrc-url URL`` (or ``MOCKRC_URL``) ``mockrc_server`` uses an
already-running mockrc instead: every test gets a fresh account of its own on that server (``POST
/__mockrc/accounts``), reads and drives it through the account's control URL, and deletes it at
teardown (:class:`RemoteMockrcServerFixture`, :mod:`mockrc.remote`). No server per worker and no
503 between tests: accounts are isolated, so any number of workers and pytest runs share one
server. ``--mockrc-admin-key`` (``MOCKRC_ADMIN_KEY``) is the admin key of a server started with
``--allow-remote``. A URL that does not answer, or a server without the accounts API, stops the
session before the first test with one message.

A test that asks for both gets one fake through both doors. ``@pytest.mark.mockrc(scenario=...,
profile=..., seed=..., users=..., strict=...)`` configures the fake of one test (on a class or a
module, of all its tests; the closest marker wins, keyword by keyword); the ini options
``mockrc_scenarios``, ``mockrc_profile``, ``mockrc_seed``, ``mockrc_users`` and ``mockrc_strict`` set
the defaults (``mockrc_journal_size`` and ``mockrc_journal_bytes`` bound each test's journal, as
``mockrc serve --journal-size/--journal-bytes`` do). Relative paths in a marker are read from the
test file's folder, in an ini option from the ini file's folder.

**Strict by default**, because a fake that quietly answers 400 or 404 lets a broken client pass
(pytest-httpserver's most reported trap). When the test function returns, the test fails with one
readable summary if the client caused an error-severity contract violation, reached a path no
endpoint handles, or left a required scenario step unfired, unless the test declared it
(``mockrc.expect_violation(rule)``, ``expect_unhandled(path)``, ``expect_unfired("scenario#step")``)
or turned strictness off (``strict=False``, or ``mockrc.strict = False``). A declaration that
does not come true fails the test too. An exception raised inside the fake is always re-raised in
the test, with its own traceback, instead of hiding behind the 500 the client saw. When the test
has already failed, the summary is added to its report (section ``mockrc``) rather than replacing
its failure.

This module is glue: the fixtures wrap :class:`~mockrc.mock.MockRingCentral`, and the strict
checks are :mod:`mockrc.strict`, next to the journal they read.

Next to your own ``responses`` mock: ``@responses.activate`` starts responses' default mock
*after* the fixture started the fake, so that mock sees every request first; the ``mockrc``
fixture lets RingCentral's hosts through it to the fake (and ``mockrc_server``, the server's URL),
which is what moto's ``override_responses_real_send`` does for the same reason. A
``responses.RequestsMock`` you build inside the test needs the same two settings, given by you:
``RequestsMock(real_adapter_send=HTTPAdapter.send)`` and ``add_passthru(mockrc.base_url)``. A mock
already running when the fixture starts (a fixture of yours set up earlier) needs nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

# Everything else is imported where it is used: pytest imports every installed plugin when it
# starts, and the fake's libraries (Flask, responses, jsonschema...) take about a second to import,
# which no pytest run should pay before one of its tests asks for the fake.
if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from flask import Flask

    from mockrc.account import Account
    from mockrc.clock import FakeClock
    from mockrc.journal import Journal, RecordedViolation
    from mockrc.mock import MockRingCentral
    from mockrc.remote import RemoteAccount, RemoteClock, RemoteJournal, RemoteScenarios, RemoteServer
    from mockrc.report import Report
    from mockrc.scenarios.engine import ScenarioEngine
    from mockrc.seed import SeedSource
    from mockrc.state import HandlerError, MockState
    from mockrc.store import StoredUser
    from mockrc.strict import Expectations, Problem

MARKER = "mockrc"
#: The marker's keywords; each has an ini option ``mockrc_<name>`` (``mockrc_scenarios`` for scenario).
MARKER_KEYWORDS = ("scenario", "profile", "seed", "users", "strict")
_FAKE = pytest.StashKey["FakeOfTest | AccountOfTest"]()
_SERVER = pytest.StashKey["SharedServer"]()
_REMOTE = pytest.StashKey["RemoteServer"]()
URL_ENV = "MOCKRC_URL"
ADMIN_KEY_ENV = "MOCKRC_ADMIN_KEY"


# --- configuration -------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockrc", "mockrc: a fake RingCentral")
    group.addoption(
        "--mockrc-url",
        metavar="URL",
        help=f"mockrc_server: use the mockrc running at URL, a fresh account per test, instead of a"
        f" server per process (default: ${URL_ENV})",
    )
    group.addoption(
        "--mockrc-admin-key",
        metavar="KEY",
        help=f"the admin key of that server, if it was started with --allow-remote"
        f" (default: ${ADMIN_KEY_ENV})",
    )
    parser.addini(
        "mockrc_profile", "mockrc: the fake's profile, ringcentral (default) or scim", default="ringcentral"
    )
    parser.addini(
        "mockrc_scenarios",
        "mockrc: scenarios active in every test's fake (shipped names or files), one per line",
        type="linelist",
        default=[],
    )
    parser.addini("mockrc_seed", "mockrc: seed for ids and generated users (default 0)", default="0")
    parser.addini(
        "mockrc_users",
        "mockrc: users every test's fake starts with: a number to generate, or seed files, one per line",
        type="linelist",
        default=[],
    )
    parser.addini(
        "mockrc_strict",
        "mockrc: fail a test whose client caused contract violations, unhandled requests or unfired"
        " required steps it did not declare (default true)",
        type="bool",
        default=True,
    )
    parser.addini(
        "mockrc_journal_size",
        "mockrc: requests kept in each test's journal, the newest (default: mockrc serve's)",
        default="",
    )
    parser.addini(
        "mockrc_journal_bytes",
        "mockrc: bytes each test's journal may hold, the oldest entries go first (default: mockrc serve's)",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockrc(scenario=None, profile=None, seed=None, users=None, strict=None): configure the fake "
        "RingCentral of the mockrc and mockrc_server fixtures for this test",
    )


def shared_server_url(config: pytest.Config) -> str | None:
    """The URL of the shared mockrc to take accounts from: ``--mockrc-url``, else ``$MOCKRC_URL``."""
    url = config.getoption("mockrc_url", None) or os.environ.get(URL_ENV, "")
    return url.strip() or None


def pytest_sessionstart(session: pytest.Session) -> None:
    """In shared-server mode, make sure the server is there and has the accounts API before any test
    runs: one clear message, instead of every test failing the same way."""
    from mockrc.remote import RemoteError, RemoteServer

    config = session.config
    url = shared_server_url(config)
    if url is None:
        return
    key = config.getoption("mockrc_admin_key", None) or os.environ.get(ADMIN_KEY_ENV) or None
    server = RemoteServer(url, admin_key=key)
    try:
        server.check()
    except RemoteError as exc:
        server.close()
        raise pytest.UsageError(f"mockrc: --mockrc-url/{URL_ENV}: {exc}") from None
    config.stash[_REMOTE] = server


@dataclass(frozen=True)
class FakeOptions:
    """What a test's fake is built with: the ini defaults, then the markers, closest last."""

    profile: str = "ringcentral"
    scenarios: tuple[str, ...] = ()
    seed: int = 0
    users: tuple[int | str, ...] = ()
    strict: bool = True
    journal_size: int | None = None
    journal_bytes: int | None = None


def _resolve(value: int | str, base: Path) -> int | str:
    """A scenario or seed file given by a relative path is read from ``base``; names stay names."""
    from mockrc.scenarios.loader import looks_like_path

    if isinstance(value, str) and looks_like_path(value) and not os.path.isabs(value):
        return str(base / value)
    return value


def _number_or_name(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def fake_options(item: pytest.Item) -> FakeOptions:
    """The options of ``item``'s fake; ``pytest.fail`` naming the mistake in a marker or ini option."""
    from mockrc.suggest import did_you_mean

    config = item.config
    ini_base = config.inipath.parent if config.inipath is not None else config.rootpath
    options: dict[str, Any] = {
        "profile": str(config.getini("mockrc_profile")).strip(),
        "scenarios": tuple(_resolve(s, ini_base) for s in config.getini("mockrc_scenarios")),
        "seed": _ini_number(config, "mockrc_seed", negative=True),
        "users": tuple(_resolve(_number_or_name(u), ini_base) for u in config.getini("mockrc_users")),
        "strict": config.getini("mockrc_strict"),
        "journal_size": _ini_number(config, "mockrc_journal_size"),
        "journal_bytes": _ini_number(config, "mockrc_journal_bytes"),
    }
    test_base = item.path.parent
    for marker in reversed(list(item.iter_markers(MARKER))):
        unknown = sorted(set(marker.kwargs) - set(MARKER_KEYWORDS))
        if marker.args or unknown:
            given = f"positional arguments {marker.args!r}" if marker.args else f"keyword {unknown[0]!r}"
            pytest.fail(
                f"@pytest.mark.mockrc takes keywords only, {', '.join(MARKER_KEYWORDS)}; not {given}"
                f"{did_you_mean(unknown[0], MARKER_KEYWORDS) if unknown else ''}",
                pytrace=False,
            )
        for name, value in marker.kwargs.items():
            options.update(_marker_value(name, value, test_base))
    return FakeOptions(**options)


def _ini_number(config: pytest.Config, name: str, *, negative: bool = False) -> int | None:
    """The whole number in ini option ``name`` (None when it is empty); ``pytest.fail`` otherwise."""
    text = str(config.getini(name)).strip()
    if not text:
        return None
    if not (text.lstrip("-") if negative else text).isdigit():
        pytest.fail(f"mockrc: ini option {name} must be a whole number, not {text!r}", pytrace=False)
    return int(text)


def _marker_value(name: str, value: Any, base: Path) -> dict[str, Any]:
    """One marker keyword as the option it sets, checked."""
    if name == "scenario":
        scenarios = (value,) if isinstance(value, str | os.PathLike) else tuple(value or ())
        return {"scenarios": tuple(_resolve(os.fspath(s), base) for s in scenarios)}
    if name == "users":
        from mockrc.seed import seed_sources

        return {"users": tuple(_resolve(s, base) for s in seed_sources(value))}
    expected, kind = {
        "profile": (str, "a string"),
        "seed": (int, "a whole number"),
        "strict": (bool, "True or False"),
    }[name]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        pytest.fail(f"@pytest.mark.mockrc({name}=...) takes {kind}, not {value!r}", pytrace=False)
    return {name: value}


# --- one test's fake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """How a client signs in to the fake's account: its first app and its first enabled administrator."""

    client_id: str
    client_secret: str | None
    username: str
    password: str
    jwt: str | None
    token_url: str


@dataclass
class FakeOfTest:
    """One test's fake (a built :class:`~mockrc.mock.MockRingCentral`) and what the test declared
    it expects to go wrong (:class:`~mockrc.strict.Expectations`)."""

    mock: MockRingCentral
    expectations: Expectations

    @classmethod
    def build(cls, options: FakeOptions) -> FakeOfTest:
        from mockrc.cli import DEFAULT_TOKEN
        from mockrc.errors import ConfigError
        from mockrc.mock import MockRingCentral
        from mockrc.settings import Settings
        from mockrc.strict import Expectations

        try:
            mock = MockRingCentral(
                profile=options.profile,
                token=DEFAULT_TOKEN,
                seed=options.seed,
                scenarios=options.scenarios,
                users=options.users,
                journal_size=options.journal_size or Settings.journal_size,
                journal_bytes=options.journal_bytes or Settings.journal_bytes,
            ).build()
        except ConfigError as exc:
            problem = str(exc)
        else:
            return cls(mock, Expectations(strict=options.strict))
        pytest.fail(f"mockrc: cannot build the test's fake: {problem}", pytrace=False)

    @property
    def state(self) -> MockState:
        return self.mock.state

    def problems(self) -> list[Problem]:
        return self.expectations.problems(self.state.journal, self.state.scenarios)

    def handler_error(self, errors: Sequence[HandlerError], note: str) -> BaseException:
        """The first exception the fake raised, noted with where it happened (and ``note``)."""
        first = errors[0]
        first.exception.add_note(
            f"mockrc: the fake raised this while handling request #{first.request_id} {first.method}"
            f" {first.path}, and answered 500 {note}"
        )
        if len(errors) > 1:
            others = "; ".join(f"#{e.request_id} {e.method} {e.path}: {e.exception!r}" for e in errors[1:])
            first.exception.add_note(f"mockrc: {len(errors) - 1} more exceptions in the fake: {others}")
        return first.exception

    def check(self) -> None:
        """After a test that passed: re-raise the fake's exception, else fail on strict problems."""
        from mockrc.strict import summary

        __tracebackhide__ = True
        problems = self.problems()
        if self.state.handler_errors:
            error = self.handler_error(self.state.handler_errors, "to the client")
            if problems:
                error.add_note(summary(problems))
            raise error
        if problems:
            pytest.fail(summary(problems), pytrace=False)

    def after_failure(self, item: pytest.Item, failure: BaseException) -> None:
        """After a test that failed: the fake's exception (its cause, most likely) chained after the
        test's failure; else the strict summary as a report section next to it."""
        from mockrc.strict import summary

        if self.state.handler_errors:
            error = self.handler_error(self.state.handler_errors, "(the test's failure is above)")
            raise error from failure
        problems = self.problems()
        if problems:
            item.add_report_section("call", "mockrc", summary(problems))


@dataclass
class AccountOfTest:
    """One test's account on a shared server (shared-server mode), and what the test declared it
    expects to go wrong: the remote twin of :class:`FakeOfTest`."""

    account: RemoteAccount
    expectations: Expectations
    options: FakeOptions

    @classmethod
    def create(cls, server: RemoteServer, options: FakeOptions) -> AccountOfTest:
        from mockrc.errors import ConfigError
        from mockrc.remote import RemoteError
        from mockrc.strict import Expectations

        try:
            account = server.create_account(account_request(options))
        except ConfigError as exc:
            problem = f"cannot build the test's fake: {exc}"
        except RemoteError as exc:
            problem = f"cannot create the test's account: {exc}"
        else:
            return cls(account, Expectations(strict=options.strict), options)
        pytest.fail(f"mockrc: {problem}", pytrace=False)

    def problems(self) -> list[Problem]:
        """The strict problems, and every 500 no scenario step chose: an exception inside the
        server (a bug in mockrc), which cannot be re-raised here; its traceback is in the server's log."""
        from mockrc.report import describe_entry
        from mockrc.strict import Problem

        entries = self.account.journal.entries()
        crashed = [
            Problem(f"{describe_entry(e)}: the fake raised an exception (see the shared server's log)")
            for e in entries
            if e["status"] == 500 and e.get("served_by") is None
        ]
        return crashed + self.expectations.problems_in(self.account.exchanges(entries))

    def check(self) -> None:
        """After a test that passed: fail it on strict problems (or if they cannot be read)."""
        from mockrc.remote import RemoteError
        from mockrc.strict import summary

        __tracebackhide__ = True
        try:
            problems = self.problems()
        except RemoteError as exc:
            pytest.fail(f"mockrc: could not run the strict checks: {exc}", pytrace=False)
        if problems:
            pytest.fail(summary(problems), pytrace=False)

    def after_failure(self, item: pytest.Item, failure: BaseException) -> None:
        """After a test that failed: the strict summary as a report section next to its failure."""
        from mockrc.remote import RemoteError
        from mockrc.strict import summary

        try:
            problems = self.problems()
        except RemoteError as exc:  # the test's own failure matters more than this one
            item.add_report_section("call", "mockrc", f"mockrc: could not run the strict checks: {exc}")
            return
        if problems:
            item.add_report_section("call", "mockrc", summary(problems))


def account_request(options: FakeOptions) -> dict[str, Any]:
    """The body of ``POST /__mockrc/accounts`` that builds the fake ``options`` describe, as the
    in-process fake would be: the same users (files read here: the server cannot see the test's
    files), scenarios, profile and seed, and a fake clock. ConfigError for a broken file."""
    from mockrc.remote import scenario_document
    from mockrc.scenarios.loader import looks_like_path

    body: dict[str, Any] = {"profile": options.profile, "seed": options.seed, "clock": "fake"}
    if options.scenarios:
        body["scenarios"] = [scenario_document(s) if looks_like_path(s) else s for s in options.scenarios]
    if options.users and all(isinstance(u, int) for u in options.users):
        body["users"] = sum(cast("int", u) for u in options.users)
    elif options.users:
        from mockrc.persistence import account_document
        from mockrc.seed import build_seed

        seed = build_seed(options.users, seed=options.seed, profile=options.profile)
        body["users"] = [dict(user.body) for user in seed.users]
        if seed.account is not None:
            body["account"] = account_document(seed.account)
    return body


class MockrcFixture:
    """What the ``mockrc`` fixture gives a test: a fresh fake RingCentral, answering ``requests``
    calls to RingCentral's hosts in-process. ``mockrc_server`` gives a :class:`MockrcServerFixture`.
    """

    def __init__(self, fake: FakeOfTest, base_url: str) -> None:
        self._fake = fake
        self.base_url = base_url

    @property
    def state(self) -> MockState:
        """Everything the fake knows (``users``, ``tokens``, ``scenarios``, ``journal``, ``account``...)."""
        return self._fake.mock.state

    @property
    def app(self) -> Flask:
        return self._fake.mock.app

    @property
    def token(self) -> str:
        """A bearer token of the account's administrator with every permission of its first app;
        it never expires and survives a reset (``mockrc serve``'s default token)."""
        return self._fake.mock.token

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def account(self) -> Account:
        return self.state.account

    @property
    def credentials(self) -> Credentials:
        """The sign-in details of the fake's account, for clients that get their own tokens."""
        app, admin = self.account.default_app, self.account.default_admin
        return Credentials(
            client_id=app.client_id,
            client_secret=app.client_secret,
            username=admin.email,
            password=admin.password,
            jwt=admin.jwt_credentials[0] if admin.jwt_credentials else None,
            token_url=f"{self.base_url}/restapi/oauth/token",
        )

    @property
    def clock(self) -> FakeClock:
        """The fake's clock: it moves only when the test says (``mockrc.clock.advance(3600)``)."""
        return cast("FakeClock", self._fake.mock.clock)  # built without a clock: a FakeClock

    @property
    def journal(self) -> Journal:
        """Every request the fake answered: ``find``, ``count``, ``assert_requested``..."""
        return self._fake.mock.journal

    @property
    def violations(self) -> list[RecordedViolation]:
        return self._fake.mock.violations

    def report(self, *, strict_warnings: bool = False) -> Report:
        """The contract report on the journal, as ``mockrc report`` writes it."""
        from mockrc.report import build_report

        return build_report(self.journal.report_records(), source="pytest", strict_warnings=strict_warnings)

    @property
    def scenarios(self) -> ScenarioEngine:
        """The active scenarios: ``activate(name_or_path)``, ``reset()``, ``get(name).state``..."""
        return self.state.scenarios

    @property
    def users(self) -> list[dict[str, Any]]:
        """Every user in the fake, as ``GET /scim/v2/Users/{id}`` would answer it (a copy)."""
        with self.state.lock:
            return self._rendered(self.state.users.store)

    def add_users(
        self,
        users: SeedSource | Sequence[SeedSource | Mapping[str, Any]],
        *,
        seed: int | str | None = None,
    ) -> list[dict[str, Any]]:
        """Add users now, as seeded users (no licence taken); the users added, as the API renders them.

        ``users``: a number of realistic users to generate, a seed file (shipped name or path), SCIM
        User bodies, or a list mixing them. Generated users come from ``seed`` (default: derived
        from the fake's seed and how many users there are, so that repeated calls add new people)
        and avoid the userNames already taken. A user the profile refuses raises SeedError.
        """
        from mockrc.seed import SeedUser, add_users, build_seed

        items = [users] if isinstance(users, int | str | os.PathLike) else list(users)
        bodies = [SeedUser(f"users[{i}]", u) for i, u in enumerate(items) if isinstance(u, Mapping)]
        sources = [u for u in items if not isinstance(u, Mapping)]
        state = self.state
        with state.lock:
            existing = [u.attributes.get("userName", "") for u in state.users.store]
            chosen = f"{state.settings.seed}+{len(existing)}" if seed is None else seed
            seeded = build_seed(sources, seed=chosen, profile=state.profile, taken=existing)
            return self._rendered(add_users(state.users, [*bodies, *seeded.users]))

    def _rendered(self, users: Iterable[StoredUser]) -> list[dict[str, Any]]:
        return [self.state.users.render(u, self.base_url) for u in users]

    # --- strict mode ----------------------------------------------------------------------------

    @property
    def strict(self) -> bool:
        """Whether undeclared violations, unhandled requests and unfired required steps fail the test."""
        return self._fake.expectations.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self._fake.expectations.strict = value

    def expect_violation(self, *rules: str) -> None:
        """Declare that the client causes violations of ``rules`` (ids from docs/rules.md): strict
        mode lets them pass, and the test fails if one of them is never recorded."""
        self._fake.expectations.expect_violation(*rules)

    def expect_unhandled(self, path: str | None = None) -> None:
        """Declare that the client sends a request to ``path`` (any path if None) that no endpoint
        handles: strict mode lets it pass, and the test fails if none comes."""
        self._fake.expectations.expect_unhandled(path)

    def expect_unfired(self, step: str) -> None:
        """Declare that a required step of an active scenario never fires: ``"token-expiry#refresh"``
        (or ``"token-expiry"`` for every required step of it). The test fails if it fires."""
        self._fake.expectations.expect_unfired(step, self.scenarios)


class MockrcServerFixture(MockrcFixture):
    """What the ``mockrc_server`` fixture gives a test: the fake on ``url``, a real loopback socket."""

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL to give the client under test."""
        return self.base_url


class NotInThisProcess(RuntimeError):
    """An attribute of the fixture that needs the fake in this process, asked for in shared-server mode."""


class RemoteMockrcServerFixture:
    """What ``mockrc_server`` gives a test in shared-server mode: a fresh account on the shared
    server at ``url``, with the attributes of :class:`MockrcServerFixture` that work over HTTP.

    ``journal`` answers the same queries and assertions on entries in their JSON form
    (``find`` returns dicts), ``violations`` is a list of dicts, ``scenarios.get(name)`` describes
    the scenario as ``GET /__mockrc/scenarios/NAME`` does. ``state``, ``app`` and ``account`` are
    objects in the server's process and raise :class:`NotInThisProcess`.
    """

    def __init__(self, test_account: AccountOfTest) -> None:
        self._test_account = test_account
        self._account = test_account.account

    @property
    def url(self) -> str:
        """The shared server's base URL: give it to the client under test."""
        return self._account.base_url

    @property
    def base_url(self) -> str:
        return self._account.base_url

    @property
    def account_id(self) -> str:
        """The account's id on the shared server."""
        return self._account.id

    @property
    def control_url(self) -> str:
        """``URL/__mockrc/accounts/ID``: the account's control API (docs/control-api.md)."""
        return self._account.control_url

    @property
    def token(self) -> str:
        """A bearer token of the account's administrator with every permission of its first app."""
        return self._account.token

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def credentials(self) -> Credentials:
        """The sign-in details of the account, for clients that get their own tokens."""
        client, admin = self._account.document["client"], self._account.document["admin"]
        return Credentials(
            client_id=client["id"],
            client_secret=client.get("secret"),
            username=admin["username"],
            password=admin["password"],
            jwt=admin.get("jwt"),
            token_url=f"{self.base_url}/restapi/oauth/token",
        )

    @property
    def clock(self) -> RemoteClock:
        """The account's fake clock: ``now()``, ``advance(seconds)``."""
        return self._account.clock

    @property
    def journal(self) -> RemoteJournal:
        """Every request the account answered: ``find``, ``count``, ``assert_requested``..."""
        return self._account.journal

    @property
    def violations(self) -> list[dict[str, Any]]:
        return self._account.violations()

    def report(self, *, strict_warnings: bool = False) -> Report:
        """The contract report on the account's journal, as ``mockrc report`` writes it."""
        from mockrc.report import build_report

        entries = self._account.journal.entries()
        return build_report(entries, source="pytest", strict_warnings=strict_warnings)

    @property
    def scenarios(self) -> RemoteScenarios:
        """The active scenarios: ``activate(name_or_path)``, ``reset()``, ``get(name)["state"]``..."""
        return self._account.scenarios

    @property
    def users(self) -> list[dict[str, Any]]:
        """Every user in the account, as ``GET /scim/v2/Users/{id}`` would answer it."""
        return self._account.users()

    def add_users(
        self,
        users: SeedSource | Sequence[SeedSource | Mapping[str, Any]],
        *,
        seed: int | str | None = None,
    ) -> list[dict[str, Any]]:
        """Add users now, as :meth:`MockrcFixture.add_users` does: generated and read here (the
        same users as in-process), added on the server all or none."""
        from mockrc.seed import build_seed

        items = [users] if isinstance(users, int | str | os.PathLike) else list(users)
        bodies = [dict(u) for u in items if isinstance(u, Mapping)]
        sources = [u for u in items if not isinstance(u, Mapping)]
        if sources:
            existing = [u.get("userName", "") for u in self.users]
            chosen = f"{self._test_account.options.seed}+{len(existing)}" if seed is None else seed
            seeded = build_seed(sources, seed=chosen, profile=self._account.profile, taken=existing)
            bodies += [dict(user.body) for user in seeded.users]
        return self._account.add_users(bodies)

    # --- what exists only in the server's process ------------------------------------------------

    def _elsewhere(self, name: str, instead: str) -> NotInThisProcess:
        return NotInThisProcess(
            f"mockrc_server.{name} is an object inside the mockrc process, and this test uses a shared"
            f" server (--mockrc-url/{URL_ENV}) at {self.url}, account {self.account_id}; use {instead}"
        )

    @property
    def state(self) -> MockState:
        raise self._elsewhere("state", "users, journal, scenarios, clock or the account's control_url")

    @property
    def app(self) -> Flask:
        raise self._elsewhere("app", "url (the server) or the mockrc fixture for an app in this process")

    @property
    def account(self) -> Account:
        raise self._elsewhere("account", "credentials, account_id or control_url")

    # --- strict mode ----------------------------------------------------------------------------

    @property
    def strict(self) -> bool:
        """Whether undeclared violations, unhandled requests and unfired required steps fail the test."""
        return self._test_account.expectations.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self._test_account.expectations.strict = value

    def expect_violation(self, *rules: str) -> None:
        """As :meth:`MockrcFixture.expect_violation`."""
        self._test_account.expectations.expect_violation(*rules)

    def expect_unhandled(self, path: str | None = None) -> None:
        """As :meth:`MockrcFixture.expect_unhandled`."""
        self._test_account.expectations.expect_unhandled(path)

    def expect_unfired(self, step: str) -> None:
        """As :meth:`MockrcFixture.expect_unfired`."""
        required = self.scenarios.required_steps(step.partition("#")[0])
        self._test_account.expectations.expect_unfired_of(step, required)


# --- the live server, shared by the tests of one process -----------------------------------------


class SharedServer:
    """One live server per pytest process; each test plugs its own fake in, then unplugs it.

    A reset per test would keep the settings of the first test; a fresh fake per test lets each
    test pick its profile, scenarios and users, and costs about as much. Between tests the server
    answers 503, so a late request from one test never lands in another test's fake.
    """

    def __init__(self) -> None:
        from mockrc.transport.server import LiveServer

        self._app: Flask | None = None
        self._last_test = "none yet"
        self._server = LiveServer(self._dispatch)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def plug(self, app: Flask) -> None:
        self._app = app

    def unplug(self, test: str) -> None:
        self._app = None
        self._last_test = test

    def _dispatch(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        app = self._app
        if app is not None:
            return app(environ, start_response)
        message = (
            "mockrc_server: no test is using the fake RingCentral now; this request came after its "
            f"test ended (the last test was {self._last_test})"
        )
        body = json.dumps({"errorCode": "MOCKRC-IDLE", "message": message}).encode()
        start_response(
            "503 Service Unavailable",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def _mockrc_fake(request: pytest.FixtureRequest) -> Iterator[FakeOfTest]:
    """The test's fake, shared by ``mockrc`` and ``mockrc_server`` when a test asks for both."""
    fake = FakeOfTest.build(fake_options(request.node))
    request.node.stash[_FAKE] = fake
    yield fake
    # Items live as long as the session: a fake left on one would keep its users and journal too.
    del request.node.stash[_FAKE]


@pytest.fixture
def mockrc(_mockrc_fake: FakeOfTest) -> Iterator[MockrcFixture]:
    """A fresh fake RingCentral answering ``requests`` calls to its hosts in-process (no socket)."""
    from requests.adapters import HTTPAdapter

    mock = _mockrc_fake.mock
    mock.serve_in_process()
    undo = _let_through_default_responses_mock(mock.url_pattern, HTTPAdapter.send)
    try:
        yield MockrcFixture(_mockrc_fake, mock.base_url)
    finally:
        undo()
        mock.stop()


@pytest.fixture(scope="session")
def _mockrc_shared_server(pytestconfig: pytest.Config) -> Iterator[SharedServer]:
    """The process's live server, started by the first test that needs it."""
    server = SharedServer()
    server.start()
    pytestconfig.stash[_SERVER] = server
    yield server
    server.stop()


@pytest.fixture
def mockrc_server(
    request: pytest.FixtureRequest,
) -> Iterator[MockrcServerFixture | RemoteMockrcServerFixture]:
    """A fresh fake RingCentral on a live server (``url``), for any HTTP client: a loopback server of
    this process, or a fresh account on the shared server of ``--mockrc-url``."""
    remote = request.config.stash.get(_REMOTE, None)
    if remote is not None:
        yield from _remote_account(request, remote)
        return
    fake: FakeOfTest = request.getfixturevalue("_mockrc_fake")
    server: SharedServer = request.getfixturevalue("_mockrc_shared_server")
    server.plug(fake.mock.app)
    undo = _let_through_default_responses_mock(server.url, None)
    try:
        yield MockrcServerFixture(fake, server.url)
    finally:
        undo()
        server.unplug(request.node.nodeid)


def _remote_account(
    request: pytest.FixtureRequest, remote: RemoteServer
) -> Iterator[RemoteMockrcServerFixture]:
    """The test's own account on the shared server, deleted at teardown whatever the outcome."""
    if "mockrc" in request.fixturenames:
        pytest.fail(
            "mockrc: this test asks for both mockrc (a fake in this process) and mockrc_server, which"
            f" uses a shared server here (--mockrc-url/{URL_ENV}): they would be two different fakes."
            " Use one of them, or run without --mockrc-url.",
            pytrace=False,
        )
    test_account = AccountOfTest.create(remote, fake_options(request.node))
    request.node.stash[_FAKE] = test_account
    undo = _let_through_default_responses_mock(remote.url, None)
    try:
        yield RemoteMockrcServerFixture(test_account)
    finally:
        undo()
        del request.node.stash[_FAKE]
        test_account.account.delete()


def _let_through_default_responses_mock(through: Any, send: Callable[..., Any] | None) -> Callable[[], None]:
    """Make responses' default mock (``@responses.activate``), when started later, pass ``through``
    (a URL prefix or pattern) on to ``send`` (None: its own, the network); the undo.

    Nothing changes if that mock is already running: it is then outside the fake, which works as it is.
    """
    import responses

    default = responses.mock
    if default._patcher is not None:
        return lambda: None
    previous = default._real_send
    if send is not None:
        default._real_send = send
    default.add_passthru(through)

    def undo() -> None:
        default._real_send = previous
        default.passthru_prefixes = tuple(p for p in default.passthru_prefixes if p is not through)

    return undo


# --- hooks ----------------------------------------------------------------------------------------


def _counts_as_failure(outcome: BaseException) -> bool:
    """A failure the fake may explain: not a skip, an expected failure or an interruption."""
    if isinstance(outcome, pytest.skip.Exception | pytest.xfail.Exception):
        return False
    return isinstance(outcome, Exception | pytest.fail.Exception)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Check the test's fake as soon as the test function returns, while the fake is still there."""
    fake = item.stash.get(_FAKE, None)
    try:
        result = yield
    except BaseException as outcome:
        if fake is not None and _counts_as_failure(outcome):
            fake.after_failure(item, outcome)
        raise
    if fake is not None:
        fake.check()
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the live server even if fixture teardown never reached it (an interrupted session)."""
    server = session.config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()
    remote = session.config.stash.get(_REMOTE, None)
    if remote is not None:
        remote.close()
