"""``mockrc serve --state-file FILE``: the account, its users and its tokens in SQLite, across restarts.

A developer runs the fake for days as the RingCentral their code, Postman or an identity provider
talks to; a restart must not lose what those clients created. So the state that clients build up
is written through to an embedded database (SQLite, from the standard library):

- the account document the fake serves (so a restart without ``--account`` serves the same one),
  and how many unassigned extensions (licences) it has left;
- every SCIM user, exactly as stored (attributes as sent, ``meta`` times, version), in creation order;
- every access token (static ``--token`` ones excepted: the command line registers those), every
  OAuth session and refresh token, with their expiry, revocation and first use.

**Durability.** Everything one request changes is taken from the stores as rows while the
request still holds the state's lock (:meth:`StateFile.stage`, cheap: rows are plain values), and
written in a SQLite transaction committed before its answer is sent (:meth:`StateFile.wait`), with
the lock released meanwhile so that other requests go on. Requests that finish while a commit is
running are written together by the next one (group commit), in the order they held the lock, so
the file always holds the state after some answered request, never part of one. A request that
read what a write still being committed changed waits for that commit too: no answer shows
anything that a restart could lose. A client that got ``201`` therefore finds the user after any
restart. The database runs in WAL mode with ``synchronous=NORMAL``: a commit is in the operating
system's hands (written to the WAL) before the answer leaves, which survives the process dying any
way at all (``kill -9``, a crash, Ctrl-C); only an operating-system crash or power loss could lose
the last commits, never corrupting the file (https://www.sqlite.org/pragma.html#pragma_synchronous,
https://www.sqlite.org/wal.html). ``synchronous=FULL`` would also cover power loss but adds an
``fsync`` to every commit (0.3 to 0.6 ms on the project's machine, against about 0.03 ms for the
commit), which every write's answer would wait for: a poor trade for a fake on a developer's
machine.

**What is not kept**: the journal (``--journal FILE`` keeps it), scenarios and their states (the
command line's ``--scenario`` starts them again), authorization codes (they live 60 s), and the
fake clock. Without ``--state-file`` none of this module runs and the state stays in memory.

**Restarts** go on where the file left off: ids continue above every id ever issued, and the
random streams behind ids and token values are re-seeded for each start (from ``--seed`` and the
number of starts), so a restart never hands out a value the file already holds. A reset
(``POST /__mockrc/reset``) empties the file along with the memory. One file serves one fake at a
time: the database is opened in exclusive locking mode, and a second ``mockrc`` on it is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, Protocol, TypeVar

from mockrc.account import Account, load_account, parse_account
from mockrc.errors import ConfigError
from mockrc.ids import IdFactory
from mockrc.oauth.sessions import SessionStore
from mockrc.repository import Repository, Row
from mockrc.scim.users import UserService
from mockrc.tokens import TokenRegistry

#: Bumped when the tables change; a file of another version is refused rather than misread.
SCHEMA_VERSION: Final = 1
#: ``PRAGMA application_id`` of a state file ("mkrc"): the field of SQLite's file header that says
#: which program a database belongs to (https://www.sqlite.org/pragma.html#pragma_application_id,
#: https://www.sqlite.org/fileformat.html#application_id). A database of another program is refused
#: rather than adopted: mockrc would add its tables to it, and a reset would empty them.
APPLICATION_ID: Final = 0x6D6B7263
#: The tables of a state file; a file of an earlier mockrc has these and no application id yet.
_TABLES: Final = frozenset({"meta", "users", "tokens", "sessions", "refresh_tokens"})

#: The columns of each kind's table, its key first (see each store's docstring for its row).
_COLUMNS: Final = {
    "users": ("id", "attributes", "created", "last_modified", "version"),
    "tokens": ("value", "token"),
    "sessions": ("id", "session"),
    "refresh_tokens": ("value", "session_id", "record"),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, attributes TEXT NOT NULL, created REAL NOT NULL,
    last_modified REAL NOT NULL, version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (value TEXT PRIMARY KEY, token TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, session TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    value TEXT PRIMARY KEY, session_id TEXT NOT NULL, record TEXT NOT NULL
);
"""


class StateFileError(ConfigError):
    """The state file cannot be used (another version, another profile, in use, not a database,
    another program's database, a row that cannot be read)."""


class StateFileInUse(StateFileError):
    """Another mockrc holds the state file (one file serves one fake)."""


T = TypeVar("T")


def _owner(db: sqlite3.Connection) -> tuple[str, str]:
    """Whose database ``db`` is: ``("mockrc", "")``, ``("new", "")`` (empty), or ``("other", why)``."""
    (application_id,) = db.execute("PRAGMA application_id").fetchone()
    objects = sorted(
        name for (name,) in db.execute("SELECT name FROM sqlite_master") if not name.startswith("sqlite_")
    )
    if application_id == APPLICATION_ID:
        return "mockrc", ""
    if application_id != 0:
        return "other", f"its application id is {application_id:#x}, not mockrc's {APPLICATION_ID:#x}"
    if not objects:
        return "new", ""
    # A state file of a mockrc from before the application id: its tables, its version in meta.
    if set(objects) <= _TABLES and "meta" in objects:
        with suppress(sqlite3.Error):  # a table called meta, but not mockrc's
            if db.execute("SELECT 1 FROM meta WHERE key = 'version'").fetchone() is not None:
                return "mockrc", ""
    shown = ", ".join(objects[:10]) + (f" and {len(objects) - 10} more" if len(objects) > 10 else "")
    return "other", f"it holds {shown}"


# --- (de)serialisation -------------------------------------------------------------------------


def account_document(account: Account) -> dict[str, Any]:
    """``account`` in the account file format (``fixtures/oauth/account.schema.json``)."""
    document: dict[str, Any] = {
        "id": account.id,
        "mainNumber": account.main_number,
        "brandId": account.brand_id,
        "scimEnabled": account.scim_enabled,
        "apps": [
            {
                "name": app.name,
                "clientId": app.client_id,
                **({"clientSecret": app.client_secret} if app.client_secret is not None else {}),
                "confidential": app.confidential,
                "permissions": list(app.permissions),
                "grantTypes": sorted(app.grant_types),
                "redirectUris": list(app.redirect_uris),
                "allowLoopbackRedirects": app.allow_loopback_redirects,
            }
            for app in account.apps
        ],
        "users": [
            {
                "extensionId": user.extension_id,
                "extensionNumber": user.extension_number,
                "email": user.email,
                **({"phone": user.phone} if user.phone is not None else {}),
                "password": user.password,
                "role": user.role,
                "enabled": user.enabled,
                "jwtCredentials": list(user.jwt_credentials),
                "givenName": user.given_name,
                "familyName": user.family_name,
            }
            for user in account.users
        ],
    }
    if account.unassigned_extensions is not None:
        document["unassignedExtensions"] = account.unassigned_extensions
    return document


def stored_profile(path: str | os.PathLike[str]) -> str | None:
    """The profile of the users a state file holds; None for a new file (or one that cannot tell)."""
    if not os.path.exists(path):
        return None
    try:
        with closing(sqlite3.connect(path, timeout=0)) as db:
            if _owner(db)[0] != "mockrc":
                return None
            row = db.execute("SELECT value FROM meta WHERE key = 'profile'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


# --- the file ---------------------------------------------------------------------------------


class StateFile:
    """One SQLite state file, opened for one fake (:class:`~mockrc.state.MockState` drives it).

    The state calls :meth:`account` and :meth:`seed_for` while it builds itself, :meth:`attach`
    once its stores exist (a :class:`SqliteMirror` of them then notes every change, and a reset,
    which clears them, empties the file), :meth:`restore` on a restart, and the app calls
    :meth:`commit` at the end of every request.
    """

    def __init__(self, path: str | os.PathLike[str], profile: str) -> None:
        self.path = os.fspath(path)
        try:
            # Requests run on the server's threads, one at a time under the state's lock; a file
            # another process holds is refused at once (timeout=0) rather than waited for.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
        except sqlite3.Error as exc:
            raise self._why(exc) from None
        try:
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            # Whose file it is, before anything is written to it (WAL mode is kept in its header).
            self._refuse_another_programs()
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            create_tables(self._db)
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            self._check(meta, profile)
            self.starts = self._read("meta", "starts", lambda: int(meta.get("starts", "0"))) + 1
            self._put_meta({"version": str(SCHEMA_VERSION), "profile": profile, "starts": str(self.starts)})
            self._db.execute("COMMIT")
        except BaseException as exc:
            self._db.close()
            if isinstance(exc, sqlite3.Error):
                raise self._why(exc) from None
            raise
        self._meta = meta
        self._users: UserService | None = None
        self._mirror: SqliteMirror | None = None
        #: The licences left as last staged (JSON text), and the value they were last compared as.
        self._unassigned = meta.get("unassigned_extensions")
        self._unassigned_seen: object = ...
        #: The highest user id staged: ids of a restart go on above it.
        self._high_water = self._read("meta", "high_water", lambda: int(meta.get("high_water", "0")))
        # Group commit (:meth:`stage`, :meth:`wait`): batches staged and not yet committed, in order;
        # tickets are their sequence numbers. ``_queue_changed`` guards all of these.
        self._queue_changed = threading.Condition(threading.Lock())
        self._queue: list[_Batch] = []
        self._staged = 0
        self._durable = 0
        self._committing = False
        #: Commits attempted, and the last one's failure: (its attempt number, its last ticket, why).
        self._attempts = 0
        self._failed: tuple[int, int, StateFileError] | None = None

    def _why(self, exc: sqlite3.Error) -> StateFileError:
        if "locked" in str(exc):
            return StateFileInUse(
                f"{self.path}: the state file is in use by another mockrc (one file serves one fake)"
            )
        return StateFileError(f"{self.path}: cannot use the state file: {exc}")

    def _refuse_another_programs(self) -> None:
        """Refuse another program's database; a new file, or one of an earlier mockrc, is then
        marked as mockrc's (``PRAGMA application_id``)."""
        owner, why = _owner(self._db)
        if owner == "other":
            raise StateFileError(
                f"{self.path}: not a mockrc state file ({why}); mockrc does not add its tables to "
                "another program's database: give --state-file a new file, or one mockrc made"
            )

    def _read(self, table: str, key: str, load: Callable[..., T], *args: Any) -> T:
        """``load(*args)``, the reading of one row; a row that cannot be read stops the start, naming it."""
        try:
            return load(*args)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StateFileError(
                f"{self.path}: table {table}, row {key!r} cannot be read ({type(exc).__name__}: {exc}); "
                "was the file changed outside mockrc? Restore it, or start with a new --state-file"
            ) from None

    def _check(self, meta: Mapping[str, str], profile: str) -> None:
        version = meta.get("version")
        if version is not None and version != str(SCHEMA_VERSION):
            raise StateFileError(
                f"{self.path}: the state file has format version {version}; this mockrc reads "
                f"version {SCHEMA_VERSION}: start with a new --state-file"
            )
        stored = meta.get("profile")
        if stored is not None and stored != profile:
            raise StateFileError(
                f"{self.path}: the state file holds users of profile {stored!r}, not {profile!r}: "
                f"start with --profile {stored}, or with another --state-file"
            )

    def _put_meta(self, values: Mapping[str, str]) -> None:
        self._db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            values.items(),
        )

    # --- what the state asks while it builds ------------------------------------------------

    def account(self, chosen: Account | None) -> Account:
        """The account to serve: ``chosen`` (``--account``, a seed file's) if any, else the file's.

        The account served is written to the file, so the next start without one serves it again;
        a chosen account always wins (a developer edits their account file and restarts).
        """
        stored = self._meta.get("account")
        if chosen is None and stored is not None:
            return self._read("meta", "account", lambda: parse_account(json.loads(stored), "the account"))
        account = chosen or load_account(None)
        text = json.dumps(account_document(account))
        self._write(lambda: self._put_meta({"account": text}))
        return account

    def seed_for(self, seed: int) -> int:
        """The seed of this start: ``seed`` on the file's first start, a new one derived from it after.

        The same seed again would replay the token values and ids of the first start, which the
        file already holds.
        """
        if self.starts == 1:
            return seed
        digest = hashlib.sha256(f"mockrc-state-file:{seed}:{self.starts}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def attach(
        self, users: UserService, tokens: TokenRegistry, sessions: SessionStore, static: Iterable[str]
    ) -> None:
        """Follow the stores of one fake from now on, for the rest of its life: a reset clears
        them in place, and the file with them. Tokens in ``static`` (``--token``) are not kept:
        the command line registers them on every start."""
        self._users = users
        self._mirror = SqliteMirror(
            self._db, (users.store, tokens, sessions), skip={"tokens": frozenset(static)}
        )

    def restore(self, ids: IdFactory, seed: int) -> None:
        """Take back what the file holds into the attached stores (a restart), ids going on above
        every id the file ever saw."""
        if self._mirror is None or self._users is None:
            raise RuntimeError("restore() before attach()")
        self._mirror.restore(self._read)
        unassigned = self._unassigned
        if unassigned is not None:
            self._users.unassigned_extensions = self._read(
                "meta", "unassigned_extensions", lambda: json.loads(unassigned)
            )
        ids.restart(seed, above=self._high_water)

    # --- writing ---------------------------------------------------------------------------

    def _write(self, work: Callable[[], None]) -> None:
        """Run ``work`` in one transaction: all of it is in the file, or none of it."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                work()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StateFileError(f"{self.path}: cannot write the state file: {exc}") from exc

    def stage(self) -> int:
        """Take what changed since the last call, as rows, into the queue of what is to be written;
        return the ticket to :meth:`wait` for before answering.

        Called under the state's lock at the end of every request: the rows are read from the
        stores as this request left them, so the queue holds, in order, the state after each
        request. A request that changed nothing gets the newest ticket already handed out: it may
        have read what that one changed, so it must not answer before that is written either.
        Nothing changed and nothing pending costs two comparisons.
        """
        mirror, users = self._mirror, self._users
        if mirror is None or users is None:
            return self._staged
        meta: dict[str, str] = {}
        unassigned = users.unassigned_extensions
        if unassigned != self._unassigned_seen:
            self._unassigned_seen = unassigned
            text = json.dumps(unassigned)
            if text != self._unassigned:
                meta["unassigned_extensions"] = self._unassigned = text
        if not meta and not mirror.pending:
            return self._staged
        changes = mirror.take()
        high_water = max((int(key) for key in changes.keys("users") if key.isdigit()), default=0)
        if high_water > self._high_water:
            meta["high_water"] = str(high_water)
            self._high_water = high_water
        with self._queue_changed:
            self._staged += 1
            self._queue.append(_Batch(self._staged, changes, meta))
            return self._staged

    def wait(self, ticket: int) -> None:
        """Return once everything staged up to ``ticket`` is committed to the file.

        Group commit: if no commit is running, this thread writes everything queued so far in one
        transaction (its own batch and every other request's that finished meanwhile, in the
        order they were staged); if one is running, it waits for it, then for the next one, which
        some waiting thread starts. Needs no lock of the state's: call it with the state's lock
        released, so other requests go on while the file is written. Raises
        :class:`StateFileError` if the commit that held ``ticket`` failed; its changes stay
        queued, and the next commit tries them again.
        """
        queue = self._queue_changed
        with queue:
            seen = self._attempts
            while self._durable < ticket:
                failed = self._failed
                if failed is not None and failed[0] > seen and failed[1] >= ticket:
                    raise StateFileError(str(failed[2]))  # each thread its own (tracebacks differ)
                if self._committing:
                    queue.wait()
                    continue
                self._committing = True
                count = len(self._queue)
                group = self._queue[:count]
                failure: StateFileError | None = None
                queue.release()
                try:
                    batch = _Batch.merged(group)
                    self._write(partial(self._write_batch, batch))
                except StateFileError as exc:
                    failure = exc
                finally:
                    queue.acquire()
                    self._committing = False
                    self._attempts += 1
                    queue.notify_all()
                if failure is not None:
                    # Kept as one batch: while the file cannot be written, what waits for it grows
                    # with the entries changed, not with the requests that changed them.
                    self._queue[:count] = [batch]
                    self._failed = (self._attempts, batch.seq, failure)
                    raise failure
                self._failed = None
                self._durable = batch.seq
                del self._queue[:count]

    def _write_batch(self, batch: _Batch) -> None:
        """Write ``batch`` (inside the caller's transaction)."""
        assert self._mirror is not None
        self._mirror.write(batch.changes)
        if batch.meta:
            self._put_meta(batch.meta)

    def commit(self, release: Releasable | None = None) -> None:
        """Write what changed since the last commit before returning (nothing changed and nothing
        pending: no transaction, and ``release`` is not touched).

        Called under the state's lock before a request is answered. With ``release`` (the state's
        lock, held once by the caller), the lock is released while the file is written and taken
        again after, so other requests run meanwhile; the rows were taken under it
        (:meth:`stage`). If the write fails the changes stay queued (and the request fails), so
        the next commit retries them.
        """
        ticket = self.stage()
        if self._durable >= ticket:
            return
        if release is None:
            self.wait(ticket)
            return
        release.release()
        try:
            self.wait(ticket)
        finally:
            release.acquire()

    def close(self) -> None:
        """Write what is pending and close the file (a stopped server releases it)."""
        try:
            self.commit()
        finally:
            self._db.close()


class Releasable(Protocol):
    """A lock :meth:`StateFile.commit` can let go of while it writes (the state's lock)."""

    def acquire(self) -> bool: ...

    def release(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed in some repositories since a point, as rows (:meth:`SqliteMirror.take`):
    the kinds emptied (a reset), then per kind the entries changed, each with its row as it was
    when taken (None: removed), in the order they first changed.

    ``readded`` are entries removed and added again since that point (only a merge of several
    has them, :meth:`merged`): their old row goes before the new one is written, so the entry
    comes back in the place it has in memory, last, as writing one after the other would do.
    """

    cleared: frozenset[str]
    rows: dict[str, list[tuple[str, Row | None]]]
    readded: dict[str, list[str]] = field(default_factory=dict)

    def keys(self, kind: str) -> Iterator[str]:
        return (key for key, _ in self.rows.get(kind, ()))

    @staticmethod
    def merged(sequence: Sequence[Changes]) -> Changes:
        """One :class:`Changes` whose :meth:`SqliteMirror.write` leaves the tables exactly as
        writing each of ``sequence`` in turn would: the same rows, in the same order (an entry's
        last row counts; an emptied kind forgets what came before; an entry removed and added
        again is readded). Linear in the entries of ``sequence``."""
        if len(sequence) == 1:
            return sequence[0]
        cleared: set[str] = set()
        rows: dict[str, dict[str, Row | None]] = {}
        readded: dict[str, dict[str, None]] = {}
        for changes in sequence:
            for kind in changes.cleared:
                cleared.add(kind)
                rows.pop(kind, None)
                readded.pop(kind, None)
            for kind, keys in changes.readded.items():
                merged = rows.setdefault(kind, {})
                for key in keys:
                    merged.pop(key, None)
                    readded.setdefault(kind, {})[key] = None
            for kind, entries in changes.rows.items():
                merged = rows.setdefault(kind, {})
                for key, row in entries:
                    if row is not None and key in merged and merged[key] is None:
                        del merged[key]  # removed, now back: written last, its old row gone first
                        readded.setdefault(kind, {})[key] = None
                    merged[key] = row
        return Changes(
            frozenset(cleared),
            {kind: list(entries.items()) for kind, entries in rows.items() if entries},
            {kind: list(keys) for kind, keys in readded.items()},
        )


@dataclass(frozen=True, slots=True)
class _Batch:
    """What one request changed (:meth:`StateFile.stage`), or several in a row, waiting to be
    written; ``seq`` is its (last) ticket, ``meta`` the rows of the ``meta`` table it changed."""

    seq: int
    changes: Changes
    meta: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def merged(batches: Sequence[_Batch]) -> _Batch:
        """One batch that writes what ``batches`` write one after the other."""
        if len(batches) == 1:
            return batches[0]
        meta: dict[str, str] = {}
        for batch in batches:
            meta.update(batch.meta)
        return _Batch(batches[-1].seq, Changes.merged([batch.changes for batch in batches]), meta)


def create_tables(db: sqlite3.Connection) -> None:
    """The tables of a state file, where they do not exist yet."""
    for statement in filter(str.strip, _SCHEMA.split(";")):
        db.execute(statement)


class SqliteMirror:
    """The rows of some repositories (:mod:`mockrc.repository`) kept in a SQLite database, one
    table per kind (its columns: :data:`_COLUMNS`).

    It notes which entries change as the repositories tell it; :meth:`take` reads those entries'
    rows as they are then (the state file does it under the state's lock, once per request) and
    :meth:`write` writes them inside the caller's transaction; a kind cleared is emptied. Only
    keys are noted until then, so a seed of 100,000 users costs no memory beyond the store's own
    until it is taken. :meth:`flush` and :meth:`flushed` do the same in two steps.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        repositories: Iterable[Repository],
        *,
        skip: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self._db = db
        self._skip = dict(skip or {})
        #: Every kind, in the order its repository loads them back, with its repository.
        self._kinds: dict[str, Repository] = {}
        repositories = list(repositories)
        for repository in repositories:
            for kind in repository.kinds:
                if kind not in _COLUMNS:
                    raise ValueError(f"no table for entries of kind {kind!r}")
                self._kinds[kind] = repository
        #: Per kind, the statements that write its rows: (upsert, delete one, delete all).
        self._statements: dict[str, tuple[str, str, str]] = {}
        for kind in self._kinds:
            key_column, *columns = _COLUMNS[kind]
            self._statements[kind] = (
                f"INSERT INTO {kind} ({key_column}, {', '.join(columns)}) "
                f"VALUES ({', '.join('?' * (len(columns) + 1))}) ON CONFLICT ({key_column}) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in columns),
                f"DELETE FROM {kind} WHERE {key_column} = ?",
                f"DELETE FROM {kind}",
            )
        #: Per kind, the keys changed since the last take (a dict: an ordered set).
        self._pending: dict[str, dict[str, None]] = {kind: {} for kind in self._kinds}
        self._cleared: set[str] = set()
        for repository in repositories:
            repository.subscribe(self._changed)

    def _changed(self, kind: str, key: str | None) -> None:
        if key is None:
            self._pending[kind].clear()
            self._cleared.add(kind)
        elif key not in self._skip.get(kind, ()):
            self._pending[kind][key] = None

    @property
    def pending(self) -> bool:
        """Whether anything changed since the last take."""
        return bool(self._cleared) or any(self._pending.values())

    def changes(self) -> Changes:
        """What changed since the last take, with each entry's row as it is now."""
        rows: dict[str, list[tuple[str, Row | None]]] = {}
        for kind, keys in self._pending.items():
            if keys:
                row = self._kinds[kind].row
                rows[kind] = [(key, row(kind, key)) for key in keys]
        return Changes(frozenset(self._cleared), rows)

    def take(self) -> Changes:
        """:meth:`changes`, and start noting afresh."""
        changes = self.changes()
        self.flushed()
        return changes

    def write(self, changes: Changes) -> None:
        """Write ``changes`` (the caller's transaction commits them, or rolls them back)."""
        for kind in self._kinds:
            upsert, delete, delete_all = self._statements[kind]
            if kind in changes.cleared:
                self._db.execute(delete_all)
            readded = changes.readded.get(kind)
            if readded:
                self._db.executemany(delete, [(key,) for key in readded])
            rows = changes.rows.get(kind)
            if not rows:
                continue
            kept = [(key, *row) for key, row in rows if row is not None]
            if kept:
                self._db.executemany(upsert, kept)
            if len(kept) < len(rows):
                self._db.executemany(delete, [(key,) for key, row in rows if row is None])

    def flush(self) -> None:
        """Write every pending change (the caller commits, or rolls back and calls again)."""
        self.write(self.changes())

    def flushed(self) -> None:
        """The flush is committed: nothing is pending any more."""
        for keys in self._pending.values():
            keys.clear()
        self._cleared.clear()

    def restore(self, read: Callable[..., Any] | None = None) -> None:
        """Load every row back into its repository, kind by kind, in the order written.

        ``read(kind, key, load, *args)`` runs each ``load(*args)`` (the state file names the row
        that cannot be read); by default it just runs it.
        """
        for kind, repository in self._kinds.items():
            key_column, *columns = _COLUMNS[kind]
            query = f"SELECT {key_column}, {', '.join(columns)} FROM {kind} ORDER BY rowid"
            skip = self._skip.get(kind, ())
            for key, *row in self._db.execute(query).fetchall():
                if key in skip:
                    continue
                if read is None:
                    repository.load(kind, key, tuple(row))
                else:
                    read(kind, key, repository.load, kind, key, tuple(row))
