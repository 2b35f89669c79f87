"""``mockrc serve --state-file FILE``: the account, its users and its tokens in SQLite, across restarts.

A developer runs the fake for days as the RingCentral their code, Postman or an identity provider
talks to; a restart must not lose what those clients created. So the state that clients build up
is written through to an embedded database (SQLite, from the standard library):

- the account document the fake serves (so a restart without ``--account`` serves the same one),
  and how many unassigned extensions (licences) it has left;
- every SCIM user, exactly as stored (attributes as sent, ``meta`` times, version), in creation order;
- every access token (static ``--token`` ones excepted: the command line registers those), every
  OAuth session and refresh token, with their expiry, revocation and first use.

**Durability.** Requests are serialised by the state's lock; everything one request changes is
written in one SQLite transaction committed before its answer is sent (:meth:`StateFile.commit`,
called by the app after the view). A client that got ``201`` therefore finds the user after any
restart, and a transaction is all-or-nothing, so nothing is ever half-written. The database runs
in WAL mode with ``synchronous=NORMAL``: a commit is in the operating system's hands (written to
the WAL) before the answer leaves, which survives the process dying any way at all (``kill -9``,
a crash, Ctrl-C); only an operating-system crash or power loss could lose the last commits, never
corrupting the file. ``synchronous=FULL`` would also cover power loss but costs an ``fsync`` per
write (about 2 ms here against 0.09 ms), a poor trade for a fake on a developer's machine.

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
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing, suppress
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Final, TypeVar

from mockrc.account import Account, load_account, parse_account
from mockrc.errors import ConfigError
from mockrc.ids import IdFactory, IdStyle
from mockrc.oauth.sessions import Issued, RefreshRecord, Session
from mockrc.store import StoredUser, UserStore
from mockrc.tokens import AccessToken, Principal

if TYPE_CHECKING:
    from mockrc.state import MockState

#: Bumped when the tables change; a file of another version is refused rather than misread.
SCHEMA_VERSION: Final = 1
#: ``PRAGMA application_id`` of a state file ("mkrc"): the field of SQLite's file header that says
#: which program a database belongs to (https://www.sqlite.org/pragma.html#pragma_application_id,
#: https://www.sqlite.org/fileformat.html#application_id). A database of another program is refused
#: rather than adopted: mockrc would add its tables to it, and a reset would empty them.
APPLICATION_ID: Final = 0x6D6B7263
#: The tables of a state file; a file of an earlier mockrc has these and no application id yet.
_TABLES: Final = frozenset({"meta", "users", "tokens", "sessions", "refresh_tokens"})

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

V = TypeVar("V")


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


class _TrackedDict(dict[str, V]):
    """A dict that notes the keys assigned to it: the registries change entries only by assignment."""

    def __init__(self, items: Mapping[str, V], changed: Callable[[str], None]) -> None:
        super().__init__(items)
        self._changed = changed

    def __setitem__(self, key: str, value: V) -> None:
        super().__setitem__(key, value)
        self._changed(key)


class _TrackedUserStore(UserStore):
    """The user store, noting which users each request added, replaced or deleted."""

    def __init__(self, *, unique_emails: bool, pending: dict[str, StoredUser | None]) -> None:
        super().__init__(unique_emails=unique_emails)
        self._pending = pending

    def add(self, user: StoredUser) -> StoredUser:
        added = super().add(user)
        self._pending[added.id] = added
        return added

    def replace(self, user_id: str, attributes: dict[str, Any], now: float) -> StoredUser:
        replaced = super().replace(user_id, attributes, now)
        self._pending[user_id] = replaced
        return replaced

    def delete(self, user_id: str) -> None:
        super().delete(user_id)
        self._pending[user_id] = None

    def clear(self) -> None:
        for user in self:
            self._pending[user.id] = None
        super().clear()


class _ResumedIds(IdFactory):
    """Ids after a restart: extension ids go on above ``above``, the highest id the file ever saw.

    The random stream is the one a fresh IdFactory of the start's seed draws; every extension id
    is shifted by one constant, so they still grow in random steps and never meet an old one.
    """

    def __init__(self, style: IdStyle, seed: int, above: int) -> None:
        super().__init__(style, seed)
        self._extension = style == "extension"
        self._above = above
        self._shift: int | None = None

    def new_id(self) -> str:
        value = super().new_id()
        if not self._extension:
            return value
        if self._shift is None:
            self._shift = max(0, self._above + 1 - int(value))
        return str(int(value) + self._shift)


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


def _principal_json(principal: Principal) -> dict[str, Any]:
    return {**asdict(principal), "scopes": sorted(principal.scopes)}


def _principal(document: Mapping[str, Any]) -> Principal:
    return Principal(**{**document, "scopes": frozenset(document["scopes"])})


def _token_json(token: AccessToken) -> str:
    return json.dumps({**asdict(token), "principal": _principal_json(token.principal)})


def _token(text: str) -> AccessToken:
    document = json.loads(text)
    return AccessToken(**{**document, "principal": _principal(document["principal"])})


def _object(text: str, what: str) -> dict[str, Any]:
    """A stored JSON object."""
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError(f"{what} must be a JSON object, not {type(document).__name__}")
    return document


def _issued_json(issued: Issued | None) -> dict[str, Any] | None:
    return None if issued is None else asdict(issued)


def _issued(document: Mapping[str, Any] | None) -> Issued | None:
    return None if document is None else Issued(**{**document, "scopes": tuple(document["scopes"])})


def _session_json(session: Session) -> str:
    return json.dumps(
        {
            **asdict(session),
            "user": session.user.extension_id if session.user is not None else None,
            "principal": _principal_json(session.principal),
            "latest": _issued_json(session.latest),
        }
    )


def _session(text: str, account: Account) -> Session | None:
    """A session of ``account``; None when its user is no longer in the account."""
    document = json.loads(text)
    user = None
    if document["user"] is not None:
        user = account.user(document["user"])
        if user is None:
            return None
    return Session(
        **{
            **document,
            "user": user,
            "scopes": tuple(document["scopes"]),
            "principal": _principal(document["principal"]),
            "latest": _issued(document["latest"]),
        }
    )


def _refresh_json(record: RefreshRecord) -> str:
    return json.dumps({**asdict(record), "successor": _issued_json(record.successor)})


def _refresh(text: str) -> RefreshRecord:
    document = json.loads(text)
    return RefreshRecord(**{**document, "successor": _issued(document["successor"])})


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
    after each build (the first restores the file, later ones are resets and empty it), and the
    app calls :meth:`commit` at the end of every request.
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
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)
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
        self._state: MockState | None = None
        self._attached = False
        self._wiped = False
        self._users: dict[str, StoredUser | None] = {}
        self._tokens: set[str] = set()
        self._sessions: set[str] = set()
        self._refresh: set[str] = set()
        self._unassigned = meta.get("unassigned_extensions")
        self._high_water = self._read("meta", "high_water", lambda: int(meta.get("high_water", "0")))

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

    def attach(self, state: MockState) -> None:
        """Follow ``state``, just built: on the first build of a restart, restore the file into it;
        on later builds (a reset), empty the file; then note every change to users and tokens.

        Users the build made (seed data) are written on the file's first start and after a reset;
        on a restart the file's users stand instead, as clients left them.
        """
        self._state = state
        users = state.users
        built = list(users.store)
        store = _TrackedUserStore(unique_emails=state.profile.rules.unique_emails, pending=self._users)
        users.store = store
        if not self._attached:
            self._attached = True
            if self.starts > 1:
                self._restore(state, store)
                built = []
        else:
            self._users.clear()
            self._tokens.clear()
            self._sessions.clear()
            self._refresh.clear()
            self._wiped = True
        for user in built:
            store.add(user)
        registry = state.tokens
        registry._tokens = _TrackedDict(registry._tokens, self._tokens.add)
        sessions = state.oauth.sessions
        sessions._sessions = _TrackedDict(sessions._sessions, self._sessions.add)
        sessions._refresh = _TrackedDict(sessions._refresh, self._refresh.add)
        self.commit()

    def _restore(self, state: MockState, store: UserStore) -> None:
        rows = self._db.execute(
            "SELECT id, attributes, created, last_modified, version FROM users ORDER BY rowid"
        )
        for user_id, attributes, created, last_modified, version in rows:
            document = self._read("users", user_id, _object, attributes, "attributes")
            UserStore.add(store, StoredUser(user_id, document, created, last_modified, version))
        unassigned = self._unassigned
        if unassigned is not None:
            state.users.unassigned_extensions = self._read(
                "meta", "unassigned_extensions", lambda: json.loads(unassigned)
            )
        ids = _ResumedIds(state.profile.rules.id_style, self.seed_for(state.settings.seed), self._high_water)
        state.ids = state.users.ids = ids
        static = set(state.settings.tokens)
        tokens = state.tokens._tokens
        for value, text in self._db.execute("SELECT value, token FROM tokens"):
            if value not in static:
                tokens[value] = self._read("tokens", value, _token, text)
        sessions = state.oauth.sessions
        for session_id, text in self._db.execute("SELECT id, session FROM sessions"):
            session = self._read("sessions", session_id, _session, text, state.account)
            if session is not None:
                sessions._sessions[session.id] = session
        for value, text in self._db.execute("SELECT value, record FROM refresh_tokens"):
            record = self._read("refresh_tokens", value, _refresh, text)
            if record.session_id in sessions._sessions:
                sessions._refresh[value] = record

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

    def commit(self) -> None:
        """Write what changed since the last commit, in one transaction (nothing: no transaction).

        Called under the state's lock before a request is answered; if the write fails the
        changes stay pending (and the request fails), so the next commit retries them.
        """
        state = self._state
        if state is None:
            return
        unassigned = json.dumps(state.users.unassigned_extensions)
        if not (
            self._wiped
            or self._users
            or self._tokens
            or self._sessions
            or self._refresh
            or unassigned != self._unassigned
        ):
            return
        high_water = max(
            (int(u.id) for u in self._users.values() if u is not None and u.id.isdigit()),
            default=self._high_water,
        )
        high_water = max(high_water, self._high_water)
        self._write(lambda: self._flush(state, unassigned, high_water))
        self._wiped = False
        self._users.clear()
        self._tokens.clear()
        self._sessions.clear()
        self._refresh.clear()
        self._unassigned = unassigned
        self._high_water = high_water

    def _flush(self, state: MockState, unassigned: str, high_water: int) -> None:
        db = self._db
        if self._wiped:
            for table in ("users", "tokens", "sessions", "refresh_tokens"):
                db.execute(f"DELETE FROM {table}")
        db.executemany(
            "INSERT INTO users (id, attributes, created, last_modified, version) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, "
            "last_modified = excluded.last_modified, version = excluded.version",
            (
                (u.id, json.dumps(u.attributes), u.created, u.last_modified, u.version)
                for u in self._users.values()
                if u is not None
            ),
        )
        db.executemany("DELETE FROM users WHERE id = ?", ((i,) for i, u in self._users.items() if u is None))
        static = set(state.settings.tokens)
        tokens = state.tokens._tokens
        changed = [tokens[v] for v in self._tokens if v not in static]
        db.executemany(
            "INSERT OR REPLACE INTO tokens (value, token) VALUES (?, ?)",
            ((t.value, _token_json(t)) for t in changed),
        )
        store = state.oauth.sessions
        refresh = [store._refresh[v] for v in self._refresh]
        # Sessions and refresh records change in place (ended, refreshed); each such change also
        # assigns a token of the session, which is how a changed session is found.
        session_ids = self._sessions | {t.session_id for t in changed} | {r.session_id for r in refresh}
        sessions = [s for s in (store._sessions.get(i) for i in session_ids) if s is not None]
        db.executemany(
            "INSERT OR REPLACE INTO sessions (id, session) VALUES (?, ?)",
            ((s.id, _session_json(s)) for s in sessions),
        )
        kept = {s.id for s in sessions}
        records = {r.value: r for r in refresh}
        records.update((r.value, r) for r in _of_sessions(store._refresh.values(), kept))
        db.executemany(
            "INSERT OR REPLACE INTO refresh_tokens (value, session_id, record) VALUES (?, ?, ?)",
            ((r.value, r.session_id, _refresh_json(r)) for r in records.values()),
        )
        self._put_meta({"unassigned_extensions": unassigned, "high_water": str(high_water)})

    def close(self) -> None:
        """Write what is pending and close the file (a stopped server releases it)."""
        try:
            self.commit()
        finally:
            self._db.close()


def _of_sessions(records: Iterable[RefreshRecord], session_ids: set[str]) -> list[RefreshRecord]:
    """The refresh records of the given sessions (a refresh changes the previous record in place)."""
    return [r for r in records if r.session_id in session_ids] if session_ids else []
