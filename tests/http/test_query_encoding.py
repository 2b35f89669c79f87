"""A query string whose raw bytes are not UTF-8 is answered 400 saying so, on every path, never 500.

Clients percent-encode non-ASCII data (RFC 3986 §2.5); one that sends Latin-1 bytes raw reaches the
app with them in ``QUERY_STRING`` (WSGI keeps one code point per byte), and Werkzeug's UTF-8 decode
of the query, on the first read of a parameter, failed with a 500. The app is called with the
environ a WSGI server builds (the in-process transport cannot send such bytes: ``requests``
encodes them; waitress, under ``mockrc serve``, refuses them itself with a plain-text 400).
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.helpers import ERROR

TOKEN = "query-encoding-token"


def _state(**settings: Any) -> MockState:
    return MockState(Settings(tokens=(TOKEN,), **settings), clock=FakeClock())


def _call(app: Any, path: str, query: bytes, **headers: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    environ = EnvironBuilder(path=path, headers={"Authorization": f"Bearer {TOKEN}", **headers}).get_environ()
    environ["QUERY_STRING"] = query.decode("latin-1")  # what a WSGI server puts there
    answer: list[Any] = []
    body = b"".join(app(environ, lambda status, headers, exc=None: answer.append((status, headers))))
    status, header_list = answer[0]
    return int(status.split()[0]), dict(header_list), json.loads(body)


@pytest.mark.parametrize(
    ("path", "query", "byte", "position"),
    [
        ("/scim/v2/Users", b'filter=userName eq "\xe9"', "0xE9", 21),
        ("/scim/v2/Users", b"count=\xff", "0xFF", 7),
        ("/scim/v2/Users/anyone", b"attributes=\xc3", "0xC3", 12),
        ("/scim/v2/Schemas", b"x=\x80", "0x80", 3),
    ],
)
def test_scim_paths_answer_400_in_scim_shape_naming_the_byte(
    path: str, query: bytes, byte: str, position: int
) -> None:
    state = _state()
    status, headers, body = _call(create_app(state), path, query)

    assert status == 400
    assert body["schemas"] == [ERROR]
    assert body["status"] == "400"
    assert "scimType" not in body
    assert body["detail"].startswith(f"The query string is not UTF-8: byte {byte} at byte {position} of it")
    assert headers["X-Content-Type-Options"] == "nosniff"
    entry = state.journal.entries()[-1]
    assert (entry.status, [v.rule for v in entry.violations]) == (400, ["query.encoding"])
    assert not state.handler_errors


@pytest.mark.parametrize(
    "path", ["/restapi/oauth/authorize", "/restapi/oauth/token", "/__mockrc/journal", "/__mockrc/ui"]
)
def test_other_paths_answer_400_in_ringcentral_rest_shape(path: str) -> None:
    state = _state(admin_key="k" * 32)
    status, _, body = _call(create_app(state), path, b"key=\xe9", **{"X-Mockrc-Admin-Key": "k" * 32})

    assert status == 400
    assert body["errorCode"] == "HTTP-400"
    assert body["message"].startswith("The query string is not UTF-8: byte 0xE9 at byte 5 of it")
    assert not state.handler_errors


def test_utf_8_bytes_raw_in_the_query_are_read_as_their_percent_encoding_is() -> None:
    app = create_app(_state())
    raw = _call(app, "/scim/v2/Users", 'filter=userName eq "zoë@example.com"'.encode())
    encoded = _call(app, "/scim/v2/Users", b"filter=userName%20eq%20%22zo%C3%AB@example.com%22")

    assert raw[0] == 200, raw
    assert raw[2] == encoded[2]


@given(st.binary(max_size=40))
def test_no_query_bytes_make_a_500(query: bytes) -> None:
    state = _state()
    app = create_app(state)
    for path in ("/scim/v2/Users", "/scim/v2/Users/x", "/restapi/oauth/authorize", "/__mockrc/journal"):
        status, _, _ = _call(app, path, query)
        assert status != 500
    assert not state.handler_errors


def test_the_live_server_refuses_raw_latin_1_in_the_query_with_a_400_and_goes_on_serving() -> None:
    # waitress itself refuses a request target with raw bytes that are not UTF-8 (a plain-text
    # 400 "Bad URI", before the app); the app's own 400 above is for the WSGI servers that pass them.
    state = _state()
    with LiveServer(create_app(state)) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"GET /scim/v2/Users?filter=userName%20eq%20%22\xe9%22 HTTP/1.1\r\nHost: localhost\r\n"
                + f"Authorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n".encode()
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /__mockrc/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            health = b""
            while chunk := sock.recv(65536):
                health += chunk

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert health.startswith(b"HTTP/1.1 200 ")
    assert not state.handler_errors
