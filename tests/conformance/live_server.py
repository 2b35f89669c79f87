"""Run ``mockrc serve`` as a separate process, the way a developer or a CI job does."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

READY_PREFIX = "mockrc: serving RingCentral"


def output_lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The lines ``process`` prints, as a background thread reads them; None once its output ends.

    A queue lets a test wait for a line with a timeout instead of blocking on a pipe.
    """
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


@contextmanager
def mockrc_serve(
    *args: str,
    ready_within: float = 30.0,
    program: Sequence[str] = (sys.executable, "-m", "mockrc"),
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """Start ``PROGRAM serve --port 0 ARGS`` (``python -m mockrc`` unless told another, such as an
    installed ``mockrc`` script) in ``env`` (default: this process's environment); yield its base
    URL and its output so far."""
    process = subprocess.Popen(
        [*program, "serve", "--port", "0", *args],
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = output_lines(process)
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=ready_within)
            if line is None:
                raise RuntimeError("mockrc serve exited before it was ready:\n" + "\n".join(seen))
            seen.append(line)
            if line.startswith(READY_PREFIX):
                url = line.rsplit(" at ", 1)[1].strip()
                break
        yield url, seen
    finally:
        process.terminate()
        process.wait(timeout=30)
