"""Contract violations: what a client sent that RingCentral or the SCIM RFCs would not accept as is.

A violation is structured data (where, which rule, what was wrong), kept for every request so that
the request journal, the pytest plugin's strict mode and the contract reports can read it back.
Severity ``error`` means RingCentral would refuse the request (mockrc answers 400); ``warning``
means RingCentral tolerates it but it is non-standard (Entra's ``"False"`` strings, ``"Replace"``
ops), so mockrc accepts it and records it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from mockrc.limits import LIMITS

Severity = Literal["error", "warning"]

#: The rule of the one entry that stands for the violations past the per-request limit.
TRUNCATED_RULE = "limit.violations-per-request"


@dataclass(frozen=True)
class Violation:
    """One thing wrong with one request.

    ``pointer`` is a JSON pointer into the request body (``/emails/0/type``) or, for query and
    form parameters, ``?name`` (``?filter``). ``rule`` is a stable id such as ``schema.required``
    or ``compat.string-boolean``.
    """

    pointer: str
    rule: str
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def json_pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """RFC 6901 pointer for a path of keys and indexes (``("emails", 0, "type")`` -> ``/emails/0/type``)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Truncation(Violation):
    """Stands for violations left out past the per-request limit: how many, and whether checking
    stopped there (then more may exist than were counted). Recorded as a plain violation."""

    omitted: int = 0
    stopped: bool = False

    @classmethod
    def of(cls, omitted: int, stopped: bool, limit: int) -> Truncation:
        """A warning: the violations kept (up to ``limit`` errors) already say why a request failed."""
        if stopped:
            message = f"checking stopped after {limit} violations; there are more, not reported"
            if omitted:
                message = f"{omitted:,} more violations not reported, and {message}"
        else:
            noun = "violation" if omitted == 1 else "violations"
            message = (
                f"{omitted:,} more {noun} not reported: mockrc reports at most {limit} errors "
                f"and {limit} warnings per request"
            )
        return cls("", TRUNCATED_RULE, message, "warning", omitted, stopped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "rule": self.rule,
            "message": self.message,
            "severity": self.severity,
        }


class ViolationLog(list[Violation]):
    """The violations found while handling one request, in the order they were found.

    At most ``limit`` errors and ``limit`` warnings are kept (the journal keeps them; a body with
    100,000 unknown attributes must not cost 100,000 records, and a flood of warnings must not hide
    the error that refused the request); past that, a last :class:`Truncation` entry counts the rest.
    Appending is O(1), so recording stays linear in the number of violations found.
    """

    def __init__(
        self, violations: Iterable[Violation] = (), *, limit: int = LIMITS.violations_per_request
    ) -> None:
        super().__init__()
        self.limit = limit
        self._kept: dict[Severity, int] = {"error": 0, "warning": 0}
        self.omitted = 0
        self.stopped = False
        self.extend(violations)

    def append(self, violation: Violation) -> None:
        if isinstance(violation, Truncation):
            self.omitted += violation.omitted
            self.stopped = self.stopped or violation.stopped
        elif self._kept[violation.severity] < self.limit:
            self._kept[violation.severity] += 1
            if self and isinstance(self[-1], Truncation):
                super().insert(len(self) - 1, violation)
            else:
                super().append(violation)
            return
        else:
            self.omitted += 1
        summary = Truncation.of(self.omitted, self.stopped, self.limit)
        if self and isinstance(self[-1], Truncation):
            self[-1] = summary
        else:
            super().append(summary)

    @property
    def kept(self) -> int:
        """How many violations are kept (the :class:`Truncation` entry not counted)."""
        return self._kept["error"] + self._kept["warning"]

    def extend(self, violations: Iterable[Violation]) -> None:
        for violation in violations:
            self.append(violation)

    def warn(self, pointer: str, rule: str, message: str) -> None:
        self.append(Violation(pointer, rule, message, "warning"))

    def error(self, pointer: str, rule: str, message: str) -> None:
        self.append(Violation(pointer, rule, message, "error"))

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self if v.severity == "error"]
