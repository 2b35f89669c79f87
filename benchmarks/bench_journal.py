"""The request journal's cost: time per recorded request, and memory held per entry and in all.

Run from the repository root (about half a minute)::

    .venv/bin/python -m benchmarks.bench_journal

``--timings`` prints the first part only: run it with another checkout's interpreter to compare
(``cd ../main && .venv/bin/python ../journal/benchmarks/bench_journal.py --timings``).

It prints (1) the time of a request answered in-process with the journal recording it, and of
the journal's part alone (``record_exchange`` timed on its own), for a GET of a user, a POST and a
list of 100 users; (2) what an entry holds in memory, measured by ``tracemalloc``, against what
the journal counts for it (:meth:`mockrc.journal.JournalEntry.cost`); (3) the process's
resident memory after the traffic of issue 10: 40 bodies of 8 MB, then lists of 1,000 users
(``GET /Users?count=1000``), then bodies of 128 KB until the journal has dropped 1,000 entries,
in a fresh process so that the figures are the journal's; (4) what the garbage collector makes
of a full journal: the objects it still tracks per entry kept after two collections (the journal
keeps entries as tuples of atoms, which it stops tracking), its collections while GETs go on with
the journal full, and the time to read the whole journal back (a find, a report). Figures depend
on the machine; the ratios say whether the byte bound holds.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from flask.testing import FlaskClient

import mockrc.app as app_module  # its after-request hook calls record_exchange from there
import mockrc.http.fast_reads as fast_reads_module  # the reads and writes below Flask call
import mockrc.http.fast_writes as fast_writes_module  # record_plain_exchange
from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.journal import BODY_LIMIT, read_body
from mockrc.report import build_report
from mockrc.settings import Settings
from mockrc.state import MockState


def _user(email: str) -> dict[str, object]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Bench", "familyName": "Mark"},
        "emails": [{"type": "work", "value": email}],
    }


def _rss_mb() -> float:
    """Resident memory now (Linux: /proc), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


@dataclass(frozen=True)
class Scale:
    """How much traffic each part sends (the defaults are issue 10's; the smoke test shrinks them)."""

    users: int = 200
    rounds: int = 5
    calls: int = 300
    entries: int = 200
    soak_users: int = 10_000
    big_bodies: int = 40
    big_size: int = 8 * 1024 * 1024
    lists: int = 100
    list_count: int = 1000
    drops: int = 1_000
    journal_bytes: int | None = None
    #: Entries in the journal for the collector's part (the default ``--journal-size``).
    journal_size: int = 10_000


def _client(users: int = 0, **settings: int) -> tuple[MockState, FlaskClient, dict[str, str]]:
    state = MockState(Settings(users=(users,) if users else (), **settings), clock=FakeClock())  # type: ignore[arg-type]
    token = state.issue_admin_token()
    return state, create_app(state).test_client(), {"Authorization": f"Bearer {token}"}


def _best(call: Callable[[], object], rounds: int = 5, calls: int = 300) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter() - started) / calls)
    return best


def timings(scale: Scale = Scale()) -> None:
    state, client, auth = _client(users=scale.users)
    user_id = next(iter(state.users.store)).id
    counter = iter(range(10**9))
    recorded: list[float] = []
    original = app_module.record_exchange
    original_plain = fast_reads_module.record_plain_exchange

    def timed_record(*args: object) -> None:
        started = time.perf_counter()
        original(*args)  # type: ignore[arg-type]
        recorded.append(time.perf_counter() - started)

    def timed_plain_record(*args: object, **kwargs: object) -> None:
        started = time.perf_counter()
        original_plain(*args, **kwargs)  # type: ignore[arg-type]
        recorded.append(time.perf_counter() - started)

    requests: dict[str, Callable[[], object]] = {
        "GET /Users/{id}": lambda: client.get(f"/scim/v2/Users/{user_id}", headers=auth),
        "POST /Users": lambda: client.post(
            "/scim/v2/Users", json=_user(f"u{next(counter)}@example.com"), headers=auth
        ),
        "GET /Users?count=100": lambda: client.get("/scim/v2/Users?count=100", headers=auth),
    }
    print("time per request (in-process, Flask test client), and the journal's part of it")
    for name, call in requests.items():
        whole = _best(call, scale.rounds, scale.calls)
        app_module.record_exchange = timed_record  # type: ignore[assignment]
        fast_reads_module.record_plain_exchange = timed_plain_record  # type: ignore[assignment]
        fast_writes_module.record_plain_exchange = timed_plain_record  # type: ignore[assignment]
        recorded.clear()
        try:
            _best(call, 1, scale.calls)
        finally:
            app_module.record_exchange = original  # type: ignore[assignment]
            fast_reads_module.record_plain_exchange = original_plain
            fast_writes_module.record_plain_exchange = original_plain
        recorded.sort()
        median = recorded[len(recorded) // 2]
        print(f"  {name:<24} {whole * 1e6:8.0f} µs   record_exchange {median * 1e6:6.1f} µs (median)")


def memory_per_entry(scale: Scale = Scale()) -> None:
    state, client, auth = _client(users=scale.users)
    user_id = next(iter(state.users.store)).id
    client.get(f"/scim/v2/Users/{user_id}", headers=auth)
    print("memory an entry holds (tracemalloc) versus what the journal counts")
    for name, path in (
        ("GET /Users/{id}", f"/scim/v2/Users/{user_id}"),
        ("GET /Users?count=100", "/scim/v2/Users?count=100"),
    ):
        state.journal.clear()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(scale.entries):
            client.get(path, headers=auth)
        held = (tracemalloc.get_traced_memory()[0] - before) / scale.entries
        tracemalloc.stop()
        counted = state.journal.bytes / len(state.journal)
        print(
            f"  {name:<24} held {held:9.0f} B   counted {counted:9.0f} B   counted/held {counted / held:5.2f}"
        )


def collector(scale: Scale = Scale()) -> None:
    """The garbage collector's work for a full journal, and the time to read it back."""
    state, client, auth = _client(users=scale.users, journal_size=scale.journal_size)
    user_id = next(iter(state.users.store)).id
    get = lambda: client.get(f"/scim/v2/Users/{user_id}", headers=auth)  # noqa: E731
    gc.collect()
    gc.collect()
    tracked = len(gc.get_objects())
    for _ in range(scale.journal_size):
        get()
    gc.collect()
    gc.collect()
    kept = (len(gc.get_objects()) - tracked) / scale.journal_size
    gc.freeze()  # what is left is the journal's and the requests' own, as in `mockrc serve` (it freezes)
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - started[0])

    gc.callbacks.append(timed)
    try:
        for _ in range(scale.journal_size):
            get()
    finally:
        gc.callbacks.remove(timed)
    print(f"the garbage collector and a full journal ({len(state.journal):,} entries of GET /Users/{{id}})")
    print(f"  objects it tracks per entry kept, after two collections: {kept:.2f}")
    for generation, times in pauses.items():
        total, longest = sum(times) * 1e3, max(times, default=0.0) * 1e3
        print(
            f"  gen{generation}: {len(times):4} collections over {scale.journal_size:,} more GETs, "
            f"{total:6.1f} ms in all, longest {longest:5.2f} ms"
        )
    journal = state.journal
    for name, read in (
        ("entries()", journal.entries),
        ("find(method='POST'): none", lambda: journal.find(method="POST")),
        ("find(method='GET'): all", lambda: journal.find(method="GET")),
        ("GET /__mockrc/journal", lambda: client.get("/__mockrc/journal").get_data()),
        ("contract report", lambda: build_report(journal.report_records(), source="live").to_json()),
    ):
        begun = time.perf_counter()
        read()
        print(f"  reading it: {name:<28} {(time.perf_counter() - begun) * 1e3:7.1f} ms")
    gc.unfreeze()


#: Bodies of BODY_LIMIT bytes built to make redaction's searches backtrack, each read as text.
ADVERSARIAL = {
    "one long word": b"a",
    "name=value pairs": b"name=a ",
    "HTML fields without values": b'<i name="x" ',
    "escaped quotes": b'\\"',
    "JSON keys without values": b'"k":',
    "filter comparisons": b"password eq ",
}


def adversarial_reads() -> None:
    """The time to show the worst 64 KiB bodies: redaction must stay linear in what it reads."""
    print(f"reading adversarial bodies of {BODY_LIMIT // 1024} KiB as text (redacted)")
    for name, unit in ADVERSARIAL.items():
        raw = (b"<" + unit * (BODY_LIMIT // len(unit) + 1))[:BODY_LIMIT]  # "<": HTML fields are looked for
        started = time.perf_counter()
        read_body(raw, "text/plain")
        print(f"  {name:<28} {(time.perf_counter() - started) * 1000:7.1f} ms")


def soak(scale: Scale = Scale()) -> None:
    start = _rss_mb()
    bound = {} if scale.journal_bytes is None else {"journal_bytes": scale.journal_bytes}
    state, client, auth = _client(users=scale.soak_users, **bound)
    seeded = _rss_mb()
    scim = {**auth, "Content-Type": "application/scim+json"}
    big = b'{"userName": "' + b"x" * scale.big_size + b'"}'
    for _ in range(scale.big_bodies):
        client.post("/scim/v2/Users", data=big, headers=scim)
    after_big = _rss_mb()
    for _ in range(scale.lists):
        client.get(f"/scim/v2/Users?count={scale.list_count}", headers=auth)
    after_lists = _rss_mb()
    medium = b'{"userName": "' + b"x" * (128 * 1024) + b'"}'
    sent = 0
    while state.journal.dropped < scale.drops:
        client.post("/scim/v2/Users", data=medium, headers=scim)
        sent += 1
    end = _rss_mb()
    journal = state.journal
    print(
        f"resident memory (MB): start, {scale.soak_users} users seeded, {scale.big_bodies} bodies of "
        f"{scale.big_size / 1e6:.0f} MB, {scale.lists} lists of {scale.list_count} users, full"
    )
    print(f"  {start:.0f} -> {seeded:.0f} -> {after_big:.0f} -> {after_lists:.0f} -> {end:.0f}")
    print(
        f"  journal: {len(journal)} entries, {journal.bytes / 1e6:.1f} MB counted of "
        f"{journal.max_bytes / 1e6:.1f} MB, {journal.dropped} dropped after {sent} bodies of 128 KB; "
        f"above the seeded users: {end - seeded:.0f} MB (issue 10's target: under ~100 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_journal", description=__doc__)
    parser.add_argument("--timings", action="store_true", help="time per request only")
    parser.add_argument("--soak", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.soak:
        soak()
        return
    timings()
    if args.timings:
        return
    memory_per_entry()
    collector()
    adversarial_reads()
    subprocess.run([sys.executable, "-m", "benchmarks.bench_journal", "--soak"], check=True)


if __name__ == "__main__":
    main()
