"""Hostile bodies at growing sizes: does the cost of answering them grow linearly?

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_hostile            # sizes 1x, 2x, 4x, 8x of each case
    .venv/bin/python -m benchmarks.bench_hostile --quick    # fewer repeats, for a quick look

Each case is a request a buggy or hostile client could send (issue 10): a body with thousands of
problems, deep nesting, huge numbers, long filters, many unknown attributes, long PATCHes. It is
sent in-process (Flask's test client, no socket: the app's own cost only) at four sizes, each
twice the last, and the best of a few runs is timed. The report prints the seconds per request at
each size, the body size, the answer's status, and the growth ratio from one size to the next:
about 2 for work linear in the request's size, about 1 for work refused up front (a limit checked
before the expensive part), 4 or more for quadratic work. A size that takes longer than
``--budget`` seconds stops that case from growing further. No test asserts on these figures
(``tests/unit/test_bench_hostile.py`` runs the code at toy sizes).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from mockrc.app import create_app
from mockrc.settings import Settings
from mockrc.state import MockState

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None


@dataclass(frozen=True)
class Case:
    """One hostile request, built for a size ``n`` (what ``n`` counts is in ``unit``)."""

    name: str
    unit: str
    base: int
    build: Callable[[int, str], Request]
    profile: str = "ringcentral"


def _json(method: str, path: str, body: Any) -> Request:
    return Request(method, path, json.dumps(body).encode())


def _user(email: str, **extra: Any) -> dict[str, Any]:
    return {
        "schemas": [CORE],
        "userName": email,
        "name": {"givenName": "G", "familyName": "F"},
        "emails": [{"type": "work", "value": email}],
        **extra,
    }


def _case_variants(word: str, count: int) -> list[str]:
    """``count`` spellings of ``word`` that differ only in case (``word`` needs enough letters)."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    variants = []
    for n in range(count):
        chars = list(word)
        for bit, index in enumerate(letters):
            if n >> bit & 1:
                chars[index] = chars[index].upper()
        variants.append("".join(chars))
    return variants


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

CASES: tuple[Case, ...] = (
    Case(
        "schemas: [1, 1, ...] (took 25 s at 8,000)",
        "elements",
        8000,
        lambda n, _: _json("POST", "/scim/v2/Users", {"schemas": [1] * n}),
    ),
    Case(
        ".search attributes: [1, 1, ...]",
        "elements",
        8000,
        lambda n, _: _json("POST", "/scim/v2/Users/.search", {"schemas": [SEARCH], "attributes": [1] * n}),
    ),
    Case(
        "unknown attributes (a warning each)",
        "keys",
        2000,
        lambda n, _: _json(
            "POST", "/scim/v2/Users", {"schemas": [CORE], **{f"x{i}": [1] * 10 for i in range(n)}}
        ),
    ),
    Case(
        "one attribute in many spellings (an error each)",
        "keys",
        1000,
        lambda n, _: _json(
            "POST",
            "/scim/v2/Users",
            {"schemas": [CORE], **{key: {} for key in _case_variants(ENTERPRISE, n)}},
        ),
    ),
    Case(
        "nested arrays [[[...]]]",
        "levels",
        10_000,
        lambda n, _: Request("POST", "/scim/v2/Users", b"[" * n + b"]" * n),
    ),
    Case(
        'nested objects {"a":{"a":...}}',
        "levels",
        10_000,
        lambda n, _: Request("POST", "/scim/v2/Users", b'{"a":' * n + b"1" + b"}" * n),
    ),
    Case(
        "long integer",
        "digits",
        10_000,
        lambda n, _: Request("POST", "/scim/v2/Users", b'{"userName": ' + b"7" * n + b"}"),
    ),
    Case(
        "long userName",
        "KiB",
        128,
        lambda n, _: _json("POST", "/scim/v2/Users", _user("c@example.com", userName="u" * n * 1024)),
    ),
    Case(
        "filter: not (not (...))",
        "levels",
        250,
        lambda n, _: _json(
            "POST", "/scim/v2/Users/.search", {"filter": "not (" * n + 'userName eq "x"' + ")" * n}
        ),
        profile="scim",
    ),
    Case(
        "filter: a or b or ... (within the length limit)",
        "terms",
        8,
        lambda n, _: _json(
            "POST", "/scim/v2/Users/.search", {"filter": " or ".join(['userName eq "x"'] * n)}
        ),
        profile="scim",
    ),
    Case(
        "PATCH: n add operations (within the array limit)",
        "operations",
        12,
        lambda n, user_id: _json(
            "PATCH",
            f"/scim/v2/Users/{user_id}",
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "add", "path": "emails", "value": [{"value": f"e{i}@example.com"}]}
                    for i in range(n)
                ],
            },
        ),
        profile="scim",
    ),
    Case(
        "PATCH: n operations adding 60 emails each (built 6,000 before)",
        "operations",
        12,
        lambda n, user_id: _json(
            "PATCH",
            f"/scim/v2/Users/{user_id}",
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {
                        "op": "add",
                        "path": "emails",
                        "value": [{"value": f"e{o}-{i}@example.com"} for i in range(60)],
                    }
                    for o in range(n)
                ],
            },
        ),
        profile="scim",
    ),
    Case(
        "query string: attributes=a,a,...",
        "names",
        4000,
        lambda n, _: Request("GET", "/scim/v2/Users?attributes=" + ",".join(["userName"] * n)),
        profile="scim",
    ),
)


@dataclass
class Point:
    size: int
    body_bytes: int
    seconds: float
    status: int


@dataclass
class Result:
    case: Case
    points: list[Point] = field(default_factory=list)
    stopped: str = ""

    def ratios(self) -> list[float]:
        return [b.seconds / a.seconds for a, b in zip(self.points, self.points[1:], strict=False)]


class Harness:
    """One app per profile, with an admin token and one user to PATCH."""

    def __init__(self, profile: str) -> None:
        state = MockState(Settings(profile=profile))
        self.app: Flask = create_app(state)
        self.client = self.app.test_client()
        self.headers = {"Authorization": f"Bearer {state.issue_admin_token()}"}
        created = self.send(_json("POST", "/scim/v2/Users", _user("patched@example.com")))
        self.user_id = json.loads(created[1])["id"]

    def send(self, request: Request) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if request.body is not None:
            headers["Content-Type"] = "application/scim+json"
        response = self.client.open(request.path, method=request.method, data=request.body, headers=headers)
        return response.status_code, response.get_data()


def measure(case: Case, harness: Harness, sizes: int, repeats: int, budget: float) -> Result:
    result = Result(case)
    for step in range(sizes):
        n = case.base * 2**step
        request = case.build(n, harness.user_id)
        best = float("inf")
        status = 0
        for _ in range(repeats):
            started = time.perf_counter()
            status, _ = harness.send(request)
            best = min(best, time.perf_counter() - started)
            if best > budget:
                break
        result.points.append(Point(n, len(request.body or b"") + len(request.path), best, status))
        if best > budget:
            if step < sizes - 1:
                result.stopped = f"stopped: {best:.1f} s > budget {budget:g} s"
            break
    return result


def format_result(result: Result) -> str:
    lines = [f"{result.case.name}  ({result.case.profile} profile; n = {result.case.unit})"]
    ratios = [None, *result.ratios()]
    for point, ratio in zip(result.points, ratios, strict=True):
        shown = "" if ratio is None else f"x{ratio:.2f}"
        lines.append(
            f"  n={point.size:>7,}  {point.body_bytes:>10,} B  {point.seconds * 1000:>10.2f} ms"
            f"  status {point.status}  {shown}"
        )
    if result.stopped:
        lines.append(f"  {result.stopped}")
    return "\n".join(lines)


def parse_options(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_hostile", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run per size instead of three")
    parser.add_argument("--sizes", type=int, default=4, help="how many doublings of each case (default 4)")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds after which a case stops growing")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case's base size")
    return parser.parse_args(argv)


def run(options: argparse.Namespace) -> list[Result]:
    harnesses: dict[str, Harness] = {}
    results = []
    for case in CASES:
        harness = harnesses.get(case.profile) or harnesses.setdefault(case.profile, Harness(case.profile))
        scaled = Case(case.name, case.unit, max(1, int(case.base * options.scale)), case.build, case.profile)
        print(f"measuring {case.name}...", file=sys.stderr)
        results.append(measure(scaled, harness, options.sizes, 1 if options.quick else 3, options.budget))
    return results


def main(argv: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    options = parse_options(args)
    results = run(options)
    print("mockrc hostile-input benchmark")
    print(f"command: {shlex.join(['python', '-m', 'benchmarks.bench_hostile', *args])}")
    print("growth per doubling: ~2 linear, ~1 refused up front, 4+ quadratic\n")
    for result in results:
        print(format_result(result))
        print()
    worst = max((max(r.ratios(), default=0.0), r.case.name) for r in results)
    print(f"largest growth ratio: x{worst[0]:.2f} ({worst[1]})")


if __name__ == "__main__":
    main()
