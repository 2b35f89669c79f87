"""``mock_ringcentral``: the fake inside a test process, with no socket.

Every ``requests`` call to RingCentral's hosts (and any extra base URL) is answered by the same
Flask app that ``mockrc serve`` runs, through the ``responses`` library; other hosts pass
through untouched. Works as a context manager and as a decorator::

    with mockrc.mock_ringcentral() as rc:
        requests.get(f"{rc.base_url}/scim/v2/Users", headers=rc.auth_headers)
"""

from __future__ import annotations

import os
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
    ) -> None:
        self.settings = Settings(
            profile=profile,
            tokens=tuple(tokens),
            seed=seed,
            base_urls=(*DEFAULT_BASE_URLS, *(u.rstrip("/") for u in base_urls)),
            account=account,
            scenarios=tuple(os.fspath(s) for s in scenarios),
            rate_limits=rate_limits,
            users=seed_sources(users),
        )
        self._clock = clock
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
        return build_report(self.journal.records(), source="in-process", strict_warnings=strict_warnings)

    def start(self) -> MockRingCentral:
        self.clock = self._clock or FakeClock()
        self.state = MockState(self.settings, clock=self.clock)
        self.app = create_app(self.state)
        self.token = self.state.issue_admin_token()
        self._transport = InProcessTransport(self.app, self.settings.base_urls)
        self._transport.start()
        return self

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
