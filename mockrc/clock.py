"""Time, injectable: every expiry, rate-limit window and ``meta.lastModified`` reads a Clock.

Tests use :class:`FakeClock` and advance it instead of sleeping; the live server uses
:class:`SystemClock`.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the domain needs of time: seconds since the epoch, and letting some pass."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass (a scenario's ``delay``)."""
        ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FakeClock:
    """A clock that moves only when told to (thread-safe, so a live server can share it)."""

    #: 2026-01-01T00:00:00Z: a fixed, recognisable start so test output is stable.
    DEFAULT_START = 1767225600.0

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    #: 9999-12-31T23:59:59Z: the last instant a timestamp (``meta.lastModified``, the journal's
    #: ``time``) can be written as; a clock past it would fail every answer that shows the time.
    LATEST = 253402300799.0

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (never backwards, never past :attr:`LATEST`) and return
        the new time. A refused move leaves the clock where it was."""
        if not seconds >= 0:  # also NaN
            raise ValueError(f"a clock cannot go backwards (or by {seconds!r} seconds)")
        with self._lock:
            if seconds > self.LATEST - self._now:
                raise ValueError(
                    f"advancing {seconds!r} seconds would take the clock past 9999-12-31T23:59:59Z "
                    f"({self.LATEST - self._now:.0f} seconds from now at most)"
                )
            self._now += seconds
            return self._now

    def sleep(self, seconds: float) -> None:
        """Nobody waits: the clock moves forward instead."""
        self.advance(seconds)

    def set(self, when: float) -> None:
        with self._lock:
            self._now = float(when)


def isoformat(epoch: float) -> str:
    """RFC 3339 UTC timestamp with milliseconds, as RingCentral writes ``meta.created``."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
