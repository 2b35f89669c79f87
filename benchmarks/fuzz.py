"""A bounded fuzz run: generated hostile requests against a live ``mockrc serve`` with many users.

Run as ``python -m benchmarks.fuzz`` (``--help`` for the options). It starts ``mockrc serve
--port 0 --users N`` as a user would (its own process, so the load generator does not share its
interpreter lock), then several client threads each send generated requests over a keep-alive
connection: the generators of ``tests/property/strategies.py``, drawn from seeded
:class:`random.Random` instances (the same code the property tests drive through hypothesis),
so a run is repeatable from its ``--seed``.

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
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

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
    threads: int = 4
    seed: int = 0


@dataclass
class Problem:
    """A request whose answer missed a target."""

    what: str
    request: str


@dataclass
class Tally:
    """What the clients saw, merged under a lock."""

    sent: int = 0
    app_requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    families: Counter[str] = field(default_factory=Counter)
    server_errors: list[Problem] = field(default_factory=list)
    hangs: list[Problem] = field(default_factory=list)
    no_answer: int = 0
    #: Answered by waitress itself (plain text: headers too large, a malformed request): never in the app.
    by_waitress: int = 0
    slowest: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


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


def _send(
    connection: http.client.HTTPConnection, request: Request, user_ids: Sequence[str], rng: random.Random
) -> tuple[int, bool]:
    """The answer's status, and whether waitress gave it (plain text) rather than the app."""
    path, headers = request.resolve(TOKEN, rng.choice(user_ids) if user_ids else None)
    body = request.body
    if body is not None:
        headers.setdefault("Content-Length", str(len(body)))
    connection.request(request.method, path, body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    plain = (answer.getheader("Content-Type") or "").startswith("text/plain")
    return answer.status, plain and answer.status in (400, 413, 431)


def client(
    server: Server,
    options: Options,
    index: int,
    budget: list[int],
    deadline: float | None,
    tally: Tally,
    user_ids: Sequence[str],
    on_app_request: threading.Event,
) -> None:
    """Send generated requests until the shared budget or the time is used up."""
    rng = random.Random(f"{options.seed}-{index}")
    draw = RandomDraw(rng)
    connection = http.client.HTTPConnection(server.host, server.port, timeout=GIVE_UP_SECONDS)
    try:
        while True:
            with tally.lock:
                if budget[0] <= 0 or (deadline is not None and time.perf_counter() > deadline):
                    return
                budget[0] -= 1
            request = any_request(draw)
            started = time.perf_counter()
            try:
                status, by_waitress = _send(connection, request, user_ids, rng)
            except (OSError, http.client.HTTPException):
                # The server closed the connection (or never answered): reconnect for the next one.
                status, by_waitress = None, False
                connection.close()
                connection = http.client.HTTPConnection(server.host, server.port, timeout=GIVE_UP_SECONDS)
            elapsed = time.perf_counter() - started
            with tally.lock:
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
                        on_app_request.set()
                if status is not None and status >= 500 and len(tally.server_errors) < SHOWN:
                    tally.server_errors.append(Problem(str(status), request.describe()))
                if (status is None or elapsed > HANG_SECONDS) and len(tally.hangs) < SHOWN:
                    shown = "no answer" if status is None else f"{status} after {elapsed:.2f} s"
                    tally.hangs.append(Problem(shown, request.describe()))
                elif status is None or elapsed > HANG_SECONDS:
                    tally.hangs.append(Problem("", ""))  # counted, not shown
    finally:
        connection.close()


def _existing_user_ids(server: Server) -> list[str]:
    page = server.get_json("/scim/v2/Users?count=200")
    resources = page.get("Resources")
    return [r["id"] for r in resources] if isinstance(resources, list) else []


def run(options: Options, command: str) -> Report:
    """Start the server, fuzz it, and gather the figures."""
    progress(f"starting mockrc serve with {options.users:,} users")
    started = time.perf_counter()
    with mockrc_serve(options.users) as server:
        load_seconds = time.perf_counter() - started
        user_ids = _existing_user_ids(server)
        rss_start = server.rss()
        progress(
            f"ready in {load_seconds:.1f} s (RSS {_mb(rss_start)}); sending {options.requests:,} requests"
        )
        tally = Tally(app_requests=1)  # the listing of user ids above was journaled too
        budget = [options.requests]
        began = time.perf_counter()
        client_cpu, server_cpu = time.process_time(), server.cpu_seconds()
        deadline = began + options.seconds if options.seconds is not None else None
        rss_full: list[int | None] = [None]
        ticked = threading.Event()
        threads = [
            threading.Thread(
                target=client,
                args=(server, options, i, budget, deadline, tally, user_ids, ticked),
                daemon=True,
            )
            for i in range(options.threads)
        ]
        for thread in threads:
            thread.start()
        last_report = began
        while any(t.is_alive() for t in threads):
            ticked.wait(0.2)
            ticked.clear()
            if rss_full[0] is None and tally.app_requests >= JOURNAL_SIZE:
                rss_full[0] = server.rss()
            now = time.perf_counter()
            if now - last_report > 10:
                last_report = now
                progress(f"{tally.sent:,} sent, RSS {_mb(server.rss())}")
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        client_cpu = time.process_time() - client_cpu
        server_end = server.cpu_seconds()
        server_cpu = None if server_cpu is None or server_end is None else server_end - server_cpu
        journal = server.get_json("/__mockrc/journal?limit=0")
        total, dropped = journal.get("total"), journal.get("dropped")
        recorded = total + dropped if isinstance(total, int) and isinstance(dropped, int) else None
        rss_end = server.rss()
    return Report(
        options,
        command,
        tally,
        seconds,
        recorded,
        rss_start,
        rss_full[0],
        rss_end,
        load_seconds,
        client_cpu,
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
        (len(tally.hangs) == 0, f"0 hangs (answer over {HANG_SECONDS:.0f} s, or none): {len(tally.hangs):,}"),
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
        f"{report.options.threads} client threads, seed {report.options.seed})",
        "   by family           " + ", ".join(f"{name} {n:,}" for name, n in sorted(tally.families.items())),
        "   by status           "
        + ", ".join(f"{status} x {n:,}" for status, n in sorted(tally.statuses.items())),
        f"   slowest answer      {tally.slowest:.3f} s",
        f"   CPU while sending   server {_seconds(report.server_cpu)}, client {report.client_cpu:.1f} s "
        "(generating and sending; the busier one limits the rate)",
        "",
        "2. Failures",
        f"   5xx answers         {report.five_xx:,}",
        f"   hangs               {len(tally.hangs):,} (of which no answer at all: {tally.no_answer:,})",
    ]
    for problem in tally.server_errors:
        lines.append(f"     5xx: {problem.request[:400]}")
    for problem in [h for h in tally.hangs if h.what][:SHOWN]:
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
    parser.add_argument("--threads", type=int, default=defaults.threads, help="client threads (default: 4)")
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="seed of the generated requests (default: 0)"
    )
    args = parser.parse_args(argv)
    return Options(args.requests, args.users, args.seconds, args.threads, args.seed)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse_options(arguments)
    command = " ".join(["python -m benchmarks.fuzz", *arguments])
    print(format_report(run(options, command)), flush=True)


if __name__ == "__main__":
    main()
