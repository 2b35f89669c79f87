"""Free memory goes back to the system after a large request, and only then."""

from __future__ import annotations

import pytest

import mockrc.memory as memory
from mockrc.memory import ARENAS, LARGE_REQUEST_BYTES, M_ARENA_MAX, limit_arenas, release_after, request_bytes


def test_a_request_brings_its_body_and_its_query() -> None:
    assert request_bytes({"CONTENT_LENGTH": "10", "QUERY_STRING": "a=1"}) == 13
    assert request_bytes({"CONTENT_LENGTH": "not a number", "QUERY_STRING": ""}) == 0
    assert request_bytes({"CONTENT_LENGTH": "-5"}) == 0
    assert request_bytes({}) == 0


def test_only_a_large_request_is_followed_by_a_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(memory, "_TRIM", lambda pad: trims.append(pad) or 1)

    assert not release_after({"CONTENT_LENGTH": str(LARGE_REQUEST_BYTES - 1)})
    assert release_after({"CONTENT_LENGTH": str(LARGE_REQUEST_BYTES)})
    assert release_after({"QUERY_STRING": "f" * LARGE_REQUEST_BYTES})
    assert trims == [0, 0]


def test_without_malloc_trim_nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_TRIM", None)

    assert not release_after({"CONTENT_LENGTH": str(10 * LARGE_REQUEST_BYTES)})


@pytest.mark.skipif(memory._TRIM is None, reason="no glibc malloc_trim here")
def test_the_real_trim_runs_after_a_large_request() -> None:
    assert release_after({"CONTENT_LENGTH": str(LARGE_REQUEST_BYTES)})


def test_the_arenas_are_limited_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(memory, "_MALLOPT", lambda parameter, value: calls.append((parameter, value)) or 1)

    assert limit_arenas(environ={})
    assert not limit_arenas(environ={"MALLOC_ARENA_MAX": "4"})  # the user's choice: glibc reads it
    assert calls == [(M_ARENA_MAX, ARENAS)]


def test_without_mallopt_the_arenas_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_MALLOPT", None)

    assert not limit_arenas(environ={})


@pytest.mark.skipif(memory._MALLOPT is None, reason="no glibc mallopt here")
def test_the_real_mallopt_accepts_the_arena_limit() -> None:
    assert limit_arenas(environ={})
