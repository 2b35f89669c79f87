"""The latency ``mockrc proxy`` adds: a direct call to a loopback upstream against the same call
through the proxy.

Run from the repository root (about half a minute)::

    .venv/bin/python -m benchmarks.bench_proxy
    .venv/bin/python -m benchmarks.bench_proxy --requests 2000

A ``mockrc serve`` (the upstream) and a ``mockrc proxy --upstream`` to it run as their own
processes, as a CI job runs them. One client process sends each operation alternately to the
upstream directly and through the proxy, on one kept-alive connection each, and times every
answer; it prints the median and p99 of both and the difference of the medians (what the proxy
adds: forwarding, the private fake's prediction, the comparison and the journal). Target (issue
15): under 2 ms at the median. The operations: ``GET /Users/{id}``, a filter
(``GET /Users?filter=userName eq "…"``) and ``POST /Users`` (a new user each time). Figures
depend on the machine and its load; no test asserts on them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from benchmarks.startup import wait_until_serving

TOKEN = "bench-proxy-token"
TARGET_MS = 2.0


@contextmanager
def _process(*args: str) -> Iterator[tuple[str, int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrc", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield wait_until_serving(process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _user(n: int) -> bytes:
    email = f"bench{n}@example.com"
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": email,
            "name": {"givenName": "Bench", "familyName": "Mark"},
            "emails": [{"type": "work", "value": email}],
        }
    ).encode()


@dataclass
class Client:
    """One kept-alive connection, timing each exchange."""

    connection: http.client.HTTPConnection

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[float, int, bytes]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if body is not None:
            headers["Content-Type"] = "application/scim+json"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return (time.perf_counter() - started) * 1000, response.status, data


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=500, help="requests per operation and path (default 500)"
    )
    args = parser.parse_args(argv)
    print(f"command: python -m benchmarks.bench_proxy --requests {args.requests}")
    upstream = _process("serve", "--port", "0", "--token", TOKEN)
    with (
        upstream as (host, port),
        _process("proxy", "--upstream", f"http://{host}:{port}", "--port", "0") as (
            proxy_host,
            proxy_port,
        ),
    ):
        direct = Client(http.client.HTTPConnection(host, port, timeout=30))
        proxied = Client(http.client.HTTPConnection(proxy_host, proxy_port, timeout=30))
        _, status, body = direct.call("POST", "/scim/v2/Users", _user(0))
        assert status == 201, (status, body)
        user_id = json.loads(body)["id"]
        counter = iter(range(1, 10**9))
        operations: dict[str, Callable[[Client], tuple[float, int, bytes]]] = {
            "GET /Users/{id}": lambda c: c.call("GET", f"/scim/v2/Users/{user_id}"),
            "GET /Users?filter": lambda c: c.call(
                "GET", "/scim/v2/Users?filter=" + quote('userName eq "bench0@example.com"')
            ),
            "POST /Users": lambda c: c.call("POST", "/scim/v2/Users", _user(next(counter))),
        }
        print(
            f"{'operation':<20} {'direct median':>14} {'direct p99':>11} {'proxy median':>13} "
            f"{'proxy p99':>10} {'added (median)':>15}  target"
        )
        verdicts = []
        for name, operation in operations.items():
            for client in (direct, proxied):  # warm up: connections, caches, the private fake
                for _ in range(20):
                    operation(client)
            times: dict[str, list[float]] = {"direct": [], "proxy": []}
            for _ in range(args.requests):
                for label, client in (("direct", direct), ("proxy", proxied)):
                    elapsed, status, body = operation(client)
                    assert status < 400, (name, label, status, body[:200])
                    times[label].append(elapsed)
            d, p = statistics.median(times["direct"]), statistics.median(times["proxy"])
            added = p - d
            verdict = "PASS" if added < TARGET_MS else "MISS"
            verdicts.append(verdict)
            print(
                f"{name:<20} {d:>11.3f} ms {_p99(times['direct']):>8.3f} ms {p:>10.3f} ms "
                f"{_p99(times['proxy']):>7.3f} ms {added:>12.3f} ms  {verdict} (< {TARGET_MS:g} ms; "
                f"ratio {p / d:.2f}x)"
            )
    print(f"targets: {verdicts.count('PASS')} PASS, {verdicts.count('MISS')} MISS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
