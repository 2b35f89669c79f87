"""Strict mode: what went wrong in a fake's exchanges that the test did not say it meant.

A fake that quietly answers 400 or 404 lets a broken client pass, so the pytest plugin fails a
test whose client caused an error-severity contract violation, reached a path no endpoint
handles, or left a required scenario step unfired, unless the test declared it (and a
declaration that does not come true fails the test too). The checks read only what the journal
and the scenario engine say (:class:`Exchanges`), so they are plain Python here, next to the
journal, and the same for a fake in this process and an account on a shared server (whose
control API answers the same facts as JSON, :mod:`mockrc.remote`); the plugin
(:mod:`mockrc.pytest_plugin`) only decides when to run them and how to fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mockrc.journal import Journal, JournalEntry
from mockrc.rules import BY_ID, rule_for
from mockrc.scenarios.engine import ScenarioEngine
from mockrc.suggest import did_you_mean
from mockrc.violations import Violation

#: Problems listed in a summary before "... and N more".
SUMMARY_LIMIT = 20


@dataclass(frozen=True)
class Problem:
    """One thing the strict check found: a line for the summary and, for something the client did
    that a test may intend, the call that declares it (None for a declaration that did not come true)."""

    line: str
    declaration: str | None = None


def unhandled(journal: Journal) -> list[JournalEntry]:
    """Requests no endpoint (and no scenario step) answered: a 404 or 405 from routing."""
    return [e for e in journal.entries() if e.route is None and e.served_by is None]


@dataclass(frozen=True)
class Exchanges:
    """What the strict checks read of one fake's exchanges, wherever the fake runs."""

    #: Each error-severity violation, after the one-line description of its request.
    errors: Sequence[tuple[str, Violation]] = ()
    #: Every rule with a recorded violation, of any severity.
    violated_rules: frozenset[str] = frozenset()
    #: Each request no endpoint answered: its description and its path.
    unhandled: Sequence[tuple[str, str]] = ()
    #: For each active scenario with required steps that never fired, their ids.
    unfired: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, journal: Journal, scenarios: ScenarioEngine) -> Exchanges:
        return cls(
            errors=[(r.entry.describe(), r.violation) for r in journal.violations(severity="error")],
            violated_rules=frozenset(r.violation.rule for r in journal.violations()),
            unhandled=[(e.describe(), e.path) for e in unhandled(journal)],
            unfired=scenarios.unfired_required(),
        )


@dataclass
class Expectations:
    """Whether strictness is on, and what a test declared it expects to go wrong."""

    strict: bool = True
    rules: set[str] = field(default_factory=set)
    unhandled: list[str | None] = field(default_factory=list)
    unfired: set[str] = field(default_factory=set)

    def expect_violation(self, *rules: str) -> None:
        """Declare violations of ``rules`` (ids from docs/rules.md); ValueError for an unknown id."""
        for rule in rules:
            if rule_for(rule) is None:
                raise ValueError(
                    f"unknown rule {rule!r}{did_you_mean(rule, BY_ID)}; the rules are in docs/rules.md"
                )
        self.rules.update(rules)

    def expect_unhandled(self, path: str | None = None) -> None:
        """Declare a request to ``path`` (any path if None) that no endpoint handles."""
        self.unhandled.append(path)

    def expect_unfired(self, step: str, scenarios: ScenarioEngine) -> None:
        """Declare that a required step of an active scenario never fires: ``"token-expiry#refresh"``
        (or ``"token-expiry"`` for every required step of it); ValueError if there is no such step."""
        name = step.partition("#")[0]
        self.expect_unfired_of(step, [s.id for s in scenarios.get(name).scenario.steps if s.required])

    def expect_unfired_of(self, step: str, required: Sequence[str]) -> None:
        """:meth:`expect_unfired`, given the ids of the scenario's ``required`` steps."""
        name, _, step_id = step.partition("#")
        if not required:
            raise ValueError(f"scenario {name} has no required steps")
        if step_id and step_id not in required:
            listed = ", ".join(required)
            raise ValueError(
                f"scenario {name} has no required step {step_id!r}; its required steps: {listed}"
            )
        self.unfired.add(step)

    def problems(self, journal: Journal, scenarios: ScenarioEngine) -> list[Problem]:
        """Each undeclared problem (when strict), then each declaration that did not come true."""
        return self.problems_in(Exchanges.of(journal, scenarios))

    def problems_in(self, exchanges: Exchanges) -> list[Problem]:
        """:meth:`problems`, on what was read of the exchanges."""
        found: list[Problem] = []
        unfired = exchanges.unfired
        if self.strict:
            for described, v in exchanges.errors:
                if v.rule not in self.rules:
                    found.append(
                        Problem(
                            f"{described}: {v.rule} at {v.pointer or '/'}: {v.message}",
                            f"mockrc.expect_violation({json.dumps(v.rule)})",
                        )
                    )
            for described, entry_path in exchanges.unhandled:
                if not any(path in (None, entry_path) for path in self.unhandled):
                    found.append(
                        Problem(
                            f"{described}: no endpoint of the fake answers this method and path",
                            f"mockrc.expect_unhandled({json.dumps(entry_path)})",
                        )
                    )
            for name, steps in unfired.items():
                for step in steps:
                    if not {name, f"{name}#{step}"} & self.unfired:
                        found.append(
                            Problem(
                                f"scenario {name}: the required step {step!r} never fired",
                                f"mockrc.expect_unfired({json.dumps(f'{name}#{step}')})",
                            )
                        )
        for rule in sorted(self.rules):
            if rule not in exchanges.violated_rules:
                found.append(
                    Problem(f"expected a violation of {rule} (expect_violation), but none was recorded")
                )
        unhandled_paths = {path for _, path in exchanges.unhandled}
        for path in self.unhandled:
            if (path is None and not unhandled_paths) or (path is not None and path not in unhandled_paths):
                what = f"a request to {path}" if path else "a request"
                found.append(
                    Problem(f"expected {what} that no endpoint handles (expect_unhandled), but none came")
                )
        for step in sorted(self.unfired):
            name, _, step_id = step.partition("#")
            if name not in unfired or (step_id and step_id not in unfired[name]):
                found.append(Problem(f"expected {step} to stay unfired (expect_unfired), but it fired"))
        return found


def summary(problems: Sequence[Problem]) -> str:
    """The failure, for people: what went wrong and, for what the test may mean, how to say so."""
    lines = [f"  {p.line}" for p in problems[:SUMMARY_LIMIT]]
    if len(problems) > SUMMARY_LIMIT:
        lines.append(f"  ... and {len(problems) - SUMMARY_LIMIT} more")
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    declarations = list(dict.fromkeys(p.declaration for p in problems if p.declaration))
    if declarations:
        lines.append(
            f"If the test means to cause them, declare it: {'; '.join(declarations)};"
            " or turn strict mode off with @pytest.mark.mockrc(strict=False)."
        )
    return "\n".join([f"mockrc: {count} in this test's exchanges with the fake RingCentral:", *lines])
