"""wrk, the HTTP load generator the live benchmark drives servers with.

wrk (https://github.com/wg/wrk) is an event-loop load generator in C: on this kind of machine it
sends several times the requests per second a Python ``http.client`` load generator manages, so
what the benchmark measures is the server, not its client. Debian ships it as ``wrk``;
:func:`ensure_wrk` installs it with apt-get when it is missing and we run as root (CI and the
project's machines), as ``dev.py`` does for Chromium, and otherwise says how to install it.

Each operation is a Lua script (wrk's scripting API, ``SCRIPTING`` in the wrk repository): its
``request()`` builds every request, so bodies and ids vary per request (a new user per POST, a new
title per PATCH), and its ``done()`` prints one ``WRK_JSON {...}`` line with the figures
:func:`run_wrk` parses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

#: The line of wrk's output that carries the figures (printed by the script's ``done()``).
RESULT_PREFIX = "WRK_JSON "

#: Lua shared by every script: a per-thread number (``tid``, set in ``setup``), a per-thread
#: request counter, helpers, and ``done()`` reporting the figures as one JSON line.
_PRELUDE = """
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
counter = 0
label = "x"
function init(args)
  label = args[1] or label
end
function pick(list)
  counter = counter + 1
  return list[(tid + counter * nthreads) % #list + 1]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"status_errors":%d,"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


class WrkMissing(RuntimeError):
    """wrk is not installed and could not be installed here."""


def ensure_wrk(say: object = None) -> str:
    """The path of ``wrk``, installing Debian's package first when missing and allowed to.

    Only as root on a machine with apt-get (the project's CI and machines); anywhere else a
    :class:`WrkMissing` says what to install.
    """
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise WrkMissing(
            "wrk is missing and cannot be installed from here (needs root and apt-get): "
            "install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)"
        )
    if callable(say):
        say("installing wrk for the live benchmark (apt-get install wrk)")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise WrkMissing(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise WrkMissing("apt-get installed wrk but it is not on PATH")
    return found


def lua_string(text: str) -> str:
    """``text`` as a Lua string literal (JSON's escapes are valid Lua for the ASCII we send)."""
    return json.dumps(text)


def lua_list(name: str, values: Sequence[str]) -> str:
    return f"local {name} = {{{','.join(lua_string(v) for v in values)}}}\n"


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: requests, duration and latency percentiles (wrk measures each request)."""

    requests: int
    seconds: float
    p50: float
    p99: float
    max: float
    #: Answers with a status >= 400 (wrk counts them as errors); must be 0.
    status_errors: int
    #: Connect, read, write errors and timeouts; must be 0.
    socket_errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    wrk: str,
    url: str,
    script: str,
    *,
    seconds: float,
    threads: int = 2,
    connections: int = 16,
    label: str = "x",
    timeout_seconds: float = 10.0,
) -> WrkResult:
    """Run ``wrk -t{threads} -c{connections} -d{seconds}`` with ``script`` (Lua, without the prelude).

    wrk counts time in whole seconds: ``seconds`` is rounded, and 1 at least.

    RuntimeError if wrk fails or reports no figures.
    """
    text = f"nthreads = {threads}\n{_PRELUDE}\n{script}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="mockrc-bench-", delete=False) as file:
        file.write(text)
    try:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(round(seconds), 1)}s",
            "--timeout",
            f"{max(round(timeout_seconds), 1)}s",
            "-s",
            file.name,
            url,
            "--",
            label,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    finally:
        os.unlink(file.name)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-1000:]}{done.stderr[-1000:]}")
    figures = json.loads(lines[-1][len(RESULT_PREFIX) :])
    return WrkResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50=figures["p50_us"] / 1e6,
        p99=figures["p99_us"] / 1e6,
        max=figures["max_us"] / 1e6,
        status_errors=figures["status_errors"],
        socket_errors=figures["socket_errors"],
    )
