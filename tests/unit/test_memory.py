"""Free memory goes back to the system after a large request, and only then."""

from __future__ import annotations

import pytest

import mockrc.memory as memory
from mockrc.memory import LARGE_REQUEST_BYTES, release_after, request_bytes


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
