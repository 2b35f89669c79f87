"""Time, injectable: every expiry, rate-limit window and ``meta.lastModified`` reads a Clock.

Tests use :class:`FakeClock` and advance it instead of sleeping; the live server uses
:class:`SystemClock`.
"""

from __future__ import annotations

import math
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


#: The milliseconds and the ``Z`` closing an :func:`isoformat` text, by the milliseconds.
_MILLIS = tuple(f"{ms:03d}Z" for ms in range(1000))


class IsoFormatter:
    """:func:`isoformat`, several times cheaper: each text is remembered by its exact epoch
    (bounded), and the text up to the seconds by its whole second (bounded), the milliseconds
    appended from a table.

    A list page formats two timestamps per user (``strftime`` was a tenth of the page's CPU,
    issue 12): a user listed again costs one dict lookup (:attr:`exact`; a renderer reads it
    directly), and users created in one burst share their second. The split into a whole second
    and microseconds is :meth:`datetime.fromtimestamp`'s own (``modf``, then round half to even),
    so the text is the same as :func:`isoformat`'s for every epoch
    (tests/property/test_render_text.py). One per renderer, never shared between modules: a lost
    race only formats an epoch twice.
    """

    #: Whole seconds remembered; past it the cache starts again (its memory stays a few hundred KiB).
    LIMIT = 4096
    #: Epochs remembered (~110 bytes each, ~0.9 MiB in all: the epoch is the record's own float).
    #: Past it an epoch is formatted without being remembered; the first stay (a text never goes
    #: stale). A store larger than this, listed again and again (a sync, a dashboard, a
    #: benchmark), still finds this many, where starting again when full would find none and pay
    #: for refilling (a page at 10,000 users: 82 -> 107 µs).
    EXACT_LIMIT = 8192

    def __init__(self) -> None:
        self._seconds: dict[float, str] = {}
        #: Each epoch's text, by the epoch.
        self.exact: dict[float, str] = {}

    def format(self, epoch: float) -> str:
        """The text of ``epoch`` (a bound method is cheaper to call than the instance)."""
        return self.exact.get(epoch) or self.format_new(epoch)

    def format_new(self, epoch: float) -> str:
        """:meth:`format` of an epoch not in :attr:`exact` (for callers that looked already)."""
        fraction, whole = math.modf(epoch)
        try:
            micro = round(fraction * 1e6)
        except ValueError:  # NaN: isoformat's own error
            return isoformat(epoch)
        if micro >= 1_000_000:
            micro -= 1_000_000
            whole += 1.0
        elif micro < 0:
            micro += 1_000_000
            whole -= 1.0
        prefix = self._seconds.get(whole)
        if prefix is None:
            prefix = self._prefix(whole)
        text = prefix + _MILLIS[micro // 1000]
        if len(self.exact) < self.EXACT_LIMIT:
            self.exact[epoch] = text
        return text

    __call__ = format

    def _prefix(self, whole: float) -> str:
        """The text of a whole second up to its milliseconds, remembered."""
        prefix = isoformat(whole)[:-4]
        seconds = self._seconds
        if len(seconds) >= self.LIMIT:
            seconds.clear()
        seconds[whole] = prefix
        return prefix
