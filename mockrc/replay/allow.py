"""Which differences a replay accepts: ``KIND:[METHOD ]PATH-GLOB`` rules.

A rule names a kind of difference (``status``, ``error``, ``shape``, or ``*`` for all three) and
the requests it covers, by the recorded request's path (``*`` stands for any characters within one
segment, ``**`` for any characters across segments, as in scenario files) and optionally its
method: ``shape:GET /scim/v2/Users``, ``status:/scim/v2/Users/*``, ``*:/restapi/oauth/**``. Rules
come from ``--allow`` options and from an allow file (``--allow-file``): one rule a line, ``#``
starts a comment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal, get_args

#: The kinds of difference replay reports.
Kind = Literal["status", "error", "shape"]
KINDS: tuple[Kind, ...] = get_args(Kind)
#: Bytes an allow file may hold: rules are written by hand, a few dozen lines.
ALLOW_FILE_LIMIT = 1024 * 1024
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class AllowRuleError(ValueError):
    """A rule that cannot be read; the message quotes it and says what is wanted."""


@dataclass(frozen=True)
class AllowRule:
    """Differences of ``kinds`` on requests to paths matching ``glob`` (with ``method``, if given)."""

    text: str
    kinds: frozenset[Kind]
    method: str | None
    glob: str
    pattern: re.Pattern[str]

    def allows(self, kind: Kind, method: str, path: str) -> bool:
        return (
            kind in self.kinds
            and (self.method is None or self.method == method.upper())
            and self.pattern.fullmatch(path) is not None
        )


def glob_pattern(glob: str) -> re.Pattern[str]:
    """``*`` within one path segment, ``**`` across segments; everything else literal."""
    parts = re.split(r"(\*\*|\*)", glob)
    return re.compile("".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts))


def parse_rule(text: str) -> AllowRule:
    """One rule; AllowRuleError quoting it and showing the form wanted."""
    kind, colon, target = text.strip().partition(":")
    help_ = "write KIND:[METHOD ]PATH-GLOB, KIND one of status, error, shape or *: status:/scim/v2/Users/*"
    if not colon or kind not in (*KINDS, "*"):
        raise AllowRuleError(f"allow rule {text!r}: {help_}")
    method, _, glob = target.strip().rpartition(" ")
    method = method.strip().upper()
    if method and method not in _METHODS:
        raise AllowRuleError(f"allow rule {text!r}: {method!r} is not an HTTP method; {help_}")
    if not glob.startswith("/"):
        raise AllowRuleError(f"allow rule {text!r}: the path glob must start with /; {help_}")
    kinds: frozenset[Kind] = frozenset(KINDS) if kind == "*" else frozenset({kind})  # type: ignore[arg-type]
    return AllowRule(text.strip(), kinds, method or None, glob, glob_pattern(glob))


def read_allow_file(path: str | os.PathLike[str]) -> list[AllowRule]:
    """The rules of an allow file; AllowRuleError naming the file and line of a bad one."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as stream:
            raw = stream.read(ALLOW_FILE_LIMIT + 1)
    except OSError as exc:
        raise AllowRuleError(f"{source}: cannot read the allow file: {exc.strerror or exc}") from None
    if len(raw) > ALLOW_FILE_LIMIT:
        raise AllowRuleError(f"{source}: an allow file holds at most {ALLOW_FILE_LIMIT:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AllowRuleError(f"{source}: not UTF-8 text") from None
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.partition("#")[0].strip()
        if not line:
            continue
        try:
            rules.append(parse_rule(line))
        except AllowRuleError as exc:
            raise AllowRuleError(f"{source}:{number}: {exc}") from None
    return rules
