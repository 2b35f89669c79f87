"""Startup: from starting ``python -m mockrc serve --port 0`` to its first answer on ``/__mockrc/health``.

Timed as an installed mockrc starts: with its modules' bytecode cached. pip compiles it when it
installs a wheel; a checkout run with ``PYTHONDONTWRITEBYTECODE`` set (as some CI images and
containers do) would instead compile every module of mockrc on every start, ~0.1 s of CPU that
says nothing about mockrc. So the server runs without that variable, after one untimed start
(:func:`warm_up`) has written the cache.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
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
