"""The fast writes against Flask, side by side: the CPU an app spends on each kind of write.

Two apps on equal states of ``--users`` users, one with the fast writes
(:mod:`mockrc.http.fast_writes`) and one without (``create_app(fast_writes=False)``), answer the
same kind of write through their WSGI callable, in batches that alternate between them (the
machine's speed drifts: a figure is only compared with one taken beside it). Each batch's thread
CPU time per request is noted; the medians and their ratio are printed.

    .venv/bin/python -m benchmarks.fast_paths                    # 10,000 users, 10 batches of 200
    .venv/bin/python -m benchmarks.fast_paths --ops patch,post --batches 20

The writes are a PATCH replacing ``title``, a PUT of the same user with a new title, a POST of a
new user and a DELETE, each to another user every time (``benchmarks/workload.py``'s bodies).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

from benchmarks.workload import TOKEN, Loaded, load_users, new_state, patch_body, user_body, user_email
from mockrc.app import create_app

OPS = ("patch", "put", "post", "delete")
_HEADERS = [("Authorization", f"Bearer {TOKEN}"), ("Host", "localhost")]


def _environ(op: str, loaded: Loaded, index: int) -> dict[str, Any]:
    """The WSGI environ of the ``index``-th write of kind ``op``."""
    user_id = loaded.ids[index % len(loaded.ids)]
    path = f"/scim/v2/Users/{user_id}"
    if op == "patch":
        builder = EnvironBuilder(path=path, method="PATCH", json=patch_body(f"t{index}"), headers=_HEADERS)
    elif op == "put":
        body = user_body(loaded.user_names[index % len(loaded.ids)]) | {"title": f"t{index}"}
        builder = EnvironBuilder(path=path, method="PUT", json=body, headers=_HEADERS)
    elif op == "post":
        body = user_body(user_email(index, "new"))
        builder = EnvironBuilder(path="/scim/v2/Users", method="POST", json=body, headers=_HEADERS)
    else:
        builder = EnvironBuilder(path=path, method="DELETE", headers=_HEADERS)
    return builder.get_environ()


def _batch(app: Flask, environs: Sequence[dict[str, Any]]) -> float:
    """Thread CPU seconds per request for ``environs``, each answered 2xx (else AssertionError)."""
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    started = time.thread_time()
    for environ in environs:
        b"".join(app(environ, start_response))
    spent = time.thread_time() - started
    refused = [s for s in statuses if not s.startswith("2")]
    assert not refused, refused[:3]
    return spent / len(environs)


def compare(op: str, users: int, batches: int, size: int) -> tuple[float, float, int]:
    """Median µs per request of ``op`` through Flask and through the fast writes, and how many of
    the fast app's requests the fast writes answered."""
    total = (batches + 1) * size  # one batch each to warm up
    apps: dict[str, Flask] = {}
    environs: dict[str, list[dict[str, Any]]] = {}
    for side, fast in (("flask", False), ("fast", True)):
        state = new_state()
        loaded = load_users(state, max(users, total))
        apps[side] = create_app(state, fast_writes=fast)
        environs[side] = [_environ(op, loaded, i) for i in range(total)]
    gc.collect()
    gc.freeze()  # as mockrc serve does after loading: collections skip the users
    try:
        times: dict[str, list[float]] = {"flask": [], "fast": []}
        for number in range(batches + 1):
            order = ("flask", "fast") if number % 2 else ("fast", "flask")
            for side in order:
                spent = _batch(apps[side], environs[side][number * size : (number + 1) * size])
                if number:
                    times[side].append(spent)
    finally:
        gc.unfreeze()
    answered = apps["fast"].extensions["mockrc.fast_writes"].answered
    return statistics.median(times["flask"]) * 1e6, statistics.median(times["fast"]) * 1e6, answered


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--size", type=int, default=200, help="requests per batch")
    parser.add_argument("--ops", default=",".join(OPS), help=f"a comma-separated subset of {','.join(OPS)}")
    args = parser.parse_args(argv)
    print(
        f"CPU per write, app alone (thread time, medians of {args.batches} alternating batches of "
        f"{args.size}, {args.users:,} users)"
    )
    print(f"  {'write':<8} {'Flask µs':>9} {'fast µs':>9} {'fast/Flask':>11}  answered below Flask")
    for op in args.ops.split(","):
        flask_us, fast_us, answered = compare(op, args.users, args.batches, args.size)
        total = (args.batches + 1) * args.size
        print(
            f"  {op:<8} {flask_us:9.0f} {fast_us:9.0f} {fast_us / flask_us:11.2f}  {answered:,} of {total:,}"
        )


if __name__ == "__main__":
    main()
