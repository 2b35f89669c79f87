"""Running scenarios: which step fires for a request, what it decides, where the scenario moves.

The rules, chosen to avoid the confusions WireMock's users report:

- every scenario starts in ``started``; each active scenario keeps its own state, counters and
  random numbers, and can be reset alone;
- a request is offered to the active scenarios in activation order; within one scenario to its
  steps in file order, and the first step that agrees fires: its ``in_state`` (if any) is the
  current state, its ``when`` matches, and then ``times``, ``nth`` and ``chance`` allow it;
- a step that fires counts, applies its action and *always* applies its ``then_state``;
- a step that answers (``respond``, ``fault``) ends the request there; the others (``delay``,
  ``change``, no action) let the next scenario and then the fake see the request;
- ``nth`` counts every request that matches the step's ``in_state`` and ``when``, fired or not.

Plain Python: the HTTP layer hands in a :class:`~mockrc.scenarios.matching.RequestView` and
turns the :class:`Outcome` into a response.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mockrc.clock import Clock
from mockrc.errors import ConfigError
from mockrc.ratelimit import RateLimiter
from mockrc.scenarios.loader import load_scenario
from mockrc.scenarios.matching import RequestView, matches
from mockrc.scenarios.model import (
    INITIAL_STATE,
    Change,
    Delay,
    Fault,
    Respond,
    Scenario,
    Step,
)

#: Applies one named change to the fake (:func:`mockrc.scenarios.actions.apply_change`, bound to a state).
ChangeApplier = Callable[[str], None]


class ScenarioNotActive(LookupError):
    """No active scenario has this name."""


class ScenarioAlreadyActive(ConfigError):
    """A scenario of this name is already active (each name once: names address scenarios)."""


@dataclass
class _StepCounters:
    matched: int = 0
    fired: int = 0


@dataclass
class ActiveScenario:
    """One scenario while it is active: its state, its per-step counters, its random numbers."""

    scenario: Scenario
    seed: int
    clock: Clock
    state: str = INITIAL_STATE
    counters: list[_StepCounters] = field(default_factory=list)
    random: random.Random = field(init=False)
    #: RingCentral's rate limits while this scenario is active (its own counters), if it asks.
    rate_limiter: RateLimiter | None = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    @property
    def name(self) -> str:
        return self.scenario.name

    def reset(self) -> None:
        """Back to ``started`` with zero counts, the same random numbers and fresh rate counters."""
        self.state = INITIAL_STATE
        self.counters = [_StepCounters() for _ in self.scenario.steps]
        self.random = random.Random(f"mockrc-scenario:{self.scenario.name}:{self.seed}")
        limits = self.scenario.rate_limits
        self.rate_limiter = RateLimiter(limits, self.clock) if limits is not None else None

    def fire(self, request: RequestView) -> Step | None:
        """The step that fires for ``request`` (counted and transitioned), or None."""
        for step, counters in zip(self.scenario.steps, self.counters, strict=True):
            if step.in_state is not None and step.in_state != self.state:
                continue
            if not matches(step.when, request):
                continue
            counters.matched += 1
            if step.times is not None and counters.fired >= step.times:
                continue
            if step.nth is not None and counters.matched != step.nth:
                continue
            if step.chance is not None and self.random.random() >= step.chance:
                continue
            counters.fired += 1
            if step.then_state is not None:
                self.state = step.then_state
            return step
        return None

    def unfired_required(self) -> list[str]:
        """The ids of required steps that never fired: what the client failed to do."""
        return [
            s.id
            for s, c in zip(self.scenario.steps, self.counters, strict=True)
            if s.required and not c.fired
        ]

    def describe(self) -> dict[str, Any]:
        """The scenario and where it stands, as ``GET /__mockrc/scenarios`` shows it."""
        scenario = self.scenario
        limits = scenario.rate_limits
        return {
            "name": scenario.name,
            "description": scenario.description,
            "source": scenario.source,
            "state": self.state,
            "states": list(scenario.states),
            "rate_limits": None if limits is None else vars(limits).copy(),
            "steps": [_describe_step(s, c) for s, c in zip(scenario.steps, self.counters, strict=True)],
            "unfired_required": self.unfired_required(),
        }


def _describe_step(step: Step, counters: _StepCounters) -> dict[str, Any]:
    return {
        "id": step.id,
        "in_state": step.in_state,
        "then_state": step.then_state,
        "does": step.does,
        "required": step.required,
        "matched": counters.matched,
        "fired": counters.fired,
    }


@dataclass(frozen=True)
class Outcome:
    """What the active scenarios decided about one request."""

    #: ``scenario#step`` of every step that fired, in order (for the request journal).
    fired: tuple[str, ...] = ()
    #: The answer of a ``respond`` or ``fault`` step; None lets the fake answer.
    answer: Respond | Fault | None = None
    #: Seconds to hold the answer back (the sum of every ``delay`` step that fired).
    delay: float = 0.0


class ScenarioEngine:
    """The active scenarios of one fake."""

    def __init__(self, clock: Clock, apply_change: ChangeApplier, *, seed: int = 0) -> None:
        self._clock = clock
        self._apply_change = apply_change
        self._seed = seed
        self._active: dict[str, ActiveScenario] = {}
        self._lock = threading.RLock()

    # --- activation ------------------------------------------------------------------------------

    def activate(self, scenario: Scenario | str | os.PathLike[str]) -> ActiveScenario:
        """Start running a scenario (loaded, or a shipped name or a file to load) in state
        ``started``, after those already active."""
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        with self._lock:
            if scenario.name in self._active:
                raise ScenarioAlreadyActive(
                    f"scenario {scenario.name!r} is already active; reset it, or deactivate it first"
                )
            seed = scenario.seed if scenario.seed is not None else self._seed
            active = ActiveScenario(scenario, seed, self._clock)
            self._active[scenario.name] = active
            return active

    def deactivate(self, name: str) -> ActiveScenario:
        """Stop running scenario ``name``; what it changed in the fake stays changed."""
        with self._lock:
            active = self.get(name)
            del self._active[name]
            return active

    def reset(self, name: str | None = None) -> None:
        """Rewind one scenario (or every active one) to ``started``, counters at zero."""
        with self._lock:
            for active in [self.get(name)] if name is not None else self._active.values():
                active.reset()

    def get(self, name: str) -> ActiveScenario:
        with self._lock:
            try:
                return self._active[name]
            except KeyError:
                active = ", ".join(self._active) or "none"
                raise ScenarioNotActive(f"scenario {name!r} is not active (active: {active})") from None

    @property
    def any_active(self) -> bool:
        """Whether a scenario is active: what every request asks first, answered without the lock
        or a copy (reading a dict's size is atomic; a scenario activated a moment later acts on
        the next request either way)."""
        return bool(self._active)

    @property
    def active(self) -> tuple[ActiveScenario, ...]:
        """The active scenarios, in activation order."""
        with self._lock:
            return tuple(self._active.values())

    def unfired_required(self) -> dict[str, list[str]]:
        """For each active scenario with required steps that never fired, their ids."""
        with self._lock:
            return {a.name: steps for a in self._active.values() if (steps := a.unfired_required())}

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The rate limiter of the first active scenario that turns RingCentral's limits on."""
        with self._lock:
            return next((a.rate_limiter for a in self._active.values() if a.rate_limiter), None)

    # --- requests --------------------------------------------------------------------------------

    def handle(self, request: RequestView) -> Outcome:
        """Offer ``request`` to every active scenario, in order, until one answers it."""
        fired: list[str] = []
        delay = 0.0
        with self._lock:
            for active in list(self._active.values()):
                step = active.fire(request)
                if step is None:
                    continue
                fired.append(f"{active.name}#{step.id}")
                action = step.action
                if isinstance(action, Respond | Fault):
                    return Outcome(tuple(fired), action, delay)
                if isinstance(action, Delay):
                    delay += action.seconds
                elif isinstance(action, Change):
                    self._apply(action.names)
        return Outcome(tuple(fired), None, delay)

    def _apply(self, names: Iterable[str]) -> None:
        for name in names:
            self._apply_change(name)
