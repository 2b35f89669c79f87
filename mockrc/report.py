"""Contract reports: a journal turned into a verdict that CI systems and people understand.

``mockrc report JOURNAL.jsonl`` (:mod:`mockrc.cli.report`), ``GET /__mockrc/report``, or
:func:`build_report` from Python reads journal entries in their JSON Lines form and answers
three ways: JUnit XML (one test case per contract rule of :mod:`mockrc.rules`, failing with every
request that broke it, so CI systems list the broken rules as failed tests), JSON with a published
schema (``fixtures/schemas/mockrc/report.schema.json``) and a Markdown summary (counts by rule, by
endpoint, and the worst offending requests).

The verdict: exit status 0 when no error-severity violation occurred, 1 when one did, 2 when the
input cannot be read (a missing file, a line that is not a journal entry). Warnings (what
RingCentral tolerates but is not standard) only fail the verdict with ``--strict-warnings``. A
journal with fewer requests than ``--min-requests`` (1 by default on the command line) fails too:
an empty journal means the client never reached the fake, which proves nothing about it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mockrc.journal import DESCRIBED_TARGET, body_excerpt
from mockrc.json_schema import fixture_schema
from mockrc.rules import RULES
from mockrc.violations import Severity, json_pointer

if TYPE_CHECKING:
    from xml.etree import ElementTree

#: The value of the report's ``format`` member; bumped when the JSON changes incompatibly.
REPORT_FORMAT = "mockrc-report/2"
#: What fails the verdict (``--fail-on``): error-severity violations (the default, as before
#: ``mockrc proxy``), fidelity findings of a proxy's journal, or either.
FailOn = Literal["violations", "findings", "both"]
FAIL_ON: tuple[FailOn, ...] = ("violations", "findings", "both")
#: Requests listed per rule in a JUnit failure (the JSON report lists them all).
JUNIT_REQUESTS_PER_RULE = 20
#: Offending requests in the Markdown summary.
MARKDOWN_OFFENDERS = 10
#: Requests a CI gate needs by default (``mockrc report``, ``GET /__mockrc/report``): an empty
#: journal fails, since a client that never reached the fake broke no rule only by doing nothing.
DEFAULT_MIN_REQUESTS = 1

#: A variable in a Flask route (``<user_id>``, ``<path:uri>``), written ``{user_id}`` in reports.
_ROUTE_VARIABLE = re.compile(r"<(?:\w+:)?(\w+)>")
#: Characters XML 1.0 cannot carry (a request body may hold any of them): those outside its ``Char``
#: production (https://www.w3.org/TR/xml/#charsets), #x9 | #xA | #xD | [#x20-#xD7FF] |
#: [#xE000-#xFFFD] | [#x10000-#x10FFFF], listed as the few ranges they are. The negated class of
#: those ranges matches the same characters (a test compares the two on every code point) but
#: costs ~5 ms to compile, at every start of anything that imports the report.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def load_journal(path: str | Path) -> list[dict[str, Any]]:
    """The entries of a JSON Lines journal file; ValueError naming the file, the line and what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the journal: {exc}") from None
    entries: list[dict[str, Any]] = []
    validator = fixture_schema("schemas", "mockrc", "journal-entry.schema.json")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not a JSON document: {exc}") from None
        problem = next(iter(validator.iter_errors(entry)), None)
        if problem is not None:
            where = json_pointer(list(problem.absolute_path)) or "/"
            raise ValueError(f"{path}:{number}: not a journal entry: {where}: {problem.message}") from None
        entries.append(entry)
    return entries


@dataclass(frozen=True)
class Finding:
    """One violation of one request, as the report shows it."""

    request: Mapping[str, Any]
    pointer: str
    rule: str
    severity: Severity
    message: str
    #: ``error`` when the violation fails the verdict (every error; warnings too when strict).
    effective_severity: Severity

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request["id"],
            "method": self.request["method"],
            "path": self.request["path"],
            "status": self.request["status"],
            "pointer": self.pointer,
            "rule": self.rule,
            "severity": self.severity,
            "effective_severity": self.effective_severity,
            "message": self.message,
        }


@dataclass(frozen=True)
class RuleResult:
    """One rule: what the catalogue says about it and every finding of it."""

    id: str
    severity: Severity
    meaning: str
    source: str
    catalogued: bool
    findings: tuple[Finding, ...]

    @property
    def outcome(self) -> str:
        """``failed`` (a finding fails the verdict), ``warned`` (findings, none failing) or ``passed``."""
        if any(f.effective_severity == "error" for f in self.findings):
            return "failed"
        return "warned" if self.findings else "passed"

    @property
    def request_ids(self) -> list[int]:
        return list(dict.fromkeys(f.request["id"] for f in self.findings))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "outcome": self.outcome,
            "violations": len(self.findings),
            "requests": self.request_ids,
            "meaning": self.meaning,
            "source": self.source,
            "catalogued": self.catalogued,
        }


@dataclass(frozen=True)
class FidelityItem:
    """One fidelity finding of one proxied request (``mockrc proxy``), as the report shows it."""

    request: Mapping[str, Any]
    finding: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request["id"],
            "method": self.request["method"],
            "path": self.request["path"],
            "status": self.request["status"],
            "rule": self.finding["rule"],
            "pointer": self.finding["pointer"],
            "message": self.finding["message"],
            "fake": self.finding.get("fake"),
            "upstream": self.finding.get("upstream"),
        }


@dataclass(frozen=True)
class FidelityRule:
    """One rule of the ``fidelity`` family and its findings."""

    id: str
    meaning: str
    source: str
    items: tuple[FidelityItem, ...]

    @property
    def request_ids(self) -> list[int]:
        return list(dict.fromkeys(i.request["id"] for i in self.items))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "findings": len(self.items),
            "requests": self.request_ids,
            "meaning": self.meaning,
            "source": self.source,
        }


def _endpoint(entry: Mapping[str, Any]) -> str:
    """``POST /scim/v2/Users/{user_id}``: the route's template when one matched, else the path."""
    template = _ROUTE_VARIABLE.sub(r"{\1}", entry.get("route") or entry["path"])
    return f"{entry['method']} {template}"


def describe_entry(entry: Mapping[str, Any]) -> str:
    """One line that names a request: ``#3 POST /scim/v2/Users?x=1 -> 400``."""
    query = "&".join(
        f"{name}={item}"
        for name, value in (entry.get("query") or {}).items()
        for item in (value if isinstance(value, list) else [value])
    )
    target = f"{entry['path']}?{query}" if query else entry["path"]
    if len(target) > DESCRIBED_TARGET:  # a hostile megabyte of query must not fill the report's line
        target = f"{target[:DESCRIBED_TARGET]}… [{len(target):,} characters]"
    return f"#{entry['id']} {entry['method']} {target} -> {entry['status']}"


def _excerpt(entry: Mapping[str, Any]) -> str | None:
    """The start of the entry's body (:func:`mockrc.journal.body_excerpt`): a report over a full
    journal of megabyte bodies must not carry each body's 64 KiB again (the journal has it)."""
    if "body_excerpt" in entry:  # a live journal's ReportRecord has it ready
        excerpt: str | None = entry["body_excerpt"]
        return excerpt
    return body_excerpt(entry.get("body"))


@dataclass(frozen=True)
class Report:
    """The verdict on a journal. Build it with :func:`build_report`."""

    source: str
    strict_warnings: bool
    entries: tuple[Mapping[str, Any], ...]
    findings: tuple[Finding, ...]
    rules: tuple[RuleResult, ...]
    #: Fewer requests than this fail the verdict (``--min-requests``).
    min_requests: int = 0
    #: The fidelity findings of a proxy's journal, by rule (every rule of the family, found or not).
    fidelity: tuple[FidelityRule, ...] = ()
    fail_on: FailOn = "violations"

    @property
    def too_few(self) -> bool:
        """Fewer requests were recorded than the verdict needs."""
        return len(self.entries) < self.min_requests

    @property
    def violations_failed(self) -> bool:
        return any(f.effective_severity == "error" for f in self.findings)

    @property
    def fidelity_items(self) -> list[FidelityItem]:
        return [item for rule in self.fidelity for item in rule.items]

    @property
    def failed(self) -> bool:
        """Too few requests, or what ``fail_on`` gates on: error-severity violations, findings, or both."""
        violations = self.fail_on != "findings" and self.violations_failed
        findings = self.fail_on != "violations" and bool(self.fidelity_items)
        return self.too_few or violations or findings

    def recorded(self) -> str:
        """How many requests there were, said plainly when there were none or too few."""
        count = len(self.entries)
        expected = f"at least {self.min_requests} expected by --min-requests"
        if count == 0:
            needed = f", {expected}" if self.too_few else ""
            return f"nothing was recorded (0 requests{needed}): did the client reach the fake?"
        if self.too_few:
            return f"only {_plural(count, 'request')} recorded, {expected}"
        return f"{_plural(count, 'request')} recorded"

    @property
    def exit_status(self) -> int:
        """0: no violation fails the verdict; 1: one does (2, bad input, never reaches a Report)."""
        return 1 if self.failed else 0

    def _count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.effective_severity == severity)

    def headline(self) -> str:
        """One line: the verdict and its counts (and the fidelity findings of a proxy's journal)."""
        line = self._violations_headline()
        found = len(self.fidelity_items)
        if self.fail_on == "violations" and not found:
            return line
        verdict = "FAIL" if self.failed else "PASS"
        line = verdict + line.partition(":")[1] + line.partition(":")[2]
        if self.fail_on == "findings" and self.violations_failed:
            line += " (violations not gated: --fail-on findings)"
        counted = _plural(found, "fidelity finding")
        gated = self.fail_on != "violations"
        return f"{line}; {counted}" + ("" if gated else " (not gated: --fail-on findings or both)")

    def _violations_headline(self) -> str:
        errors, warnings = self._count("error"), self._count("warning")
        requests = _plural(len(self.entries), "request")
        tail = f" ({_plural(warnings, 'warning')})" if warnings else ""
        if not self.entries:
            return f"{'FAIL' if self.failed else 'PASS'}: {self.recorded()}"
        if self.too_few and not errors:
            return f"FAIL: {self.recorded()}"
        if not self.violations_failed and not self.too_few:
            return f"PASS: no error-severity contract violation in {requests}{tail}"
        failed = sum(1 for r in self.rules if r.outcome == "failed")
        too_few = f"; {self.recorded()}" if self.too_few else ""
        return (
            f"FAIL: {_plural(errors, 'error-severity contract violation')} of {_plural(failed, 'rule')} "
            f"in {requests}{tail}{too_few}"
        )

    def offenders(self) -> list[dict[str, Any]]:
        """Every request with a violation, worst first: most errors, then most warnings, then oldest."""
        by_request: dict[int, list[Finding]] = {}
        for finding in self.findings:
            by_request.setdefault(finding.request["id"], []).append(finding)
        rows = []
        for found in by_request.values():
            entry = found[0].request
            errors = sum(1 for f in found if f.effective_severity == "error")
            rows.append(
                {
                    "request_id": entry["id"],
                    "method": entry["method"],
                    "path": entry["path"],
                    "query": entry.get("query") or {},
                    "status": entry["status"],
                    "principal": entry.get("principal"),
                    "app": entry.get("app"),
                    "errors": errors,
                    "warnings": len(found) - errors,
                    "rules": list(dict.fromkeys(f.rule for f in found)),
                    "body_excerpt": _excerpt(entry),
                    "body_size": entry.get("body_size"),
                    "body_note": entry.get("body_note"),
                }
            )
        return sorted(rows, key=lambda row: (-row["errors"], -row["warnings"], row["request_id"]))

    def endpoints(self) -> list[dict[str, Any]]:
        """Requests, violations and statuses per endpoint, busiest first."""
        stats: dict[str, dict[str, Any]] = {}
        for entry in self.entries:
            row = stats.setdefault(
                _endpoint(entry),
                {
                    "endpoint": _endpoint(entry),
                    "requests": 0,
                    "errors": 0,
                    "warnings": 0,
                    "statuses": Counter(),
                },
            )
            row["requests"] += 1
            row["statuses"][str(entry["status"])] += 1
        for finding in self.findings:
            stats[_endpoint(finding.request)][f"{finding.effective_severity}s"] += 1
        rows = sorted(stats.values(), key=lambda row: (-row["requests"], row["endpoint"]))
        return [{**row, "statuses": dict(sorted(row["statuses"].items()))} for row in rows]

    # --- the three forms ----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON report (``fixtures/schemas/mockrc/report.schema.json``)."""
        return {
            "format": REPORT_FORMAT,
            "generator": f"mockrc {version('mockrc')}",
            "source": self.source,
            "strict_warnings": self.strict_warnings,
            "min_requests": self.min_requests,
            "verdict": "fail" if self.failed else "pass",
            "headline": self.headline(),
            "exit_status": self.exit_status,
            "summary": {
                "requests": len(self.entries),
                "requests_with_violations": len({f.request["id"] for f in self.findings}),
                "errors": self._count("error"),
                "warnings": self._count("warning"),
                "rules_failed": sum(1 for r in self.rules if r.outcome == "failed"),
                "rules_warned": sum(1 for r in self.rules if r.outcome == "warned"),
            },
            "rules": [rule.to_json() for rule in self.rules],
            "endpoints": self.endpoints(),
            "offenders": self.offenders(),
            "violations": [finding.to_json() for finding in self.findings],
            "fail_on": self.fail_on,
            "fidelity": {
                "summary": {
                    "proxied_requests": sum(1 for e in self.entries if e.get("mode") == "proxy"),
                    "findings": len(self.fidelity_items),
                    "requests_with_findings": len({i.request["id"] for i in self.fidelity_items}),
                },
                "rules": [rule.to_json() for rule in self.fidelity],
                "findings": [item.to_json() for item in self.fidelity_items],
            },
        }

    def junit(self) -> str:
        """JUnit XML: one test case per rule; a rule fails with the requests that broke it.

        With a ``min_requests``, one more case, ``requests-recorded``, fails when too few were.
        """
        from xml.etree import ElementTree  # here: only CI's report needs it, not mockrc serve's start

        failures = sum(1 for r in self.rules if r.outcome == "failed") + int(self.too_few)
        tests = len(self.rules) + int(self.min_requests > 0)
        suites = ElementTree.Element(
            "testsuites", name="mockrc", tests=str(tests), failures=str(failures), errors="0"
        )
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name="mockrc contract rules",
            tests=str(tests),
            failures=str(failures),
            errors="0",
            skipped="0",
            time="0",
        )
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (
            ("source", self.source),
            ("requests", str(len(self.entries))),
            ("strict_warnings", str(self.strict_warnings).lower()),
            ("verdict", "fail" if self.failed else "pass"),
        ):
            ElementTree.SubElement(properties, "property", name=name, value=xml_text(value))
        if self.min_requests > 0:
            case = ElementTree.SubElement(
                suite, "testcase", classname="mockrc.journal", name="requests-recorded", time="0"
            )
            if self.too_few:
                ElementTree.SubElement(case, "failure", message=self.recorded(), type="min-requests")
        for rule in self.rules:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"mockrc.contract.{rule.id.partition('.')[0]}",
                name=rule.id,
                time="0",
            )
            if not rule.findings:
                continue
            details = xml_text(self._rule_details(rule))
            if rule.outcome == "failed":
                message = f"{_plural(len(rule.request_ids), 'request')} broke {rule.id}: {rule.meaning}"
                failure = ElementTree.SubElement(case, "failure", message=xml_text(message), type=rule.id)
                failure.text = details
            else:
                ElementTree.SubElement(case, "system-out").text = details
        if not self.entries:  # after the test cases, where the JUnit schema puts a suite's output
            ElementTree.SubElement(suite, "system-out").text = self.recorded()
        if any(e.get("mode") == "proxy" for e in self.entries):
            self._junit_fidelity(suites)
        ElementTree.indent(suites)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ElementTree.tostring(suites, encoding="unicode")
            + "\n"
        )

    def _junit_fidelity(self, suites: ElementTree.Element) -> None:
        """A second suite, one case per fidelity rule: failing when ``fail_on`` gates on findings."""
        from xml.etree import ElementTree  # as in junit(): only CI's report needs it

        gated = self.fail_on != "violations"
        failures = sum(1 for r in self.fidelity if r.items) if gated else 0
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name="mockrc fidelity findings",
            tests=str(len(self.fidelity)),
            failures=str(failures),
            errors="0",
            skipped="0",
            time="0",
        )
        for rule in self.fidelity:
            case = ElementTree.SubElement(
                suite, "testcase", classname="mockrc.fidelity", name=rule.id, time="0"
            )
            if not rule.items:
                continue
            lines = [f"{rule.id}: {rule.meaning}", ""]
            for item in rule.items[:JUNIT_REQUESTS_PER_RULE]:
                where = item.finding["pointer"] or "/"
                lines.append(f"{describe_entry(item.request)}: at {where}: {item.finding['message']}")
            details = xml_text("\n".join(lines))
            if gated:
                message = f"{_plural(len(rule.request_ids), 'request')} found {rule.id}: {rule.meaning}"
                failure = ElementTree.SubElement(case, "failure", message=xml_text(message), type=rule.id)
                failure.text = details
            else:
                ElementTree.SubElement(case, "system-out").text = details
        total = int(suites.get("tests", "0")) + len(self.fidelity)
        suites.set("tests", str(total))
        suites.set("failures", str(int(suites.get("failures", "0")) + failures))

    def _rule_details(self, rule: RuleResult) -> str:
        lines = [f"{rule.id} ({rule.severity}): {rule.meaning}", f"source: {rule.source}", ""]
        shown = rule.request_ids[:JUNIT_REQUESTS_PER_RULE]
        for request_id in shown:
            found = [f for f in rule.findings if f.request["id"] == request_id]
            entry = found[0].request
            who = ", ".join(f"{k} {entry[k]}" for k in ("principal", "app") if entry.get(k))
            lines.append(describe_entry(entry) + (f" ({who})" if who else ""))
            lines += [f"  {f.effective_severity} at {f.pointer or '/'}: {f.message}" for f in found]
            excerpt = _excerpt(entry)
            if excerpt is not None:
                lines.append(f"  body: {excerpt}")
            if entry.get("body_note"):
                lines.append(f"  ({entry['body_note']})")
        hidden = len(rule.request_ids) - len(shown)
        if hidden:
            lines.append(f"... and {hidden} more requests (the JSON report lists them all)")
        return "\n".join(lines)

    def markdown(self) -> str:
        """A summary for people: the verdict, then counts by rule, by endpoint, and the worst offenders."""
        lines = ["# mockrc contract report", "", f"**{self.headline()}**", "", f"Source: `{self.source}`."]
        if self.strict_warnings:
            lines.append("Warnings count as errors (`--strict-warnings`).")
        broken = [r for r in self.rules if r.findings]
        if broken:
            lines += [
                "",
                "## By rule",
                "",
                "| rule | outcome | violations | requests | meaning |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| `{r.id}` | {r.outcome} | {len(r.findings)} | {len(r.request_ids)} | {_md(r.meaning)} |"
                for r in sorted(broken, key=lambda r: (r.outcome != "failed", -len(r.findings), r.id))
            ]
        lines += self._fidelity_markdown()
        if not self.entries:
            return "\n".join([*lines, "", "No request was recorded: there is nothing to list."]) + "\n"
        lines += ["", "## By endpoint", "", "| endpoint | requests | errors | warnings | statuses |"]
        lines.append("|---|---|---|---|---|")
        for row in self.endpoints():
            statuses = ", ".join(f"{status}: {n}" for status, n in row["statuses"].items())
            counts = f"{row['requests']} | {row['errors']} | {row['warnings']}"
            lines.append(f"| `{_md(row['endpoint'])}` | {counts} | {statuses} |")
        offenders = self.offenders()[:MARKDOWN_OFFENDERS]
        if offenders:
            lines += [
                "",
                "## Worst offenders",
                "",
                "| request | errors | warnings | rules |",
                "|---|---|---|---|",
            ]
            by_id = {entry["id"]: entry for entry in self.entries}
            lines += [
                f"| `{_md(describe_entry(by_id[row['request_id']]))}` | {row['errors']} | "
                f"{row['warnings']} | {', '.join(f'`{rule}`' for rule in row['rules'])} |"
                for row in offenders
            ]
        return "\n".join(lines) + "\n"

    def _fidelity_markdown(self) -> list[str]:
        items = self.fidelity_items
        if not items:
            return []
        gated = "fail the verdict" if self.fail_on != "violations" else "do not fail the verdict (--fail-on)"
        lines = [
            "",
            "## Fidelity findings",
            "",
            f"Where the upstream answered otherwise than the fake would; they {gated}.",
            "",
            "| rule | findings | requests | meaning |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{r.id}` | {len(r.items)} | {len(r.request_ids)} | {_md(r.meaning)} |"
            for r in self.fidelity
            if r.items
        ]
        lines += ["", "| request | rule | where | what differs |", "|---|---|---|---|"]
        lines += [
            f"| `{_md(describe_entry(i.request))}` | `{i.finding['rule']}` "
            f"| `{_md(i.finding['pointer'] or '/')}` | {_md(i.finding['message'])} |"
            for i in items[: MARKDOWN_OFFENDERS * 5]
        ]
        return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry replaced by U+FFFD (also for ``mockrc replay``)."""
    return _NOT_XML.sub("\ufffd", text)


def build_report(
    entries: Iterable[Mapping[str, Any]],
    *,
    source: str,
    strict_warnings: bool = False,
    min_requests: int = 0,
    fail_on: FailOn = "violations",
) -> Report:
    """The report on journal entries in their JSON form (``Journal.records()`` or :func:`load_journal`).

    ``min_requests``: fewer entries fail the verdict. 0 here, where a test reads the report of
    its own fake; 1 for ``mockrc report`` and ``GET /__mockrc/report``, the gates of a CI job.
    """
    kept = tuple(entries)
    findings: list[Finding] = []
    for entry in kept:
        for violation in entry.get("violations") or ():
            severity: Severity = violation["severity"]
            effective: Severity = "error" if strict_warnings else severity
            findings.append(
                Finding(
                    entry, violation["pointer"], violation["rule"], severity, violation["message"], effective
                )
            )
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    results = [
        RuleResult(r.id, r.severity, r.meaning, r.source, True, tuple(by_rule.pop(r.id, ())))
        for r in RULES
        if r.kind == "violation"
    ]
    for rule_id, found in sorted(by_rule.items()):
        # Recorded by another mockrc version: known only by what the journal says.
        results.append(
            RuleResult(
                rule_id, found[0].severity, "(not in this mockrc's catalogue)", "", False, tuple(found)
            )
        )
    return Report(
        source, strict_warnings, kept, tuple(findings), tuple(results), min_requests, _fidelity(kept), fail_on
    )


def _fidelity(entries: Iterable[Mapping[str, Any]]) -> tuple[FidelityRule, ...]:
    """The fidelity findings of ``entries`` by rule: every catalogued one, then any other recorded."""
    by_rule: dict[str, list[FidelityItem]] = {}
    for entry in entries:
        for finding in entry.get("findings") or ():
            by_rule.setdefault(finding["rule"], []).append(FidelityItem(entry, finding))
    rules = [
        FidelityRule(r.id, r.meaning, r.source, tuple(by_rule.pop(r.id, ())))
        for r in RULES
        if r.kind == "finding"
    ]
    rules += [
        FidelityRule(rule_id, "(not in this mockrc's catalogue)", "", tuple(items))
        for rule_id, items in sorted(by_rule.items())
    ]
    return tuple(rules)
