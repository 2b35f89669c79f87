"""What a scenario file says, as immutable values: the loader builds them, the engine runs them.

A scenario is a small state machine of steps (WireMock's scenarios, with their known confusions
designed out): it starts in :data:`INITIAL_STATE`; a step may require a state (``in_state``) and
moves the scenario whenever it fires (``then_state``, with or without ``in_state``); states are
per scenario. Nothing here runs a request: see :mod:`mockrc.scenarios.engine`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from mockrc.ratelimit import RateLimits

#: Every scenario starts here, and a reset puts it back here.
INITIAL_STATE: Final = "started"

#: The changes a step can make to the fake (see :mod:`mockrc.scenarios.actions`).
CHANGES: Final = (
    "expire_tokens",
    "revoke_tokens",
    "remove_admin_role",
    "remove_edit_accounts",
    "disable_scim",
    "exhaust_licences",
    "refuse_unsupported_filters",
    "ignore_unsupported_filters",
)

TestKind = Literal["equals", "contains", "matches", "present"]


@dataclass(frozen=True)
class ValueTest:
    """One test of a request value: equal to, containing, matching a regex, or (not) present."""

    kind: TestKind
    #: The value to compare with (``equals``), the substring (``contains``), the compiled
    #: regular expression (``matches``) or whether the value must be there (``present``).
    expected: Any


@dataclass(frozen=True)
class PrincipalTest:
    """Conditions on who stands behind the bearer token; None means "any"."""

    user: str | None = None
    client_id: str | None = None
    admin: bool | None = None
    permission: str | None = None


@dataclass(frozen=True)
class StepMatch:
    """Which requests a scenario step takes (its ``when``); an empty one takes every request.

    Not :class:`mockrc.journal.RequestPattern`, which finds requests already in the journal.
    """

    methods: frozenset[str] = frozenset()
    #: The path globs as written (for people) and compiled (for matching); any of them.
    path_globs: tuple[str, ...] = ()
    paths: tuple[re.Pattern[str], ...] = ()
    query: tuple[tuple[str, ValueTest], ...] = ()
    form: tuple[tuple[str, ValueTest], ...] = ()
    #: Header names in lower case.
    headers: tuple[tuple[str, ValueTest], ...] = ()
    #: JSON pointers into the body.
    json: tuple[tuple[str, ValueTest], ...] = ()
    principal: PrincipalTest | None = None


@dataclass(frozen=True)
class Respond:
    """A canned answer. ``media`` is ``"json"`` for a JSON body (its Content-Type then follows the
    request path, as the fake's own answers do), another media type for a body file, or None."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    media: str | None = None


@dataclass(frozen=True)
class Fault:
    """``drop``: the connection closes without an answer; ``empty``: 200 with no body at all."""

    kind: Literal["drop", "empty"]


@dataclass(frozen=True)
class Delay:
    """Hold the answer back, then let the fake answer."""

    seconds: float


@dataclass(frozen=True)
class Change:
    """Change the fake (names from :data:`CHANGES`, applied in order), then let it answer."""

    names: tuple[str, ...]


Action = Respond | Fault | Delay | Change


@dataclass(frozen=True)
class Step:
    """One step: when it fires, what it does, and where it moves the scenario."""

    id: str
    when: StepMatch
    action: Action | None = None
    in_state: str | None = None
    then_state: str | None = None
    nth: int | None = None
    chance: float | None = None
    times: int | None = None
    required: bool = False
    description: str = ""

    @property
    def does(self) -> str:
        """What the step does, in a word or two, for people."""
        action = self.action
        if isinstance(action, Respond):
            return f"respond {action.status}"
        if isinstance(action, Fault):
            return f"fault {action.kind}"
        if isinstance(action, Delay):
            return f"delay {action.seconds:g}s"
        if isinstance(action, Change):
            return "change " + ", ".join(action.names)
        return "fake"


@dataclass(frozen=True)
class Scenario:
    """A loaded, checked scenario file."""

    name: str
    #: Where it was read from: a file path, or ``<control API>`` for a posted document.
    source: str
    steps: tuple[Step, ...] = ()
    description: str = ""
    seed: int | None = None
    rate_limits: RateLimits | None = None
    end_states: tuple[str, ...] = ()

    @property
    def states(self) -> tuple[str, ...]:
        """Every state the scenario can be in, the initial one first, then in order of mention."""
        seen = [INITIAL_STATE]
        for step in self.steps:
            for state in (step.in_state, step.then_state):
                if state is not None and state not in seen:
                    seen.append(state)
        return tuple(seen)
