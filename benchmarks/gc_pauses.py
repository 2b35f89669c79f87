"""The garbage collector's pauses during writes, on a server filled after it started.

``mockrc serve`` freezes what it built at startup (``gc.freeze()``), so collections skip it. A
server started empty and filled through the API afterwards holds every user in objects made after
the freeze: what a collection walks then decides the pauses every request may meet. This runs the
app as ``mockrc serve`` does (freeze, then users added through the Users service), then times each
collection during POSTs answered through the WSGI app, and prints the pauses per generation.

    .venv/bin/python -m benchmarks.gc_pauses                       # 200,000 users, 5,000 POSTs
    .venv/bin/python -m benchmarks.gc_pauses --users 1000000

A young collection that walks a table of all the users shows as a pause that grows with ``--users``;
one that does not stays under a millisecond or two whatever the size.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.test import EnvironBuilder

from benchmarks.workload import TOKEN, load_users, new_state, user_body, user_email
from mockrc.app import create_app


@dataclass
class Pauses:
    """Each collection's duration by generation, from ``gc.callbacks``."""

    seconds: dict[int, list[float]] = field(default_factory=lambda: {0: [], 1: [], 2: []})
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds[info["generation"]].append(time.perf_counter() - self._started)


def measure(users: int, posts: int) -> tuple[Pauses, float]:
    """Pauses during ``posts`` POSTs on an app frozen empty and then given ``users`` users, and
    the CPU time per POST."""
    state = new_state()
    app = create_app(state)
    gc.freeze()  # as mockrc serve does once its state is built: here, empty
    load_users(state, users)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
    # Bodies as bytes (untracked): environs built ahead would be thousands of tracked dicts that
    # the benchmark's own collections walk, so each is built just before its request.
    bodies = [json.dumps(user_body(user_email(i, "gc"))).encode() for i in range(posts)]
    statuses: list[str] = []

    def start_response(status: str, _headers: object, _exc: object = None) -> None:
        statuses.append(status)

    pauses = Pauses()
    gc.callbacks.append(pauses)
    started = time.process_time()
    try:
        for body in bodies:
            environ = EnvironBuilder(
                path="/scim/v2/Users", method="POST", data=body, headers=headers
            ).get_environ()
            b"".join(app(environ, start_response))
            if not statuses[-1].startswith("201"):
                raise RuntimeError(f"POST answered {statuses[-1]}")
    finally:
        gc.callbacks.remove(pauses)
    return pauses, (time.process_time() - started) / posts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200_000, help="users added after the freeze (200,000)")
    parser.add_argument("--posts", type=int, default=5_000, help="POSTs timed (5,000)")
    args = parser.parse_args(argv)
    pauses, per_post = measure(args.users, args.posts)
    print(f"collector pauses during {args.posts:,} POSTs, {args.users:,} users added after gc.freeze()")
    for generation, seconds in pauses.seconds.items():
        if seconds:
            longest, total = max(seconds) * 1e3, sum(seconds) * 1e3
            counted = f"{len(seconds):>4} collections"
            print(f"   generation {generation}: {counted}, max {longest:6.2f} ms, total {total:7.1f} ms")
        else:
            print(f"   generation {generation}:    0 collections")
    print(f"   CPU per POST (the app called directly, its environ built): {per_post * 1e6:,.0f} µs")


if __name__ == "__main__":
    main()
