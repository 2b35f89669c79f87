"""RingCentral's per-user rate limits (rate-limits guide): groups, sliding window, restarting penalty."""

from __future__ import annotations

import pytest

from mockrc.clock import FakeClock
from mockrc.ratelimit import GROUPS, RateLimiter, RateLimits, Verdict, group_of


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("GET", "/scim/v2/Users", "light"),
        ("GET", "/scim/v2/Users/123", "light"),
        ("GET", "/scim/v2/ServiceProviderConfig", "light"),
        ("GET", "/scim/v2/Schemas", "light"),
        ("POST", "/scim/v2/Users/.search", "light"),
        ("POST", "/scim/v2/.search", "light"),
        ("POST", "/scim/v2/Users", "heavy"),
        ("PUT", "/scim/v2/Users/123", "heavy"),
        ("PATCH", "/scim/v2/Users/123", "heavy"),
        ("DELETE", "/scim/v2/Users/123", "heavy"),
        ("POST", "/restapi/oauth/token", "auth"),
        ("POST", "/restapi/oauth/revoke", "auth"),
        ("GET", "/restapi/oauth/authorize", "auth"),
        ("GET", "/__mockrc/health", None),
        ("GET", "/somewhere/else", None),
    ],
)
def test_scim_reads_are_light_writes_heavy_and_oauth_auth(method: str, path: str, group: str | None) -> None:
    assert group_of(method, path) == group


def test_the_defaults_are_ringcentral_s_documented_limits() -> None:
    limits = RateLimits()

    assert [limits.limit(g) for g in GROUPS] == [50, 40, 10, 5]
    assert (limits.window, limits.penalty) == (60, 60)


def test_remaining_counts_down_and_the_request_over_the_limit_is_refused_for_the_penalty() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(), clock)

    remaining = [limiter.check("alice@app", "auth").remaining for _ in range(5)]
    refused = limiter.check("alice@app", "auth")

    assert remaining == [4, 3, 2, 1, 0]
    assert refused == Verdict("auth", 5, 0, 60, retry_after=60)
    assert refused.refused


def test_the_window_slides_a_request_older_than_the_window_no_longer_counts() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(heavy=2), clock)
    limiter.check("u", "heavy")
    clock.advance(30)
    limiter.check("u", "heavy")
    clock.advance(30)  # the first request is now 60 s old: out of the window

    verdict = limiter.check("u", "heavy")

    assert not verdict.refused
    assert verdict.remaining == 0


def test_a_client_that_waits_for_retry_after_gets_through() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(heavy=1), clock)
    limiter.check("u", "heavy")
    assert limiter.check("u", "heavy").refused
    clock.advance(60)

    verdict = limiter.check("u", "heavy")

    assert not verdict.refused
    assert verdict.into_penalty is None


def test_a_request_during_the_penalty_restarts_it_and_says_how_far_into_it_it_came() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(heavy=1), clock)
    limiter.check("u", "heavy")
    limiter.check("u", "heavy")  # over: penalty until +60
    clock.advance(45)

    impatient = limiter.check("u", "heavy")
    clock.advance(59)  # 104 s after the first refusal, but only 59 s after the restart
    still = limiter.check("u", "heavy")

    assert impatient.refused and impatient.into_penalty == 45
    assert impatient.retry_after == 60
    assert still.refused and still.into_penalty == 59


def test_callers_and_groups_are_counted_apart() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(heavy=1, light=1), clock)
    limiter.check("alice@app", "heavy")

    assert limiter.check("alice@app", "heavy").refused
    assert not limiter.check("alice@app", "light").refused
    assert not limiter.check("bob@app", "heavy").refused


def test_overridden_limits_apply_entra_s_300_reads_and_1000_writes() -> None:
    limiter = RateLimiter(RateLimits(light=300, heavy=1000), FakeClock())

    verdicts = [limiter.check("entra@app", "light") for _ in range(300)]

    assert verdicts[0].limit == 300 and verdicts[-1].remaining == 0
    assert limiter.check("entra@app", "light").refused
    assert limiter.check("entra@app", "heavy").limit == 1000


def test_every_verdict_carries_the_x_rate_limit_headers_and_a_refusal_retry_after() -> None:
    allowed = Verdict("light", 50, 49, 60)
    refused = Verdict("heavy", 10, 0, 60, retry_after=60)

    assert allowed.headers() == {
        "X-Rate-Limit-Group": "light",
        "X-Rate-Limit-Limit": "50",
        "X-Rate-Limit-Remaining": "49",
        "X-Rate-Limit-Window": "60",
    }
    assert refused.headers()["Retry-After"] == "60"
    assert refused.headers()["X-Rate-Limit-Remaining"] == "0"
