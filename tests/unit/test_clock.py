"""The fake clock: it moves only forward, and never past the last instant a timestamp can show."""

from __future__ import annotations

import math

import pytest

from mockrc.clock import FakeClock, isoformat


def test_advancing_moves_the_clock_forward_and_says_where_it_is() -> None:
    clock = FakeClock()

    assert clock.advance(60) == FakeClock.DEFAULT_START + 60
    assert clock.now() == FakeClock.DEFAULT_START + 60


@pytest.mark.parametrize("seconds", [-1, math.nan, -math.inf])
def test_a_clock_refuses_to_go_backwards_or_nowhere(seconds: float) -> None:
    clock = FakeClock()

    with pytest.raises(ValueError, match="backwards"):
        clock.advance(seconds)
    assert clock.now() == FakeClock.DEFAULT_START


@pytest.mark.parametrize("seconds", [math.inf, 1e300, 10**20])
def test_a_clock_refuses_to_pass_year_9999_and_stays_where_it_was(seconds: float) -> None:
    clock = FakeClock()

    with pytest.raises(ValueError, match="9999-12-31T23:59:59Z"):
        clock.advance(seconds)
    assert clock.now() == FakeClock.DEFAULT_START


def test_the_last_instant_can_be_reached_and_written() -> None:
    clock = FakeClock()

    clock.advance(FakeClock.LATEST - FakeClock.DEFAULT_START)

    assert isoformat(clock.now()) == "9999-12-31T23:59:59.000Z"
