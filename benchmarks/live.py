"""Load generation against a live server in another process: requests/s and server CPU per request.

The server (:mod:`benchmarks.preloaded_server`) runs in its own process, so the load generator
does not share its interpreter lock. Each connection is an ``http.client`` keep-alive connection
in its own thread; the threads draw numbered tickets from one shared budget, so they all stop
together and the timed window has every connection busy until the end. A warm-up (tickets before
a barrier) fills caches and connections before the clock starts.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from benchmarks.preloaded_server import READY_PREFIX
from benchmarks.workload import TOKEN, patch_body, user_body, user_email

REPO_ROOT = Path(__file__).resolve().parents[1]
SCIM_MEDIA_TYPE = "application/scim+json"


@dataclass(frozen=True)
class Call:
    """One HTTP request to make, and the status that proves it did the intended work."""

    method: str
    path: str
    body: bytes | None
    expect: int


@dataclass(frozen=True)
class Endpoint:
    """What one benchmark row measures: a name, the next request to send, and a target."""

    #: Stable id of the row (``ceiling``, ``get``, ``filter``, ``post``, ``patch``).
    key: str
    name: str
    next_call: Callable[[], Call]
    #: Checks one parsed answer from the endpoint, so a wrong 200 is not benchmarked.
    looks_right: Callable[[Call, Any], bool]
    #: The least fraction of the ceiling's requests/s this endpoint must reach, if any.
    target_vs_ceiling: float | None = None


@dataclass(frozen=True)
class Throughput:
    requests: int
    seconds: float
    #: CPU time the server process spent in the timed window (None where /proc is missing).
    server_cpu_seconds: float | None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def server_cpu_per_request(self) -> float | None:
        return None if self.server_cpu_seconds is None else self.server_cpu_seconds / self.requests


@dataclass
class BenchServer:
    """A running :mod:`benchmarks.preloaded_server` and what it reported when it got ready."""

    process: subprocess.Popen[str]
    url: str
    users: int
    load_seconds: float
    rss_growth_bytes: int | None
    ids: list[str]
    user_names: list[str]

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return str(parts.hostname), int(parts.port or 80)


@contextmanager
def bench_server(users: int, *, sample: int = 1000, state_file: str | None = None) -> Iterator[BenchServer]:
    """Start a server preloaded with ``users`` users (kept in ``state_file`` if given); stop it after."""
    persist = ["--state-file", state_file] if state_file else []
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.preloaded_server",
            *("--users", str(users), "--sample", str(sample)),
            *persist,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready: dict[str, Any] | None = None
        for line in process.stdout:
            if line.startswith(READY_PREFIX):
                ready = json.loads(line[len(READY_PREFIX) :])
                break
        if ready is None:
            raise RuntimeError(f"the benchmark server exited with {process.wait()} before it was ready")
        yield BenchServer(
            process,
            ready["url"],
            ready["users"],
            ready["load_seconds"],
            ready["rss_growth_bytes"],
            ready["ids"],
            ready["user_names"],
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def endpoints(server: BenchServer, run_label: str) -> list[Endpoint]:
    """The measured endpoints, the ceiling first. ``run_label`` keeps POSTed users new in every run."""
    ids = itertools.cycle(server.ids)
    names = itertools.cycle(server.user_names)
    patch_ids = itertools.cycle(reversed(server.ids))
    new_users = itertools.count()
    titles = itertools.count()

    def filter_call() -> Call:
        expression = quote(f'userName eq "{next(names)}"', safe="")
        return Call("GET", f"/scim/v2/Users?filter={expression}", None, 200)

    def post_call() -> Call:
        body = user_body(user_email(next(new_users), prefix=f"new-{run_label}-"))
        return Call("POST", "/scim/v2/Users", json.dumps(body).encode(), 201)

    def patch_call() -> Call:
        body = patch_body(f"Title {next(titles)}")
        return Call("PATCH", f"/scim/v2/Users/{next(patch_ids)}", json.dumps(body).encode(), 200)

    def filtered_one(call: Call, answer: Any) -> bool:
        resources = answer.get("Resources") or [{}]
        user_name = str(resources[0].get("userName", ""))
        return answer.get("totalResults") == 1 and f'"{user_name}"' in unquote(call.path)

    def asked_for(call: Call, answer: Any) -> bool:
        return call.path.endswith("/" + str(answer.get("id")))

    return [
        Endpoint(
            "ceiling",
            "GET /__mockrc/health (ceiling)",
            lambda: Call("GET", "/__mockrc/health", None, 200),
            lambda call, answer: answer.get("status") == "ok",
        ),
        Endpoint(
            "get",
            "GET /scim/v2/Users/{id}",
            lambda: Call("GET", f"/scim/v2/Users/{next(ids)}", None, 200),
            asked_for,
            target_vs_ceiling=0.6,
        ),
        Endpoint("filter", 'GET /scim/v2/Users?filter=userName eq "…"', filter_call, filtered_one, 0.6),
        Endpoint(
            "post",
            "POST /scim/v2/Users (a new user)",
            post_call,
            lambda call, answer: json.loads(call.body or b"{}")["userName"] == answer.get("userName"),
        ),
        Endpoint(
            "patch",
            "PATCH /scim/v2/Users/{id} (replace title)",
            patch_call,
            lambda call, answer: (
                asked_for(call, answer)
                and json.loads(call.body or b"{}")["Operations"][0]["value"] == answer.get("title")
            ),
        ),
    ]


def _headers(call: Call) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": SCIM_MEDIA_TYPE}
    if call.body is not None:
        headers["Content-Type"] = SCIM_MEDIA_TYPE
    return headers


def _send(connection: http.client.HTTPConnection, call: Call) -> tuple[int, bytes]:
    connection.request(call.method, call.path, body=call.body, headers=_headers(call))
    response = connection.getresponse()
    return response.status, response.read()


def check(server: BenchServer, endpoint: Endpoint) -> None:
    """Send one request and make sure the answer is the intended one; RuntimeError otherwise."""
    call = endpoint.next_call()
    connection = http.client.HTTPConnection(*server.address, timeout=30)
    try:
        status, body = _send(connection, call)
    finally:
        connection.close()
    if status != call.expect or not endpoint.looks_right(call, json.loads(body)):
        raise RuntimeError(f"{call.method} {call.path} answered {status}: {body[:300]!r}")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` from ``/proc`` (Linux); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_load(
    server: BenchServer, endpoint: Endpoint, *, requests: int, warmup: int, connections: int
) -> Throughput:
    """Send ``warmup`` then ``requests`` requests over ``connections`` keep-alive connections.

    Only the second batch is timed. Every answer must have the expected status, or RuntimeError
    (with the first wrong answer) once the run is over.
    """
    host, port = server.address
    barrier = threading.Barrier(connections + 1)
    warmup_tickets = itertools.count()
    timed_tickets = itertools.count()
    wrong: list[str] = []

    def drain(connection: http.client.HTTPConnection, tickets: Iterator[int], budget: int) -> None:
        while next(tickets) < budget:
            call = endpoint.next_call()
            status, body = _send(connection, call)
            if status != call.expect and not wrong:
                wrong.append(f"{call.method} {call.path} answered {status}: {body[:300]!r}")

    def work() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            drain(connection, warmup_tickets, warmup)
            barrier.wait()
            drain(connection, timed_tickets, requests)
        except Exception as exc:  # reported by the main thread, which must not wait forever
            wrong.append(f"{endpoint.name}: {exc!r}")
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    # Broken when a connection failed in the warm-up: its error is in ``wrong``.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    cpu_before = _cpu_seconds(server.process.pid)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    cpu_after = _cpu_seconds(server.process.pid)
    if wrong:
        raise RuntimeError(wrong[0])
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Throughput(requests, seconds, cpu)
