"""``mockrc replay``'s cost: time per replayed request against sending the same requests directly,
and the memory a replay holds as the journal grows.

Run from the repository root (about half a minute)::

    .venv/bin/python -m benchmarks.bench_replay              # 400 and 1,600 sessions of 5 requests
    .venv/bin/python -m benchmarks.bench_replay --sessions 20,80

A fake on a loopback port (``LiveServer``, waitress, in this process) journals N client sessions
(create a user, read it, look it up by filter, PATCH it, delete it) to a file. Then, against a
fresh fake each time: (1) the same requests sent directly with one requests session, (2) ``replay``
of the journal (reading it, substituting ids and tokens, comparing each answer). The difference
per request is what replay adds on top of the target's own time. (3) ``tracemalloc``'s peak during
the replay of N and of 4N sessions: the journal is read as a stream and each request leaves only a
small summary (id, method, path, query, statuses, differences), so memory grows by that summary per
request, whatever the size of the bodies in the journal.
Figures depend on the machine; the ratios say whether the bounds hold.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.replay import Credentials, read_journal, replay
from mockrc.replay.http_target import HttpTarget
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer

TOKEN = "bench-replay-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REQUESTS_PER_SESSION = 5


@contextmanager
def _fake(journal: Path | None = None) -> Iterator[str]:
    # A target keeps one journal entry in memory: tracemalloc, which sees the whole process, then
    # measures replay rather than the fake's ring buffer (the recording fake streams every entry).
    state = MockState(Settings(tokens=(TOKEN,), journal_size=1), clock=FakeClock())
    if journal is not None:
        state.journal.stream_to(journal)
    try:
        with LiveServer(create_app(state)) as server:
            yield server.url
    finally:
        state.journal.close()


def _sessions(url: str, count: int) -> None:
    s = requests.Session()
    users = f"{url}/scim/v2/Users"
    for n in range(count):
        email = f"bench{n}@example.com"
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": email,
            "name": {"givenName": "Bench", "familyName": "Mark"},
            "emails": [{"type": "work", "value": email}],
        }
        user = f"{users}/{s.post(users, json=body, headers=AUTH, timeout=30).json()['id']}"
        s.get(user, headers=AUTH, timeout=30)
        s.get(users, params={"filter": f'userName eq "{email}"'}, headers=AUTH, timeout=30)
        change = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": "Engineer"}],
        }
        s.patch(user, json=change, headers=AUTH, timeout=30)
        s.delete(user, headers=AUTH, timeout=30)


def _replay(journal: Path, url: str) -> int:
    target = HttpTarget(url)
    try:
        report = replay(read_journal(journal), target, credentials=Credentials(token=TOKEN))
    finally:
        target.close()
    if report.failed:
        sys.exit(f"the replay differed: {report.headline()}")
    return len(report.results)


def measure(sessions: int, folder: Path) -> dict[str, float]:
    """Direct and replayed time per request, and replay's peak memory, for ``sessions`` sessions."""
    journal = folder / f"journal-{sessions}.jsonl"
    with _fake(journal) as url:
        _sessions(url, sessions)
    requests_sent = sessions * REQUESTS_PER_SESSION
    with _fake() as url:
        started = time.perf_counter()
        _sessions(url, sessions)
        direct = (time.perf_counter() - started) / requests_sent
    with _fake() as url:
        started = time.perf_counter()
        replayed = _replay(journal, url)
        per_request = (time.perf_counter() - started) / replayed
    with _fake() as url:
        tracemalloc.start()
        _replay(journal, url)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {
        "requests": requests_sent,
        "journal_bytes": os.path.getsize(journal),
        "direct_ms": direct * 1000,
        "replay_ms": per_request * 1000,
        "peak_bytes": peak,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sessions", default="400,1600", help="comma-separated session counts (default 400,1600)"
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.sessions.split(",")]
    command = [os.path.basename(sys.executable), "-m", "benchmarks.bench_replay", *(argv or sys.argv[1:])]
    print(f"command: {' '.join(command)}")
    load = os.getloadavg()[0]
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; CPUs: {os.cpu_count()}; load: {load:.2f}")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for count in counts:
            rows.append(measure(count, Path(folder)))
    columns = ("requests", 9), ("journal", 10), ("direct ms", 10), ("replay ms", 10), ("added ms", 9)
    columns += ("peak MiB", 9), ("B/request", 10)
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    for row in rows:
        added = row["replay_ms"] - row["direct_ms"]
        print(
            f"{row['requests']:>9,.0f} {row['journal_bytes'] / 2**20:>8.1f}Mi {row['direct_ms']:>10.2f} "
            f"{row['replay_ms']:>10.2f} {added:>9.2f} {row['peak_bytes'] / 2**20:>9.2f} "
            f"{row['peak_bytes'] / row['requests']:>10,.0f}"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        slope = (last["peak_bytes"] - first["peak_bytes"]) / (last["requests"] - first["requests"])
        print(
            f"growth from {first['requests']:,.0f} to {last['requests']:,.0f} requests: journal x"
            f"{last['journal_bytes'] / first['journal_bytes']:.1f}, replay's peak memory x"
            f"{last['peak_bytes'] / first['peak_bytes']:.1f}, time per request x"
            f"{last['replay_ms'] / first['replay_ms']:.2f}; memory per added request "
            f"{slope:,.0f} bytes"
        )


if __name__ == "__main__":
    main()
