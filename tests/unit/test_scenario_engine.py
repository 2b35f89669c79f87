"""The scenario engine's semantics: states, first match, times, nth, chance, required steps, several
scenarios at once, reset; the confusions WireMock's users report are pinned here."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from mockrc.clock import FakeClock
from mockrc.scenarios.engine import Outcome, ScenarioAlreadyActive, ScenarioEngine, ScenarioNotActive
from mockrc.scenarios.loader import ScenarioError, parse_scenario, read_document
from mockrc.scenarios.matching import RequestView
from mockrc.scenarios.model import Fault, Respond, Scenario

GET_USERS = RequestView("GET", "/scim/v2/Users")
POST_USERS = RequestView("POST", "/scim/v2/Users")
REFRESH = RequestView("POST", "/restapi/oauth/token", form={"grant_type": ["refresh_token"]})


def scenario(text: str) -> Scenario:
    return parse_scenario(read_document(dedent(text), "test.yaml"), "test.yaml", None)


class Engine:
    """A ScenarioEngine with a clock, that records the changes it is asked to make."""

    def __init__(self, *scenarios: Scenario, seed: int = 0) -> None:
        self.clock = FakeClock()
        self.changes: list[str] = []
        self.engine = ScenarioEngine(self.clock, self.changes.append, seed=seed)
        for each in scenarios:
            self.engine.activate(each)

    def handle(self, request: RequestView) -> Outcome:
        return self.engine.handle(request)

    def state(self, name: str) -> str:
        return self.engine.get(name).state


TOKEN_EXPIRY_TEXT = """
    name: expiry
    end_states: [refreshed]
    steps:
      - id: expire
        when: {path: /scim/**}
        nth: 2
        change: expire_tokens
        then_state: expired
      - id: refresh
        in_state: expired
        when: {method: POST, path: /restapi/oauth/token, form: {grant_type: refresh_token}}
        then_state: refreshed
        required: true
"""
TOKEN_EXPIRY = scenario(TOKEN_EXPIRY_TEXT)


def test_a_scenario_starts_in_started_and_moves_when_a_step_fires() -> None:
    run = Engine(TOKEN_EXPIRY)

    assert run.state("expiry") == "started"
    run.handle(GET_USERS)
    assert run.state("expiry") == "started"
    run.handle(GET_USERS)
    assert run.state("expiry") == "expired"
    run.handle(REFRESH)
    assert run.state("expiry") == "refreshed"


def test_a_step_with_in_state_fires_only_in_that_state() -> None:
    run = Engine(TOKEN_EXPIRY)

    early = run.handle(REFRESH)

    assert early == Outcome()
    assert run.state("expiry") == "started"


def test_then_state_applies_even_when_the_step_has_no_in_state() -> None:
    # WireMock 2.9 silently ignored newScenarioState without requiredScenarioState (wiremock#797).
    run = Engine(
        scenario(
            """
            name: s
            end_states: [b]
            steps:
              - {id: anywhere, when: {path: /x}, then_state: b}
            """
        )
    )

    run.handle(RequestView("GET", "/x"))

    assert run.state("s") == "b"


def test_a_step_without_an_action_lets_the_fake_answer_and_is_reported_as_fired() -> None:
    run = Engine(TOKEN_EXPIRY)
    run.handle(GET_USERS)
    run.handle(GET_USERS)

    outcome = run.handle(REFRESH)

    assert outcome == Outcome(fired=("expiry#refresh",), answer=None, delay=0.0)


def test_a_change_step_applies_its_changes_in_order_and_lets_the_fake_answer() -> None:
    run = Engine(
        scenario(
            """
            name: s
            steps:
              - {id: c, when: {path: /scim/**}, change: [remove_admin_role, disable_scim]}
            """
        )
    )

    outcome = run.handle(GET_USERS)

    assert run.changes == ["remove_admin_role", "disable_scim"]
    assert outcome.answer is None and outcome.fired == ("s#c",)


def test_the_first_matching_step_fires_and_the_later_ones_do_not_see_the_request() -> None:
    run = Engine(
        scenario(
            """
            name: s
            steps:
              - {id: first, when: {path: /scim/**}, respond: {status: 503}}
              - {id: second, when: {path: /scim/**}, respond: {status: 500}}
            """
        )
    )

    outcome = run.handle(GET_USERS)

    assert outcome.answer == Respond(503)
    assert [s["matched"] for s in run.engine.get("s").describe()["steps"]] == [1, 0]


def test_times_limits_a_step_then_the_next_matching_step_takes_over() -> None:
    run = Engine(
        scenario(
            """
            name: s
            steps:
              - {id: twice, when: {path: /scim/**}, times: 2, respond: {status: 503}}
              - {id: then, when: {path: /scim/**}, respond: {status: 500}}
            """
        )
    )

    statuses = [run.handle(GET_USERS).answer for _ in range(4)]

    assert statuses == [Respond(503), Respond(503), Respond(500), Respond(500)]


def test_nth_fires_on_the_nth_matching_request_only_and_counts_every_match() -> None:
    run = Engine(
        scenario(
            """
            name: s
            steps:
              - {id: third, when: {method: GET}, nth: 3, fault: drop}
            """
        )
    )

    answers = [run.handle(GET_USERS).answer for _ in range(5)]
    run.handle(POST_USERS)  # not a match: not counted

    assert answers == [None, None, Fault("drop"), None, None]
    assert run.engine.get("s").describe()["steps"][0] == {
        "id": "third",
        "in_state": None,
        "then_state": None,
        "does": "fault drop",
        "required": False,
        "matched": 5,
        "fired": 1,
    }


FLAKY = """
    name: flaky
    steps:
      - {id: sometimes, when: {path: /scim/**}, chance: 0.3, respond: {status: 503}}
"""


def fired_pattern(run: Engine, requests: int = 40) -> list[bool]:
    return [run.handle(GET_USERS).answer is not None for _ in range(requests)]


def test_chance_is_deterministic_from_the_seed_and_replays_after_a_reset() -> None:
    first = Engine(scenario(FLAKY), seed=7)
    again = Engine(scenario(FLAKY), seed=7)
    other = Engine(scenario(FLAKY), seed=8)

    pattern = fired_pattern(first)
    first.engine.reset("flaky")

    assert 0 < sum(pattern) < len(pattern)
    assert fired_pattern(again) == pattern
    assert fired_pattern(first) == pattern
    assert fired_pattern(other) != pattern


def test_the_scenario_s_own_seed_wins_over_the_fake_s() -> None:
    seeded = FLAKY.replace("name: flaky", "name: flaky\n    seed: 42")

    assert fired_pattern(Engine(scenario(seeded), seed=1)) == fired_pattern(Engine(scenario(seeded), seed=2))


def test_required_steps_that_never_fired_are_reported_until_they_fire() -> None:
    run = Engine(TOKEN_EXPIRY)
    run.handle(GET_USERS)
    run.handle(GET_USERS)

    before = run.engine.unfired_required()
    run.handle(REFRESH)

    assert before == {"expiry": ["refresh"]}
    assert run.engine.unfired_required() == {}


def test_several_scenarios_keep_their_own_states_and_each_fires_one_step() -> None:
    counting = scenario(
        """
        name: counting
        end_states: [seen]
        steps:
          - {id: note, when: {path: /scim/**}, then_state: seen, delay: 1.5}
        """
    )
    run = Engine(counting, TOKEN_EXPIRY)

    run.handle(GET_USERS)
    outcome = run.handle(GET_USERS)

    assert outcome == Outcome(fired=("counting#note", "expiry#expire"), answer=None, delay=1.5)
    assert (run.state("counting"), run.state("expiry")) == ("seen", "expired")


def test_a_step_that_answers_ends_the_request_later_scenarios_do_not_see_it() -> None:
    answering = scenario(
        """
        name: answering
        steps:
          - {id: busy, when: {path: /scim/**}, respond: {status: 503}}
        """
    )
    run = Engine(answering, TOKEN_EXPIRY)

    run.handle(GET_USERS)
    run.handle(GET_USERS)

    assert run.state("expiry") == "started"
    assert run.engine.get("expiry").describe()["steps"][0]["matched"] == 0


def test_delays_of_several_scenarios_add_up() -> None:
    slow = """
        name: NAME
        steps:
          - {id: wait, when: {path: /scim/**}, delay: SECONDS}
    """
    run = Engine(
        scenario(slow.replace("NAME", "a").replace("SECONDS", "2")),
        scenario(slow.replace("NAME", "b").replace("SECONDS", "0.5")),
    )

    assert run.handle(GET_USERS).delay == 2.5


def test_resetting_one_scenario_leaves_the_others_where_they_are() -> None:
    other = scenario(TOKEN_EXPIRY_TEXT.replace("name: expiry", "name: other"))
    run = Engine(TOKEN_EXPIRY, other)
    run.handle(GET_USERS)
    run.handle(GET_USERS)

    run.engine.reset("expiry")

    assert run.state("expiry") == "started"
    assert run.state("other") == "expired"
    assert run.engine.get("expiry").describe()["steps"][0]["matched"] == 0
    assert run.engine.unfired_required() == {"expiry": ["refresh"], "other": ["refresh"]}


def test_reset_without_a_name_rewinds_every_active_scenario() -> None:
    other = scenario(TOKEN_EXPIRY_TEXT.replace("name: expiry", "name: other"))
    run = Engine(TOKEN_EXPIRY, other)
    run.handle(GET_USERS)
    run.handle(GET_USERS)

    run.engine.reset()

    assert (run.state("expiry"), run.state("other")) == ("started", "started")


def test_a_scenario_is_active_once_and_unknown_names_say_which_are_active() -> None:
    run = Engine(TOKEN_EXPIRY)

    with pytest.raises(ScenarioAlreadyActive, match="already active"):
        run.engine.activate(TOKEN_EXPIRY)
    with pytest.raises(ScenarioNotActive, match=r"'nope' is not active \(active: expiry\)"):
        run.engine.get("nope")


def test_any_active_says_whether_active_is_empty() -> None:
    run = Engine()
    assert not run.engine.any_active

    run.engine.activate(TOKEN_EXPIRY)
    assert run.engine.any_active

    run.engine.deactivate("expiry")
    assert not run.engine.any_active


def test_a_deactivated_scenario_no_longer_sees_requests() -> None:
    run = Engine(TOKEN_EXPIRY)

    run.engine.deactivate("expiry")

    assert run.engine.active == ()
    assert not run.engine.any_active
    assert [run.handle(GET_USERS) for _ in range(3)] == [Outcome()] * 3


def test_the_first_scenario_with_rate_limits_provides_the_limiter_and_a_reset_empties_it() -> None:
    limited = scenario(
        """
        name: limited
        rate_limits: {heavy: 1}
        """
    )
    run = Engine(TOKEN_EXPIRY, limited)
    limiter = run.engine.rate_limiter
    assert limiter is not None and limiter.limits.heavy == 1 and limiter.limits.light == 50
    limiter.check("u", "heavy")
    assert limiter.check("u", "heavy").refused

    run.engine.reset("limited")

    fresh = run.engine.rate_limiter
    assert fresh is not None and not fresh.check("u", "heavy").refused


def test_describe_shows_state_states_steps_and_unfired_required_steps() -> None:
    run = Engine(TOKEN_EXPIRY)
    run.handle(GET_USERS)

    described = run.engine.get("expiry").describe()

    assert described["name"] == "expiry"
    assert described["source"] == "test.yaml"
    assert described["state"] == "started"
    assert described["states"] == ["started", "expired", "refreshed"]
    assert described["rate_limits"] is None
    assert [(s["id"], s["does"], s["matched"], s["fired"]) for s in described["steps"]] == [
        ("expire", "change expire_tokens", 1, 0),
        ("refresh", "fake", 0, 0),
    ]
    assert described["unfired_required"] == ["refresh"]


def test_activate_takes_a_shipped_name_or_a_file_as_well(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nsteps:\n  - {id: a, fault: empty}\n", encoding="utf-8")
    run = Engine()

    run.engine.activate("token-expiry")
    run.engine.activate(mine)

    assert [a.name for a in run.engine.active] == ["token-expiry", "mine"]
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        run.engine.activate("nope")
