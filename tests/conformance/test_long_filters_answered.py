"""Every long ``name ge "xxx…"``-style filter gets a whole answer from ``mockrc serve``, from outside.

A fuzz run once saw a GET with a long ``name ge "xxx…"`` filter get no answer at all, the worst
outcome issue 10 names. Against ``mockrc serve`` (both profiles, 2,000 users) each filter below
is sent on a raw socket at the edges of the filter-length limit (2,048 characters) and the
request-target limit (8 KiB), and must come back as a complete HTTP answer (its status line and
exactly ``Content-Length`` bytes of body) with a 200, a 400 or a 414. No time is asserted: a
socket timeout of 30 s only keeps a hang from hanging the suite.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest

from mockrc.limits import LIMITS
from tests.conformance.live_server import mockrc_serve

TOKEN = "long-filter-token"
PREFIX = "/scim/v2/Users?filter="


@pytest.fixture(scope="module", params=["ringcentral", "scim"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    with mockrc_serve("--profile", request.param, "--token", TOKEN, "--users", "2000") as (url, _):
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        yield parts.hostname, parts.port


def _answer(host: str, port: int, target: str) -> tuple[int, bytes]:
    """The status and body of one GET sent on its own connection; fails on a missing or cut answer."""
    head = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall((head + "Connection: close\r\n\r\n").encode("ascii"))
        received = bytearray()
        while chunk := connection.recv(65536):
            received += chunk
    header, separator, body = bytes(received).partition(b"\r\n\r\n")
    assert separator, f"no complete answer to a {len(target)}-byte target: {bytes(received[:200])!r}"
    lines = header.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    assert len(body) == length, f"the answer was cut: {len(body)} of {length} bytes"
    return int(lines[0].split()[1]), body


def _filters() -> Iterator[str]:
    """Filters whose length or quoted target sits on either side of a limit."""
    for attribute, op in (("name", "ge"), ("userName", "ge"), ("name.givenName", "gt"), ("emails", "co")):
        head = f'{attribute} {op} "'
        for length in (LIMITS.filter_length - 1, LIMITS.filter_length, LIMITS.filter_length + 1):
            yield head + "x" * (length - len(head) - 1) + '"'
        for room in (-1, 0, 1):  # the target one byte short of, at and past the limit
            yield head + "x" * (LIMITS.request_target_bytes - len(PREFIX) - len(quote(head)) - 3 + room) + '"'


def test_every_long_filter_gets_a_whole_answer(server: tuple[str, int]) -> None:
    host, port = server
    for text in _filters():
        target = PREFIX + quote(text)
        status, body = _answer(host, port, target)
        assert status in (200, 400, 414), (len(text), len(target), status, body[:300])
        if len(target) > LIMITS.request_target_bytes:
            assert status == 414
        elif len(text) > LIMITS.filter_length:
            assert status == 400 and b"filter" in body
