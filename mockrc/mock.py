"""``mock_ringcentral``: the fake inside a test process, with no socket.

Every ``requests`` call to RingCentral's hosts (and any extra base URL) is answered by the same
Flask app that ``mockrc serve`` runs, through the ``responses`` library; other hosts pass
through untouched. Works as a context manager and as a decorator::

    with mockrc.mock_ringcentral() as rc:
        requests.get(f"{rc.base_url}/scim/v2/Users", headers=rc.auth_headers)
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from contextlib import ContextDecorator
from typing import Any

from flask import Flask

from mockrc.app import create_app
from mockrc.clock import Clock, FakeClock
from mockrc.journal import Journal, RecordedViolation
from mockrc.ratelimit import RateLimits
from mockrc.report import Report, build_report
from mockrc.seed import SeedSource, seed_sources
from mockrc.settings import DEFAULT_BASE_URLS, Settings
from mockrc.state import MockState
from mockrc.transport.inprocess import InProcessTransport


class MockRingCentral(ContextDecorator):
    """A fake RingCentral for the duration of a ``with`` block or a decorated function.

    Each activation starts from a fresh state, so decorated tests never share users or tokens.
    ``clock`` defaults to a :class:`~mockrc.clock.FakeClock` that tests advance by hand;
    ``account`` names an account file (default: the built-in account, docs/oauth.md).
    ``scenarios`` are active from the start (shipped names or scenario files; ``state.scenarios``
    activates more), and ``rate_limits`` turns RingCentral's rate limits on (``RateLimits()``:
    RingCentral's defaults). ``users`` are there from the start (:mod:`mockrc.seed`): a number
    of realistic users generated from ``seed``, a seed file (shipped name or path), or a list of both.
    ``token`` is the admin's bearer token :attr:`token` gives, registered as one of ``tokens``
    (default: a fresh one minted at each start). ``journal_size`` and ``journal_bytes`` bound the
    journal (the newest entries are kept), as ``mockrc serve --journal-size/--journal-bytes`` do.

    A configuration the fake cannot start with (a bad seed, scenario, account or profile) raises
    :class:`~mockrc.errors.ConfigError` from :meth:`start`.
    """

    def __init__(
        self,
        *,
        profile: str = "ringcentral",
        tokens: Sequence[str] = (),
        base_urls: Sequence[str] = (),
        seed: int = 0,
        clock: Clock | None = None,
        account: str | None = None,
        scenarios: Sequence[str | os.PathLike[str]] = (),
        rate_limits: RateLimits | None = None,
        users: SeedSource | Sequence[SeedSource] = (),
        token: str | None = None,
        journal_size: int = Settings.journal_size,
        journal_bytes: int = Settings.journal_bytes,
    ) -> None:
        self.settings = Settings(
            profile=profile,
            tokens=(*tokens, token) if token is not None and token not in tokens else tuple(tokens),
            seed=seed,
            base_urls=(*DEFAULT_BASE_URLS, *(u.rstrip("/") for u in base_urls)),
            account=account,
            scenarios=tuple(os.fspath(s) for s in scenarios),
            rate_limits=rate_limits,
            users=seed_sources(users),
            journal_size=journal_size,
            journal_bytes=journal_bytes,
        )
        self._clock = clock
        self._token = token
        self.state: MockState
        self.app: Flask
        self.clock: Clock
        self.token: str
        self._transport: InProcessTransport | None = None

    @property
    def base_url(self) -> str:
        """Where the fake answers: RingCentral's production host."""
        return self.settings.base_urls[0]

    @property
    def auth_headers(self) -> dict[str, str]:
        """``Authorization`` for the default admin's token."""
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def journal(self) -> Journal:
        """Every request answered so far: ``find``/``count`` and the ``assert_*`` helpers."""
        return self.state.journal

    @property
    def violations(self) -> list[RecordedViolation]:
        """Every contract violation recorded so far, with its request."""
        return self.state.journal.violations()

    def report(self, *, strict_warnings: bool = False) -> Report:
        """The contract report on the journal: ``exit_status``, ``junit()``, ``to_json()``, ``markdown()``."""
        return build_report(
            self.journal.report_records(), source="in-process", strict_warnings=strict_warnings
        )

    def build(self) -> MockRingCentral:
        """A fresh fake (``state``, ``app``, ``clock``, ``token``) that answers nothing yet.

        :meth:`start` builds and then answers ``requests`` calls through it; the pytest plugin
        builds one per test and serves it in-process, on its live server, or both.
        """
        self.clock = self._clock or FakeClock()
        self.state = MockState(self.settings, clock=self.clock)
        self.app = create_app(self.state)
        self.token = self._token if self._token is not None else self.state.issue_admin_token()
        return self

    def serve_in_process(self) -> None:
        """Answer ``requests`` calls to the base URLs with the fake :meth:`build` made, until :meth:`stop`."""
        if self._transport is not None:
            raise RuntimeError("the fake is already started")
        self._transport = InProcessTransport(self.app, self.settings.base_urls)
        self._transport.start()

    def start(self) -> MockRingCentral:
        """Build a fresh fake and answer ``requests`` calls to its base URLs with it."""
        self.build()
        self.serve_in_process()
        return self

    @property
    def url_pattern(self) -> re.Pattern[str]:
        """The URLs the fake answers while started (RingCentral's hosts and any extra base URL)."""
        if self._transport is None:
            raise RuntimeError("the fake is not started")
        return self._transport.url_pattern

    def stop(self) -> None:
        if self._transport is not None:
            self._transport.stop()
            self._transport = None

    def __enter__(self) -> MockRingCentral:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def mock_ringcentral(**options: Any) -> MockRingCentral:
    """A :class:`MockRingCentral` (see there for the options)."""
    return MockRingCentral(**options)
