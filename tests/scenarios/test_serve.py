"""``mockrc serve --scenario NAME`` for every shipped scenario, checked from outside with plain HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.conformance.live_server import mockrc_serve
from tests.helpers import minimal_user
from tests.scenarios.test_flaky_server import CALLS, expected_outcomes

TOKEN = {"Authorization": "Bearer mockrc-admin-token"}
CLIENT = ("mockrc-client-id", "mockrc-client-secret")
JWT_LOGIN = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "mockrc-admin-jwt"}


def users(url: str) -> str:
    return f"{url}/scim/v2/Users"


def sign_in(url: str) -> requests.Response:
    return requests.post(f"{url}/restapi/oauth/token", data=JWT_LOGIN, auth=CLIENT, timeout=10)


def auth_failure(url: str) -> None:
    assert sign_in(url).json()["error"] == "invalid_client"
    assert requests.get(users(url), headers=TOKEN, timeout=10).status_code == 401


def token_expiry(url: str) -> None:
    statuses = [requests.get(users(url), headers=TOKEN, timeout=10).status_code for _ in range(3)]
    assert statuses == [200, 200, 401]


def missing_admin_rights(url: str) -> None:
    token = sign_in(url).json()["access_token"]
    response = requests.get(users(url), headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 403
    assert "user needs to have [Users] permission" in response.json()["detail"]


def missing_app_permission(url: str) -> None:
    assert requests.get(users(url), headers=TOKEN, timeout=10).status_code == 200
    created = requests.post(users(url), json=minimal_user("a@example.com"), headers=TOKEN, timeout=10)
    assert created.status_code == 403
    assert "[EditAccounts]" in created.json()["detail"]


def filter_misuse(url: str) -> None:
    response = requests.get(users(url), params={"filter": 'externalId eq "a"'}, headers=TOKEN, timeout=10)
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidFilter")


def filter_ignored(url: str) -> None:
    for email in ("a@example.com", "b@example.com"):
        requests.post(users(url), json=minimal_user(email), headers=TOKEN, timeout=10)
    response = requests.get(users(url), params={"filter": 'externalId eq "a"'}, headers=TOKEN, timeout=10)
    assert response.json()["totalResults"] == 2


def rate_limited(url: str) -> None:
    answers = [sign_in(url) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].json()["errorCode"] == "CMN-301"
    assert answers[-1].headers["Retry-After"] == "60"
    assert answers[0].headers["X-Rate-Limit-Group"] == "auth"


def scim_disabled(url: str) -> None:
    response = requests.get(users(url), headers=TOKEN, timeout=10)
    assert (response.status_code, response.json()["detail"]) == (
        403,
        "Feature [Bulk Assign] is not available",
    )


def flaky_server(url: str) -> None:
    outcomes = []
    for _ in range(CALLS):
        try:
            status = requests.get(users(url), headers=TOKEN, timeout=10).status_code
        except requests.ConnectionError:
            outcomes.append("drop")
        else:
            outcomes.append("fake" if status == 200 else str(status))
    assert outcomes == expected_outcomes()


def slow_responses(url: str) -> None:
    def now() -> float:
        return float(requests.get(f"{url}/__mockrc/clock", timeout=10).json()["epoch"])

    before = now()
    assert requests.get(users(url), headers=TOKEN, timeout=10).status_code == 200
    assert now() - before == 2


def no_available_licence(url: str) -> None:
    created = requests.post(users(url), json=minimal_user("a@example.com"), headers=TOKEN, timeout=10)
    assert created.status_code == 403
    assert "no unassigned extension" in created.json()["detail"]


CHECKS: dict[str, Callable[[str], None]] = {
    "auth-failure": auth_failure,
    "token-expiry": token_expiry,
    "missing-admin-rights": missing_admin_rights,
    "missing-app-permission": missing_app_permission,
    "filter-misuse": filter_misuse,
    "filter-ignored": filter_ignored,
    "rate-limited": rate_limited,
    "scim-disabled": scim_disabled,
    "flaky-server": flaky_server,
    "slow-responses": slow_responses,
    "no-available-licence": no_available_licence,
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_mockrc_serve_with_a_shipped_scenario_behaves_as_described(name: str) -> None:
    # A fake clock, so that slow-responses moves it rather than making the test wait.
    with mockrc_serve("--scenario", name, "--clock", "fake") as (url, output):
        CHECKS[name](url)

    assert any(line == f"mockrc: scenario {name} active (scenarios/{name}.yaml)" for line in output)


def test_scenarios_from_files_several_at_once_and_rate_limits_from_options(tmp_path: Path) -> None:
    mine = tmp_path / "teapot.yaml"
    mine.write_text(
        "name: teapot\nsteps:\n  - {id: brew, when: {path: /scim/v2/Schemas}, respond: {status: 418}}\n",
        encoding="utf-8",
    )

    with mockrc_serve("--scenario", str(mine), "--scenario", "scim-disabled", "--rate-limit", "light=2") as (
        url,
        output,
    ):
        schemas = requests.get(f"{url}/scim/v2/Schemas", headers=TOKEN, timeout=10)
        listed = [requests.get(users(url), headers=TOKEN, timeout=10) for _ in range(3)]
        active = requests.get(f"{url}/__mockrc/scenarios", timeout=10).json()["active"]

    assert schemas.status_code == 418
    assert [r.status_code for r in listed] == [403, 403, 429]
    assert [a["name"] for a in active] == ["teapot", "scim-disabled"]
    assert "mockrc: rate limits on (light 2, medium 40, heavy 10, auth 5, window 60, penalty 60)" in output


def test_a_broken_scenario_file_stops_mockrc_serve_with_every_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nsteps:\n  - {id: a, then_sate: x}\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "mockrc", "serve", "--port", "0", "--scenario", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(f"mockrc: {broken}: cannot load the scenario, 1 problem:\n")
    assert "steps[0] (a): unknown key 'then_sate' (did you mean 'then_state'?)" in result.stderr
