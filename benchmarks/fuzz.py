"""A bounded fuzz run: generated hostile requests against a live ``mockrc serve`` with many users.

Run as ``python -m benchmarks.fuzz`` (``--help`` for the options). It starts ``mockrc serve
--port 0 --users N`` as a user would (its own process, so the load generator does not share its
interpreter lock), then several client processes each send generated requests over a keep-alive
connection (processes, so that one building a 10 MB body never delays another's timing): the
generators of ``tests/property/strategies.py``, drawn from seeded :class:`random.Random` instances
(the same code the property tests drive through hypothesis), so a run is repeatable from its
``--seed``. Each request is timed from its bytes being ready to its answer's last byte.

It prints the requests sent, the 5xx answers, the hangs (any answer slower than 1 s, or none),
the journal's count against the requests that reached the app, and the server's resident set
(``VmRSS`` from ``/proc/PID/status``) at the start, once the journal is full (its default
10,000 entries) and at the end; each target next to its figure. A missed target never fails
the run: this is a measurement, not a test (``tests/unit/test_fuzz_smoke.py`` only runs it at a
toy size and checks the report's shape).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import queue
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized

from benchmarks.bench_scim import machine_facts, progress
from benchmarks.startup import wait_until_serving
from tests.property.strategies import RandomDraw, Request, any_request

TOKEN = "fuzz-admin-token"
#: An answer slower than this is a hang: it held up every other client (requests are serialised).
HANG_SECONDS = 1.0
#: How long a client waits for an answer before counting it as none at all.
GIVE_UP_SECONDS = 30.0
#: The server's journal capacity: ``mockrc serve``'s default ``--journal-size``.
JOURNAL_SIZE = 10_000
#: Memory is "flat" when the resident set grows by at most this much after the journal filled.
FLAT_RATIO = 1.10
#: 5xx answers and hangs shown in the report, each with its request.
SHOWN = 5


@dataclass(frozen=True)
class Options:
    requests: int = 100_000
    users: int = 10_000
    seconds: float | None = None
    clients: int = 4
    seed: int = 0


@dataclass
class Problem:
    """A request whose answer missed a target."""

    what: str
    request: str


@dataclass
class Tally:
    """What one client process saw; :meth:`merged` adds them up."""

    sent: int = 0
    app_requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    families: Counter[str] = field(default_factory=Counter)
    server_errors: list[Problem] = field(default_factory=list)
    #: Answers over HANG_SECONDS or none; the first SHOWN of them with their requests.
    hang_count: int = 0
    hangs: list[Problem] = field(default_factory=list)
    no_answer: int = 0
    #: Answered by waitress itself (plain text: headers too large, a malformed request): never in the app.
    by_waitress: int = 0
    slowest: float = 0.0
    #: CPU seconds of the client process (generating and sending).
    cpu: float = 0.0

    @classmethod
    def merged(cls, tallies: Sequence[Tally]) -> Tally:
        total = cls()
        for tally in tallies:
            total.sent += tally.sent
            total.app_requests += tally.app_requests
            total.statuses.update(tally.statuses)
            total.families.update(tally.families)
            total.server_errors += tally.server_errors[: SHOWN - len(total.server_errors)]
            total.hang_count += tally.hang_count
            total.hangs += tally.hangs[: SHOWN - len(total.hangs)]
            total.no_answer += tally.no_answer
            total.by_waitress += tally.by_waitress
            total.slowest = max(total.slowest, tally.slowest)
            total.cpu += tally.cpu
        return total


@dataclass
class Report:
    options: Options
    command: str
    tally: Tally
    seconds: float
    journal_recorded: int | None
    rss_start: int | None
    rss_full: int | None
    rss_end: int | None
    load_seconds: float
    #: CPU seconds used while sending: by this process (generating and sending) and by the server.
    client_cpu: float = 0.0
    server_cpu: float | None = None

    @property
    def five_xx(self) -> int:
        return sum(n for status, n in self.tally.statuses.items() if status >= 500)


# --- the server -----------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[str]
    host: str
    port: int

    def rss(self) -> int | None:
        """The server's resident set in bytes (``VmRSS``), where ``/proc`` tells it."""
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float | None:
        """The server's CPU time so far (user + system, ``/proc/PID/stat``), where ``/proc`` tells it."""
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def get_json(self, path: str) -> dict[str, object]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
            answer = connection.getresponse()
            return json.loads(answer.read())
        finally:
            connection.close()


@contextmanager
def mockrc_serve(users: int) -> Iterator[Server]:
    """``mockrc serve --port 0 --users N`` in its own process, until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrc", "serve", "--port", "0", "--token", TOKEN, "--users", str(users)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the tracebacks of 500s: the report shows their requests instead
        text=True,
    )
    try:
        host, port = wait_until_serving(process)
        # Keep reading what it prints, so that a full pipe never blocks it.
        assert process.stdout is not None
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield Server(process, host, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the clients ----------------------------------------------------------------------------------------


@dataclass
class Shared:
    """What the client processes share: the requests left to send and the app requests answered."""

    budget: Synchronized[int]
    app_requests: Synchronized[int]
    deadline: float | None  # time.monotonic(), the same clock in every process


def _send(
    connection: http.client.HTTPConnection, request: Request, user_ids: Sequence[str], rng: random.Random
) -> tuple[int, bool, float]:
    """The answer's status, whether waitress gave it (plain text) rather than the app, and the
    seconds from the moment the request's bytes were ready to the answer's last byte."""
    path, headers = request.resolve(TOKEN, rng.choice(user_ids) if user_ids else None)
    body = request.body
    if body is not None:
        headers.setdefault("Content-Length", str(len(body)))
    started = time.perf_counter()
    try:
        connection.request(request.method, path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
    except (OSError, http.client.HTTPException) as error:
        raise _NoAnswer(time.perf_counter() - started) from error
    elapsed = time.perf_counter() - started
    plain = (answer.getheader("Content-Type") or "").startswith("text/plain")
    return answer.status, plain and answer.status in (400, 413, 431), elapsed


class _NoAnswer(Exception):
    """The connection failed or timed out before the answer's last byte."""

    def __init__(self, elapsed: float) -> None:
        super().__init__(f"no answer after {elapsed:.2f} s")
        self.elapsed = elapsed


def _take_one(shared: Shared) -> bool:
    """Whether a request is left to send (and, if so, it is now this client's)."""
    with shared.budget.get_lock():
        if shared.budget.value <= 0 or (shared.deadline is not None and time.monotonic() > shared.deadline):
            return False
        shared.budget.value -= 1
        return True


def client(
    host: str,
    port: int,
    seed: int,
    index: int,
    shared: Shared,
    user_ids: Sequence[str],
    results: multiprocessing.Queue[Tally],
) -> None:
    """One client process: send generated requests until the shared budget or the time is used
    up, then put its tally on ``results``. A process of its own, so that generating a large
    request never holds up the timing of another client's (threads would share one interpreter
    lock); each request is timed from its bytes being ready to its answer's last byte, so a
    reported hang is the server's."""
    rng = random.Random(f"{seed}-{index}")
    draw = RandomDraw(rng)
    tally = Tally()
    cpu = time.process_time()
    connection = http.client.HTTPConnection(host, port, timeout=GIVE_UP_SECONDS)
    try:
        while _take_one(shared):
            request = any_request(draw)
            try:
                status: int | None
                status, by_waitress, elapsed = _send(connection, request, user_ids, rng)
            except _NoAnswer as none:
                # The server closed the connection (or never answered): reconnect for the next one.
                status, by_waitress, elapsed = None, False, none.elapsed
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=GIVE_UP_SECONDS)
            tally.sent += 1
            tally.families[request.family] += 1
            tally.slowest = max(tally.slowest, elapsed)
            if status is None:
                tally.no_answer += 1
            else:
                tally.statuses[status] += 1
                if by_waitress:
                    tally.by_waitress += 1
                elif not request.is_control:
                    tally.app_requests += 1
                    with shared.app_requests.get_lock():
                        shared.app_requests.value += 1
            if status is not None and status >= 500 and len(tally.server_errors) < SHOWN:
                tally.server_errors.append(Problem(str(status), request.describe()[:400]))
            if status is None or elapsed > HANG_SECONDS:
                tally.hang_count += 1
                if len(tally.hangs) < SHOWN:
                    shown = "no answer" if status is None else f"{status} after {elapsed:.2f} s"
                    tally.hangs.append(Problem(shown, request.describe()[:400]))
    finally:
        connection.close()
        tally.cpu = time.process_time() - cpu
        results.put(tally)


def _existing_user_ids(server: Server) -> list[str]:
    page = server.get_json("/scim/v2/Users?count=200")
    resources = page.get("Resources")
    return [r["id"] for r in resources] if isinstance(resources, list) else []


def run(options: Options, command: str) -> Report:
    """Start the server, fuzz it, and gather the figures."""
    progress(f"starting mockrc serve with {options.users:,} users")
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")  # a clean interpreter per client, no forked locks
    with mockrc_serve(options.users) as server:
        load_seconds = time.perf_counter() - started
        user_ids = _existing_user_ids(server)
        rss_start = server.rss()
        progress(
            f"ready in {load_seconds:.1f} s (RSS {_mb(rss_start)}); sending {options.requests:,} requests"
        )
        shared = Shared(
            context.Value("q", options.requests),
            context.Value("q", 0),
            time.monotonic() + options.seconds if options.seconds is not None else None,
        )
        results: multiprocessing.Queue[Tally] = context.Queue()
        began = time.perf_counter()
        server_cpu = server.cpu_seconds()
        clients = [
            context.Process(
                target=client,
                args=(server.host, server.port, options.seed, i, shared, user_ids, results),
                daemon=True,
            )
            for i in range(options.clients)
        ]
        for process in clients:
            process.start()
        rss_full: int | None = None
        tallies: list[Tally] = []
        last_report = began
        while len(tallies) < len(clients):
            with suppress(queue.Empty):
                tallies.append(results.get(timeout=0.2))
            if rss_full is None and shared.app_requests.value + 1 >= JOURNAL_SIZE:
                rss_full = server.rss()
            now = time.perf_counter()
            if now - last_report > 10:
                last_report = now
                left = shared.budget.value
                progress(f"{options.requests - max(left, 0):,} taken, RSS {_mb(server.rss())}")
            if not any(p.is_alive() for p in clients) and results.empty() and len(tallies) < len(clients):
                break  # a client died without a tally: report what the others saw
        for process in clients:
            process.join()
        seconds = time.perf_counter() - began
        server_end = server.cpu_seconds()
        server_cpu = None if server_cpu is None or server_end is None else server_end - server_cpu
        journal = server.get_json("/__mockrc/journal?limit=0")
        total, dropped = journal.get("total"), journal.get("dropped")
        recorded = total + dropped if isinstance(total, int) and isinstance(dropped, int) else None
        rss_end = server.rss()
    tally = Tally.merged(tallies)
    tally.app_requests += 1  # the listing of user ids above was journaled too
    return Report(
        options,
        command,
        tally,
        seconds,
        recorded,
        rss_start,
        rss_full,
        rss_end,
        load_seconds,
        tally.cpu,
        server_cpu,
    )


# --- the report -------------------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1024 / 1024:,.1f} MB"


def targets(report: Report) -> list[tuple[bool, str]]:
    """Each target with whether it was met."""
    tally = report.tally
    judged = [
        (report.five_xx == 0, f"0 x 5xx: {report.five_xx:,}"),
        (tally.hang_count == 0, f"0 hangs (answer over {HANG_SECONDS:.0f} s, or none): {tally.hang_count:,}"),
        (
            report.journal_recorded == tally.app_requests,
            f"every request journaled: {report.journal_recorded} recorded of {tally.app_requests:,}",
        ),
    ]
    if report.rss_full is not None and report.rss_end is not None:
        ratio = report.rss_end / report.rss_full
        judged.append(
            (
                ratio <= FLAT_RATIO,
                f"memory flat after the journal filled: end / full = {ratio:.2f} (≤ {FLAT_RATIO})",
            )
        )
    else:
        judged.append(
            (False, f"memory flat after the journal filled: the journal never filled ({JOURNAL_SIZE:,})")
        )
    return judged


def format_report(report: Report) -> str:
    tally = report.tally
    lines = ["mockrc fuzz run", "", f"command    {report.command}"]
    lines += [f"{name:<10} {value}" for name, value in machine_facts()]
    rate = tally.sent / report.seconds if report.seconds > 0 else 0.0
    lines += [
        "",
        "1. Traffic",
        f"   users preloaded     {report.options.users:,} (server ready in {report.load_seconds:.1f} s)",
        f"   requests sent       {tally.sent:,} in {report.seconds:.1f} s ({rate:,.0f}/s, "
        f"{report.options.clients} client processes, seed {report.options.seed})",
        "   by family           " + ", ".join(f"{name} {n:,}" for name, n in sorted(tally.families.items())),
        "   by status           "
        + ", ".join(f"{status} x {n:,}" for status, n in sorted(tally.statuses.items())),
        f"   slowest answer      {tally.slowest:.3f} s",
        f"   CPU while sending   server {_seconds(report.server_cpu)}, client {report.client_cpu:.1f} s "
        "(generating and sending; the busier one limits the rate)",
        "",
        "2. Failures",
        f"   5xx answers         {report.five_xx:,}",
        f"   hangs               {tally.hang_count:,} (of which no answer at all: {tally.no_answer:,})",
    ]
    for problem in tally.server_errors:
        lines.append(f"     5xx: {problem.request[:400]}")
    for problem in tally.hangs:
        lines.append(f"     hang ({problem.what}): {problem.request[:400]}")
    lines += [
        "",
        "3. Journal",
        f"   requests to the app {tally.app_requests:,} answered (control-plane calls are not journaled)",
        f"   answered by waitress {tally.by_waitress:,} (plain-text 400/413/431: never reached the app)",
        f"   no answer           {tally.no_answer:,} (the app may journal them after the client gave up)",
        f"   journal recorded    {report.journal_recorded if report.journal_recorded is not None else 'n/a'}"
        " (in memory + dropped from the ring)",
        "",
        "4. Server memory (VmRSS)",
        f"   at start            {_mb(report.rss_start)}",
        f"   journal full        {_mb(report.rss_full)} (after {JOURNAL_SIZE:,} requests to the app)",
        f"   at end              {_mb(report.rss_end)}",
        "",
        "Targets",
    ]
    for met, text in targets(report):
        lines.append(f"   {'PASS' if met else 'MISS'}  {text}")
    return "\n".join(lines)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n\n")[0])
    defaults = Options()
    parser.add_argument(
        "--requests", type=int, default=defaults.requests, help="requests to send (default: 100000)"
    )
    parser.add_argument("--users", type=int, default=defaults.users, help="users preloaded (default: 10000)")
    parser.add_argument(
        "--seconds", type=float, default=None, help="stop sending after this long (default: no cap)"
    )
    parser.add_argument("--clients", type=int, default=defaults.clients, help="client processes (default: 4)")
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="seed of the generated requests (default: 0)"
    )
    args = parser.parse_args(argv)
    return Options(args.requests, args.users, args.seconds, args.clients, args.seed)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse_options(arguments)
    command = " ".join(["python -m benchmarks.fuzz", *arguments])
    print(format_report(run(options, command)), flush=True)


if __name__ == "__main__":
    main()
