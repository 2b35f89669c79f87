"""Reading the journal never waits for the client under test, and never makes it wait.

A report over a full journal takes a second or more; served under the state's lock, it stalled
every client of the fake for that long (seen in the fuzz run, ``benchmarks/fuzz.py``). The journal
has a lock of its own, so its reads run without the state's: these tests hold the state's lock,
as a slow request does, and the reads still answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer

READS = [
    ("GET", "/__mockrc/health", None),
    ("GET", "/__mockrc/journal", None),
    ("GET", "/__mockrc/journal/find?method=GET", None),
    ("POST", "/__mockrc/journal/find", {"method": "GET"}),
    ("GET", "/__mockrc/journal/count?method=GET", None),
    ("POST", "/__mockrc/journal/count", {"method": "GET"}),
    ("GET", "/__mockrc/violations", None),
    ("GET", "/__mockrc/report", None),
]


@pytest.fixture
def served() -> Iterator[tuple[MockState, str]]:
    state = MockState(Settings(tokens=("t",)), clock=FakeClock())
    with LiveServer(create_app(state)) as server:
        yield state, server.url


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_a_journal_read_answers_while_a_request_holds_the_state(
    served: tuple[MockState, str], method: str, path: str, body: dict[str, str] | None
) -> None:
    state, url = served
    requests.get(f"{url}/scim/v2/Users", headers={"Authorization": "Bearer t"}, timeout=10)

    with state.lock:  # what a slow request does to every other one
        answer = requests.request(method, f"{url}{path}", json=body, timeout=10)

    assert answer.status_code == 200
    if path.startswith("/__mockrc/journal/count"):
        assert answer.json() == {"count": 1}
