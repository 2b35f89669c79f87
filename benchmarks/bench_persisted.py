"""Persisted mode's cost (``mockrc serve --state-file``), in-process: what a commit adds to a request,
and how much of it holds up other requests.

Run from the repository root (about a minute on 2 cores)::

    .venv/bin/python -m benchmarks.bench_persisted                  # 10,000 users, 2,000 requests per round
    .venv/bin/python -m benchmarks.bench_persisted --users 1000 --requests 500

For GET by id, PATCH (replace title), POST (a new user) and PUT (the user with a new title), each
request goes through the app's WSGI callable (no server, no client: the fake's own cost), first
on a state in memory, then on one with a state file. Printed per operation: the process's CPU
time per request in each (median of 3 rounds) and the difference; then, from one more round with
the commit timed, the commit's CPU per request and the wall time of its part that runs under the
state's lock (:meth:`mockrc.persistence.StateFile.stage`, taking the request's rows) against the
whole commit's. Last, the wall time of one small commit with ``synchronous=NORMAL`` (the state
file's) and ``FULL`` (an ``fsync`` each) on a scratch database: what the choice between them costs
on this machine. Figures depend on the machine and on its load (printed); the live server's
figures with a state file come from ``benchmarks.bench_scim --state-file``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from benchmarks.workload import TOKEN, Loaded, load_users, new_state, patch_body, user_body, user_email
from mockrc.app import create_app
from mockrc.persistence import StateFile
from mockrc.state import MockState

OPERATIONS = ("GET", "PATCH", "POST", "PUT")
ROUNDS = 3
HEADERS = [("Authorization", f"Bearer {TOKEN}"), ("Host", "localhost")]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Figures:
    """One operation's figures, in microseconds."""

    memory_cpu: float
    persisted_cpu: float
    commit_cpu: float
    commit_wall: float
    under_lock_wall: float


def _environs(operation: str, loaded: Loaded, count: int, start: int) -> list[dict[str, Any]]:
    """``count`` requests of ``operation``, each its own (a new title, a new user), from ``start``."""
    made = []
    for i in range(start, start + count):
        user_id = loaded.ids[i % len(loaded.ids)]
        path = f"/scim/v2/Users/{user_id}"
        if operation == "GET":
            builder = EnvironBuilder(path=path, headers=HEADERS)
        elif operation == "PATCH":
            builder = EnvironBuilder(path=path, method="PATCH", json=patch_body(f"t{i}"), headers=HEADERS)
        elif operation == "PUT":
            body = {**user_body(loaded.user_names[i % len(loaded.ids)]), "title": f"t{i}"}
            builder = EnvironBuilder(path=path, method="PUT", json=body, headers=HEADERS)
        else:
            body = user_body(user_email(i, f"new{operation.lower()}"))
            builder = EnvironBuilder(path="/scim/v2/Users", method="POST", json=body, headers=HEADERS)
        made.append(builder.get_environ())
    return made


def _serve(app: WsgiApp, environs: list[dict[str, Any]]) -> float:
    """Answer every request; the process's CPU seconds per request."""
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    started = time.process_time()
    for environ in environs:
        for _ in app(environ, start_response):
            pass
    spent = time.process_time() - started
    failed = [s for s in statuses if not s.startswith(("200", "201"))]
    if failed:
        raise RuntimeError(f"{len(failed)} requests failed, the first: {failed[0]}")
    return spent / len(environs)


class _TimedCommit:
    """Wraps one state file's commit and stage to time them (one round only: it costs a little).

    A mockrc from before the group commit (its StateFile has no ``stage``) wrote the whole commit
    under the lock: run this file with that checkout's code to compare (``PYTHONPATH=.``).
    """

    def __init__(self, state_file: StateFile) -> None:
        self.commit_cpu = self.commit_wall = self.stage_wall = 0.0
        self.calls = 0
        self.staged = hasattr(state_file, "stage")
        commit = state_file.commit

        def timed_commit(*args: Any, **kwargs: Any) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                commit(*args, **kwargs)
            finally:
                self.commit_wall += time.perf_counter() - wall
                self.commit_cpu += time.process_time() - cpu
                self.calls += 1

        state_file.commit = timed_commit  # type: ignore[method-assign]
        if self.staged:
            stage = state_file.stage

            def timed_stage() -> int:
                started = time.perf_counter()
                try:
                    return stage()
                finally:
                    self.stage_wall += time.perf_counter() - started

            state_file.stage = timed_stage  # type: ignore[method-assign]

    @property
    def under_lock(self) -> float:
        """Seconds per commit spent holding the state's lock."""
        return (self.stage_wall if self.staged else self.commit_wall) / self.calls

    def remove(self, state_file: StateFile) -> None:
        for name in ("commit", "stage") if self.staged else ("commit",):
            delattr(state_file, name)  # back to the class's method


def measure(users: int, requests: int, folder: Path) -> dict[str, Figures]:
    """Every operation's figures, on ``users`` preloaded users, ``requests`` per round."""
    states: dict[str, tuple[MockState, Loaded, WsgiApp]] = {}
    for mode in ("memory", "persisted"):
        state = new_state(state_file=str(folder / "state.db") if mode == "persisted" else None)
        loaded = load_users(state, users)
        if state.state_file is not None:
            state.state_file.commit()
        states[mode] = (state, loaded, create_app(state))
    gc.freeze()  # as mockrc serve does once its state is built
    try:
        return _measure(states, requests)
    finally:
        for state, _, _ in states.values():
            if state.state_file is not None:
                state.state_file.close()
        gc.unfreeze()


def _measure(states: dict[str, tuple[MockState, Loaded, WsgiApp]], requests: int) -> dict[str, Figures]:
    figures: dict[str, Figures] = {}
    offset = 0
    for operation in OPERATIONS:
        cpu: dict[str, float] = {}
        for mode, (_, loaded, app) in states.items():
            _serve(app, _environs(operation, loaded, requests // 4, offset))  # warm up
            rounds = [
                _serve(app, _environs(operation, loaded, requests, offset + (r + 1) * requests))
                for r in range(ROUNDS)
            ]
            cpu[mode] = statistics.median(rounds)
        state, loaded, app = states["persisted"]
        assert state.state_file is not None
        timed = _TimedCommit(state.state_file)
        _serve(app, _environs(operation, loaded, requests, offset + (ROUNDS + 1) * requests))
        timed.remove(state.state_file)
        offset += (ROUNDS + 2) * requests
        figures[operation] = Figures(
            memory_cpu=cpu["memory"] * 1e6,
            persisted_cpu=cpu["persisted"] * 1e6,
            commit_cpu=timed.commit_cpu / timed.calls * 1e6,
            commit_wall=timed.commit_wall / timed.calls * 1e6,
            under_lock_wall=timed.under_lock * 1e6,
        )
    return figures


def synchronous_cost(folder: Path, commits: int = 300) -> dict[str, float]:
    """Wall microseconds of a one-row commit in WAL mode, per ``synchronous`` setting."""
    costs = {}
    for setting in ("NORMAL", "FULL"):
        with sqlite3.connect(folder / f"sync-{setting}.db", isolation_level=None) as db:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={setting}")
            db.execute("CREATE TABLE users (id TEXT PRIMARY KEY, attributes TEXT NOT NULL)")
            started = time.perf_counter()
            for i in range(commits):
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "INSERT INTO users VALUES (?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes",
                    (str(i % 50), "x" * 400),
                )
                db.execute("COMMIT")
            costs[setting] = (time.perf_counter() - started) / commits * 1e6
        db.close()
    return costs


def report(users: int, requests: int) -> None:
    load = os.getloadavg()[0]
    print(f"persisted mode, in-process: {users:,} users, {requests:,} requests per round, load {load:.2f}")
    with tempfile.TemporaryDirectory(prefix="mockrc-bench-persisted-") as folder:
        figures = measure(users, requests, Path(folder))
        sync = synchronous_cost(Path(folder))
    print(
        "operation | CPU/req in memory | with --state-file | +commit | commit CPU | commit wall "
        "| under the lock"
    )
    for operation, f in figures.items():
        print(
            f"{operation:9} | {f.memory_cpu:14.0f} us | {f.persisted_cpu:14.0f} us | "
            f"{f.persisted_cpu - f.memory_cpu:+5.0f} us | {f.commit_cpu:7.1f} us | {f.commit_wall:8.1f} us | "
            f"{f.under_lock_wall:8.1f} us ({f.under_lock_wall / f.commit_wall:.0%} of the commit)"
        )
    print(
        f"one-row commit, WAL: synchronous=NORMAL {sync['NORMAL']:.0f} us, FULL {sync['FULL']:.0f} us "
        f"({sync['FULL'] / sync['NORMAL']:.0f}x: an fsync each)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_persisted", description=__doc__)
    parser.add_argument("--users", type=int, default=10_000, help="users preloaded (default: 10,000)")
    parser.add_argument("--requests", type=int, default=2_000, help="requests per round (default: 2,000)")
    args = parser.parse_args()
    report(args.users, args.requests)


if __name__ == "__main__":
    main()
