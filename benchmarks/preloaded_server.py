"""A benchmark-only server: ``mockrc``'s app over N preloaded users, on a free port.

Run as ``python -m benchmarks.preloaded_server --users N``. It loads the users, binds, prints one
line ``bench-server: {json}`` (URL, load time, RSS growth, a random sample of users' ids and
userNames) and serves until SIGTERM. A separate process, so the load generator does not share
its interpreter lock and what is measured is the server alone.

With ``--hello`` it serves a one-route Flask app (``GET /hello``) on the same server stack
(``LiveServer``: waitress, the same threads) instead: the ceiling the benchmark compares with.
``--server SPEC`` picks another stack (:mod:`benchmarks.stacks`: waitress with adjustments, or
cheroot) for comparing servers.

Once its users are loaded it calls ``gc.freeze()``, as ``mockrc serve`` does once its state is
built, so full collections do not walk what was loaded.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import time
from collections.abc import Sequence

from flask import Flask, Response, jsonify

from benchmarks.stacks import bind
from benchmarks.workload import load_users, new_state, sample
from mockrc.app import create_app

READY_PREFIX = "bench-server: "


def hello_app() -> Flask:
    """The ceiling: a hello-world Flask route answering a constant JSON body."""
    app = Flask("hello")

    @app.get("/hello")
    def hello() -> Response:
        return jsonify(status="ok")

    return app


def resident_bytes() -> int | None:
    """This process's resident set size, where ``/proc`` tells it (Linux); else None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, required=True, help="users to preload")
    parser.add_argument("--sample", type=int, default=1000, help="users to report back (default: 1000)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (default: 8, as serve)")
    parser.add_argument(
        "--state-file", metavar="FILE", help="keep the state in FILE (mockrc serve --state-file)"
    )
    parser.add_argument("--hello", action="store_true", help="serve the hello-world app instead")
    parser.add_argument(
        "--server", default="waitress", help="server stack (benchmarks.stacks; default: waitress, as serve)"
    )
    args = parser.parse_args(argv)
    # Under a load generator's 16 connections waitress's queue is never empty; its warning per
    # queued request would cost the server time and flood the terminal.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if args.hello:
        gc.freeze()
        url, serve = bind(hello_app(), args.server, args.threads)
        ready = {"url": url, "users": 0, "load_seconds": 0.0, "rss_growth_bytes": None}
        print(READY_PREFIX + json.dumps({**ready, "ids": [], "user_names": []}), flush=True)
        serve()
        return

    state = new_state(args.state_file)
    rss_before = resident_bytes()
    started = time.perf_counter()
    loaded = load_users(state, args.users)
    if state.state_file is not None:
        state.state_file.commit()  # the preload is written in one transaction, as one request would
    load_seconds = time.perf_counter() - started
    rss_after = resident_bytes()
    picked = sample(loaded, args.sample)

    app = create_app(state)
    gc.freeze()
    url, serve = bind(app, args.server, args.threads)
    ready = {
        "url": url,
        "users": args.users,
        "load_seconds": load_seconds,
        "rss_growth_bytes": None if rss_before is None or rss_after is None else rss_after - rss_before,
        "ids": picked.ids,
        "user_names": picked.user_names,
    }
    print(READY_PREFIX + json.dumps(ready), flush=True)
    serve()


if __name__ == "__main__":
    main()
