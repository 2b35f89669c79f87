"""Contract violations: what a client sent that RingCentral or the SCIM RFCs would not accept as is.

A violation is structured data (where, which rule, what was wrong), kept for every request so that
the request journal, the pytest plugin's strict mode and the contract reports can read it back.
Severity ``error`` means RingCentral would refuse the request (mockrc answers 400); ``warning``
means RingCentral tolerates it but it is non-standard (Entra's ``"False"`` strings, ``"Replace"``
ops), so mockrc accepts it and records it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


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


class ViolationLog(list[Violation]):
    """The violations found while handling one request, in the order they were found."""

    def warn(self, pointer: str, rule: str, message: str) -> None:
        self.append(Violation(pointer, rule, message, "warning"))

    def error(self, pointer: str, rule: str, message: str) -> None:
        self.append(Violation(pointer, rule, message, "error"))

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self if v.severity == "error"]
