"""SIGTERM to ``mockrc serve``: the requests in flight are answered before the process exits.

A process of its own for each test (the signal ends it); what the test waits for is a line of its
output, an answer on a socket or the process's exit, each with a timeout, never a sleep.
"""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conformance.live_server import READY_PREFIX, output_lines
from tests.helpers import minimal_user

TOKEN = {"Authorization": "Bearer mockrc-admin-token"}
WAIT = 30.0
DRAINING = "mockrc: stopping: answering the "  # and the number of requests in flight


@dataclass
class Served:
    """A ``mockrc serve`` process, its base URL and its output lines as they come."""

    process: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str | None]
    seen: list[str] = field(default_factory=list)

    def wait_for_line(self, prefix: str) -> str:
        while True:
            line = self.lines.get(timeout=WAIT)
            if line is None:
                raise AssertionError(
                    f"mockrc serve exited before printing {prefix!r}:\n" + "\n".join(self.seen)
                )
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def rest_of_output(self) -> list[str]:
        while (line := self.lines.get(timeout=WAIT)) is not None:
            self.seen.append(line)
        return self.seen

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        return parts.hostname, parts.port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    scenario = tmp_path / "slow-list.yaml"
    scenario.write_text(
        "name: slow-list\ndescription: the user list takes 2 s\n"
        "steps:\n  - id: slow\n    when: {method: GET, path: /scim/v2/Users}\n    delay: 2\n"
        "  - id: endless\n    when: {method: GET, path: /scim/v2/Users/endless}\n    delay: 600\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrc", "serve", "--port", "0", "--scenario", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = output_lines(process)
    served = Served(process, "", lines)
    try:
        served.url = served.wait_for_line(READY_PREFIX).rsplit(" at ", 1)[1].strip()
        yield served
    finally:
        process.kill()
        process.wait(timeout=WAIT)


def _in_background(call: object) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []

    def run() -> None:
        try:
            result.append(call())  # type: ignore[operator]
        except Exception as exc:
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_a_request_being_served_when_sigterm_comes_gets_its_answer(served: Served) -> None:
    thread, result = _in_background(
        lambda: requests.get(f"{served.url}/scim/v2/Users", headers=TOKEN, timeout=WAIT)
    )
    # The journal records the request before its delay passes: from then on it is in flight.
    while (
        requests.get(
            f"{served.url}/__mockrc/journal/count", params={"path": "/scim/v2/Users"}, timeout=WAIT
        ).json()["count"]
        == 0
    ):
        assert thread.is_alive(), result

    served.process.send_signal(signal.SIGTERM)
    served.wait_for_line(DRAINING)
    thread.join(WAIT)

    [answer] = result
    assert isinstance(answer, requests.Response), answer
    assert (answer.status_code, answer.json()["totalResults"]) == (200, 0)
    assert served.process.wait(timeout=WAIT) == 0
    assert served.rest_of_output()[-1] == "mockrc: stopped"


def test_while_draining_new_connections_are_refused_and_a_request_being_received_is_answered(
    served: Served,
) -> None:
    body = json.dumps(minimal_user("late@example.com")).encode()
    head = (
        "POST /scim/v2/Users HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer mockrc-admin-token\r\n"
        f"Content-Type: application/scim+json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(served.address, timeout=WAIT) as connection:
        connection.sendall(head + body[:10])
        # The server has read the head once its answer to another connection is out: one loop later.
        assert requests.get(f"{served.url}/__mockrc/health", timeout=WAIT).status_code == 200

        served.process.send_signal(signal.SIGTERM)
        served.wait_for_line(DRAINING)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(served.address, timeout=WAIT).close()
        connection.sendall(body[10:])
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk

    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 201 CREATED"
    assert b'"userName":"late@example.com"' in answer
    assert served.process.wait(timeout=WAIT) == 0


def test_an_idle_keep_alive_connection_does_not_hold_up_the_stop(served: Served) -> None:
    kept_alive = requests.Session()
    assert kept_alive.get(f"{served.url}/__mockrc/health", timeout=WAIT).status_code == 200

    served.process.send_signal(signal.SIGTERM)

    assert served.process.wait(timeout=WAIT) == 0
    output = served.rest_of_output()
    assert output[-1] == "mockrc: stopped"
    # Held open as in flight, the connection would have kept the drain waiting to its end.
    assert not any("still unanswered" in line for line in output), output


def test_a_second_sigterm_cuts_the_requests_still_in_flight(served: Served) -> None:
    url = f"{served.url}/scim/v2/Users/endless"
    thread, result = _in_background(lambda: requests.get(url, headers=TOKEN, timeout=WAIT))
    while (
        requests.get(
            f"{served.url}/__mockrc/journal/count", params={"path": "/scim/v2/Users/endless"}, timeout=WAIT
        ).json()["count"]
        == 0
    ):
        assert thread.is_alive(), result

    served.process.send_signal(signal.SIGTERM)
    served.wait_for_line(DRAINING)
    served.process.send_signal(signal.SIGTERM)
    thread.join(WAIT)

    [cut] = result
    assert isinstance(cut, requests.ConnectionError), cut
    assert served.process.wait(timeout=WAIT) == 0
    output = served.rest_of_output()
    assert any(
        line.endswith(" request(s) still unanswered: their connections were closed") for line in output
    )
    assert output[-1] == "mockrc: stopped"
