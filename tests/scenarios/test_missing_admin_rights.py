"""``missing-admin-rights``: tokens are issued, but every /scim/v2 call answers 403 (CMN-408)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import minimal_user
from tests.http.conftest import Fake
from tests.scenarios.support import login, scim, scim_error

pytestmark = pytest.mark.scenario("missing-admin-rights")

NOT_ADMIN = (
    "In order to call this API endpoint, user needs to have [Users] permission for requested resource."
)


def test_sign_in_and_token_issuance_succeed(scenario_fake: Fake) -> None:
    issued = login(scenario_fake)

    assert issued["owner_id"] == "100000001"
    assert "EditAccounts" in issued["scope"].split()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ServiceProviderConfig"),
        ("GET", "/Users?filter=userName+eq+%22a%40example.com%22"),
        ("POST", "/Users"),
        ("POST", "/Users/.search"),
        ("DELETE", "/Users/1"),
    ],
)
def test_every_scim_call_answers_403_as_entra_s_test_connection_meets_it(
    scenario_fake: Fake, method: str, path: str
) -> None:
    token = login(scenario_fake)["access_token"]

    response = scim(scenario_fake, method, path, token, json=minimal_user("a@example.com"))

    assert response.status_code == 403
    assert response.json() == scim_error(403, NOT_ADMIN)


def test_in_the_rest_shape_the_gateway_code_is_cmn_408(scenario_fake: Fake) -> None:
    scenario_fake.state.settings = dataclasses.replace(scenario_fake.state.settings, auth_error_shape="rest")
    token = login(scenario_fake)["access_token"]

    response = scim(scenario_fake, "GET", "/Users", token)

    assert response.status_code == 403
    assert response.json()["errorCode"] == "CMN-408"
    assert response.json()["permissionName"] == "Users"


def test_tokens_issued_after_the_first_refusal_are_refused_too(scenario_fake: Fake) -> None:
    scim(scenario_fake, "GET", "/Users", login(scenario_fake)["access_token"])

    later = login(scenario_fake)["access_token"]

    assert scim(scenario_fake, "GET", "/Users", later).status_code == 403
    assert scenario_fake.get("/scim/v2/Users").status_code == 403


def test_an_app_only_token_has_no_user_to_lose_the_role(scenario_fake: Fake) -> None:
    app_only = login(scenario_fake)  # first a user's token, so the change is made
    scim(scenario_fake, "GET", "/Users", app_only["access_token"])
    response = scenario_fake.session.post(
        scenario_fake.url("/restapi/oauth/token"),
        data={"grant_type": "client_credentials", "account_id": "~"},
        auth=("mockrc-client-id", "mockrc-client-secret"),
        timeout=10,
    )

    assert scim(scenario_fake, "GET", "/Users", response.json()["access_token"]).status_code == 200
