"""Scenario files: read, checked against the published schema and the state machine's rules, built.

A scenario is YAML (so it can carry comments) or JSON, checked against
``fixtures/schemas/mockrc/scenario.schema.json`` and then against what a schema cannot say. A bad
file is refused when it loads, never half-way through a test, with one line per problem naming
the file, the step and what to do about it: an unknown key (with the key it probably meant), a
state no step ever enters, a state a step enters that no step leaves (a misspelling, unless
listed under ``end_states``), a missing body file, a key given twice. These are the mistakes
WireMock users report as silent misbehaviour (mappings pasted into one file, a misspelt
``newScenarioState`` that leaves the scenario stuck).

Names resolve to the shipped scenarios (the top-level ``scenarios/*.yaml``, found by
``mockrc.resources``); anything that looks like a path is read as a file.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, get_args

from mockrc import documents
from mockrc.errors import ConfigError, DocumentError
from mockrc.json_schema import failed_instance, fixture_schema, keyword_value
from mockrc.ratelimit import RateLimits
from mockrc.resources import scenario_data
from mockrc.scenarios.model import (
    INITIAL_STATE,
    Action,
    Change,
    Delay,
    Fault,
    PrincipalTest,
    Respond,
    Scenario,
    Step,
    StepMatch,
    TestKind,
    ValueTest,
)
from mockrc.suggest import did_you_mean

if TYPE_CHECKING:  # jsonschema is imported when a schema is first compiled (mockrc.json_schema)
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

#: Where :func:`load_scenario` sends people who need the format.
FORMAT_HELP = "the format is in docs/scenarios.md and fixtures/schemas/mockrc/scenario.schema.json"

#: How a posted document (``POST /__mockrc/scenarios``) is named in messages.
POSTED = "<posted scenario>"

#: Not a scenario name: ``POST /__mockrc/scenarios/reset`` resets every scenario.
RESERVED_NAME = "reset"

_SUFFIXES = (".yaml", ".yml", ".json")

#: A test's key in a scenario file as its kind (the scenario schema admits no other key).
_TEST_KINDS: dict[str, TestKind] = {kind: kind for kind in get_args(TestKind)}


class ScenarioError(ConfigError):
    """A scenario that cannot be loaded; the message names the file and every problem in it."""


# --- finding and reading ------------------------------------------------------------------------


def _shipped_folder() -> Traversable:
    return scenario_data()


def shipped_scenarios() -> tuple[str, ...]:
    """The names of the scenarios mockrc ships, sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(".yaml")
            for entry in _shipped_folder().iterdir()
            if entry.name.endswith(".yaml")
        )
    )


def looks_like_path(name_or_path: str) -> bool:
    """Whether ``--scenario X`` names a file (a separator or a known suffix), not a shipped scenario."""
    return "/" in name_or_path or os.sep in name_or_path or name_or_path.endswith(_SUFFIXES)


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """The scenario shipped under this name, or the scenario in this file; ScenarioError if bad."""
    text = os.fspath(name_or_path)
    if not looks_like_path(text):
        return _load_shipped(text)
    path = Path(text)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{text}: cannot read the scenario file: {exc.strerror or exc}") from None
    return parse_scenario(read_document(raw, text), text, path.resolve().parent)


@cache
def _load_shipped(name: str) -> Scenario:
    """A shipped scenario, read once per process (a Scenario is immutable)."""
    entry = _shipped_folder() / f"{name}.yaml"
    if not entry.is_file():
        known = ", ".join(shipped_scenarios())
        raise ScenarioError(
            f"unknown scenario {name!r}{did_you_mean(name, shipped_scenarios())}: the shipped scenarios"
            f" are {known}; to load your own file, give its path (ending in .yaml, .yml or .json)"
        )
    source = f"scenarios/{name}.yaml"
    return parse_scenario(read_document(entry.read_text(encoding="utf-8"), source), source, _shipped_folder())


def read_document(text: str, source: str) -> Any:
    """Parse YAML or JSON (by the source's suffix), refusing a key given twice in one mapping;
    ScenarioError naming the file."""
    try:
        return documents.read_document(text, source)
    except DocumentError as exc:
        hint = "; a step is one item of the steps list, starting with '- '" if exc.duplicate_key else ""
        _fail(source, [f"{exc.problem}{hint}"])


# --- checking ----------------------------------------------------------------------------------


def _schema() -> Validator:
    return fixture_schema("schemas", "mockrc", "scenario.schema.json")


def parse_scenario(document: Any, source: str, base: Traversable | Path | None) -> Scenario:
    """Check ``document`` and build the scenario. ``base`` is where relative body files are looked
    for first (the scenario file's folder); None for a posted document, which may only use the
    bodies mockrc ships (``scenarios/bodies/``)."""
    problems = [_describe(error, document) for error in _sorted_errors(document)]
    if problems:
        _fail(source, problems)
    builder = _Builder(source, base)
    scenario = builder.build(document)
    problems = [*builder.problems, *_state_problems(scenario)]
    if problems:
        _fail(source, problems)
    return scenario


def _sorted_errors(document: Any) -> list[ValidationError]:
    return sorted(
        _schema().iter_errors(document),
        key=lambda e: [str(p) for p in e.absolute_path],
    )


def _describe(error: ValidationError, document: Any) -> str:
    """One schema failure as a line for people: where, what is wrong, and how to fix it."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        fitting = [e for e in error.context if e.validator != "type"]
        if fitting:
            return _describe(max(fitting, key=lambda e: len(e.absolute_path)), document)
        expected = sorted({t for e in error.context for t in _as_list(e.validator_value)})
        where = _where(error.absolute_path, document)
        return f"{where}must be {_or_list(expected)}, not {_json_type(error.instance)}"
    where = _where(error.absolute_path, document)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance, value = failed_instance(error), keyword_value(error)
    hint = schema.get("x-hint")
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extras = [key for key in instance if key not in allowed]
        return "; ".join(
            f"{where}unknown key {key!r}{did_you_mean(key, allowed)} (allowed here: {', '.join(allowed)})"
            for key in extras
        )
    if error.validator == "required":
        missing = [key for key in value if key not in instance]
        return f"{where}missing key {', '.join(repr(k) for k in missing)}"
    if error.validator == "enum":
        choices = [str(c) for c in value]
        suggestion = did_you_mean(str(instance), choices)
        return f"{where}{json.dumps(instance)} is not one of {', '.join(choices)}{suggestion}"
    if error.validator == "type":
        wanted = _or_list(_as_list(value))
        return f"{where}must be {wanted}, not {_json_type(instance)}"
    if error.validator == "pattern" and hint:
        return f"{where}{json.dumps(instance)} is not valid here: {hint}"
    message = f"{where}{error.message}"
    return f"{message}: {hint}" if hint else message


def _where(path: Iterable[Any], document: Any) -> str:
    """``steps[2] (refresh): when.form.grant_type: `` for a schema path; empty at the top."""
    parts = list(path)
    if not parts:
        return ""
    label = ""
    if parts[0] == "steps" and len(parts) > 1 and isinstance(parts[1], int):
        label = _step_label(document, parts[1])
        parts = parts[2:]
    rest = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in parts).replace(".[", "[")
    if label and rest:
        return f"{label}: {rest}: "
    return f"{label or rest}: "


def _step_label(document: Any, index: int) -> str:
    step = document["steps"][index] if isinstance(document, dict) else None
    step_id = step.get("id") if isinstance(step, dict) else None
    return f"steps[{index}] ({step_id})" if isinstance(step_id, str) else f"steps[{index}]"


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _or_list(names: Sequence[str]) -> str:
    article = {"object": "an object", "array": "a list", "null": "null", "integer": "an integer"}
    words = [article.get(n, f"a {n}") for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    return "a list" if isinstance(value, list) else "an object"


def _fail(source: str, problems: Sequence[str]) -> NoReturn:
    lines = "\n".join(f"  {p}" for p in problems)
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    raise ScenarioError(f"{source}: cannot load the scenario, {count}:\n{lines}\n({FORMAT_HELP})")


# --- building ------------------------------------------------------------------------------------


class _Builder:
    """Turns a schema-valid document into a Scenario, collecting what the schema cannot check."""

    def __init__(self, source: str, base: Traversable | Path | None) -> None:
        self.source = source
        self.base = base
        self.problems: list[str] = []

    def build(self, document: Mapping[str, Any]) -> Scenario:
        raw_steps = document.get("steps", [])
        steps = tuple(self._step(f"steps[{i}] ({s['id']})", s) for i, s in enumerate(raw_steps))
        first: dict[str, int] = {}
        for index, step in enumerate(steps):
            if step.id in first:
                self.problems.append(
                    f"steps[{index}] ({step.id}): the id is also the id of steps[{first[step.id]}];"
                    " step ids must be unique"
                )
            first.setdefault(step.id, index)
        if document["name"] == RESERVED_NAME:
            self.problems.append(
                f"name: {RESERVED_NAME!r} is reserved (POST /__mockrc/scenarios/reset resets every"
                " scenario); choose another name"
            )
        limits = document.get("rate_limits")
        if not steps and limits is None:
            self.problems.append(
                "steps: the scenario has no steps and no rate_limits, so it would do nothing"
            )
        return Scenario(
            name=document["name"],
            source=self.source,
            steps=steps,
            description=document.get("description", ""),
            seed=document.get("seed"),
            rate_limits=RateLimits(**limits) if limits is not None else None,
            end_states=tuple(document.get("end_states", ())),
        )

    def _step(self, label: str, doc: Mapping[str, Any]) -> Step:
        actions = [key for key in ("respond", "fault", "delay", "change") if key in doc]
        if len(actions) > 1:
            self.problems.append(
                f"{label}: has {' and '.join(actions)}, but a step does one thing;"
                " split it into several steps (each request fires one step per scenario)"
            )
        if "nth" in doc and ("times" in doc or "chance" in doc):
            other = "times" if "times" in doc else "chance"
            self.problems.append(
                f"{label}: nth fires on one request only, so {other} cannot be combined with it; drop one"
            )
        return Step(
            id=doc["id"],
            when=self._pattern(label, doc.get("when", {})),
            action=self._action(label, doc),
            in_state=doc.get("in_state"),
            then_state=doc.get("then_state"),
            nth=doc.get("nth"),
            chance=doc.get("chance"),
            times=doc.get("times"),
            required=doc.get("required", False),
            description=doc.get("description", ""),
        )

    def _action(self, label: str, doc: Mapping[str, Any]) -> Action | None:
        if "respond" in doc:
            return self._respond(label, doc["respond"])
        if "fault" in doc:
            return Fault(doc["fault"])
        if "delay" in doc:
            return Delay(float(doc["delay"]))
        if "change" in doc:
            names = doc["change"]
            return Change(tuple(names) if isinstance(names, list) else (names,))
        return None

    def _respond(self, label: str, doc: Mapping[str, Any]) -> Respond:
        headers = tuple((str(k), str(v)) for k, v in doc.get("headers", {}).items())
        if "body" in doc and "body_file" in doc:
            self.problems.append(f"{label}: respond has body and body_file; give one of them")
        if "body" in doc:
            text = json.dumps(doc["body"], ensure_ascii=False, separators=(",", ":"))
            return Respond(doc["status"], headers, text.encode("utf-8"), "json")
        if "body_file" in doc:
            return self._body_file(label, doc["status"], headers, doc["body_file"])
        return Respond(doc["status"], headers)

    def _body_file(self, label: str, status: int, headers: tuple[tuple[str, str], ...], name: str) -> Respond:
        # Relative to the scenario file, as it says; then to mockrc's shipped scenarios folder, so
        # any scenario can send a body mockrc ships (bodies/oauth-invalid-client.json).
        shipped = _shipped_folder()
        places: list[Traversable | Path] = [] if self.base in (None, shipped) else [self.base]
        places.append(shipped)
        if self.base is None and (name.startswith("/") or ".." in Path(name).parts):
            self.problems.append(
                f"{label}: respond.body_file {name!r} must be a path inside mockrc's scenarios/ folder"
                " (bodies/…) for a posted scenario; or send the body inline with body"
            )
            return Respond(status, headers)
        for place in places:
            entry = place
            for part in Path(name).parts:
                entry = entry / part
            if entry.is_file():
                if name.endswith(".json"):
                    media: str = "json"
                else:
                    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return Respond(status, headers, entry.read_bytes(), media)
        tried = " and ".join(str(p) for p in places)
        self.problems.append(
            f"{label}: respond.body_file {name!r} does not exist (looked in {tried});"
            " fix the path, or send the body inline with body"
        )
        return Respond(status, headers)

    def _pattern(self, label: str, doc: Mapping[str, Any]) -> StepMatch:
        methods = doc.get("method", [])
        globs = doc.get("path", [])
        globs = [globs] if isinstance(globs, str) else list(globs)
        principal = doc.get("principal")
        return StepMatch(
            methods=frozenset([methods] if isinstance(methods, str) else methods),
            path_globs=tuple(globs),
            paths=tuple(_glob(g) for g in globs),
            query=self._tests(f"{label}: when.query", doc.get("query", {}), text=True),
            form=self._tests(f"{label}: when.form", doc.get("form", {}), text=True),
            headers=tuple(
                (name.lower(), test)
                for name, test in self._tests(f"{label}: when.headers", doc.get("headers", {}), text=True)
            ),
            json=self._tests(f"{label}: when.json", doc.get("json", {}), text=False),
            principal=PrincipalTest(**principal) if principal is not None else None,
        )

    def _tests(self, where: str, doc: Mapping[str, Any], *, text: bool) -> tuple[tuple[str, ValueTest], ...]:
        return tuple((name, self._test(f"{where}.{name}", value, text=text)) for name, value in doc.items())

    def _test(self, where: str, value: Any, *, text: bool) -> ValueTest:
        kind, expected = next(iter(value.items())) if isinstance(value, dict) else ("equals", value)
        if kind == "matches":
            try:
                return ValueTest("matches", re.compile(expected))
            except re.error as exc:
                self.problems.append(f"{where}: matches {expected!r} is not a regular expression: {exc}")
                return ValueTest("present", True)
        if kind == "equals" and text:
            if expected is None or isinstance(expected, dict | list):
                self.problems.append(
                    f"{where}: a parameter or header is text; compare it with a string"
                    " (use present: false for one that must be absent)"
                )
            return ValueTest("equals", _as_text(expected))
        return ValueTest(_TEST_KINDS[kind], expected)


def _as_text(value: Any) -> str:
    """How a YAML scalar reads as query, form or header text: true, 10, 2.5, or the string."""
    return value if isinstance(value, str) else json.dumps(value)


def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` within one path segment, ``**`` across segments; everything else literal."""
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
    return re.compile(regex)


def _state_problems(scenario: Scenario) -> list[str]:
    """Every in_state must be reachable from the start; every state entered must be left again,
    or be declared an end state."""
    reachable = {INITIAL_STATE}
    grew = True
    while grew:
        grew = False
        for step in scenario.steps:
            if step.then_state and step.then_state not in reachable and step.in_state in (None, *reachable):
                reachable.add(step.then_state)
                grew = True
    required = {s.in_state for s in scenario.steps if s.in_state is not None}
    entered = {s.then_state for s in scenario.steps if s.then_state is not None}
    problems: list[str] = []
    for index, step in enumerate(scenario.steps):
        label = f"steps[{index}] ({step.id})"
        if step.in_state is not None and step.in_state not in reachable:
            known = sorted(reachable)
            how = (
                "no step moves there (then_state)"
                if step.in_state not in entered
                else "the steps that move there are themselves never reached"
            )
            problems.append(
                f"{label}: in_state {step.in_state!r} is never reached: {how};"
                f" the reachable states are {', '.join(known)}{did_you_mean(step.in_state, known)}"
            )
        end = step.then_state
        if (
            end is not None
            and end not in required
            and end != INITIAL_STATE
            and end not in scenario.end_states
        ):
            known = sorted(required | {INITIAL_STATE})
            problems.append(
                f"{label}: then_state {end!r} is a dead end: no step has in_state {end!r}, so the"
                f" scenario would stay there with only its steps that have no in_state"
                f"{did_you_mean(end, known)}; if that is what you want, add {end!r} to end_states"
            )
    for state in scenario.end_states:
        if state not in entered:
            problems.append(f"end_states: {state!r} is never entered: no step has then_state {state!r}")
    return problems
