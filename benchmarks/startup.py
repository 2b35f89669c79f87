"""Startup: from starting ``python -m mockrc serve --port 0`` to its first answer on ``/__mockrc/health``.

Timed as an installed mockrc starts: with its modules' bytecode cached. pip compiles it when it
installs a wheel; a checkout run with ``PYTHONDONTWRITEBYTECODE`` set (as some CI images and
containers do) would instead compile every module of mockrc on every start, ~0.1 s of CPU that
says nothing about mockrc. So the server runs without that variable, after one untimed start
(:func:`warm_up`) has written the cache.

The machine's speed varies between hours, so a figure is compared only with one taken beside it:
``python -m benchmarks.startup --against DIR`` times this checkout and the checkout at ``DIR``
(with its own ``.venv``) in alternation, and prints each one's medians and their ratio::

    .venv/bin/python -m benchmarks.startup --against /path/to/main --runs 9
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.workload import TOKEN

READY_PREFIX = "mockrc: serving RingCentral"
#: A server that has not answered by then is broken, not slow.
GIVE_UP_SECONDS = 60.0


@dataclass(frozen=True)
class Startup:
    #: Seconds from process start to the ``serving … at <url>`` line.
    ready: float
    #: Seconds from process start to the first 200 from ``/__mockrc/health``.
    answered: float
    #: CPU seconds the server had used by then (``/proc``; None elsewhere): what a busy machine
    #: does not inflate, unlike the wall-clock figures.
    cpu: float | None = None


def wait_until_serving(process: subprocess.Popen[str]) -> tuple[str, int]:
    """Read ``process``'s output until ``mockrc serve`` says it is serving; the host and port it
    serves at. RuntimeError, with the last lines it printed, when it exits first."""
    assert process.stdout is not None
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith(READY_PREFIX):
            parts = urlsplit(line.rsplit(" at ", 1)[1].strip())
            return str(parts.hostname), int(parts.port or 80)
    raise RuntimeError("mockrc serve exited before it was ready:\n" + "".join(seen[-20:]))


def _health_ok(host: str, port: int) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=GIVE_UP_SECONDS)
    try:
        connection.request("GET", "/__mockrc/health")
        return connection.getresponse().status == 200
    except ConnectionRefusedError:
        return False
    finally:
        connection.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` from ``/proc`` (Linux); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def warm_up() -> None:
    """Start and stop ``mockrc serve`` once, untimed, so the bytecode cache is written."""
    measure_startup()


def measure_startup() -> Startup:
    """Start ``mockrc serve`` once, as a user would, and time it until it answers."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrc", "serve", "--port", "0", "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_environment(),
    )
    watchdog = threading.Timer(GIVE_UP_SECONDS, process.kill)
    watchdog.start()
    try:
        host, port = wait_until_serving(process)
        ready = time.perf_counter() - started
        while not _health_ok(host, port):
            if time.perf_counter() - started > GIVE_UP_SECONDS:
                raise RuntimeError("mockrc serve printed its URL but never answered /__mockrc/health")
        return Startup(ready, time.perf_counter() - started, cpu_seconds(process.pid))
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait()


#: One timed start in a checkout's own interpreter, printed as JSON (``answered``, ``cpu``).
_ONE_RUN = (
    "import json; from benchmarks.startup import measure_startup; s = measure_startup(); "
    "print(json.dumps([s.answered, s.cpu]))"
)


def _time_in(checkout: Path) -> tuple[float, float]:
    """One start of ``mockrc serve`` from ``checkout`` with its ``.venv``: (answered, cpu)."""
    python = checkout / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", _ONE_RUN], cwd=checkout, capture_output=True, text=True, check=True
    )
    answered, cpu = json.loads(done.stdout)
    return float(answered), float("nan") if cpu is None else float(cpu)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time mockrc serve's start beside another checkout's.")
    parser.add_argument("--against", required=True, type=Path, help="the other checkout (with its .venv)")
    parser.add_argument("--runs", type=int, default=9, help="timed starts of each (default: 9)")
    args = parser.parse_args(argv)
    checkouts = {"this": Path.cwd(), "against": args.against.resolve()}
    for checkout in checkouts.values():  # untimed: writes each one's bytecode cache
        _time_in(checkout)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    for _ in range(args.runs):  # alternating, so a change of the machine's speed hits both alike
        for name, checkout in checkouts.items():
            runs[name].append(_time_in(checkout))
    medians = {
        name: (statistics.median(a for a, _ in times), statistics.median(c for _, c in times))
        for name, times in runs.items()
    }
    for name, checkout in checkouts.items():
        answered, cpu = medians[name]
        print(
            f"{name:8} {checkout}: first answer {answered:.3f} s, CPU to it {cpu:.3f} s "
            f"(medians of {args.runs})"
        )
    (answered, cpu), (answered_0, cpu_0) = medians["this"], medians["against"]
    print(f"this / against: first answer {answered / answered_0:.3f}, CPU {cpu / cpu_0:.3f}")


if __name__ == "__main__":
    main()
