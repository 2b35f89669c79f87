"""Startup: from starting ``python -m mockrc serve --port 0`` to its first answer on ``/__mockrc/health``."""

from __future__ import annotations

import http.client
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


def _health_ok(host: str, port: int) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=GIVE_UP_SECONDS)
    try:
        connection.request("GET", "/__mockrc/health")
        return connection.getresponse().status == 200
    except ConnectionRefusedError:
        return False
    finally:
        connection.close()


def measure_startup() -> Startup:
    """Start ``mockrc serve`` once, as a user would, and time it until it answers."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrc", "serve", "--port", "0", "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(GIVE_UP_SECONDS, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        seen: list[str] = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith(READY_PREFIX):
                break
        else:
            raise RuntimeError("mockrc serve exited before it was ready:\n" + "".join(seen))
        ready = time.perf_counter() - started
        parts = urlsplit(seen[-1].rsplit(" at ", 1)[1].strip())
        while not _health_ok(str(parts.hostname), int(parts.port or 80)):
            if time.perf_counter() - started > GIVE_UP_SECONDS:
                raise RuntimeError("mockrc serve printed its URL but never answered /__mockrc/health")
        return Startup(ready, time.perf_counter() - started)
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait()
