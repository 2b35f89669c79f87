"""Many accounts in one server (issue 13): what an account costs, and what one process sustains.

Run from the repository root (about a minute on 2 cores; the live part needs wrk, see README)::

    .venv/bin/python -m benchmarks.bench_accounts
    .venv/bin/python -m benchmarks.bench_accounts --seconds 5 --rounds 3

It prints:

1. **create + delete**, time per pair: in the domain (``Accounts.create`` + ``delete``), in-process
   through the app (``POST``/``DELETE /__mockrc/accounts`` with Flask's test client, no socket),
   and over HTTP against ``mockrc serve`` (``http.client``, one keep-alive connection). Target:
   under 5 ms in-process, so a fresh account per test costs less than any test.
2. **memory per empty account**: ``tracemalloc`` around making 200 accounts, divided by 200.
3. **throughput** of ``GET /scim/v2/Users`` (10 users per account) under wrk (``-t2 -c16``) on one
   ``mockrc serve``: every request with one account's token vs. requests spread over 16 accounts'
   tokens (each connection cycles through them). Target: spread no worse than one (ratio >= 0.9,
   the noise of a shared 2-core machine). The median of ``--rounds`` alternating rounds counts.

Figures depend on the machine and what else it runs; no test asserts on them
(``tests/unit/test_benchmark_smoke.py`` runs this at toy sizes).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any

from benchmarks.startup import GIVE_UP_SECONDS, wait_until_serving
from benchmarks.wrk import WrkResult, ensure_wrk, lua_list, run_wrk
from mockrc.accounts import AccountRequest, Accounts
from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState

JSON = {"Content-Type": "application/json"}
#: The target of issue 13 for one create + delete in-process.
CREATE_TARGET_MS = 5.0
#: Spread over 16 accounts must sustain at least this share of one account's throughput.
SPREAD_TARGET = 0.9


@dataclass(frozen=True)
class Options:
    pairs: int = 200
    memory_accounts: int = 200
    accounts: int = 16
    users: int = 10
    seconds: float = 3.0
    rounds: int = 3
    connections: int = 16


@dataclass
class Report:
    command: str
    domain_ms: float = 0.0
    inprocess_ms: float = 0.0
    http_ms: float = 0.0
    bytes_per_account: float = 0.0
    one: list[WrkResult] = field(default_factory=list)
    spread: list[WrkResult] = field(default_factory=list)

    @staticmethod
    def median(results: list[WrkResult]) -> float:
        return statistics.median(r.per_second for r in results) if results else 0.0

    @property
    def ratio(self) -> float:
        one = self.median(self.one)
        return self.median(self.spread) / one if one else 0.0


def _per_pair_ms(pairs: int, pair: Any) -> float:
    pair()  # warm-up: imports and first-time caches are no part of an account's cost
    started = time.perf_counter()
    for _ in range(pairs):
        pair()
    return (time.perf_counter() - started) / pairs * 1000


def create_delete(options: Options, report: Report) -> None:
    accounts = Accounts(MockState(Settings(), clock=FakeClock()))

    def domain() -> None:
        key, _, _ = accounts.create(AccountRequest())
        accounts.delete(key)

    report.domain_ms = _per_pair_ms(options.pairs, domain)
    client = create_app(MockState(Settings(), clock=FakeClock())).test_client()

    def inprocess() -> None:
        made = client.post("/__mockrc/accounts", json={})
        assert made.status_code == 201, made.text
        gone = client.delete(f"/__mockrc/accounts/{made.json['id']}", headers=JSON)
        assert gone.status_code == 204

    report.inprocess_ms = _per_pair_ms(options.pairs, inprocess)


def memory(options: Options, report: Report) -> None:
    accounts = Accounts(MockState(Settings(), clock=FakeClock()))
    accounts.create(AccountRequest())  # warm-up
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(options.memory_accounts):
        accounts.create(AccountRequest())
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    report.bytes_per_account = grown / options.memory_accounts


class Served:
    """``mockrc serve --port 0`` in its own process, as a CI job would run it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockrc", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        watchdog = threading.Timer(GIVE_UP_SECONDS, self.process.kill)
        watchdog.start()
        try:
            self.host, self.port = wait_until_serving(self.process)
        finally:
            watchdog.cancel()
        # Keep reading what it prints (waitress warns of its queue under load): a full pipe would
        # block the server mid-request.
        threading.Thread(target=self._drain, daemon=True).start()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=GIVE_UP_SECONDS)

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def send(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = dict(JSON)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        payload = None if body is None else json.dumps(body)
        self.connection.request(method, path, body=payload, headers=headers)
        answer = self.connection.getresponse()
        raw = answer.read()
        return answer.status, json.loads(raw) if raw else None

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()
        self.process.wait()


def over_http(options: Options, report: Report, served: Served) -> None:
    def pair() -> None:
        status, made = served.send("POST", "/__mockrc/accounts", {})
        assert status == 201, made
        status, _ = served.send("DELETE", f"/__mockrc/accounts/{made['id']}")
        assert status == 204

    report.http_ms = _per_pair_ms(options.pairs, pair)


def _user(email: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Bench", "familyName": "Mark"},
        "emails": [{"type": "work", "value": email}],
    }


def _script(tokens: list[str]) -> str:
    return lua_list("tokens", tokens) + (
        "function request()\n"
        '  local auth = {["Authorization"] = "Bearer " .. pick(tokens)}\n'
        '  return wrk.format("GET", "/scim/v2/Users?count=10", auth)\n'
        "end\n"
    )


def throughput(options: Options, report: Report, served: Served) -> None:
    wrk = ensure_wrk(lambda text: print(f"bench_accounts: {text}", file=sys.stderr))
    tokens: list[str] = []
    for index in range(options.accounts):
        status, made = served.send("POST", "/__mockrc/accounts", {})
        assert status == 201, made
        for number in range(options.users):
            status, _ = served.send(
                "POST", "/scim/v2/Users", _user(f"u{number}@a{index}.example"), made["token"]
            )
            assert status == 201
        tokens.append(made["token"])
    one, spread = _script(tokens[:1]), _script(tokens)
    for _ in range(options.rounds):
        for results, script in ((report.one, one), (report.spread, spread)):
            result = run_wrk(
                wrk, served.url, script, seconds=options.seconds, connections=options.connections
            )
            if result.status_errors or result.socket_errors:
                raise RuntimeError(f"wrk saw errors: {result}")
            results.append(result)


def run(options: Options, command: str) -> Report:
    report = Report(command)
    print("bench_accounts: create + delete in-process", file=sys.stderr)
    create_delete(options, report)
    print("bench_accounts: memory per account", file=sys.stderr)
    memory(options, report)
    served = Served()
    try:
        print("bench_accounts: create + delete over HTTP", file=sys.stderr)
        over_http(options, report, served)
        print("bench_accounts: throughput, one account vs spread", file=sys.stderr)
        throughput(options, report, served)
    finally:
        served.stop()
    return report


def format_report(report: Report, options: Options) -> str:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    one, spread = Report.median(report.one), Report.median(report.spread)
    kib = report.bytes_per_account / 1024
    one_rounds = ", ".join(f"{r.per_second:.0f}" for r in report.one)
    spread_rounds = ", ".join(f"{r.per_second:.0f}" for r in report.spread)
    wrk = f"wrk -t2 -c{options.connections}, {options.seconds:g} s x {options.rounds} rounds (median)"
    lines = [
        "# mockrc accounts benchmark",
        "",
        f"command: {report.command}",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        f"create + delete, per pair ({options.pairs} pairs):",
        f"  domain (Accounts.create + delete)      {report.domain_ms:8.3f} ms",
        f"  in-process (POST + DELETE, no socket)  {report.inprocess_ms:8.3f} ms",
        f"  over HTTP (mockrc serve, keep-alive)   {report.http_ms:8.3f} ms",
        f"memory per empty account ({options.memory_accounts} accounts): {kib:.1f} KiB",
        "",
        f"GET /scim/v2/Users?count=10, {wrk}, {options.users} users per account:",
        f"  one account                 {one:10.0f} req/s  (rounds: {one_rounds})",
        f"  spread over {options.accounts:2d} accounts     {spread:10.0f} req/s  (rounds: {spread_rounds})",
        f"  ratio spread / one          {report.ratio:10.2f}",
        "",
        "targets:",
        f"  {mark(report.inprocess_ms < CREATE_TARGET_MS)} create + delete in-process "
        f"< {CREATE_TARGET_MS:g} ms ({report.inprocess_ms:.3f} ms)",
        f"  {mark(report.ratio >= SPREAD_TARGET)} 16 accounts sustain >= {SPREAD_TARGET:g} x one account "
        f"({report.ratio:.2f})",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_accounts", description=__doc__)
    parser.add_argument("--pairs", type=int, default=Options.pairs, help="create + delete pairs timed")
    parser.add_argument("--seconds", type=float, default=Options.seconds, help="seconds per wrk round")
    parser.add_argument("--rounds", type=int, default=Options.rounds, help="wrk rounds (the median counts)")
    args = parser.parse_args(argv)
    options = Options(pairs=args.pairs, seconds=args.seconds, rounds=args.rounds)
    command = " ".join(
        [os.path.basename(sys.executable), "-m", "benchmarks.bench_accounts", *(argv or sys.argv[1:])]
    )
    sys.stdout.write(format_report(run(options, command), options))


if __name__ == "__main__":
    main()
