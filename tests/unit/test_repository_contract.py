"""The contract of :mod:`mockrc.repository`, run against every store and every backend.

Each store (users, access tokens, OAuth sessions and refresh tokens) is exercised through its own
operations, in memory and mirrored to SQLite (the state file's :class:`SqliteMirror`); the same
assertions hold for all of them. A new store, or a new backend, joins the two lists below.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import pytest

from mockrc.account import load_account
from mockrc.clock import FakeClock
from mockrc.oauth.sessions import Secrets, SessionStore
from mockrc.persistence import SqliteMirror, create_tables
from mockrc.repository import Repository, Row
from mockrc.store import StoredUser, UserStore
from mockrc.tokens import Principal, TokenRegistry

PRINCIPAL = Principal("101", "client", frozenset({"ReadAccounts"}), is_admin=True)


@dataclass(frozen=True)
class Case:
    """A store, and a run of its operations that adds, changes and removes entries."""

    name: str
    make: Callable[[FakeClock], Repository]
    exercise: Callable[[Repository, FakeClock], None]


def _user(user_id: str, name: str, clock: FakeClock) -> StoredUser:
    now = clock.now()
    return StoredUser(user_id, {"userName": name, "emails": [{"value": name}]}, now, now)


def _exercise_users(store: Repository, clock: FakeClock) -> None:
    assert isinstance(store, UserStore)
    store.add(_user("1", "a@example.com", clock))
    store.add(_user("2", "b@example.com", clock))
    clock.advance(5)
    store.replace("1", {"userName": "a2@example.com", "displayName": "Ä"}, clock.now())
    store.delete("2")
    store.add(_user("3", "b@example.com", clock))


def _exercise_tokens(registry: Repository, clock: FakeClock) -> None:
    assert isinstance(registry, TokenRegistry)
    registry.register("t1", PRINCIPAL, ttl=60)
    registry.register("t2", PRINCIPAL, session_id="s")
    registry.register("t3", PRINCIPAL, session_id="s", ttl=60)
    clock.advance(1)
    registry.authenticate("t1")  # the first use is kept
    registry.revoke("t2")
    registry.revoke_session("s")
    registry.expire_all()


def _sessions(clock: FakeClock) -> SessionStore:
    return SessionStore(load_account(None), TokenRegistry(clock), clock, Secrets(0))


def _exercise_sessions(store: Repository, clock: FakeClock) -> None:
    assert isinstance(store, SessionStore)
    account = store.account
    app, admin = account.default_app, account.default_admin
    first = store.open(app, admin, app.permissions, endpoint_id=None, access_ttl=3600, refresh_ttl=7200)
    clock.advance(10)
    assert first.refresh_token is not None
    store.refresh(app, first.refresh_token, scope=None, access_ttl=3600, refresh_ttl=None)
    other = store.open(app, None, app.permissions, endpoint_id="e", access_ttl=60, refresh_ttl=None)
    store.end(other.session_id)


CASES = [
    Case("users", lambda clock: UserStore(unique_emails=True), _exercise_users),
    Case("tokens", TokenRegistry, _exercise_tokens),
    Case("sessions", _sessions, _exercise_sessions),
]


class Observed:
    """An observer noting each change, and the entry's row at the moment it was told."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.calls: list[tuple[str, str | None, Row | None]] = []
        repository.subscribe(self)

    def __call__(self, kind: str, key: str | None) -> None:
        row = None if key is None else self.repository.row(kind, key)
        self.calls.append((kind, key, row))


class Backend(Protocol):
    def follow(self, repository: Repository) -> None: ...

    def reopen(self, make: Callable[[], Repository]) -> Repository:
        """A store made by ``make``, given back what the backend kept of the one followed."""


class Memory:
    """No backend: the rows a store hands out, loaded into a fresh one (the round trip)."""

    def follow(self, repository: Repository) -> None:
        self._followed = repository

    def reopen(self, make: Callable[[], Repository]) -> Repository:
        fresh = make()
        for kind in fresh.kinds:
            for key, row in list(self._followed.rows(kind)):
                fresh.load(kind, key, row)
        self._followed = fresh
        return fresh


class Sqlite:
    """The state file's mirror: what is flushed to the tables, restored into a fresh store."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        create_tables(self.db)

    def follow(self, repository: Repository) -> None:
        self._mirror = SqliteMirror(self.db, [repository])

    def reopen(self, make: Callable[[], Repository]) -> Repository:
        self._mirror.flush()
        self._mirror.flushed()
        fresh = make()
        self._mirror = SqliteMirror(self.db, [fresh])
        self._mirror.restore()
        return fresh


@pytest.fixture(params=CASES, ids=lambda case: case.name)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    made: Backend = Memory() if request.param == "memory" else Sqlite()
    yield made
    if isinstance(made, Sqlite):
        made.db.close()


def _rows(repository: Repository) -> dict[str, list[tuple[str, Row]]]:
    return {kind: list(repository.rows(kind)) for kind in repository.kinds}


def test_every_change_is_told_once_it_is_complete(case: Case) -> None:
    clock = FakeClock()
    repository = case.make(clock)
    observed = Observed(repository)

    case.exercise(repository, clock)

    last_told = {(kind, key): row for kind, key, row in observed.calls}
    rows = _rows(repository)
    # Every entry there is was told, with the row it has now: a change is told when it is done.
    for kind, entries in rows.items():
        for key, row in entries:
            assert last_told[kind, key] == row
    # Every entry told of and gone was told with no row: its removal was told.
    gone = {k for k, row in last_told.items() if row is None}
    assert all(key not in dict(rows[kind]) for kind, key in gone)
    assert sum(map(len, rows.values())) > 0


def test_what_a_backend_keeps_comes_back_equal_in_order(case: Case, backend: Backend) -> None:
    clock = FakeClock()
    repository = case.make(clock)
    backend.follow(repository)
    case.exercise(repository, clock)

    again = backend.reopen(lambda: case.make(clock))

    assert _rows(again) == _rows(repository)


def test_taking_rows_back_tells_no_observer(case: Case, backend: Backend) -> None:
    clock = FakeClock()
    repository = case.make(clock)
    backend.follow(repository)
    case.exercise(repository, clock)
    observers: list[Observed] = []

    def make() -> Repository:
        fresh = case.make(clock)
        observers.append(Observed(fresh))
        return fresh

    backend.reopen(make)

    assert observers[0].calls == []


def test_clear_empties_every_kind_and_says_so_and_the_backend_follows(case: Case, backend: Backend) -> None:
    clock = FakeClock()
    repository = case.make(clock)
    backend.follow(repository)
    case.exercise(repository, clock)
    observed = Observed(repository)

    repository.clear()
    again = backend.reopen(lambda: case.make(clock))

    assert observed.calls == [(kind, None, None) for kind in repository.kinds]
    assert _rows(repository) == {kind: [] for kind in repository.kinds}
    assert _rows(again) == _rows(repository)


def test_changes_after_a_clear_and_a_reopen_are_kept_too(case: Case, backend: Backend) -> None:
    clock = FakeClock()
    repository = case.make(clock)
    backend.follow(repository)
    case.exercise(repository, clock)
    repository.clear()
    reopened = backend.reopen(lambda: case.make(clock))
    backend.follow(reopened)

    case.exercise(reopened, clock)
    again = backend.reopen(lambda: case.make(clock))

    assert _rows(again) == _rows(reopened)
    assert sum(len(entries) for entries in _rows(again).values()) > 0


def test_a_row_that_cannot_be_taken_back_raises_a_value_or_type_or_key_error(case: Case) -> None:
    clock = FakeClock()
    repository = case.make(clock)
    for kind in repository.kinds:
        width = 4 if kind == "users" else 2 if kind == "refresh_tokens" else 1
        with pytest.raises((ValueError, TypeError, KeyError)):
            repository.load(kind, "k", ("[1, 2]",) * width)
