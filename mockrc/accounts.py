"""Many RingCentral accounts in one server: each a whole :class:`~mockrc.state.MockState`.

The account a server starts with is the *default* account (id ``default``); ``POST
/__mockrc/accounts`` makes more. Each account owns everything a one-account fake owns (store,
tokens, OAuth sessions, scenarios, clock, rate limiter, journal, lock), so isolation is structural:
nothing of one account is reachable from another's objects, and one account's lock or slow
scenario never holds up another's requests.

Which account a request is for is decided by its credential (:mod:`mockrc.http.tenancy`):

- every token, refresh token, authorization code and sign-in ticket an account issues carries the
  account's id after its prefix (``mockrc-at-<id>.…``, :func:`mockrc.state.namespace_of`), so
  :meth:`Accounts.by_credential` finds the account of any of them in O(1), with no index to keep
  in step with the token stores, and two accounts can never issue the same value (an index would
  need a second copy of every token, and two accounts of the same seed would draw equal values);
- an app's client id names its account (:meth:`Accounts.by_client_id`, an index kept here:
  client ids, sign-in emails and JWT credentials are unique across the accounts of a server).

A value that names no live account (a deleted one's, or a forged id) belongs to the default
account, which refuses it exactly as it refuses any unknown token.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from mockrc.account import Account, load_account, parse_account
from mockrc.clock import Clock, FakeClock, SystemClock
from mockrc.errors import AccountError, ConfigError, Conflict, InvalidValue, MockrcError, NotFound
from mockrc.profile import available_profiles
from mockrc.ratelimit import RateLimits
from mockrc.scenarios.loader import load_scenario, looks_like_path, parse_scenario
from mockrc.scenarios.model import Scenario
from mockrc.seed import Seed, SeedUsers, parse_seed
from mockrc.state import DEFAULT_ACCOUNT, NAMESPACE_END, MockState, namespace_of

#: The members of a ``POST /__mockrc/accounts`` body.
REQUEST_MEMBERS: Final = ("account", "users", "seed", "profile", "scenarios", "rate_limits", "clock")
#: Users an account made over HTTP may be generated with (``mockrc serve --users`` has no bound: its
#: operator chose it; a request must not make the server generate for minutes).
MAX_GENERATED_USERS: Final = 10_000
#: Accounts one server holds at most, besides the default one: each costs memory until deleted.
MAX_ACCOUNTS: Final = 10_000
#: An account id: 12 lower-case hex digits, drawn at random (never ``default``).
_ACCOUNT_ID = re.compile(r"[0-9a-f]{12}")
#: What a per-account state file's sidecar is called (its creation request, for restarts and resets).
_SIDECAR = ".json"


@dataclass(frozen=True)
class AccountRequest:
    """A checked ``POST /__mockrc/accounts`` body (every member optional)."""

    account: Account | None = None
    #: Users to generate (a count) and users given as documents, in seed-file form.
    count: int = 0
    users: tuple[Mapping[str, Any], ...] = ()
    seed: int | None = None
    profile: str | None = None
    scenarios: tuple[str | Mapping[str, Any], ...] = ()
    rate_limits: bool = False
    clock: str | None = None
    #: The request as sent (what a state file keeps, to make the account again on a restart).
    document: Mapping[str, Any] | None = None


def parse_request(document: Any) -> AccountRequest:
    """Check a ``POST /__mockrc/accounts`` body; InvalidValue names the member and what is wrong."""
    if document is None:
        return AccountRequest()
    if not isinstance(document, Mapping):
        raise InvalidValue("the body must be a JSON object (or empty): {account, users, seed, ...}")
    unknown = sorted(set(document) - set(REQUEST_MEMBERS))
    if unknown:
        raise InvalidValue(f"unknown member(s) {', '.join(unknown)}: send {', '.join(REQUEST_MEMBERS)}")
    account = None
    if "account" in document:
        try:
            account = parse_account(document["account"], "/account")
        except AccountError as exc:
            raise InvalidValue(str(exc)) from None
    count, users = _users(document.get("users"))
    seed = document.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise InvalidValue(f'"/seed" must be a whole number, not {seed!r}')
    profile = document.get("profile")
    if profile is not None and profile not in available_profiles():
        raise InvalidValue(f'"/profile" must be one of {", ".join(available_profiles())}, not {profile!r}')
    scenarios = document.get("scenarios", [])
    if not isinstance(scenarios, list) or not all(isinstance(s, str | Mapping) for s in scenarios):
        raise InvalidValue('"/scenarios" must be a list of shipped scenario names or scenario documents')
    for index, name in enumerate(scenarios):
        if isinstance(name, str) and looks_like_path(name):
            raise InvalidValue(
                f'"/scenarios/{index}": {name!r} is a path; over HTTP, give a shipped name or the document'
            )
    rate_limits = document.get("rate_limits", False)
    if not isinstance(rate_limits, bool):
        raise InvalidValue(f'"/rate_limits" must be true or false, not {rate_limits!r}')
    clock = document.get("clock")
    if clock is not None and clock not in ("system", "fake"):
        raise InvalidValue(f'"/clock" must be "system" or "fake", not {clock!r}')
    return AccountRequest(
        account, count, users, seed, profile, tuple(scenarios), rate_limits, clock, dict(document)
    )


def _users(value: Any) -> tuple[int, tuple[Mapping[str, Any], ...]]:
    if value is None:
        return 0, ()
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_GENERATED_USERS:
            raise InvalidValue(f'"/users": a count must be 0 to {MAX_GENERATED_USERS:,}, not {value}')
        return value, ()
    if isinstance(value, list) and all(isinstance(u, Mapping) for u in value):
        return 0, tuple(value)
    raise InvalidValue('"/users" must be a number of users to generate or a list of user documents')


@dataclass(frozen=True)
class Credentials:
    """What a client needs to use an account: its admin's bearer token, app and sign-in."""

    token: str | None
    client_id: str
    client_secret: str | None
    username: str
    password: str
    jwt: str | None


@dataclass(frozen=True)
class Listed:
    """One account as ``GET /__mockrc/accounts`` lists it."""

    id: str
    state: MockState


class Accounts:
    """The default account and the others of one server; thread-safe."""

    def __init__(self, default: MockState) -> None:
        self.default = default
        self._lock = threading.Lock()
        self._states: dict[str, MockState] = {}
        self._credentials: dict[str, Credentials] = {}
        #: Client ids, folded sign-in emails and JWT credentials -> the account that owns them.
        self._owners: dict[str, str] = {}
        self._claim(DEFAULT_ACCOUNT, default.account)
        state_file = default.settings.state_file
        #: Where extra accounts' state files live (``--state-file S``: the folder ``S.accounts``).
        self._folder = Path(f"{state_file}.accounts") if state_file else None
        if self._folder is not None:
            self._restore(self._folder)

    # --- finding an account ------------------------------------------------------------------

    def get(self, key: str) -> MockState | None:
        """The account ``key`` (``default`` included); None if there is none."""
        if key == DEFAULT_ACCOUNT:
            return self.default
        return self._states.get(key)

    def by_credential(self, value: str) -> MockState | None:
        """The account whose id a token, refresh token, code or ticket carries; None for one that
        carries none, or names no live account. O(length of the prefix)."""
        end = value.find(NAMESPACE_END)
        if end < 0:
            return None
        start = value.rfind("-", 0, end) + 1
        key = value[start:end]
        return self._states.get(key) if _ACCOUNT_ID.fullmatch(key) else None

    def by_client_id(self, client_id: str) -> MockState | None:
        """The account that registered the app ``client_id``; None if none did."""
        key = self._owners.get(f"client:{client_id}")
        return None if key is None else self.get(key)

    def credentials(self, key: str) -> Credentials | None:
        """What ``POST`` answered for account ``key``; for the default account, its app and admin,
        and its first ``--token`` (None without one)."""
        if key != DEFAULT_ACCOUNT:
            return self._credentials.get(key)
        tokens = self.default.settings.tokens
        return _credentials_of(self.default.account, tokens[0] if tokens else None)

    def __iter__(self) -> Iterator[Listed]:
        """Every account, the default one first, then in the order they were made."""
        with self._lock:
            states = list(self._states.items())
        yield Listed(DEFAULT_ACCOUNT, self.default)
        for key, state in states:
            yield Listed(key, state)

    def __len__(self) -> int:
        return 1 + len(self._states)

    # --- making and removing accounts ----------------------------------------------------------

    def create(self, request: AccountRequest) -> tuple[str, MockState, Credentials]:
        """Make an account as ``request`` says; Conflict when its document's client id, email or
        JWT credential belongs to another account, or the server holds :data:`MAX_ACCOUNTS`."""
        key = self._new_key()
        return self._make(key, request, new=True)

    def _make(
        self, key: str, request: AccountRequest, *, new: bool, token: str | None = None
    ) -> tuple[str, MockState, Credentials]:
        # Made again from a state file (not new), a generated account is the one the file keeps.
        account = request.account or (generated_account(key) if new else None)
        token = token or f"mockrc-{namespace_of(key)}{secrets.token_hex(16)}"
        base = self.default.settings
        profile = request.profile or base.profile
        seed = request.seed if request.seed is not None else int(key, 16) % 2**31
        settings = replace(
            base,
            profile=profile,
            tokens=(token,),
            seed=seed,
            account=None,
            scenarios=(),
            rate_limits=RateLimits() if request.rate_limits else None,
            users=(),
            state_file=str(self._folder / f"{key}.sqlite") if self._folder is not None else None,
        )
        clock = self._clock(request.clock)
        try:
            seed_data = self._seed(request, seed, profile)
            scenarios = tuple(_scenario(s, i) for i, s in enumerate(request.scenarios))
            if account is not None:
                self._check_free(key, account)
            state = MockState(
                settings, clock=clock, account=account, key=key, seed_data=seed_data, scenarios=scenarios
            )
        except ConfigError as exc:
            raise InvalidValue(str(exc)) from None
        account = state.account
        credentials = _credentials_of(account, token)
        try:
            if self._folder is not None and new:
                # Beside its state file: how to make the account again on the next start.
                sidecar = {"request": dict(request.document or {}), "token": token}
                (self._folder / f"{key}{_SIDECAR}").write_text(json.dumps(sidecar), encoding="utf-8")
            with self._lock:
                # Again, under the lock: another account may have claimed a name meanwhile.
                self._check_free(key, account)
                self._claim(key, account)
                self._states[key] = state
                self._credentials[key] = credentials
        except (Conflict, OSError):
            self._discard(key, state)
            raise
        if self.default.journal.streaming:
            state.journal.stream_into(self.default.journal)
        return key, state, credentials

    def delete(self, key: str) -> None:
        """Remove account ``key`` and everything it holds; its credentials then belong to nobody."""
        if key == DEFAULT_ACCOUNT:
            raise Conflict("the default account cannot be deleted: it is the server's own (reset it instead)")
        with self._lock:
            state = self._states.pop(key, None)
            if state is None:
                raise NotFound(f"no account {key!r} on this server (GET /__mockrc/accounts lists them)")
            self._credentials.pop(key, None)
            for name in _names(state.account):  # its own names only: no walk over every account's
                if self._owners.get(name) == key:
                    del self._owners[name]
        self._discard(key, state)

    def _discard(self, key: str, state: MockState) -> None:
        """Close an account's files and remove them (a request in flight on it finishes first)."""
        with state.lock:
            state.journal.close()
            if state.state_file is not None:
                state.state_file.close()
        if self._folder is not None:
            for path in self._folder.glob(f"{key}.*"):
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close every extra account's files (the server stops); the default account is the caller's."""
        for listed in list(self)[1:]:
            listed.state.journal.close()
            if listed.state.state_file is not None:
                listed.state.state_file.close()

    def _new_key(self) -> str:
        with self._lock:
            if len(self._states) >= MAX_ACCOUNTS:
                raise Conflict(f"this server holds {MAX_ACCOUNTS:,} accounts, its most: delete some first")
            while True:
                key = secrets.token_hex(6)
                if key not in self._states:
                    return key

    def _clock(self, kind: str | None) -> Clock:
        if kind is None:
            kind = "fake" if isinstance(self.default.clock, FakeClock) else "system"
        return FakeClock() if kind == "fake" else SystemClock()

    @staticmethod
    def _seed(request: AccountRequest, seed: int, profile: str) -> Seed:
        files = parse_seed({"users": list(request.users)}, "/users").users if request.users else ()
        names = tuple(u.body["userName"] for u in files if isinstance(u.body.get("userName"), str))
        return Seed(None, SeedUsers(files, request.count, seed, profile, names))

    def _check_free(self, key: str, account: Account) -> None:
        for name in _names(account):
            owner = self._owners.get(name)
            if owner is not None and owner != key:
                kind, _, value = name.partition(":")
                raise Conflict(
                    f"/account: the {kind} {value!r} belongs to another account on this server; "
                    "each account needs its own app client ids, sign-in emails and JWT credentials"
                )

    def _claim(self, key: str, account: Account) -> None:
        for name in _names(account):
            self._owners[name] = key

    def _restore(self, folder: Path) -> None:
        """Make again every account a ``--state-file`` kept (their state files hold their contents)."""
        folder.mkdir(parents=True, exist_ok=True)
        for sidecar in sorted(folder.glob(f"*{_SIDECAR}")):
            key = sidecar.name.removesuffix(_SIDECAR)
            if not _ACCOUNT_ID.fullmatch(key):
                continue
            try:
                kept = json.loads(sidecar.read_text(encoding="utf-8"))
                request = parse_request(kept["request"])
                self._make(key, request, new=False, token=str(kept["token"]))
            except (OSError, ValueError, KeyError, TypeError, InvalidValue, Conflict) as exc:
                from mockrc.persistence import StateFileError  # with --state-file only (issue 12)

                detail = exc.detail if isinstance(exc, MockrcError) else str(exc)
                raise StateFileError(f"{sidecar}: cannot make account {key} again: {detail}") from None


def _credentials_of(account: Account, token: str | None) -> Credentials:
    admin = account.default_admin
    app = account.default_app
    return Credentials(
        token=token,
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=admin.email,
        password=admin.password,
        jwt=admin.jwt_credentials[0] if admin.jwt_credentials else None,
    )


def _names(account: Account) -> Iterator[str]:
    for app in account.apps:
        yield f"client:{app.client_id}"
    for user in account.users:
        yield f"email:{user.email.casefold()}"
        for credential in user.jwt_credentials:
            yield f"JWT credential:{credential}"


def _scenario(value: str | Mapping[str, Any], index: int) -> Scenario:
    where = f"/scenarios/{index}"
    try:
        if isinstance(value, str):
            return load_scenario(value)
        return parse_scenario(value, where, None)
    except ValueError as exc:
        raise InvalidValue(f"{where}: {exc}") from None


def generated_account(key: str) -> Account:
    """A fresh account for id ``key``: the built-in account with its own ids and secrets.

    Made from the built-in account (checked once, when first read) by replacing its values, not
    by checking a new document: the schema check alone would cost ~5 ms, the whole of the
    budget of a fresh account per test.
    """
    template = load_account(None)
    number = int(key, 16)
    extensions = 300_000_000 + (number % 100_000) * 1000
    apps = tuple(
        replace(
            app,
            name=f"mockrc app {key}",
            client_id=f"mockrc-client-{key}" + (f"-{index}" if index else ""),
            client_secret=secrets.token_urlsafe(24) if app.client_secret is not None else None,
        )
        for index, app in enumerate(template.apps)
    )
    users = tuple(
        replace(
            user,
            extension_id=str(extensions + index + 1),
            email=f"{user.email.partition('@')[0]}@{key}.mockrc.test",
            password=secrets.token_urlsafe(18),
            jwt_credentials=tuple(f"mockrc-jwt-{secrets.token_urlsafe(24)}" for _ in user.jwt_credentials),
        )
        for index, user in enumerate(template.users)
    )
    return replace(template, id=str(500_000_000 + number % 400_000_000), apps=apps, users=users)


def account_json(
    key: str, state: MockState, credentials: Credentials | None, base_url: str
) -> dict[str, Any]:
    """An account as ``POST``/``GET /__mockrc/accounts/<id>`` answer it."""
    control = f"{base_url}/__mockrc" if key == DEFAULT_ACCOUNT else f"{base_url}/__mockrc/accounts/{key}"
    body: dict[str, Any] = {
        "id": key,
        "base_url": base_url,
        "scim_url": f"{base_url}/scim/v2",
        "control_url": control,
    }
    if credentials is not None:
        body["token"] = credentials.token
        body["client"] = {"id": credentials.client_id, "secret": credentials.client_secret}
        body["admin"] = {
            "username": credentials.username,
            "password": credentials.password,
            "jwt": credentials.jwt,
        }
    body["profile"] = state.profile.name
    body["users"] = len(state.users.store)
    return body
