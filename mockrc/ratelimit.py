"""RingCentral's per-user API rate limits, counted on the fake's clock.

RingCentral's rate-limit guide: every API is in a usage group, each group allows a number of
requests per user and app in a sliding 60 s window (Light 50, Medium 40, Heavy 10, Auth 5), and a
caller over the limit is refused for a 60 s penalty *that restarts on every request sent during
it*. Every answer carries ``X-Rate-Limit-Group`` (in lower case, as the guide's example shows),
``-Limit``, ``-Remaining`` and ``-Window``; a refusal is 429 with ``Retry-After`` and the error
CMN-301 "Request rate exceeded". For SCIM, reads, ``.search`` and discovery are Light and writes
Heavy; the OAuth endpoints are Auth.

Off by default: a test suite would trip it. Limits can be overridden per fake, because
RingCentral customises them per app (Entra's RingCentral app has 300/min reads and 1000/min
writes). Plain Python: the HTTP layer asks :meth:`RateLimiter.check` and renders the verdict.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final, Literal

from mockrc.clock import Clock
from mockrc.paths import is_oauth_path, is_scim_path

Group = Literal["light", "medium", "heavy", "auth"]

#: The usage groups, in the order of RingCentral's table.
GROUPS: Final[tuple[Group, ...]] = ("light", "medium", "heavy", "auth")

_SCIM_READS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RateLimits:
    """Requests allowed per group in ``window`` seconds, and the penalty; RingCentral's defaults."""

    light: int = 50
    medium: int = 40
    heavy: int = 10
    auth: int = 5
    window: int = 60
    penalty: int = 60

    def limit(self, group: Group) -> int:
        return int(getattr(self, group))


def group_of(method: str, path: str) -> Group | None:
    """The usage group of a request, or None for paths RingCentral does not limit here."""
    if is_scim_path(path):
        if method.upper() in _SCIM_READS or path.endswith("/.search"):
            return "light"
        return "heavy"
    if is_oauth_path(path):
        return "auth"
    return None


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided about one request, with the headers to answer."""

    group: Group
    limit: int
    remaining: int
    window: int
    #: Seconds to wait (``Retry-After``) when the request is refused; None when it may proceed.
    retry_after: int | None = None
    #: How far into a running penalty the request came (the client did not wait as told).
    into_penalty: float | None = None

    @property
    def refused(self) -> bool:
        return self.retry_after is not None

    def headers(self) -> dict[str, str]:
        found = {
            "X-Rate-Limit-Group": self.group,
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Window": str(self.window),
        }
        if self.retry_after is not None:
            found["Retry-After"] = str(self.retry_after)
        return found


@dataclass
class RateLimiter:
    """Sliding-window counters per (caller, group), with RingCentral's restarting penalty."""

    limits: RateLimits
    clock: Clock
    _hits: dict[tuple[str, Group], deque[float]] = field(default_factory=dict)
    _penalty_until: dict[tuple[str, Group], float] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget every count and penalty (a reset)."""
        self._hits.clear()
        self._penalty_until.clear()

    def check(self, caller: str, group: Group) -> Verdict:
        """Count one request of ``caller`` (user and app) in ``group``; refused if over the limit."""
        now = self.clock.now()
        key = (caller, group)
        limit, window, penalty = self.limits.limit(group), self.limits.window, self.limits.penalty
        until = self._penalty_until.get(key)
        if until is not None and now < until:
            started = until - penalty
            self._penalty_until[key] = now + penalty
            return Verdict(group, limit, 0, window, retry_after=penalty, into_penalty=now - started)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            self._penalty_until[key] = now + penalty
            return Verdict(group, limit, 0, window, retry_after=penalty)
        hits.append(now)
        return Verdict(group, limit, limit - len(hits), window)
