"""``auth-failure``: the app's credentials stop working (invalid_client for every grant, 401 on SCIM)."""

from __future__ import annotations

import json

import pytest

from mockrc.resources import scenario_data
from tests.helpers import minimal_user
from tests.http.conftest import Fake
from tests.scenarios.support import JWT, activate, login, scim, scim_error, token_request

INVALID_CLIENT = json.loads(scenario_data("bodies", "oauth-invalid-client.json").read_text(encoding="utf-8"))


@pytest.mark.scenario("auth-failure")
@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": JWT, "assertion": "mockrc-admin-jwt"},
        {"grant_type": "password", "username": "admin@mockrc.test", "password": "mockrc-admin-password"},
        {"grant_type": "client_credentials", "account_id": "~"},
        {"grant_type": "refresh_token", "refresh_token": "anything"},
    ],
    ids=["jwt", "password", "client_credentials", "refresh_token"],
)
def test_every_grant_answers_ringcentral_s_invalid_client_body(
    scenario_fake: Fake, form: dict[str, str]
) -> None:
    response = token_request(scenario_fake, **form)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client",
        "errors": [{"errorCode": "OAU-146", "message": "Invalid client credentials"}],
        "error_description": "Invalid client credentials",
    }
    assert response.json() == INVALID_CLIENT
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_tokens_issued_before_answer_401_on_scim_and_cannot_be_refreshed(fake: Fake) -> None:
    issued = login(fake)
    assert scim(fake, "GET", "/Users", issued["access_token"]).status_code == 200
    activate(fake, "auth-failure")

    listed = scim(fake, "GET", "/Users", issued["access_token"])
    created = scim(fake, "POST", "/Users", issued["access_token"], json=minimal_user("a@example.com"))
    refreshed = token_request(fake, grant_type="refresh_token", refresh_token=issued["refresh_token"])

    assert (listed.status_code, listed.json()) == (401, scim_error(401, "Token not found"))
    assert created.status_code == 401
    assert (refreshed.status_code, refreshed.json()["error"]) == (400, "invalid_client")
    assert fake.state.users.search(None).total == 0


@pytest.mark.scenario("auth-failure")
def test_the_fake_s_own_long_lived_token_stops_working_too(scenario_fake: Fake) -> None:
    response = scenario_fake.get("/scim/v2/Users")

    assert response.status_code == 401
    assert response.json() == scim_error(401, "Token not found")


@pytest.mark.scenario("auth-failure")
def test_the_scenario_counts_what_the_client_tried(scenario_fake: Fake) -> None:
    for _ in range(3):
        token_request(scenario_fake, grant_type=JWT, assertion="mockrc-admin-jwt")
    scenario_fake.get("/scim/v2/Users")

    steps = scenario_fake.state.scenarios.get("auth-failure").describe()["steps"]

    assert [(s["id"], s["fired"]) for s in steps] == [("token-refused", 3), ("tokens-dead", 1)]
