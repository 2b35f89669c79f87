"""What the proxy records besides violations: the fake's prediction and fidelity findings.

A *fidelity finding* says where the upstream (a RingCentral sandbox, or anything else proxied)
answered otherwise than mockrc would have: a refusal the upstream accepted, another status or
``scimType``, a body or header of another shape. Findings are not violations: a violation is
the client's fault, a finding is (probably) the fake's, so reports keep them apart and a CI job
gates on either. Every finding names a rule of the ``fidelity`` family of :mod:`mockrc.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["accepted", "refused", "undecided"]


@dataclass(frozen=True)
class Prediction:
    """What the fake would have answered: ``accepted`` (2xx), ``refused`` as invalid (its status
    and ``code``: scimType, RingCentral errorCode or OAuth error), or ``undecided`` when the answer
    depends on state (an unknown user, credentials, uniqueness) and nothing is compared."""

    outcome: Outcome
    status: int | None = None
    code: str | None = None
    #: The fake's answer, for the checks that compare shapes (not journaled).
    headers: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    body: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "status": self.status, "code": self.code}


@dataclass(frozen=True)
class FidelityFinding:
    """One way the upstream's answer differs from the fake's.

    ``pointer`` is a JSON pointer into the upstream's body (``/meta``), a header name
    (``Location``) or a request parameter (``?filter``); ``fake`` and ``upstream`` are the two
    values compared (None where one had nothing).
    """

    rule: str
    pointer: str
    message: str
    fake: Any = None
    upstream: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "pointer": self.pointer,
            "message": self.message,
            "fake": self.fake,
            "upstream": self.upstream,
        }


@dataclass(frozen=True)
class ProxyRecord:
    """What a proxied exchange adds to its journal entry (see docs/proxy.md)."""

    upstream_url: str
    #: The status the upstream answered, None when it gave no answer.
    upstream_status: int | None
    #: Why the upstream gave no answer (refused, timeout, TLS...), None when it answered.
    upstream_error: str | None = None
    prediction: Prediction | None = None
    findings: tuple[FidelityFinding, ...] = ()

    def cost(self) -> int:
        """Roughly the bytes held (the journal bounds its memory)."""
        return 300 + sum(200 + len(f.message) + len(f.pointer) for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The members a proxied journal entry has besides a fake's."""
        return {
            "mode": "proxy",
            "upstream": {
                "url": self.upstream_url,
                "status": self.upstream_status,
                "error": self.upstream_error,
            },
            "prediction": self.prediction.to_dict() if self.prediction else None,
            "findings": [f.to_dict() for f in self.findings],
        }
