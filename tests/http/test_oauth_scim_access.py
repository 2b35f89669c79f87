"""What an OAuth token may do on /scim/v2: RingCentral's 401s and 403s, in both error shapes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import requests

from tests.helpers import ERROR, minimal_user
from tests.http.conftest import Fake

CLIENT = ("mockrc-client-id", "mockrc-client-secret")
JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def login(fake: Fake, assertion: str = "mockrc-admin-jwt", **form: str) -> dict[str, Any]:
    response = fake.session.post(
        fake.url("/restapi/oauth/token"),
        data={"grant_type": JWT, "assertion": assertion, **form},
        auth=CLIENT,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def scim(fake: Fake, method: str, token: str, **kwargs: Any) -> requests.Response:
    return fake.session.request(
        method, fake.url("/scim/v2/Users"), headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs
    )


def use_rest_shape(fake: Fake) -> None:
    fake.state.settings = dataclasses.replace(fake.state.settings, auth_error_shape="rest")


def test_an_expired_token_answers_401_access_token_expired(fake: Fake) -> None:
    token = login(fake, access_token_ttl="600")["access_token"]
    fake.clock.advance(600)

    response = scim(fake, "GET", token)

    assert response.status_code == 401
    assert response.json() == {"schemas": [ERROR], "status": "401", "detail": "Access token expired"}


def test_a_revoked_token_answers_401_token_not_found(fake: Fake) -> None:
    token = login(fake)["access_token"]
    fake.session.post(fake.url("/restapi/oauth/revoke"), data={"token": token}, auth=CLIENT, timeout=10)

    response = scim(fake, "GET", token)

    assert response.status_code == 401
    assert response.json() == {"schemas": [ERROR], "status": "401", "detail": "Token not found"}


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("unknown", "OAU-149", "OAuth token is invalid"),
        ("expired", "OAU-128", "Access token expired"),
        ("revoked", "OAU-213", "Token not found"),
    ],
)
def test_the_rest_gateway_shape_carries_the_oau_code(fake: Fake, case: str, code: str, message: str) -> None:
    use_rest_shape(fake)
    token = "not-a-token" if case == "unknown" else login(fake, access_token_ttl="600")["access_token"]
    if case == "expired":
        fake.clock.advance(600)
    if case == "revoked":
        fake.session.post(fake.url("/restapi/oauth/revoke"), data={"token": token}, auth=CLIENT, timeout=10)

    response = scim(fake, "GET", token)

    assert response.status_code == 401
    assert response.json() == {
        "errorCode": "TokenInvalid",
        "message": message,
        "errors": [{"errorCode": code, "message": message}],
    }


@pytest.mark.parametrize(
    ("headers", "code", "message"),
    [
        ({}, "AGW-401", "Authorization header is not specified"),
        ({"Authorization": "Basic eDp5"}, "AGW-402", "Invalid Authorization header"),
    ],
)
def test_the_rest_gateway_shape_for_header_problems(
    fake: Fake, headers: dict[str, str], code: str, message: str
) -> None:
    use_rest_shape(fake)

    response = fake.session.get(fake.url("/scim/v2/Users"), headers=headers, timeout=10)

    assert response.status_code == 401
    assert response.json() == {
        "errorCode": code,
        "message": message,
        "errors": [{"errorCode": code, "message": message}],
    }


def test_a_read_only_token_may_read_but_not_write(fake: Fake) -> None:
    token = login(fake, scope="ReadAccounts")["access_token"]

    read = scim(fake, "GET", token)
    write = scim(fake, "POST", token, json=minimal_user("new.user@example.com"))

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json() == {
        "schemas": [ERROR],
        "status": "403",
        "detail": "In order to call this API endpoint, application needs to have [EditAccounts] permission",
    }


def test_an_edit_accounts_token_may_read_too(fake: Fake) -> None:
    token = login(fake, scope="EditAccounts")["access_token"]

    assert scim(fake, "GET", token).status_code == 200
    assert scim(fake, "POST", token, json=minimal_user("new.user@example.com")).status_code == 201


def test_missing_app_permission_in_the_rest_shape_is_the_observed_body(fake: Fake) -> None:
    use_rest_shape(fake)
    token = login(fake, scope="ReadAccounts")["access_token"]

    response = scim(fake, "POST", token, json=minimal_user("new.user@example.com"))

    message = "In order to call this API endpoint, application needs to have [EditAccounts] permission"
    assert response.status_code == 403
    assert response.json() == {
        "errorCode": "InsufficientPermissions",
        "message": message,
        "errors": [{"errorCode": "CMN-401", "message": message, "permissionName": "EditAccounts"}],
        "permissionName": "EditAccounts",
    }


def test_a_standard_user_is_refused_by_role(fake: Fake) -> None:
    token = login(fake, "mockrc-user-jwt")["access_token"]

    response = scim(fake, "GET", token)

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "In order to call this API endpoint, user needs to have [Users] permission for requested resource."
    )


def test_an_account_without_scim_answers_feature_not_available(fake: Fake) -> None:
    fake.state.use_account(dataclasses.replace(fake.state.account, scim_enabled=False))
    token = login(fake)["access_token"]

    for method, body in (("GET", None), ("POST", minimal_user("new.user@example.com"))):
        response = scim(fake, method, token, json=body)
        assert response.status_code == 403
        assert response.json() == {
            "schemas": [ERROR],
            "status": "403",
            "detail": "Feature [Bulk Assign] is not available",
        }


def test_feature_not_available_in_the_rest_shape(fake: Fake) -> None:
    fake.state.use_account(dataclasses.replace(fake.state.account, scim_enabled=False))
    use_rest_shape(fake)
    token = login(fake)["access_token"]

    response = scim(fake, "GET", token)

    assert response.json() == {
        "errorCode": "CMN-109",
        "message": "Feature [Bulk Assign] is not available",
        "errors": [{"errorCode": "CMN-109", "message": "Feature [Bulk Assign] is not available"}],
    }


def test_client_credentials_tokens_may_provision(fake: Fake) -> None:
    response = fake.session.post(
        fake.url("/restapi/oauth/token"),
        data={"grant_type": "client_credentials", "account_id": "~"},
        auth=CLIENT,
        timeout=10,
    )
    token = response.json()["access_token"]

    assert "owner_id" not in response.json() and "refresh_token" not in response.json()
    assert scim(fake, "POST", token, json=minimal_user("new.user@example.com")).status_code == 201
