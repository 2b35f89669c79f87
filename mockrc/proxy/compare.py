"""Fidelity findings: where the upstream's answer differs from what the fake would have answered.

Each check names a rule of the ``fidelity`` family (:mod:`mockrc.rules`): the outcome (a refusal
the upstream accepted, an acceptance it refused), the status and error code when both answers
are of the same kind, the body's shape (:mod:`.shapes`), and the headers the fake sends
(``Content-Type``, ``Location`` on 201, the rate-limit headers when the upstream sends any).
Values that legitimately differ (ids, times, URLs, counts) are never compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockrc.proxy.findings import FidelityFinding, Prediction
from mockrc.proxy.predict import error_code
from mockrc.proxy.shapes import expected_shape, shape_differences
from mockrc.ratelimit import group_of
from mockrc.violations import Violation

#: The rate-limit headers RingCentral sends together (and the fake, when its limits are on).
RATE_LIMIT_HEADERS = (
    "X-Rate-Limit-Group",
    "X-Rate-Limit-Limit",
    "X-Rate-Limit-Remaining",
    "X-Rate-Limit-Window",
)
#: Statuses that refuse a request as invalid (what the fake answers to a contract violation).
INVALID = frozenset({400, 413, 414, 415, 422})


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def _answer(status: int | None, code: str | None) -> str:
    return f"{status} {code}" if code else str(status)


def compare(
    method: str,
    path: str,
    prediction: Prediction,
    violations: Sequence[Violation],
    status: int,
    headers: Sequence[tuple[str, str]],
    body: Any,
    readable: bool = True,
) -> list[FidelityFinding]:
    """Every finding about the upstream's answer (``status``, ``headers``, decoded ``body``).

    ``readable`` False: the body came in an encoding mockrc does not read (br, zstd), so its
    shape and error code are not compared.
    """
    if not readable:
        return _headers(method, path, prediction, status, headers, body)
    found = _outcome(prediction, violations, status, body)
    found += _shape(method, path, status, headers, body)
    found += _headers(method, path, prediction, status, headers, body)
    return found


def _outcome(
    prediction: Prediction, violations: Sequence[Violation], status: int, body: Any
) -> list[FidelityFinding]:
    code = error_code(body) if status >= 400 else None
    fake = {"status": prediction.status, "code": prediction.code}
    upstream = {"status": status, "code": code}
    said = f"the fake would answer {_answer(prediction.status, prediction.code)}"
    got = f"the upstream answered {_answer(status, code)}"
    if prediction.outcome == "refused" and 200 <= status < 300:
        first = next((v for v in violations if v.severity == "error"), None)
        why = f" ({first.rule}: {first.message})" if first else ""
        pointer = first.pointer if first else ""
        return [
            FidelityFinding(
                "fidelity.refusal-accepted", pointer, f"{said}{why}; {got}, accepting it", fake, upstream
            )
        ]
    if prediction.outcome == "accepted" and status in INVALID:
        return [
            FidelityFinding("fidelity.acceptance-refused", "", f"{said}, accepting it; {got}", fake, upstream)
        ]
    if prediction.outcome == "undecided" or prediction.status is None:
        return []
    same_kind = (prediction.outcome == "accepted") == (200 <= status < 300)
    if not same_kind:
        return []
    if prediction.status != status:
        return [FidelityFinding("fidelity.status", "", f"{said}; {got}", fake, upstream)]
    if prediction.outcome == "refused" and prediction.code != code:
        key = next(
            (k for k in ("scimType", "errorCode", "error") if isinstance(body, Mapping) and k in body),
            "scimType",
        )
        return [FidelityFinding("fidelity.error-code", f"/{key}", f"{said}; {got}", fake, upstream)]
    return []


def _shape(
    method: str, path: str, status: int, headers: Sequence[tuple[str, str]], body: Any
) -> list[FidelityFinding]:
    shape = expected_shape(method, path, status)
    if shape is None:
        return []
    if not isinstance(body, (Mapping, list)):
        media = _header(headers, "Content-Type") or "no Content-Type"
        message = f"the fake answers a JSON {shape} here; the upstream's body is not JSON ({media})"
        return [FidelityFinding("fidelity.body-shape", "", message, shape, media)]
    return [
        FidelityFinding("fidelity.body-shape", pointer, f"not the fake's {shape}: {message}", shape, None)
        for pointer, message in shape_differences(shape, body)
    ]


def _headers(
    method: str,
    path: str,
    prediction: Prediction,
    status: int,
    headers: Sequence[tuple[str, str]],
    body: Any,
) -> list[FidelityFinding]:
    found: list[FidelityFinding] = []
    if prediction.status == status and prediction.outcome != "undecided":
        fake_type = _media_type(_header(prediction.headers, "Content-Type"))
        upstream_type = _media_type(_header(headers, "Content-Type"))
        if fake_type and fake_type != upstream_type:
            found.append(
                FidelityFinding(
                    "fidelity.header-value",
                    "Content-Type",
                    f"the fake answers Content-Type {fake_type}; the upstream {upstream_type or 'none'}",
                    fake_type,
                    upstream_type or None,
                )
            )
    if status == 201:
        location = _header(headers, "Location")
        meta = body.get("meta") if isinstance(body, Mapping) else None
        shown = meta.get("location") if isinstance(meta, Mapping) else None
        if location is None:
            found.append(
                FidelityFinding(
                    "fidelity.header-missing",
                    "Location",
                    "the fake answers a 201 with a Location header (RFC 7644 §3.3); the upstream sent none",
                    shown,
                    None,
                )
            )
        elif isinstance(shown, str) and shown != location:
            found.append(
                FidelityFinding(
                    "fidelity.header-value",
                    "Location",
                    "the fake's Location is the created user's meta.location; the upstream's differs",
                    shown,
                    location,
                )
            )
    sent = {name: _header(headers, name) for name in RATE_LIMIT_HEADERS}
    if any(value is not None for value in sent.values()):
        found += [
            FidelityFinding(
                "fidelity.header-missing",
                name,
                f"the upstream sent rate-limit headers but not {name}, which the fake sends with them",
            )
            for name, value in sent.items()
            if value is None
        ]
        group = group_of(method, path)
        upstream_group = sent["X-Rate-Limit-Group"]
        if group is not None and upstream_group is not None and upstream_group.lower() != group:
            found.append(
                FidelityFinding(
                    "fidelity.header-value",
                    "X-Rate-Limit-Group",
                    f"the fake puts {method} {path} in the {group} group; the upstream in {upstream_group}",
                    group,
                    upstream_group,
                )
            )
    if status == 429 and _header(headers, "Retry-After") is None:
        found.append(
            FidelityFinding(
                "fidelity.header-missing",
                "Retry-After",
                "the fake answers a 429 with Retry-After (RingCentral's rate-limit guide); "
                "the upstream sent none",
            )
        )
    return found
