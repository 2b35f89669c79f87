"""A 204 or 304 keeps an HTTP/1.1 connection open under the live server; nothing else changes.

Live transport only: connections are what is under test, and the in-process transport has none.
Every answer but the kept-open 204/304 is compared byte for byte (the Date header aside) with
plain waitress's, served by the same LiveServer on a waitress release the override does not claim.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

import pytest
from waitress.channel import HTTPChannel

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport import keepalive
from mockrc.transport.keepalive import VERIFIED_WAITRESS, KeepAliveChannel, channel_class
from mockrc.transport.server import LiveServer
from tests.helpers import minimal_user

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


# --- the SCIM DELETE through http.client ----------------------------------------------------------


@pytest.fixture
def mockrc_server() -> Iterator[tuple[LiveServer, str]]:
    state = MockState(Settings(), clock=FakeClock())
    token = state.issue_admin_token()
    with LiveServer(create_app(state)) as server:
        yield server, token


def _create_user(conn: http.client.HTTPConnection, token: str, email: str) -> str:
    conn.request(
        "POST",
        "/scim/v2/Users",
        body=json.dumps(minimal_user(email)),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
    )
    response = conn.getresponse()
    body = response.read()
    assert response.status == 201, body
    return str(json.loads(body)["id"])


def test_a_204_to_a_delete_keeps_the_connection_for_the_next_request(
    mockrc_server: tuple[LiveServer, str],
) -> None:
    server, token = mockrc_server
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        user_id = _create_user(conn, token, "keep@example.com")
        sock = conn.sock
        assert sock is not None
        local_port = sock.getsockname()[1]

        conn.request("DELETE", f"/scim/v2/Users/{user_id}", headers={"Authorization": f"Bearer {token}"})
        deleted = conn.getresponse()
        assert deleted.read() == b""
        assert deleted.status == 204
        assert deleted.getheader("Connection") is None
        assert not deleted.will_close

        conn.request("GET", f"/scim/v2/Users/{user_id}", headers={"Authorization": f"Bearer {token}"})
        gone = conn.getresponse()
        gone.read()
        assert gone.status == 404
        # The same socket carried it: http.client would have opened a new one had the server closed.
        assert conn.sock is sock
        assert sock.getsockname()[1] == local_port
    finally:
        conn.close()


def test_a_204_to_a_request_asking_for_the_close_still_closes(
    mockrc_server: tuple[LiveServer, str],
) -> None:
    server, token = mockrc_server
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        user_id = _create_user(conn, token, "close@example.com")
        conn.request(
            "DELETE",
            f"/scim/v2/Users/{user_id}",
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        )
        deleted = conn.getresponse()
        deleted.read()
        assert deleted.status == 204
        assert deleted.getheader("Connection") == "close"
        assert deleted.will_close
        assert conn.sock is None  # http.client closed it, as the server said it would
    finally:
        conn.close()


# --- raw bytes, compared with plain waitress ------------------------------------------------------


def _app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """A WSGI app answering each kind of answer the comparison needs, by path."""
    path = environ["PATH_INFO"]
    if path == "/no-content":
        start_response("204 No Content", [])
        return []
    if path == "/no-content-with-length":  # waitress drops the length of a 204
        start_response("204 No Content", [("Content-Length", "0")])
        return []
    if path == "/not-modified":
        start_response("304 Not Modified", [("ETag", '"v1"')])
        return []
    if path == "/stream":  # no length: chunked, then the connection is closed (unchanged)

        def chunks() -> Iterator[bytes]:
            yield b"first,"
            yield b"second"

        start_response("200 OK", [("Content-Type", "text/plain")])
        return chunks()
    if path == "/fails":
        raise RuntimeError("the app failed")
    if path == "/missing":
        body = b'{"status": "404"}'
        start_response(
            "404 Not Found", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]
    body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class _Raw:
    """One client connection, reading answers as raw bytes, framed as RFC 9112 §6.3 says."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.rfile: IO[bytes] = self.sock.makefile("rb")

    def exchange(self, request: bytes) -> bytes:
        self.sock.sendall(request)
        return _read_answer(self.rfile, head=request.startswith(b"HEAD "))

    def is_open(self) -> bool:
        """Whether the server still serves this connection: a second request gets an answer."""
        try:
            return self.exchange(b"GET /body HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200 ")
        except (ConnectionError, EOFError):
            return False

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


def _read_answer(rfile: IO[bytes], head: bool) -> bytes:
    raw = b""
    while (line := rfile.readline()) != b"\r\n":
        if not line:
            raise EOFError("the server closed the connection")
        raw += line
    raw += line
    status = int(raw.split(b" ", 2)[1])
    headers = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (h.partition(b":") for h in raw.split(b"\r\n")[1:-2])
    )
    if head or status in (204, 304):
        return raw
    if b"content-length" in headers:
        return raw + rfile.read(int(headers[b"content-length"]))
    if headers.get(b"transfer-encoding") == b"chunked":
        while True:
            size_line = rfile.readline()
            raw += size_line
            size = int(size_line.split(b";")[0], 16)
            raw += rfile.read(size + 2)  # the chunk and its CRLF (the last one's is the end)
            if size == 0:
                return raw
    return raw + rfile.read()  # delimited by the close


_DATE = re.compile(rb"\r\nDate: [^\r]*")


def _answers(port: int, request: bytes) -> tuple[bytes, bool]:
    """The raw answer to ``request`` on a new connection (its Date blanked), and whether the
    connection was kept open after it."""
    raw = _Raw(port)
    try:
        answer = raw.exchange(request)
        return _DATE.sub(b"\r\nDate: -", answer), raw.is_open()
    finally:
        raw.close()


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int]]:
    """(port of LiveServer as it runs, port of LiveServer on plain waitress) for :func:`_app`."""
    with LiveServer(_app, threads=2) as ours:
        assert ours._bound.channel_class is KeepAliveChannel
        with monkeypatch.context() as patch:
            patch.setattr(keepalive, "_installed_waitress", lambda: "0.0.0")
            plain = LiveServer(_app, threads=2)
            plain.bind()
        assert plain._bound.channel_class is HTTPChannel
        with plain:
            yield ours.port, plain.port


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /body HTTP/1.1\r\nHost: x\r\n\r\n",
        b"HEAD /body HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /fails HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /body HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",  # waitress's own 400
        b"DELETE /no-content HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"DELETE /no-content HTTP/1.1\r\nHost: x\r\nConnection: TE, Close\r\nTE: trailers\r\n\r\n",
        b"GET /not-modified HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"DELETE /no-content HTTP/1.0\r\n\r\n",
        b"DELETE /no-content HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET /body HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    ],
)
def test_every_other_answer_is_plain_waitress_byte_for_byte(
    servers: tuple[int, int], request_bytes: bytes
) -> None:
    ours, plain = servers

    assert _answers(ours, request_bytes) == _answers(plain, request_bytes)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"DELETE /no-content HTTP/1.1\r\nHost: x\r\n\r\n",
        b"DELETE /no-content-with-length HTTP/1.1\r\nHost: x\r\n\r\n",
        b"DELETE /no-content HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
        b'GET /not-modified HTTP/1.1\r\nHost: x\r\nIf-None-Match: "v1"\r\n\r\n',
    ],
)
def test_a_bodiless_http_1_1_answer_differs_only_by_keeping_the_connection(
    servers: tuple[int, int], request_bytes: bytes
) -> None:
    ours, plain = servers
    our_answer, ours_open = _answers(ours, request_bytes)
    plain_answer, plain_open = _answers(plain, request_bytes)

    assert (ours_open, plain_open) == (True, False)
    assert b"Connection: close\r\n" in plain_answer
    assert our_answer == plain_answer.replace(b"Connection: close\r\n", b"")
    assert b"Content-Length" not in our_answer  # RFC 9110 §8.6, as waitress has it


# --- the release gate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "expected"),
    [("3.0.2", KeepAliveChannel), ("3.0.1", HTTPChannel), ("3.0.3", HTTPChannel), ("3.1.0", HTTPChannel)],
)
def test_the_override_only_on_a_waitress_release_it_was_checked_against(
    release: str, expected: type[HTTPChannel]
) -> None:
    assert channel_class(release) is expected


def test_the_installed_waitress_is_one_the_override_was_checked_against() -> None:
    installed = keepalive._installed_waitress()
    # Otherwise LiveServer runs plain waitress (a 204 closes the connection) and the tests above
    # compare waitress with itself: check waitress's build_response_header and add the release.
    assert installed in VERIFIED_WAITRESS, f"waitress {installed} is not in VERIFIED_WAITRESS"
    assert channel_class() is KeepAliveChannel
