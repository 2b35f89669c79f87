"""Replaying a journal against a target, and the verdict on how the target's answers differ.

:func:`replay` sends each recorded request, in order, through a :class:`Target` (the HTTP one is
:class:`HttpTarget`), with the target's ids and tokens substituted (:mod:`.substitution`), and
compares each answer with the recorded one (:mod:`.shape`): the status; the error code; and, when
both answered the same status, the body's shape. :class:`ReplayReport` is the verdict, as text,
JSON (``mockrc-replay/1``) or JUnit XML (one test case per request).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any, Protocol
from urllib.parse import urlencode
from xml.etree import ElementTree

from mockrc.journal import read_body
from mockrc.paths import OAUTH_PREFIX
from mockrc.replay.allow import AllowRule, Kind
from mockrc.replay.shape import body_shape, compare_shapes, error_code
from mockrc.replay.substitution import Credentials, OutgoingRequest, Substitutions, Unreplayable
from mockrc.report import describe_entry, xml_text

#: The value of the JSON report's ``format`` member; bumped when the JSON changes incompatibly.
REPLAY_FORMAT = "mockrc-replay/1"
#: Bytes of a target's answer replay reads; past it the answer is cut and its body not compared.
RESPONSE_LIMIT = 16 * 1024 * 1024
#: Requests the text summary lists (the JSON and JUnit forms list them all).
TEXT_REQUESTS = 50


class ReplaySetupError(Exception):
    """Replay cannot start (no token could be obtained); the message says what the target answered."""


@dataclass(frozen=True)
class Answer:
    """The target's answer: status (None: none came), headers, body bytes, and why it is incomplete."""

    status: int | None
    headers: Mapping[str, str]
    body: bytes
    size: int
    note: str | None = None

    @property
    def media_type(self) -> str:
        found = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        return found.partition(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON (unredacted: replay learns the target's tokens from it), or None."""
        if self.size > len(self.body) or not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Target(Protocol):
    """Where replay sends requests."""

    def send(self, request: OutgoingRequest) -> Answer: ...


@dataclass(frozen=True)
class Difference:
    """One way the target answered otherwise: its kind, both sides, and whether a rule allows it."""

    kind: Kind
    recorded: Any
    target: Any
    detail: str
    allowed: bool = False
    #: For a shape difference: the paths only in either answer, and those whose types changed.
    paths: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        found = {
            "kind": self.kind,
            "recorded": self.recorded,
            "target": self.target,
            "detail": self.detail,
            "allowed": self.allowed,
        }
        return found if self.paths is None else {**found, "paths": self.paths}


@dataclass(frozen=True)
class RequestResult:
    """One recorded request: what the target answered and how it differed, or why it was skipped."""

    #: The recorded request without its bodies and headers (:func:`request_summary`): a replay of
    #: a long journal keeps one small result per request, never the journal.
    entry: Mapping[str, Any]
    target_status: int | None = None
    differences: tuple[Difference, ...] = ()
    skipped: str | None = None
    note: str | None = None

    @property
    def outcome(self) -> str:
        """``skipped``, ``differs`` (a difference no rule allows), ``allowed`` or ``same``."""
        if self.skipped is not None:
            return "skipped"
        if any(not d.allowed for d in self.differences):
            return "differs"
        return "allowed" if self.differences else "same"

    def describe(self) -> str:
        """``#3 POST /scim/v2/Users -> 201: status 201 -> 409; error none -> scimType uniqueness``."""
        head = describe_entry(self.entry)
        if self.skipped is not None:
            return f"{head}: skipped: {self.skipped}"
        parts = [f"{d.detail}{' (allowed)' if d.allowed else ''}" for d in self.differences]
        if self.note:
            parts.append(self.note)
        return f"{head}: {'; '.join(parts)}" if parts else head

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.entry["id"],
            "method": self.entry["method"],
            "path": self.entry["path"],
            "query": self.entry.get("query") or {},
            "recorded_status": self.entry["status"],
            "target_status": self.target_status,
            "outcome": self.outcome,
            "skipped": self.skipped,
            "note": self.note,
            "differences": [d.to_json() for d in self.differences],
        }


@dataclass
class ReplayReport:
    """The verdict on one replay: every request's result, in journal order."""

    journal: str
    target: str
    results: list[RequestResult] = field(default_factory=list)

    def _count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def compared(self) -> int:
        return len(self.results) - self._count("skipped")

    @property
    def failed(self) -> bool:
        """A difference no rule allows, or nothing compared at all (which proves nothing)."""
        return self.compared == 0 or self._count("differs") > 0

    @property
    def exit_status(self) -> int:
        return 1 if self.failed else 0

    def headline(self) -> str:
        total = len(self.results)
        tail = [
            f"{n} {label}"
            for n, label in (
                (self._count("allowed"), "with allowed differences only"),
                (self._count("skipped"), "skipped"),
            )
            if n
        ]
        extra = f" ({', '.join(tail)})" if tail else ""
        if self.compared == 0:
            return f"FAIL: no request was replayed ({total} in the journal{extra})"
        differing = self._count("differs")
        if differing:
            return f"FAIL: {differing} of {self.compared} requests replayed answered otherwise{extra}"
        return f"PASS: {self.compared} requests replayed, none answered otherwise{extra}"

    def text(self) -> str:
        """The summary for people: the headline, then each request that differed or was skipped."""
        lines = [f"mockrc replay: {self.headline()}", f"  journal {self.journal}, target {self.target}"]
        listed = [r for r in self.results if r.outcome != "same"]
        lines += [f"  {r.describe()}" for r in listed[:TEXT_REQUESTS]]
        if len(listed) > TEXT_REQUESTS:
            lines.append(f"  ... and {len(listed) - TEXT_REQUESTS} more (--format json lists them all)")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPLAY_FORMAT,
            "generator": f"mockrc {version('mockrc')}",
            "journal": self.journal,
            "target": self.target,
            "verdict": "fail" if self.failed else "pass",
            "headline": self.headline(),
            "exit_status": self.exit_status,
            "summary": {
                "requests": len(self.results),
                "compared": self.compared,
                "same": self._count("same"),
                "differs": self._count("differs"),
                "allowed": self._count("allowed"),
                "skipped": self._count("skipped"),
            },
            "requests": [r.to_json() for r in self.results],
        }

    def junit(self) -> str:
        """JUnit XML: one test case per recorded request; it fails when the target answered otherwise."""
        failures, skipped = str(self._count("differs")), str(self._count("skipped"))
        tests = str(len(self.results))
        suites = ElementTree.Element("testsuites", name="mockrc replay", tests=tests, failures=failures)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=xml_text(f"replay of {self.journal} against {self.target}"),
            tests=tests,
            failures=failures,
            errors="0",
            skipped=skipped,
            time="0",
        )
        for result in self.results:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname="mockrc.replay",
                name=xml_text(describe_entry(result.entry)),
                time="0",
            )
            if result.outcome == "skipped":
                ElementTree.SubElement(case, "skipped", message=xml_text(result.skipped or ""))
            elif result.outcome == "differs":
                failure = ElementTree.SubElement(
                    case, "failure", message=xml_text(result.describe()), type="replay-difference"
                )
                failure.text = xml_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        if not self.results:
            ElementTree.SubElement(suite, "system-out").text = "the journal holds no request"
        ElementTree.indent(suites)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ElementTree.tostring(suites, encoding="unicode")
            + "\n"
        )


def request_summary(entry: Mapping[str, Any]) -> dict[str, Any]:
    """What a result keeps of a journal entry: id, method, path, query and recorded status."""
    return {name: entry.get(name) for name in ("id", "method", "path", "query", "status")}


def compare(entry: Mapping[str, Any], answer: Answer, rules: Sequence[AllowRule]) -> RequestResult:
    """How ``answer`` differs from the answer ``entry`` recorded, each difference marked allowed or not."""
    response = entry.get("response") or {}
    recorded_status: int = entry["status"]
    recorded_body = response.get("body")
    target_body, target_note = read_body(answer.body, answer.media_type, answer.size)
    found: list[Difference] = []

    def differs(kind: Kind, recorded: Any, target: Any, detail: str, paths: Any = None) -> None:
        found.append(Difference(kind, recorded, target, detail, _allowed(rules, kind, entry), paths))

    if answer.status != recorded_status:
        shown = answer.status if answer.status is not None else f"no answer ({answer.note})"
        differs("status", recorded_status, answer.status, f"status {recorded_status} -> {shown}")
    before, after = error_code(recorded_body), error_code(target_body)
    if answer.status is not None and before != after:
        differs("error", before, after, f"error {before or 'none'} -> {after or 'none'}")
    note = None
    if answer.status == recorded_status:
        if response.get("body_truncated") or (target_note and "truncated" in target_note):
            note = "body shape not compared: a body longer than the journal keeps"
        else:
            shape = compare_shapes(body_shape(recorded_body), body_shape(target_body))
            if shape:
                differs("shape", None, None, f"shape: {shape.describe()}", shape.to_json())
    return RequestResult(request_summary(entry), answer.status, tuple(found), None, note)


def _allowed(rules: Sequence[AllowRule], kind: Kind, entry: Mapping[str, Any]) -> bool:
    return any(rule.allows(kind, entry["method"], entry["path"]) for rule in rules)


def sign_in(target: Target, credentials: Credentials, substitutions: Substitutions) -> None:
    """Get a token from the target with the credentials given, unless a token was given."""
    if credentials.token is not None:
        return
    form, basic = credentials.sign_in_form(), credentials.basic()
    if form is None or basic is None:
        return
    request = OutgoingRequest(
        "POST",
        f"{OAUTH_PREFIX}/token",
        "",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": basic,
            "Accept": "application/json",
        },
        urlencode(form).encode("ascii"),
    )
    answer = target.send(request)
    body = answer.json()
    if answer.status != 200 or not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
        code = error_code(read_body(answer.body, answer.media_type, answer.size)[0])
        said = (
            f"{answer.status}{f', {code}' if code else ''}" if answer.status else f"no answer ({answer.note})"
        )
        raise ReplaySetupError(f"the target refused to sign in with the credentials given: {said}")
    substitutions.access_token = body["access_token"]
    if isinstance(body.get("refresh_token"), str):
        substitutions.refresh_token = body["refresh_token"]


def replay(
    entries: Iterable[Mapping[str, Any]],
    target: Target,
    *,
    credentials: Credentials,
    rules: Sequence[AllowRule] = (),
    journal: str = "journal",
    target_name: str = "target",
) -> ReplayReport:
    """Send each entry's request to ``target`` in order and compare the answers (ReplaySetupError
    if no token can be had to start with). ``entries`` is read as it is iterated: a stream."""
    substitutions = Substitutions(credentials)
    sign_in(target, credentials, substitutions)
    report = ReplayReport(journal, target_name)
    for entry in entries:
        try:
            request = substitutions.request(entry)
        except Unreplayable as exc:
            report.results.append(RequestResult(request_summary(entry), skipped=str(exc)))
            continue
        answer = target.send(request)
        if answer.status is not None:
            substitutions.learn(entry, answer.status, answer.json())
        report.results.append(compare(entry, answer, rules))
    return report
