"""mockrc's SCIM benchmark: live latency and requests/s under wrk, memory per user, in-process, startup.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_scim                       # 1,000 and 100,000 users, ~5 minutes
    .venv/bin/python -m benchmarks.bench_scim --users 1000,1000000  # add a size (1M loads in ~2 minutes)
    .venv/bin/python -m benchmarks.bench_scim --quick               # 1,000 and 10,000 users, ~1 minute

The report goes to stdout, progress to stderr. Targets (issue 12) are printed PASS or MISS and
never fail the run: figures depend on the machine and on whatever else it is doing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata

from benchmarks.inprocess import InProcess, measure_in_process
from benchmarks.live import BenchServer, Measured, Operation, bench_server, created_ids, measure, operations
from benchmarks.seed_load import SeedLoad, measure_seed_load
from benchmarks.startup import Startup, measure_startup, warm_up
from benchmarks.workload import traced_bytes_per_user, traced_journal_bytes_per_entry
from benchmarks.wrk import ensure_wrk

#: Issue 12's targets.
P99_TARGET_SECONDS = 0.020
P99_SCALE_TARGET = 1.5
MEMORY_TARGET_BYTES = 1024
IN_PROCESS_TARGET = 1.2
STARTUP_TARGET_SECONDS = 0.3
#: 1,000,000 users seeded in under 3 minutes and 1.5 GiB.
SEED_TARGET_USERS = 1_000_000
SEED_TARGET_SECONDS = 180.0
SEED_TARGET_RSS = 1.5 * 2**30
LIBRARIES = ("flask", "werkzeug", "waitress", "jsonschema", "requests", "responses")


@dataclass(frozen=True)
class Options:
    """How much to measure. The defaults are the full run; :func:`quick_options` the short one."""

    #: Users preloaded into the live server, one server per size; scaling compares the largest
    #: size with the smallest.
    sizes: tuple[int, ...] = (1_000, 100_000)
    #: Seconds of each wrk round (a DELETE round runs half as long: it deletes what POSTs made).
    seconds: float = 3.0
    #: Rounds per operation; the median of each figure counts.
    rounds: int = 3
    #: wrk's threads and connections (``-t2 -c16``).
    threads: int = 2
    connections: int = 16
    #: Threads of the servers (waitress), as ``mockrc serve``.
    server_threads: int = 8
    #: Users loaded under tracemalloc (slow: about 1 ms per user).
    memory_sizes: tuple[int, ...] = (1_000, 10_000)
    #: POSTs through the app whose journal entries are traced (the journal's share, apart).
    journal_entries: int = 1_000
    in_process_users: int = 1_000
    in_process_calls: int = 300
    in_process_rounds: int = 5
    startup_runs: int = 5
    #: Whether the live servers keep their state in a SQLite file (``mockrc serve --state-file``).
    state_file: bool = False
    #: Sizes of ``mockrc serve --users N`` to time to serving, with its memory (none by default:
    #: a million takes minutes).
    seed_sizes: tuple[int, ...] = ()


def quick_options() -> Options:
    return Options(
        sizes=(1_000, 10_000),
        seconds=1.0,
        memory_sizes=(1_000,),
        in_process_calls=100,
        in_process_rounds=3,
        startup_runs=3,
    )


@dataclass(frozen=True)
class Row:
    """One operation on one server: every round, and the medians that count."""

    operation: Operation
    rounds: tuple[Measured, ...]
    #: Median requests/s of this row over the median of the ceiling's, on the same run.
    vs_ceiling: float

    def _median(self, figure: Callable[[Measured], float]) -> float:
        return statistics.median(figure(m) for m in self.rounds)

    @property
    def per_second(self) -> float:
        return self._median(lambda m: m.result.per_second)

    @property
    def p50(self) -> float:
        return self._median(lambda m: m.result.p50)

    @property
    def p99(self) -> float:
        return self._median(lambda m: m.result.p99)

    @property
    def max(self) -> float:
        return self._median(lambda m: m.result.max)

    @property
    def cpu_per_request(self) -> float | None:
        known = [m.server_cpu_per_request for m in self.rounds if m.server_cpu_per_request is not None]
        return statistics.median(known) if known else None

    @property
    def exhausted(self) -> bool:
        return any(m.exhausted for m in self.rounds)


@dataclass(frozen=True)
class LiveRun:
    users: int
    load_seconds: float
    rss_growth_bytes: int | None
    rows: list[Row]
    load_average: str = ""

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.operation.key == key)


@dataclass(frozen=True)
class Report:
    command: str
    facts: list[tuple[str, str]]
    options: Options
    live: list[LiveRun]
    traced_bytes_per_user: dict[int, float]
    in_process: InProcess
    startups: list[Startup]
    load_after: str
    seed_loads: list[SeedLoad] = field(default_factory=list)
    journal_bytes_per_entry: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def startup(self) -> float:
        """Median seconds to the first answer (a busy machine slows single runs)."""
        return statistics.median(s.answered for s in self.startups)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_facts() -> list[tuple[str, str]]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return [
        ("date", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
        ("machine", f"{os.cpu_count()} CPUs ({usable} usable), {_cpu_model()}, {platform.platform()}"),
        ("python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        ("libraries", ", ".join(versions)),
        (
            "load avg",
            f"{_load_average()} at start (1/5/15 min; other work on the machine slows every figure)",
        ),
    ]


def measure_live(wrk: str, hello: BenchServer, users: int, options: Options, run_label: str) -> LiveRun:
    """One server with ``users`` users: every operation's rounds, and its ratio to the ceiling."""
    progress(f"starting a server with {users:,} preloaded users")
    ops = operations()
    with (
        tempfile.TemporaryDirectory(prefix="mockrc-bench-") as folder,
        bench_server(
            users,
            state_file=os.path.join(folder, "state.db") if options.state_file else None,
            threads=options.server_threads,
        ) as server,
    ):
        progress(f"loaded {users:,} users in {server.load_seconds:.1f} s; measuring")
        for op in ops:
            op.check(hello if op.on_hello else server)
        rounds: dict[str, list[Measured]] = {op.key: [] for op in ops}
        # Rounds go through every operation in turn, so a burst of other work on the machine hits
        # one round of each rather than every round of one; the median round counts.
        for number in range(options.rounds):
            for op in ops:
                pool = created_ids(server) if op.key == "delete" else None
                seconds = max(1.0, options.seconds // 2) if op.key == "delete" else options.seconds
                rounds[op.key].append(
                    measure(
                        wrk,
                        hello if op.on_hello else server,
                        op,
                        seconds=seconds,
                        threads=options.threads,
                        connections=options.connections,
                        label=f"{run_label}r{number}",
                        pool=pool,
                    )
                )
    ceiling = statistics.median(m.result.per_second for m in rounds["ceiling"])
    rows = []
    for op in ops:
        row = Row(op, tuple(rounds[op.key]), 0.0)
        rows.append(replace(row, vs_ceiling=row.per_second / ceiling if ceiling else 0.0))
    return LiveRun(users, server.load_seconds, server.rss_growth_bytes, rows, _load_average())


def run(options: Options, command: str) -> Report:
    """Measure everything ``options`` asks for; nothing is printed but progress."""
    facts = machine_facts()
    wrk = ensure_wrk(progress)
    with bench_server(0, hello=True, threads=options.server_threads) as hello:
        live = [
            measure_live(wrk, hello, users, options, run_label=f"s{index}")
            for index, users in enumerate(options.sizes)
        ]
    traced: dict[int, float] = {}
    for users in options.memory_sizes:
        progress(f"tracing memory while loading {users:,} users")
        traced[users] = traced_bytes_per_user(users)
    progress(f"tracing the journal over {options.journal_entries:,} POSTs")
    journal = traced_journal_bytes_per_entry(options.journal_entries)
    progress("timing in-process requests")
    in_process = measure_in_process(
        users=options.in_process_users, number=options.in_process_calls, rounds=options.in_process_rounds
    )
    progress("timing startup")
    warm_up()
    startups = [measure_startup() for _ in range(options.startup_runs)]
    seed_loads = []
    for users in options.seed_sizes:
        progress(f"timing mockrc serve --users {users:,}")
        seed_loads.append(measure_seed_load(users))
    return Report(
        command, facts, options, live, traced, in_process, startups, _load_average(), seed_loads, journal
    )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _us(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e6:,.0f}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def _live_section(report: Report) -> list[str]:
    options = report.options
    lines = [
        "1. Live server under wrk: median of "
        f"{options.rounds} rounds of {options.seconds:g} s per operation "
        f"(wrk -t{options.threads} -c{options.connections}; servers in their own processes: "
        f"waitress, {options.server_threads} threads)",
        "   ceiling: a hello-world Flask route on the same server stack, measured in the same rounds;",
        "   x ceiling: req/s over the ceiling's; CPU: the server's CPU time per request (/proc, 10 ms ticks)",
        "   state: "
        + (
            "in a SQLite state file (--state-file): every write committed before its answer"
            if options.state_file
            else "in memory (no --state-file)"
        ),
        "",
        f"   {'users':>9}  {'operation':<40} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
        f" {'CPU µs':>7} {'x ceil':>7}  target",
    ]
    for run_ in report.live:
        for row in run_.rows:
            target = row.operation.target_vs_ceiling
            judged = "" if target is None else f"≥ {target:.2f} {_verdict(row.vs_ceiling >= target)}"
            flag = " (ran out of users to delete: req/s too low)" if row.exhausted else ""
            lines.append(
                f"   {run_.users:>9,}  {row.operation.name:<40} {row.per_second:>7,.0f} {_ms(row.p50):>7}"
                f" {_ms(row.p99):>7} {_ms(row.max):>7} {_us(row.cpu_per_request):>7} {row.vs_ceiling:>7.2f}"
                f"  {judged}{flag}".rstrip()
            )
        lines.append(f"   {'':>9}  (load average after this size: {run_.load_average})")
        lines.append("")
    for run_ in report.live:
        lines.append(
            f"   preload: {run_.users:,} users in {run_.load_seconds:.1f} s "
            f"({run_.load_seconds / max(run_.users, 1) * 1e6:,.0f} µs per user, validated like a POST)"
        )
    if len(report.live) >= 2:
        smallest, largest = report.live[0], report.live[-1]
        lines += ["", f"   p99 at {largest.users:,} users over p99 at {smallest.users:,} users:"]
        for row in largest.rows:
            if row.operation.key == "ceiling":
                continue
            scale = row.p99 / smallest.row(row.operation.key).p99
            lines.append(f"     {row.operation.name:<40} {scale:>5.2f}x")
    return lines


def _memory_section(report: Report) -> list[str]:
    lines = ["2. Memory per user", ""]
    for users, per_user in report.traced_bytes_per_user.items():
        lines.append(f"   tracemalloc, {users:>9,} users loaded into a fresh state: {per_user:>6,.0f} B/user")
    for run_ in report.live:
        if run_.rss_growth_bytes is not None:
            per_user = run_.rss_growth_bytes / max(run_.users, 1)
            lines.append(
                f"   server RSS growth, {run_.users:>9,} users preloaded:      {per_user:>6,.0f} B/user"
            )
    if report.journal_bytes_per_entry is not None:
        per_entry = report.journal_bytes_per_entry
        lines.append(
            f"   journal, apart: {per_entry:,.0f} B per request kept (tracemalloc, POSTs); it keeps the last"
        )
        lines.append(
            f"   --journal-size requests (10,000 by default: ~{per_entry * 10_000 / 2**20:,.0f} MiB), "
            "whatever the number of users"
        )
    return lines


def _in_process_section(report: Report) -> list[str]:
    result, options = report.in_process, report.options
    ratio = result.ratio
    rows = [
        ("floor: responses callback → trivial Flask JSON route (WSGI call)", result.floor, ""),
        (
            "mock_ringcentral: GET /__mockrc/health",
            result.mock_health,
            f"{result.mock_health / result.floor:.2f}x floor",
        ),
        (
            f"mock_ringcentral: GET /scim/v2/Users/{{id}} ({options.in_process_users:,} users)",
            result.mock_get_user,
            f"{ratio:.2f}x floor   target ≤ {IN_PROCESS_TARGET} {_verdict(ratio <= IN_PROCESS_TARGET)}",
        ),
    ]
    return [
        "3. In-process: requests → responses → WSGI app, no socket "
        f"(best of {options.in_process_rounds} rounds of {options.in_process_calls} calls)",
        "",
        *(f"   {label:<66} {_us(seconds):>6} µs   {note}".rstrip() for label, seconds, note in rows),
    ]


def _startup_section(report: Report) -> list[str]:
    ready = " ".join(f"{s.ready:.2f}" for s in report.startups)
    answered = " ".join(f"{s.answered:.2f}" for s in report.startups)
    cpu = " ".join("n/a" if s.cpu is None else f"{s.cpu:.2f}" for s in report.startups)
    return [
        f"4. Startup of `python -m mockrc serve --port 0` (runs: {len(report.startups)}, after an untimed"
        " one; bytecode cached, as installed)",
        "",
        f"   URL printed after (s):               {ready}",
        f"   first /__mockrc/health answer (s):   {answered}",
        f"   server CPU by then (s):              {cpu}   (not inflated by other work on the machine)",
        f"   median: {report.startup:.2f} s (target ≤ {STARTUP_TARGET_SECONDS} s: "
        f"{_verdict(report.startup <= STARTUP_TARGET_SECONDS)})",
    ]


def _seed_section(report: Report) -> list[str]:
    lines = [
        "5. Seeding: `mockrc serve --users N --journal-size 1` from process start to serving "
        "(generated; server CPU time up to then in brackets)",
        "",
    ]
    for load in report.seed_loads:
        rss = "n/a" if load.rss_bytes is None else f"{load.rss_bytes / 2**20:,.0f} MiB"
        peak = "n/a" if load.peak_rss_bytes is None else f"{load.peak_rss_bytes / 2**20:,.0f} MiB"
        per_user = load.seconds / load.users * 1e6
        cpu = ""
        if load.cpu is not None:
            cpu = f" (CPU {load.cpu:,.1f} s, {load.cpu / load.users * 1e6:,.0f} µs/user)"
        lines.append(
            f"   {load.users:>9,} users: {load.seconds:>7.1f} s ({per_user:,.0f} µs/user){cpu}, "
            f"RSS {rss} (peak {peak})"
        )
    return lines


def targets(report: Report) -> list[tuple[bool, str]]:
    """Every target of issue 12 the report can judge: (met, what and the figure)."""
    judged = []
    for run_ in report.live:
        for row in run_.rows:
            target = row.operation.target_vs_ceiling
            if target is not None:
                what = f"{row.operation.name} ≥ {target} x ceiling, {run_.users:,} users"
                judged.append((row.vs_ceiling >= target, f"{what} ({row.vs_ceiling:.2f})"))
    if report.live:
        largest = report.live[-1]
        for row in largest.rows:
            if row.operation.key in ("ceiling", "health"):
                continue
            judged.append(
                (
                    row.p99 <= P99_TARGET_SECONDS,
                    f"{row.operation.name} p99 ≤ {_ms(P99_TARGET_SECONDS)} ms at {largest.users:,} users "
                    f"({_ms(row.p99)} ms)",
                )
            )
    if len(report.live) >= 2:
        smallest, largest = report.live[0], report.live[-1]
        for row in largest.rows:
            if row.operation.key in ("ceiling", "health"):
                continue
            scale = row.p99 / smallest.row(row.operation.key).p99
            judged.append(
                (
                    scale <= P99_SCALE_TARGET,
                    f"{row.operation.name} p99 at {largest.users:,} ≤ {P99_SCALE_TARGET}x at "
                    f"{smallest.users:,} users ({scale:.2f}x)",
                )
            )
        if largest.rss_growth_bytes is not None:
            per_user = largest.rss_growth_bytes / max(largest.users, 1)
            judged.append(
                (
                    per_user <= MEMORY_TARGET_BYTES,
                    f"RSS growth per user ≤ {MEMORY_TARGET_BYTES} B at {largest.users:,} users "
                    f"({per_user:,.0f} B)",
                )
            )
    for load in report.seed_loads:
        if load.users < SEED_TARGET_USERS:
            continue  # the targets are for a million users; smaller loads are reported only
        judged.append(
            (
                load.seconds <= SEED_TARGET_SECONDS,
                f"mockrc serve --users {load.users:,} serves within {SEED_TARGET_SECONDS:.0f} s "
                f"({load.seconds:,.0f} s)",
            )
        )
        if load.rss_bytes is not None:
            judged.append(
                (
                    load.rss_bytes <= SEED_TARGET_RSS,
                    f"RSS with {load.users:,} seeded users ≤ 1.5 GiB ({load.rss_bytes / 2**30:.2f} GiB)",
                )
            )
    ratio = report.in_process.ratio
    judged.append(
        (ratio <= IN_PROCESS_TARGET, f"in-process GET by id ≤ {IN_PROCESS_TARGET}x the floor ({ratio:.2f}x)")
    )
    judged.append(
        (
            report.startup <= STARTUP_TARGET_SECONDS,
            f"first answer ≤ {STARTUP_TARGET_SECONDS} s after process start (median {report.startup:.2f} s)",
        )
    )
    return judged


def format_report(report: Report) -> str:
    lines = ["mockrc SCIM benchmark", f"   {'command':<10} {report.command}"]
    lines += [f"   {name:<10} {value}" for name, value in report.facts]
    lines.append("")
    for section in (_live_section, _memory_section, _in_process_section, _startup_section):
        lines += [*section(report), ""]
    if report.seed_loads:
        lines += [*_seed_section(report), ""]
    lines.append("Targets (issue 12)")
    lines += [f"   {_verdict(ok)}  {text}" for ok, text in targets(report)]
    lines.append(
        f"   load avg at the end: {report.load_after} (2 cores: anything else running skews the figures)"
    )
    return "\n".join(lines) + "\n"


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted(int(part.replace("_", "")) for part in text.split(",") if part.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be 1 or more: {text!r}")
    return sizes


def parse_options(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_scim",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 users, 1 s rounds")
    parser.add_argument(
        "--users", type=_sizes, metavar="N,N,...", help="users preloaded, one server per size (1000,100000)"
    )
    parser.add_argument("--seconds", type=float, help="seconds per wrk round (default: 3)")
    parser.add_argument("--rounds", type=int, help="rounds per operation, the median counts (default: 3)")
    parser.add_argument("--connections", type=int, help="wrk's connections (default: 16)")
    parser.add_argument("--startup-runs", type=int, help="times mockrc serve is started and timed")
    parser.add_argument(
        "--seed-users",
        type=_sizes,
        metavar="N,N,...",
        help="time mockrc serve --users N to serving (e.g. 1000000)",
    )
    parser.add_argument(
        "--state-file",
        action="store_true",
        help="live servers keep their state in a SQLite file, as mockrc serve --state-file (default: memory)",
    )
    args = parser.parse_args(argv)
    options = quick_options() if args.quick else Options()
    chosen = {
        "sizes": args.users,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "startup_runs": args.startup_runs,
        "state_file": args.state_file or None,
        "seed_sizes": args.seed_users,
    }
    return replace(options, **{name: value for name, value in chosen.items() if value is not None})


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse_options(arguments)
    command = shlex.join([sys.executable, "-m", "benchmarks.bench_scim", *arguments])
    report = run(options, f"{command}   (from {os.getcwd()})")
    print(format_report(report), end="")


if __name__ == "__main__":
    main()
