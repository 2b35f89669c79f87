"""WSGI server stacks side by side under wrk: the hello-world ceiling and mockrc on each (issue 12).

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_server                                   # waitress vs cheroot
    .venv/bin/python -m benchmarks.bench_server --server waitress --server waitress:threads=4 \
        --users 1000 --ops ceiling,get,patch                                     # a waitress setting

Each stack (:mod:`benchmarks.stacks`) gets its own hello-world server and, per size, its own
mockrc server preloaded with the users (:mod:`benchmarks.preloaded_server`, each in its own
process after ``gc.freeze()``). Rounds alternate: in each round every operation runs on every
stack in turn, so a change in the machine's load hits all of them alike; the median of the rounds
counts. Every operation is checked once per server before it is timed, and a round with any error
answer is an error (:func:`benchmarks.live.measure`). cheroot is not a dependency of mockrc: for
the comparison, install it in the virtualenv (``.venv/bin/pip install cheroot``).

The report prints, per size, operation and stack: req/s, p50, p99 and max latency, the ratio to
the same stack's hello-world req/s, and the ratio of req/s and p99 to the first stack's, with the
load average before and after each size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack

from benchmarks.live import BenchServer, Measured, Operation, bench_server, measure, operations
from benchmarks.wrk import ensure_wrk

#: The operations this comparison can run (keys of :func:`benchmarks.live.operations`).
DEFAULT_OPS = ("ceiling", "get", "filter", "email", "patch", "post")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (5 min {five:.2f})"


def _median(rounds: list[Measured], pick: str) -> float:
    return statistics.median(
        getattr(m.result, pick) if pick != "rps" else m.result.per_second for m in rounds
    )


def run(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server",
        action="append",
        dest="servers",
        metavar="SPEC",
        help="a stack (benchmarks.stacks), repeated; the first is the base (default: waitress, cheroot)",
    )
    parser.add_argument("--users", default="1000,100000", help="sizes, comma-separated")
    parser.add_argument("--ops", default=",".join(DEFAULT_OPS), help="operations, comma-separated")
    parser.add_argument("--seconds", type=int, default=5, help="per wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the median counts)")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    stacks: list[str] = args.servers or ["waitress", "cheroot"]
    sizes = [int(s) for s in args.users.split(",")]
    chosen = {key.strip() for key in args.ops.split(",")}
    ops: list[Operation] = [op for op in operations() if op.key in chosen]
    wrk = ensure_wrk(lambda text: print(text, file=sys.stderr))

    print(f"command: python -m benchmarks.bench_server {' '.join(argv or sys.argv[1:])}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; cpus {os.cpu_count()}; {_load()}")
    print(f"wrk -t2 -c{args.connections}, {args.rounds} rounds of {args.seconds} s, alternating; medians")
    for size in sizes:
        print(f"\n## {size:,} users ({_load()} at the start)\n")
        results = measure_size(wrk, size, stacks, ops, args)
        print("\n".join(table(stacks, ops, results)))
        print(f"\n({_load()} at the end of {size:,} users)", flush=True)


def measure_size(
    wrk: str, size: int, stacks: list[str], ops: list[Operation], args: argparse.Namespace
) -> dict[tuple[str, str], list[Measured]]:
    """Every operation on every stack with ``size`` users, in alternating rounds: (op, stack) -> rounds."""
    with ExitStack() as stack:
        hello: dict[str, BenchServer] = {}
        mock: dict[str, BenchServer] = {}
        for spec in stacks:
            print(f"starting {spec} ({size} users)", file=sys.stderr)
            hello[spec] = stack.enter_context(bench_server(0, hello=True, threads=args.threads, server=spec))
            mock[spec] = stack.enter_context(bench_server(size, threads=args.threads, server=spec))
        for op in ops:
            for spec in stacks:
                op.check(hello[spec] if op.on_hello else mock[spec])
        results: dict[tuple[str, str], list[Measured]] = {}
        for number in range(args.rounds):
            for op in ops:
                for spec in stacks:
                    print(f"round {number + 1} {op.key} on {spec} ({_load()})", file=sys.stderr)
                    server = hello[spec] if op.on_hello else mock[spec]
                    one = measure(
                        wrk,
                        server,
                        op,
                        seconds=args.seconds,
                        threads=2,
                        connections=args.connections,
                        label=f"r{number}",  # POSTs make new users per round; each stack has its own store
                    )
                    results.setdefault((op.key, spec), []).append(one)
        return results


def table(
    stacks: list[str], ops: list[Operation], results: dict[tuple[str, str], list[Measured]]
) -> list[str]:
    """The Markdown table of the medians; ratios to the stack's own ceiling and to the first stack."""
    lines = [
        "| operation | server | req/s | p50 ms | p99 ms | max ms "
        "| x own ceiling | req/s x base | p99 x base |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op in ops:
        base = results[(op.key, stacks[0])]
        for spec in stacks:
            rounds = results[(op.key, spec)]
            rps, p99 = _median(rounds, "rps"), _median(rounds, "p99")
            ceiling = results.get(("ceiling", spec))
            own = f"{rps / _median(ceiling, 'rps'):.2f}" if ceiling else "-"
            lines.append(
                f"| {op.key} | {spec} | {rps:,.0f} | {_median(rounds, 'p50') * 1000:.1f} | "
                f"{p99 * 1000:.1f} | {_median(rounds, 'max') * 1000:.1f} | {own} | "
                f"{rps / _median(base, 'rps'):.2f} | {p99 / _median(base, 'p99'):.2f} |"
            )
    return lines


if __name__ == "__main__":
    run()
