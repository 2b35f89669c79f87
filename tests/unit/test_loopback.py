"""The two loopback questions (mockrc/loopback.py): as written, and as resolved."""

from __future__ import annotations

import pytest

from mockrc.loopback import is_loopback_name, resolves_to_loopback


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_a_name_as_written(host: str, expected: bool) -> None:
    assert is_loopback_name(host) is expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("no-such-host.invalid", False),
    ],
)
def test_a_name_as_resolved(host: str, expected: bool) -> None:
    assert resolves_to_loopback(host) is expected
