"""Loading a seed: ``mockrc serve --users N`` from process start to serving, and its memory.

The users are generated (faker's name tables, deterministic from ``--seed``) and created one by
one through the business rules and uniqueness checks of a POST; the first also through its
normalisation and JSON Schema check, which the generator's output is proved to pass
(:func:`mockrc.seed.add_users`). The server is started with ``--journal-size 1``: the journal
(the last 10,000 requests by default) is not what is measured here. Besides the wall time, the
server's CPU time up to serving is reported: on a machine busy with other work it is the figure
that says what the load costs.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from benchmarks.startup import cpu_seconds, wait_until_serving

#: A load slower than this is reported as not finished.
GIVE_UP_SECONDS = 1800.0


@dataclass(frozen=True)
class SeedLoad:
    users: int
    #: Seconds from process start to the ``serving … at <url>`` line.
    seconds: float
    #: The server's resident set once it serves (``VmRSS``), and its peak (``VmHWM``), in bytes.
    rss_bytes: int | None
    peak_rss_bytes: int | None
    #: CPU seconds the server had used by then (``/proc``; None elsewhere).
    cpu: float | None = None


def _status(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def measure_seed_load(users: int) -> SeedLoad:
    """Start ``mockrc serve --users N`` once and time it until it serves; RuntimeError if it fails."""
    command = [sys.executable, "-m", "mockrc", "serve", "--port", "0", "--users", str(users)]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--journal-size", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    watchdog = threading.Timer(GIVE_UP_SECONDS, process.kill)
    watchdog.start()
    try:
        wait_until_serving(process)
        seconds = time.perf_counter() - started
        rss, peak = _status(process.pid, "VmRSS"), _status(process.pid, "VmHWM")
        return SeedLoad(users, seconds, rss, peak, cpu_seconds(process.pid))
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait()
