"""Loading scenario files: the shipped ones, and every mistake refused with the file, the step and a fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from textwrap import dedent

import pytest

from mockrc.ratelimit import RateLimits
from mockrc.resources import scenario_data
from mockrc.scenarios.loader import (
    POSTED,
    ScenarioError,
    load_scenario,
    looks_like_path,
    parse_scenario,
    shipped_scenarios,
)
from mockrc.scenarios.model import Change, Delay, Fault, Respond

README = Path(__file__).resolve().parents[2] / "README.md"

SHIPPED = (
    "auth-failure",
    "filter-ignored",
    "filter-misuse",
    "flaky-server",
    "missing-admin-rights",
    "missing-app-permission",
    "no-available-licence",
    "rate-limited",
    "scim-disabled",
    "slow-responses",
    "token-expiry",
)


def write(folder: Path, text: str, name: str = "mine.yaml") -> Path:
    path = folder / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def problems(folder: Path, text: str, name: str = "mine.yaml") -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(folder, text, name))
    return str(caught.value)


# --- the shipped scenarios -----------------------------------------------------------------------


def test_mockrc_ships_the_eleven_scenarios_of_the_issue() -> None:
    assert shipped_scenarios() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_scenario_loads_is_named_after_its_file_and_describes_itself(name: str) -> None:
    scenario = load_scenario(name)

    assert scenario.name == name
    assert scenario.source == f"scenarios/{name}.yaml"
    assert len(scenario.description) > 40


@pytest.mark.parametrize("name", SHIPPED)
def test_the_readme_documents_each_shipped_scenario(name: str) -> None:
    section = README.read_text(encoding="utf-8").partition("\n## Scenarios")[2].partition("\n## ")[0]

    assert f"`{name}`" in section


def test_the_readme_s_example_scenario_loads_as_written(tmp_path: Path) -> None:
    section = README.read_text(encoding="utf-8").partition("\n## Scenarios")[2].partition("\n## ")[0]
    examples = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)

    assert examples
    for text in examples:
        scenario = load_scenario(write(tmp_path, text))
        assert scenario.states == ("started", "failed", "retried")


def test_a_name_is_a_shipped_scenario_and_anything_with_a_slash_or_suffix_a_file() -> None:
    assert not looks_like_path("token-expiry")
    assert looks_like_path("./token-expiry")
    assert looks_like_path("mine.yaml") and looks_like_path("mine.yml") and looks_like_path("mine.json")


def test_an_unknown_name_lists_the_shipped_scenarios_and_suggests_the_closest() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("token-expiri")

    message = str(caught.value)
    assert "unknown scenario 'token-expiri' (did you mean 'token-expiry'?)" in message
    assert ", ".join(SHIPPED) in message
    assert "give its path" in message


def test_a_missing_file_is_named() -> None:
    with pytest.raises(ScenarioError, match=r"^nowhere/x\.yaml: cannot read the scenario file"):
        load_scenario("nowhere/x.yaml")


# --- a file of one's own ---------------------------------------------------------------------------


def test_a_full_file_builds_every_kind_of_step(tmp_path: Path) -> None:
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "busy.json").write_text('{"detail": "busy"}', encoding="utf-8")
    scenario = load_scenario(
        write(
            tmp_path,
            """
            # comments are welcome
            name: my-scenario
            description: Everything at once.
            seed: 3
            rate_limits: {heavy: 2}
            end_states: [done]
            steps:
              - id: canned
                when: {method: GET, path: /scim/v2/Users/*}
                respond:
                  status: 503
                  headers: {Retry-After: 5}
                  body_file: bodies/busy.json
              - {id: inline, when: {path: /x}, respond: {status: 200, body: {a: [1, true]}}}
              - {id: drop, fault: drop, times: 2}
              - {id: wait, delay: 1.5, chance: 0.5}
              - {id: change, change: expire_tokens, nth: 4, then_state: done, required: true}
            """,
        )
    )

    canned, inline, drop, wait, change = scenario.steps
    assert (scenario.name, scenario.seed, scenario.end_states) == ("my-scenario", 3, ("done",))
    assert scenario.rate_limits == RateLimits(heavy=2)
    assert canned.action == Respond(503, (("Retry-After", "5"),), b'{"detail": "busy"}', "json")
    assert canned.when.methods == frozenset({"GET"}) and canned.when.path_globs == ("/scim/v2/Users/*",)
    assert inline.action == Respond(200, (), b'{"a":[1,true]}', "json")
    assert (drop.action, drop.times) == (Fault("drop"), 2)
    assert (wait.action, wait.chance) == (Delay(1.5), 0.5)
    assert change.action == Change(("expire_tokens",))
    assert (change.nth, change.then_state, change.required) == (4, "done", True)
    assert scenario.states == ("started", "done")


def test_json_files_are_accepted(tmp_path: Path) -> None:
    document = {"name": "as-json", "steps": [{"id": "a", "when": {"path": "/x"}, "fault": "empty"}]}
    path = tmp_path / "as-json.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    assert load_scenario(path).steps[0].action == Fault("empty")


def test_a_body_file_is_looked_for_next_to_the_scenario_then_in_mockrc_s_scenarios_folder(
    tmp_path: Path,
) -> None:
    scenario = load_scenario(
        write(
            tmp_path,
            """
            name: s
            steps:
              - {id: a, respond: {status: 400, body_file: bodies/oauth-invalid-client.json}}
            """,
        )
    )

    expected = scenario_data("bodies", "oauth-invalid-client.json").read_bytes()
    assert scenario.steps[0].action == Respond(400, (), expected, "json")


def test_a_body_file_that_is_not_json_keeps_its_own_media_type(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>down</p>", encoding="utf-8")
    scenario = load_scenario(
        write(tmp_path, "name: s\nsteps:\n  - {id: a, respond: {status: 502, body_file: page.html}}\n")
    )

    assert scenario.steps[0].action == Respond(502, (), b"<p>down</p>", "text/html")


def test_a_scenario_with_only_rate_limits_is_enough(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path, "name: limits\nrate_limits: {}\n")).rate_limits == RateLimits()


# --- mistakes ------------------------------------------------------------------------------------------


def test_every_problem_is_listed_with_the_file_the_step_and_where_to_read_the_format(tmp_path: Path) -> None:
    message = problems(
        tmp_path,
        """
        name: Bad_Name
        steps:
          - id: one
            then_sate: expired
          - id: two
            change: expire_token
        """,
    )

    assert message.startswith(f"{tmp_path / 'mine.yaml'}: cannot load the scenario, 3 problems:\n")
    assert '  name: "Bad_Name" is not valid here: use lower-case letters, digits and single dashes' in message
    assert "  steps[0] (one): unknown key 'then_sate' (did you mean 'then_state'?)" in message
    assert '  steps[1] (two): change: "expire_token" is not one of' in message
    assert "(did you mean 'expire_tokens'?)" in message
    assert message.endswith(
        "(the format is in the README's Scenarios section and fixtures/schemas/mockrc/scenario.schema.json)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steps: [{id: a}]", "missing key 'name'"),
        ("name: s\nsteps: [{when: {path: /x}}]", "steps[0]: missing key 'id'"),
        (
            "name: s\nsteps: [{id: a, when: {method: get}}]",
            "\"get\" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS (did you mean 'GET'?)",
        ),
        (
            "name: s\nsteps: [{id: a, when: {path: scim}}]",
            'when.path: "scim" is not valid here: start paths with /',
        ),
        ("name: s\nsteps: [{id: a, when: {json: {userName: x}}}]", "write JSON pointers, e.g. /userName"),
        (
            "name: s\nsteps: [{id: a, when: {query: {f: {regex: x}}}}]",
            "unknown key 'regex' (allowed here: contains, equals, matches, present)",
        ),
        (
            "name: s\nsteps: [{id: a, when: {query: {f: {contains: x, matches: y}}}}]",
            "give exactly one of equals, contains, matches, present",
        ),
        (
            "name: s\nsteps: [{id: a, when: {headers: {X: [1]}}}]",
            "when.headers.X: must be a boolean, null, a number, an object or a string, not a list",
        ),
        ("name: s\nsteps: [{id: a, fault: reset}]", '"reset" is not one of drop, empty'),
        ("name: s\nsteps: [{id: a, respond: {body: {}}}]", "steps[0] (a): respond: missing key 'status'"),
        ("name: s\nsteps: [{id: a, chance: 0}]", "chance: 0 is less than or equal to the minimum of 0"),
        ("name: s\nsteps: [{id: a, when: null}]", "steps[0] (a): when: must be an object, not null"),
        ("name: s\nrate_limits: {lite: 3}", "rate_limits: unknown key 'lite' (did you mean 'light'?)"),
        ("- name: s", "must be an object, not a list"),
    ],
)
def test_schema_mistakes_say_where_and_what(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problems(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: s\nsteps:\n  - {id: a, respond: {status: 200}, fault: drop}\n",
            "steps[0] (a): has respond and fault, but a step does one thing; split it into several steps",
        ),
        (
            "name: s\nsteps:\n  - {id: a, nth: 2, times: 3}\n",
            "steps[0] (a): nth fires on one request only, so times cannot be combined with it",
        ),
        (
            "name: s\nsteps:\n  - {id: a, nth: 2, chance: 0.5}\n",
            "so chance cannot be combined with it",
        ),
        (
            "name: s\nsteps:\n  - {id: a, fault: drop}\n  - {id: a, fault: empty}\n",
            "steps[1] (a): the id is also the id of steps[0]; step ids must be unique",
        ),
        (
            "name: s\nsteps:\n  - {id: a, respond: {status: 200, body: {}, body_file: x.json}}\n",
            "steps[0] (a): respond has body and body_file; give one of them",
        ),
        (
            "name: s\nsteps:\n  - {id: a, when: {query: {count: null}}}\n",
            "when.query.count: a parameter or header is text; compare it with a string (use present: false",
        ),
        (
            "name: s\nsteps:\n  - {id: a, when: {query: {f: {matches: '('}}}}\n",
            "when.query.f: matches '(' is not a regular expression: missing )",
        ),
        ("name: s\n", "the scenario has no steps and no rate_limits, so it would do nothing"),
        ("name: reset\nrate_limits: {}\n", "name: 'reset' is reserved (POST /__mockrc/scenarios/reset"),
    ],
)
def test_mistakes_a_schema_cannot_see(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problems(tmp_path, text)


def test_a_missing_body_file_says_where_it_was_looked_for(tmp_path: Path) -> None:
    message = problems(
        tmp_path, "name: s\nsteps:\n  - {id: a, respond: {status: 400, body_file: nope.json}}\n"
    )

    assert "steps[0] (a): respond.body_file 'nope.json' does not exist (looked in " in message
    assert f"{tmp_path} and " in message
    assert "fix the path, or send the body inline with body" in message


def test_a_state_no_step_enters_is_never_reached(tmp_path: Path) -> None:
    message = problems(
        tmp_path,
        """
        name: s
        end_states: [expired]
        steps:
          - {id: expire, change: expire_tokens, then_state: expired}
          - {id: refresh, in_state: expried, when: {path: /restapi/oauth/token}}
        """,
    )

    assert (
        "steps[1] (refresh): in_state 'expried' is never reached: no step moves there (then_state);"
        " the reachable states are expired, started (did you mean 'expired'?)"
    ) in message


def test_states_reachable_only_from_unreachable_states_are_unreachable_too(tmp_path: Path) -> None:
    message = problems(
        tmp_path,
        """
        name: s
        steps:
          - {id: a, in_state: one, then_state: two}
          - {id: b, in_state: two, then_state: one}
        """,
    )

    assert (
        "steps[0] (a): in_state 'one' is never reached:"
        " the steps that move there are themselves never reached" in message
    )


def test_a_state_entered_that_no_step_leaves_is_a_dead_end_unless_declared(tmp_path: Path) -> None:
    text = """
        name: s
        steps:
          - {id: expire, change: expire_tokens, then_state: expird}
          - {id: refresh, in_state: expired, when: {path: /restapi/oauth/token}}
        """
    message = problems(tmp_path, text)

    assert (
        "steps[0] (expire): then_state 'expird' is a dead end: no step has in_state 'expird', so the"
        " scenario would stay there with only its steps that have no in_state (did you mean 'expired'?);"
        " if that is what you want, add 'expird' to end_states"
    ) in message


def test_end_states_must_be_entered(tmp_path: Path) -> None:
    message = problems(tmp_path, "name: s\nend_states: [done]\nsteps:\n  - {id: a, fault: drop}\n")

    assert "end_states: 'done' is never entered: no step has then_state 'done'" in message


def test_going_back_to_started_needs_no_declaration(tmp_path: Path) -> None:
    scenario = load_scenario(
        write(
            tmp_path,
            """
            name: s
            steps:
              - {id: a, then_state: broken, fault: drop}
              - {id: b, in_state: broken, then_state: started}
            """,
        )
    )

    assert scenario.states == ("started", "broken")


def test_a_key_given_twice_is_refused_with_its_lines(tmp_path: Path) -> None:
    # The WireMock trap: two mappings pasted into one object silently keep the last.
    message = problems(
        tmp_path,
        """
        name: s
        steps:
          - id: a
            fault: drop
            id: b
        """,
    )

    assert "line 6: key 'id' is given twice in the same mapping (first on line 4)" in message


def test_a_json_key_given_twice_is_refused(tmp_path: Path) -> None:
    message = problems(tmp_path, '{"name": "s", "name": "t"}', "twice.json")

    assert "key 'name' is given twice in the same object" in message


def test_yaml_that_does_not_parse_says_where(tmp_path: Path) -> None:
    message = problems(tmp_path, "name: s\nsteps:\n  - {id: a\n")

    assert re.search(
        r"mine\.yaml: cannot load the scenario, 1 problem:\n  line \d+, column \d+: not valid YAML", message
    )


def test_json_that_does_not_parse_says_where(tmp_path: Path) -> None:
    message = problems(tmp_path, '{"name": }', "broken.json")

    assert "line 1, column 10: not valid JSON: Expecting value" in message


def test_a_posted_scenario_may_only_use_mockrc_s_own_body_files() -> None:
    document = {
        "name": "s",
        "steps": [{"id": "a", "respond": {"status": 200, "body_file": "../../etc/passwd"}}],
    }

    with pytest.raises(
        ScenarioError,
        match=r"must be a path inside mockrc's scenarios/ folder \(bodies/…\) for a posted scenario",
    ):
        parse_scenario(document, POSTED, None)
