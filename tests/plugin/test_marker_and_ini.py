"""``@pytest.mark.mockrc`` and the ``mockrc_*`` ini options configure each test's fake."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)

TEAM = """
users:
  - userName: lee@team.example
    name: {givenName: Lee, familyName: Team}
    emails: [{type: work, value: lee@team.example}]
    active: true
"""


def test_the_marker_sets_scenario_profile_seed_and_users(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", **{"seeds/team": TEAM})
    pytester.makepyfile(
        """
import uuid

import pytest
import requests


@pytest.mark.mockrc(users=12, seed=7)
def test_generated_users(mockrc, mockrc_server):
    answer = requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers).json()
    assert answer["totalResults"] == 12
    assert sum(not u["active"] for u in mockrc.users) == 1
    assert all(u["userName"] == u["emails"][0]["value"] for u in mockrc.users)


@pytest.mark.mockrc(users=["small-team", "seeds/team.yaml", 2])
def test_seed_files_by_name_and_by_path_next_to_the_test(mockrc):
    names = [u["userName"] for u in mockrc.users]
    assert names[:4] == [
        "alex.morgan@example.com", "priya.shah@example.com", "sam.taylor@example.com", "lee@team.example"
    ]
    assert len(names) == 6


@pytest.mark.mockrc(users="acme")
def test_a_seed_file_with_an_account(mockrc):
    assert mockrc.credentials.client_id == "acme-idp-client"
    assert mockrc.credentials.username == "it-admin@acme.example.com"
    assert len(mockrc.users) == 6


@pytest.mark.mockrc(profile="scim", scenario="scim-disabled")
def test_profile_and_scenario(mockrc):
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers).status_code == 403
    assert mockrc.state.profile.name == "scim"


@pytest.mark.mockrc(users=3, profile="scim")
class TestClassMarker:
    @pytest.mark.mockrc(profile="ringcentral")
    def test_the_closest_marker_wins_keyword_by_keyword(self, mockrc):
        assert mockrc.state.profile.name == "ringcentral"
        assert len(mockrc.users) == 3

    def test_the_class_marker_applies(self, mockrc):
        assert uuid.UUID(mockrc.users[0]["id"])


@pytest.mark.mockrc(scenarios=["token-expiry"])
def test_unknown_keyword(mockrc):
    pass


@pytest.mark.mockrc(users="seeds/missing.yaml")
def test_missing_seed_file(mockrc):
    pass


@pytest.mark.mockrc(seed="7")
def test_wrong_type(mockrc_server):
    pass
"""
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=6, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_unknown_keyword*",
            "@pytest.mark.mockrc takes keywords only, scenario, profile, seed, users, strict;"
            " not keyword 'scenarios' (did you mean 'scenario'?)",
            "*ERROR at setup of test_missing_seed_file*",
            "mockrc: cannot build the test's fake: */seeds/missing.yaml: cannot read the seed file:"
            " No such file or directory",
            "*ERROR at setup of test_wrong_type*",
            "@pytest.mark.mockrc(seed=...) takes a whole number, not '7'",
        ]
    )
    result.stdout.no_fnmatch_line("*During handling of the above exception*")


def test_ini_options_set_the_defaults_and_the_marker_overrides_them(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", **{"seeds/team": TEAM})
    pytester.makeini(
        """
[pytest]
mockrc_profile = scim
mockrc_scenarios = scim-disabled
mockrc_seed = 5
mockrc_users =
    seeds/team.yaml
    4
mockrc_strict = false
"""
    )
    pytester.makepyfile(
        **{
            "tests/test_ini": """
import pytest
import requests


def test_defaults(mockrc):
    assert mockrc.state.profile.name == "scim"
    assert mockrc.state.settings.seed == 5
    assert [u["userName"] for u in mockrc.users][0] == "lee@team.example"
    assert len(mockrc.users) == 5
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers).status_code == 403
    assert not mockrc.strict


@pytest.mark.mockrc(profile="ringcentral", scenario=[], users=1, strict=True)
def test_marker_overrides(mockrc):
    assert mockrc.state.profile.name == "ringcentral"
    answer = requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers)
    assert answer.json()["totalResults"] == 1
    assert mockrc.strict
"""
        }
    )

    pytester.runpytest().assert_outcomes(passed=2)
