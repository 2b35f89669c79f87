"""A suite of tests that each use ``mockrc_server``: one live server per xdist worker vs one shared server.

Run from the repository root (about a minute on 2 cores)::

    .venv/bin/python -m benchmarks.bench_shared
    .venv/bin/python -m benchmarks.bench_shared --tests 200 --workers 2 --runs 3

A generated suite of ``--tests`` tests (default 200), each of which creates a user through
``mockrc_server``, reads it and patches it (three SCIM calls over a real socket, then the strict
checks), runs under ``pytest -p xdist -n WORKERS`` twice:

- **server per worker**: the plugin's default; each worker starts its own live server and builds a
  fresh fake in its own process for every test;
- **shared server**: one ``mockrc serve`` (started before the timing, as a CI run starts it once
  for all its jobs) and ``MOCKRC_URL``; every test creates an account there, and deletes it.

It prints the wall time of each whole pytest run (the median of ``--runs``), the time per test, and
the ratio shared / per worker, then the shared server's CPU time over the shared runs (from
``/proc``) and the start-up time of ``mockrc serve``. Both modes pay pytest's and xdist's own
start-up; the difference is where the fakes are built and how the strict checks read them (in
the test's process, or over HTTP). Figures depend on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.startup import cpu_seconds, wait_until_serving

SUITE = """
import pytest
import requests

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.mark.parametrize("number", range({tests}))
def test_create_read_patch(mockrc_server, number):
    email = f"user{{number}}@example.com"
    body = {{
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {{"givenName": "Bench", "familyName": "Mark"}},
        "emails": [{{"type": "work", "value": email}}],
    }}
    users = f"{{mockrc_server.url}}/scim/v2/Users"
    headers = mockrc_server.auth_headers
    created = requests.post(users, json=body, headers=headers)
    assert created.status_code == 201
    location = f"{{users}}/{{created.json()['id']}}"
    assert requests.get(location, headers=headers).json()["userName"] == email
    operation = {{"op": "replace", "path": "title", "value": "Engineer"}}
    patch = {{"schemas": [PATCH], "Operations": [operation]}}
    patched = requests.patch(location, json=patch, headers=headers)
    assert patched.json()["title"] == "Engineer"
"""


@dataclass(frozen=True)
class Options:
    tests: int = 200
    workers: int = 2
    runs: int = 1


@dataclass(frozen=True)
class Result:
    per_worker: list[float]
    shared: list[float]
    server_cpu: float | None
    server_start: float

    @property
    def ratio(self) -> float:
        return statistics.median(self.shared) / statistics.median(self.per_worker)


def _pytest(folder: Path, options: Options, url: str | None) -> float:
    """Seconds one pytest run of the suite takes; RuntimeError with its output if a test fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("MOCKRC_URL", "PYTEST_ADDOPTS")}
    if url is not None:
        env["MOCKRC_URL"] = url
    command = [sys.executable, "-m", "pytest", "-q", "-p", "xdist", "-n", str(options.workers)]
    command += ["-p", "no:randomly", "-p", "no:cacheprovider", "test_suite.py"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0 or f"{options.tests} passed" not in done.stdout:
        raise RuntimeError(
            f"the suite did not pass ({' '.join(command)}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
        )
    return took


def run(options: Options) -> Result:
    with tempfile.TemporaryDirectory(prefix="mockrc-bench-shared-") as work:
        folder = Path(work)
        (folder / "test_suite.py").write_text(SUITE.format(tests=options.tests), encoding="utf-8")
        (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        print("server per worker...", file=sys.stderr)
        per_worker = [_pytest(folder, options, None) for _ in range(options.runs)]
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "mockrc", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            host, port = wait_until_serving(server)
            server_start = time.perf_counter() - started
            # Keep reading what it prints, so that a full pipe never blocks it.
            threading.Thread(target=lambda: [None for _ in server.stdout or ()], daemon=True).start()
            cpu_before = cpu_seconds(server.pid)
            print("shared server...", file=sys.stderr)
            shared = [_pytest(folder, options, f"http://{host}:{port}") for _ in range(options.runs)]
            cpu_after = cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Result(per_worker, shared, cpu, server_start)


def format_report(result: Result, options: Options, command: str) -> str:
    per_worker, shared = statistics.median(result.per_worker), statistics.median(result.shared)
    cpu = "n/a" if result.server_cpu is None else f"{result.server_cpu / options.runs:.2f} s"
    lines = [
        f"$ {command}",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs,"
        f" Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.2f}",
        f"suite: {options.tests} tests (POST, GET, PATCH a user each), pytest -p xdist -n {options.workers},"
        f" median of {options.runs} run(s)",
        "",
        "| mode | wall s | ms per test | x per worker |",
        "|---|---|---|---|",
        f"| server per worker | {per_worker:.2f} | {per_worker * 1000 / options.tests:.1f} | 1.00 |",
        f"| shared server (MOCKRC_URL) | {shared:.2f} | {shared * 1000 / options.tests:.1f}"
        f" | {result.ratio:.2f} |",
        "",
        f"shared server: CPU per run {cpu}; mockrc serve ready in {result.server_start:.2f} s"
        " (once per CI run, not in the wall time above)",
    ]
    return "\n".join(lines)


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--tests", type=int, default=Options.tests, help="tests in the generated suite")
    parser.add_argument("--workers", type=int, default=Options.workers, help="xdist workers (-n)")
    parser.add_argument(
        "--runs", type=int, default=Options.runs, help="pytest runs per mode (the median counts)"
    )
    parsed = parser.parse_args(argv)
    if parsed.tests < 1 or parsed.workers < 1 or parsed.runs < 1:
        parser.error("--tests, --workers and --runs must be at least 1")
    return Options(parsed.tests, parsed.workers, parsed.runs)


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    command = " ".join(["python -m benchmarks.bench_shared", *(sys.argv[1:] if argv is None else argv)])
    print(format_report(run(options), options, command))


if __name__ == "__main__":
    main()
