"""MockState: everything one fake knows, in one object owned by its app.

There is no module-level state: each app (each test, each server) builds its own MockState, and
``reset()`` puts it back as it started. Requests are serialised by ``lock`` (the server is
multi-threaded; the domain objects are not), which :func:`mockrc.app.create_app` holds around
each request.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Final

from mockrc.account import Account, load_account
from mockrc.clock import Clock, SystemClock
from mockrc.errors import ConfigError
from mockrc.ids import IdFactory
from mockrc.journal import Journal
from mockrc.oauth.server import OAuthServer
from mockrc.oauth.sessions import principal_for
from mockrc.profile import Profile, load_profile
from mockrc.ratelimit import RateLimiter
from mockrc.scenarios.actions import apply_change
from mockrc.scenarios.engine import ScenarioEngine
from mockrc.scenarios.loader import load_scenario
from mockrc.scenarios.model import Scenario
from mockrc.scim.users import UserService
from mockrc.seed import Seed, add_users, build_seed
from mockrc.settings import Settings
from mockrc.tokens import Principal, TokenRegistry

if TYPE_CHECKING:  # imported with --state-file only: SQLite is not needed before (issue 12)
    from mockrc.persistence import StateFile

#: The id of the account a server starts with (the others are made by :mod:`mockrc.accounts`).
DEFAULT_ACCOUNT: Final = "default"
#: What separates an account's id from the rest of a token value (never in base64url or hex).
NAMESPACE_END: Final = "."


def namespace_of(key: str) -> str:
    """What every token, code and ticket of account ``key`` carries after its prefix, so that a
    request's credential names its account (:mod:`mockrc.http.tenancy`). The default account's
    values carry nothing: they are what a one-account fake has always issued."""
    return "" if key == DEFAULT_ACCOUNT else f"{key}{NAMESPACE_END}"


@dataclass
class HandlerError:
    """An exception raised inside the fake: answered as a 500, kept so tests can re-raise it."""

    request_id: int
    method: str
    path: str
    exception: BaseException


class MockState:
    """The account, its users and tokens, the clock, and what was recorded about requests."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        account: Account | None = None,
        key: str = DEFAULT_ACCOUNT,
        seed_data: Seed | None = None,
        scenarios: Sequence[Scenario] | None = None,
    ) -> None:
        """``key`` is the account's id on its server; ``seed_data`` and ``scenarios``, when given,
        replace what ``settings.users`` and ``settings.scenarios`` would load (an account made
        over HTTP brings documents, never paths on the server)."""
        self.settings = settings or Settings()
        self.key = key
        self.clock: Clock = clock or SystemClock()
        self.profile: Profile = load_profile(self.settings.profile)
        #: The seed data every reset starts from, read and generated once, so a bad seed fails here.
        self.seed_data: Seed = seed_data or build_seed(
            self.settings.users, seed=self.settings.seed, profile=self.profile
        )
        if self.seed_data.account is not None and self.settings.account is not None:
            raise ConfigError("two accounts given: an account file and a seed file with an account; keep one")
        #: Where the account, users and tokens outlive the process (``--state-file``); None: memory only.
        self.state_file: StateFile | None = None
        if self.settings.state_file:
            from mockrc.persistence import StateFile

            self.state_file = StateFile(self.settings.state_file, self.profile.name)
        #: The account behind the fake: ``account`` if given, else a seed file's, else the settings' file,
        #: else the one the state file holds (or the default).
        chosen = account or self.seed_data.account
        if chosen is None and self.settings.account is not None:
            chosen = load_account(self.settings.account)
        self.account: Account = (
            self.state_file.account(chosen) if self.state_file else chosen or load_account(None)
        )
        #: Loaded once, so a bad file fails here; activated afresh by every reset.
        self._initial_scenarios = (
            tuple(scenarios)
            if scenarios is not None
            else tuple(load_scenario(s) for s in self.settings.scenarios)
        )
        self.lock = threading.RLock()
        #: Every request and its answer; it outlives :meth:`reset`, which only empties it.
        self.journal = Journal(self.settings.journal_size, self.settings.journal_bytes)
        #: Request ids never restart, so a journal file that spans resets has each id once.
        self._request_ids = 0
        # The stores and services are made once and live as long as the state: a reset clears
        # them in place (:meth:`_clear`), so whatever holds one (a view, a test, the state file)
        # never holds a stale one.
        seed = self._seed()
        self.ids = IdFactory(self.profile.rules.id_style, seed=seed)
        self.users = UserService(
            self.profile, self.clock, self.ids, unassigned_extensions=self.account.unassigned_extensions
        )
        self.tokens = TokenRegistry(self.clock)
        self.oauth = OAuthServer(
            self.account, self.tokens, self.clock, seed=seed, namespace=namespace_of(key)
        )
        self.handler_errors: list[HandlerError] = []
        self.scenarios = ScenarioEngine(self.clock, partial(apply_change, self), seed=seed)
        limits = self.settings.rate_limits
        self.rate_limiter = RateLimiter(limits, self.clock) if limits is not None else None
        if self.state_file is not None:
            self.state_file.attach(self.users, self.tokens, self.oauth.sessions, self.settings.tokens)
        self._start(restart=self.state_file is not None and self.state_file.starts > 1)

    def _seed(self) -> int:
        # A state file's later starts draw new ids and token values: the first start's are in the file.
        return self.state_file.seed_for(self.settings.seed) if self.state_file else self.settings.seed

    def _start(self, *, restart: bool = False) -> None:
        """Fill the empty stores as the settings describe; on a ``restart``, from the state file."""
        seed = self._seed()
        self.ids.restart(seed)
        self.journal.clear()
        self.handler_errors.clear()
        for value in self.settings.tokens:
            self.tokens.register(value, self.admin_principal)
        if restart and self.state_file is not None:
            # The file's users stand, as clients left them, instead of the seed data.
            self.state_file.restore(self.ids, seed)
        else:
            add_users(self.users, self.seed_data.users)
        for scenario in self._initial_scenarios:
            self.scenarios.activate(scenario)
        if self.state_file is not None:
            self.state_file.commit()

    def _clear(self) -> None:
        """Empty every store and service in place (the state file follows: it empties too)."""
        self.users.store.clear()
        self.users.unassigned_extensions = self.account.unassigned_extensions
        self.users.unsupported_filters = "refuse"
        self.tokens.clear()
        self.oauth.restart(self.account, self._seed())
        for active in self.scenarios.active:
            self.scenarios.deactivate(active.name)
        if self.rate_limiter is not None:
            self.rate_limiter.clear()

    @property
    def admin_principal(self) -> Principal:
        """Who static tokens act as: the account's first administrator, through its first app,
        with every permission of that app."""
        app = self.account.default_app
        return principal_for(self.account, app, self.account.default_admin, app.permissions)

    def use_account(self, account: Account) -> None:
        """Serve ``account`` from now on; like :meth:`reset`, everything else starts afresh."""
        with self.lock:
            self.account = account
            self._clear()
            self._start()

    def reset(self) -> None:
        """Forget every user, token and record: back to the state the settings describe.

        The journal's entries in memory go too; its file (``--journal``) keeps them. Every store
        and service stays the same object, emptied: a reference taken before the reset sees the
        state after it.
        """
        with self.lock:
            self._clear()
            self._start()

    def next_request_id(self) -> int:
        with self.lock:
            self._request_ids += 1
            return self._request_ids

    def issue_admin_token(self) -> str:
        """Mint a long-lived token for the default admin (what the in-process mock hands out)."""
        value = self.ids.new_token(f"mockrc-{namespace_of(self.key)}")
        self.tokens.register(value, self.admin_principal)
        return value
