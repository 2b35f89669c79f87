"""``--state-file``'s commit: rows taken under the state's lock, written with it released, grouped.

What must hold (``mockrc.persistence``'s docstring): an answer leaves only once what its request
changed, or saw, is in the file; the file always holds the state after some answered request,
never part of one; the state's lock is free while SQLite writes; requests that finish during a
commit are written together by the next one; a failed commit fails its requests and loses nothing.

"What the file holds" is read the way a ``kill -9`` would leave it: the database and its WAL are
copied as the operating system has them at that moment, and the copy is opened (SQLite recovers
the WAL, as a restart does). No sleeps: threads are ordered with events.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.persistence import _COLUMNS, Changes, SqliteMirror, StateFile, StateFileError, create_tables
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.store import UserStore
from mockrc.tokens import TokenRegistry
from mockrc.transport.server import LiveServer
from mockrc.violations import ViolationLog
from tests.helpers import minimal_user, patch

TOKEN = "static-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: Long enough for any thread of these tests to reach its next step on a loaded machine; reaching
#: it is what the tests wait for (never a fixed time).
PATIENCE = 30

Tables = dict[str, list[tuple[Any, ...]]]


@contextmanager
def running(path: Path) -> Iterator[MockState]:
    """A fake on the state file ``path``, closed (as a stopping server does) when the block ends."""
    state = MockState(Settings(tokens=(TOKEN,), state_file=str(path)), clock=FakeClock())
    try:
        yield state
    finally:
        assert state.state_file is not None
        state.state_file.close()


def file_of(state: MockState) -> StateFile:
    assert state.state_file is not None
    return state.state_file


def left_by_kill(path: Path, into: Path) -> Tables:
    """Every table's rows, in order, as a ``kill -9`` now would leave the file ``path``."""
    into.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", into / f"copy.db{suffix}")
    with closing(sqlite3.connect(into / "copy.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {
            kind: db.execute(f"SELECT {', '.join(columns)} FROM {kind} ORDER BY rowid").fetchall()
            for kind, columns in _COLUMNS.items()
        }


def in_memory(state: MockState) -> Tables:
    """Every store's rows, in order, as the state file keeps them (static tokens are not kept)."""
    tables: Tables = {}
    for repository in (state.users.store, state.tokens, state.oauth.sessions):
        for kind in repository.kinds:
            tables[kind] = [
                (key, *row) for key, row in repository.rows(kind) if not (kind == "tokens" and key == TOKEN)
            ]
    return tables


def create(state: MockState, name: str) -> str:
    with state.lock:
        return state.users.create(minimal_user(f"{name}@example.com"), ViolationLog()).id


class BlockedWrites:
    """Holds every commit's write until the test lets it go, noting what each commit held."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()
        #: The last ticket of each commit that reached the file, in order.
        self.committed: list[int] = []
        original = StateFile._write_batch

        def held(state_file: StateFile, batch: Any) -> None:
            self.entered.set()
            assert self.go.wait(PATIENCE)
            original(state_file, batch)
            self.writing = batch.seq

        original_write = StateFile._write

        def write(state_file: StateFile, work: Any) -> None:
            original_write(state_file, work)
            self.committed.append(self.writing)

        monkeypatch.setattr(StateFile, "_write_batch", held)
        monkeypatch.setattr(StateFile, "_write", write)

    def durable(self, ticket: int) -> bool:
        return any(ticket <= last for last in self.committed)


def test_requests_that_finish_during_a_commit_are_written_together_by_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(tmp_path / "state.db") as state:
        state_file = file_of(state)
        writes = BlockedWrites(monkeypatch)
        returned: dict[int, bool] = {}

        def answer(ticket: int) -> None:
            state_file.wait(ticket)
            # Its answer may leave now: the commit that holds its change has reached the file.
            returned[ticket] = writes.durable(ticket)

        create(state, "first")
        first = state_file.stage()
        leader = threading.Thread(target=answer, args=(first,))
        leader.start()
        assert writes.entered.wait(PATIENCE)
        # The first commit is writing; two more requests finish meanwhile.
        create(state, "second")
        second = state_file.stage()
        create(state, "third")
        third = state_file.stage()
        followers = [threading.Thread(target=answer, args=(t,)) for t in (second, third)]
        for follower in followers:
            follower.start()
        writes.go.set()
        for thread in (leader, *followers):
            thread.join(PATIENCE)

        # Two transactions: the first request's, then the two that finished during it.
        assert writes.committed == [first, third]
        assert returned == {first: True, second: True, third: True}
        assert left_by_kill(state_file.path, tmp_path / "after") == in_memory(state)


def test_the_state_lock_is_free_while_the_file_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(tmp_path / "state.db") as state:
        client = create_app(state).test_client()
        writes = BlockedWrites(monkeypatch)
        answers: list[int] = []
        post = threading.Thread(
            target=lambda: answers.append(
                client.post("/scim/v2/Users", json=minimal_user("a@example.com"), headers=AUTH).status_code
            )
        )
        post.start()
        assert writes.entered.wait(PATIENCE)
        # The POST is being committed, and not answered yet: another request could take the lock.
        assert state.lock.acquire(blocking=False)
        state.lock.release()
        assert answers == []
        writes.go.set()
        post.join(PATIENCE)
        assert answers == [201]
        assert [row[0] for row in left_by_kill(file_of(state).path, tmp_path / "after")["users"]] == [
            u for u, _ in state.users.store.rows("users")
        ]


def test_a_read_waits_for_the_commit_of_what_it_may_have_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(tmp_path / "state.db") as state:
        state_file = file_of(state)
        client = create_app(state).test_client()
        writes = BlockedWrites(monkeypatch)
        made: list[Any] = []
        post = threading.Thread(
            target=lambda: made.append(
                client.post("/scim/v2/Users", json=minimal_user("a@example.com"), headers=AUTH)
            )
        )
        post.start()
        assert writes.entered.wait(PATIENCE)
        # The POST is being written; a GET of the same user is served meanwhile (the lock is free).
        written = state_file.stage()  # a request that changed nothing gets the newest ticket
        [user_id] = [key for key, _ in state.users.store.rows("users")]
        reader: list[threading.Thread] = []
        waiting_or_done = threading.Event()
        read_durable: list[bool] = []
        commit, wait = state_file.commit, state_file.wait

        def noted_wait(ticket: int) -> None:
            if threading.current_thread() in reader:
                waiting_or_done.set()
            wait(ticket)

        def noted_commit(*args: Any, **kwargs: Any) -> None:
            commit(*args, **kwargs)
            if threading.current_thread() in reader:
                read_durable.append(writes.durable(written))
                waiting_or_done.set()

        monkeypatch.setattr(state_file, "wait", noted_wait)
        monkeypatch.setattr(state_file, "commit", noted_commit)
        read: list[int] = []
        get = threading.Thread(
            target=lambda: read.append(client.get(f"/scim/v2/Users/{user_id}", headers=AUTH).status_code)
        )
        reader.append(get)
        get.start()
        # The GET either waits for the POST's commit or (wrongly) got past its own commit step.
        assert waiting_or_done.wait(PATIENCE)
        writes.go.set()
        for thread in (post, get):
            thread.join(PATIENCE)
        # The GET's commit step returned only once the user it showed was in the file.
        assert (read, read_durable) == ([200], [True])
        assert made[0].status_code == 201
        assert state_file.stage() == written


def test_a_commit_with_nothing_to_write_leaves_the_lock_alone(tmp_path: Path) -> None:
    class Untouchable:
        def acquire(self) -> bool:
            raise AssertionError("acquired")

        def release(self) -> None:
            raise AssertionError("released")

    with running(tmp_path / "state.db") as state:
        create(state, "a")
        file_of(state).commit()
        file_of(state).commit(release=Untouchable())


def test_a_failed_commit_fails_its_requests_and_the_next_commit_writes_their_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    with running(path) as state:
        app = create_app(state)
        app.logger.disabled = True  # the failure is logged with its traceback; not here
        client = app.test_client()
        original = SqliteMirror.write
        failures = iter([sqlite3.OperationalError("disk I/O error")] * 2)

        def failing(mirror: SqliteMirror, changes: Any) -> None:
            failure = next(failures, None)
            if failure is not None:
                raise failure
            original(mirror, changes)

        monkeypatch.setattr(SqliteMirror, "write", failing)
        lost = client.post("/scim/v2/Users", json=minimal_user("lost@example.com"), headers=AUTH)
        # The commit failed, and so did its retry on the error's answer: a 500, no traceback.
        assert lost.status_code == 500
        assert lost.json == {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "500",
            "detail": "Internal Server Error",
        }
        # The user is kept in memory, and the next commit writes it with the next request's change.
        kept = client.post("/scim/v2/Users", json=minimal_user("kept@example.com"), headers=AUTH)
        assert kept.status_code == 201
        on_disk = left_by_kill(path, tmp_path / "after")
    names = [row[1] for row in on_disk["users"]]
    assert len(names) == 2 and '"lost@example.com"' in names[0] and '"kept@example.com"' in names[1]


def test_a_failed_group_fails_every_request_in_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running(tmp_path / "state.db") as state:
        state_file = file_of(state)
        create(state, "a")
        first = state_file.stage()
        create(state, "b")
        second = state_file.stage()

        def full(*_: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(SqliteMirror, "write", full)
        with pytest.raises(StateFileError, match="full"):
            state_file.wait(first)
        monkeypatch.undo()
        # A request that waits after the failure tries again, and the failed batches go with it.
        state_file.wait(second)
        assert left_by_kill(state_file.path, tmp_path / "after") == in_memory(state)


def test_every_request_of_a_failed_group_is_answered_with_the_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(tmp_path / "state.db") as state:
        state_file = file_of(state)
        entered, go = threading.Event(), threading.Event()

        def failing(*_: object) -> None:
            entered.set()
            assert go.wait(PATIENCE)
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(SqliteMirror, "write", failing)
        create(state, "a")
        first = state_file.stage()
        create(state, "b")
        second = state_file.stage()
        outcomes: dict[int, str] = {}

        def answer(ticket: int) -> None:
            try:
                state_file.wait(ticket)
                outcomes[ticket] = "answered"
            except StateFileError as exc:
                outcomes[ticket] = str(exc)

        leader = threading.Thread(target=answer, args=(first,))
        leader.start()
        assert entered.wait(PATIENCE)
        follower = threading.Thread(target=answer, args=(second,))
        follower.start()
        go.set()
        for thread in (leader, follower):
            thread.join(PATIENCE)
        failure = f"{state_file.path}: cannot write the state file: disk I/O error"
        assert outcomes == {first: failure, second: failure}
        monkeypatch.undo()
        state_file.commit()
        assert left_by_kill(state_file.path, tmp_path / "after") == in_memory(state)


def test_while_the_file_cannot_be_written_what_waits_grows_with_the_entries_not_the_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(tmp_path / "state.db") as state:
        state_file = file_of(state)
        user_id = create(state, "patched")
        state_file.commit()

        def full(*_: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(SqliteMirror, "write", full)
        for n in range(20):
            with state.lock:
                body = patch({"op": "replace", "path": "title", "value": f"t{n}"})
                state.users.patch(user_id, body, ViolationLog())
            with pytest.raises(StateFileError):
                state_file.commit()
        assert len(state_file._queue) == 1
        assert list(state_file._queue[0].changes.keys("users")) == [user_id]
        monkeypatch.undo()
        state_file.commit()
        assert left_by_kill(state_file.path, tmp_path / "after") == in_memory(state)


# --- a group written as one: the same tables as its requests one after the other ---------------

_KEYS = st.sampled_from(["a", "b", "c", "d"])
_TOKEN_ROW = st.one_of(st.none(), st.text(max_size=3).map(lambda text: (text,)))
_USER_ROW = st.one_of(
    st.none(), st.tuples(st.text(max_size=3), st.floats(0, 9), st.floats(0, 9), st.integers(0, 9))
)
_CHANGES = st.builds(
    lambda cleared, tokens, users: Changes(
        frozenset(cleared),
        {kind: list(dict(rows).items()) for kind, rows in (("tokens", tokens), ("users", users)) if rows},
    ),
    st.sets(st.sampled_from(["tokens", "users"])),
    st.lists(st.tuples(_KEYS, _TOKEN_ROW), max_size=4),
    st.lists(st.tuples(_KEYS, _USER_ROW), max_size=4),
)


def _tables_after(before: list[Changes], written: list[Changes]) -> list[list[tuple[Any, ...]]]:
    db = sqlite3.connect(":memory:", isolation_level=None)
    create_tables(db)
    mirror = SqliteMirror(db, [TokenRegistry(FakeClock()), UserStore(unique_emails=False)])
    for changes in (*before, *written):
        mirror.write(changes)
    tables = [db.execute(f"SELECT * FROM {kind} ORDER BY rowid").fetchall() for kind in ("tokens", "users")]
    db.close()
    return tables


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHANGES, max_size=3), st.lists(_CHANGES, min_size=1, max_size=6))
def test_changes_merged_write_what_they_write_one_after_the_other(
    before: list[Changes], group: list[Changes]
) -> None:
    """Whatever the tables held, and whatever a group's requests did (rows changed, removed,
    removed and added again, kinds emptied), writing the group merged leaves the same rows in
    the same order as writing its requests' changes in turn; merging merged groups too."""
    one_by_one = _tables_after(before, group)
    assert _tables_after(before, [Changes.merged(group)]) == one_by_one
    if len(group) > 1:
        middle = len(group) // 2
        halves = [Changes.merged(group[:middle]), Changes.merged(group[middle:])]
        assert _tables_after(before, [Changes.merged(halves)]) == one_by_one


# --- any run of changes, committed in any grouping ---------------------------------------------

_OPERATION = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 10**6)),
    st.tuples(st.just("patch"), st.integers(0, 50), st.text(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("token"), st.integers(0, 10**6)),
    st.tuples(st.just("revoke"), st.integers(0, 50)),
    st.tuples(
        st.just("sign in"),
    ),
    st.tuples(
        st.just("reset"),
    ),
)


def _apply(state: MockState, operation: tuple[Any, ...], names: set[str]) -> None:
    kind = operation[0]
    users = [user_id for user_id, _ in state.users.store.rows("users")]
    tokens = [value for value, _ in state.tokens.rows("tokens") if value != TOKEN]
    if kind == "create" and f"u{operation[1]}" not in names:
        names.add(f"u{operation[1]}")
        create(state, f"u{operation[1]}")
    elif kind == "patch" and users:
        body = patch({"op": "replace", "path": "title", "value": operation[2]})
        state.users.patch(users[operation[1] % len(users)], body, ViolationLog())
    elif kind == "delete" and users:
        state.users.delete(users[operation[1] % len(users)])
    elif kind == "token":
        state.tokens.register(f"t{operation[1]}", state.admin_principal, ttl=60)
    elif kind == "revoke" and tokens:
        state.tokens.revoke(tokens[operation[1] % len(tokens)])
    elif kind == "sign in":
        app, admin = state.account.default_app, state.account.default_admin
        state.oauth.sessions.open(
            app, admin, app.permissions, endpoint_id=None, access_ttl=60, refresh_ttl=120
        )
    elif kind == "reset":
        state.reset()
        names.clear()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_OPERATION, st.booleans()), max_size=25))
def test_the_file_always_holds_the_state_after_the_last_request_written(
    run: list[tuple[tuple[Any, ...], bool]],
) -> None:
    """Each change is staged like a request's; where ``answer`` is true its answer waits, which
    writes everything staged so far in one commit. Whatever the grouping, the file (as a kill
    would leave it) is then exactly the state after the newest staged request, and a restart
    on it serves that state."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        names: set[str] = set()
        with running(path) as state:
            state_file = file_of(state)
            for step, (operation, answer) in enumerate(run):
                with state.lock:
                    _apply(state, operation, names)
                    ticket = state_file.stage()
                if answer:
                    state_file.wait(ticket)
                    assert left_by_kill(path, Path(folder) / f"kill{step}") == in_memory(state)
            state_file.wait(state_file.stage())
            final = in_memory(state)
            assert left_by_kill(path, Path(folder) / "final") == final
        with running(path) as again:
            assert in_memory(again) == final


# --- the live server ---------------------------------------------------------------------------

WRITERS = 6
WRITES = 15


def test_concurrent_writers_on_the_live_server_all_land_in_the_file(tmp_path: Path) -> None:
    """Six clients create and patch users at once on a waitress server with a state file; after a
    stop and a restart, every answered write is there, each user with its last title."""
    path = tmp_path / "state.db"
    expected: dict[str, str] = {}
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        with requests.Session() as session:
            start.wait(PATIENCE)
            for n in range(WRITES):
                body = minimal_user(f"w{number}-{n}@example.com", title="created")
                made = session.post(f"{url}/scim/v2/Users", json=body, headers=AUTH, timeout=PATIENCE)
                assert made.status_code == 201, made.text
                user_id = made.json()["id"]
                title = f"w{number} n{n}"
                changed = session.patch(
                    f"{url}/scim/v2/Users/{user_id}",
                    json=patch({"op": "replace", "path": "title", "value": title}),
                    headers=AUTH,
                    timeout=PATIENCE,
                )
                assert changed.status_code == 200, changed.text
                with lock:
                    expected[user_id] = title

    with running(path) as state, LiveServer(create_app(state)) as server:
        url = server.url
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE * 4)
        assert not any(thread.is_alive() for thread in threads)
        # What a kill now would leave already holds every answered write.
        killed = left_by_kill(path, tmp_path / "kill")
        assert [row[0] for row in killed["users"]] == [u for u, _ in state.users.store.rows("users")]
    assert len(expected) == WRITERS * WRITES

    with running(path) as again:
        titles = {key: json.loads(str(row[0])).get("title") for key, row in again.users.store.rows("users")}
    assert titles == expected
