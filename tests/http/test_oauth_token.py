"""POST /restapi/oauth/token, /revoke, /introspect and GET /userinfo over HTTP, through both transports."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from mockrc.app import create_app
from mockrc.clock import Clock, FakeClock, SystemClock
from mockrc.mock import MockRingCentral
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.http.conftest import Fake

TOKEN = "/restapi/oauth/token"
CLIENT = ("mockrc-client-id", "mockrc-client-secret")
JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def post_form(fake: Fake, path: str, data: Any, **kwargs: Any) -> requests.Response:
    """A form POST without the fixture's bearer token (the OAuth endpoints authenticate the app)."""
    return fake.session.post(fake.url(path), data=data, timeout=10, **kwargs)


def jwt_login(fake: Fake, assertion: str = "mockrc-admin-jwt", **form: str) -> dict[str, Any]:
    response = post_form(fake, TOKEN, {"grant_type": JWT, "assertion": assertion, **form}, auth=CLIENT)
    assert response.status_code == 200, response.text
    return response.json()


def assert_no_cache(response: requests.Response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_jwt_login_answers_ringcentral_token_info(fake: Fake) -> None:
    response = post_form(fake, TOKEN, {"grant_type": JWT, "assertion": "mockrc-admin-jwt"}, auth=CLIENT)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert_no_cache(response)
    body = response.json()
    assert list(body) == [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "scope",
        "owner_id",
        "endpoint_id",
        "session_id",
    ]
    assert body["token_type"] == "bearer"
    assert (body["expires_in"], body["refresh_token_expires_in"]) == (3600, 604800)
    assert (body["scope"], body["owner_id"]) == ("ReadAccounts EditAccounts", "100000001")
    assert all(
        isinstance(body[k], str) and body[k]
        for k in ("access_token", "refresh_token", "endpoint_id", "session_id")
    )


class TickingClock(FakeClock):
    """A clock that moves a millisecond each time it is read, as the system clock does between two
    reads of one request; it starts at a fraction of a second, where float sums are inexact."""

    def now(self) -> float:
        return self.advance(0.001)


@contextmanager
def base_url_with(transport: str, clock: Clock) -> Iterator[str]:
    """A fake on ``clock`` through ``transport``: its base URL."""
    if transport == "inprocess":
        with MockRingCentral(clock=clock) as rc:
            yield rc.base_url
        return
    with LiveServer(create_app(MockState(Settings(), clock=clock))) as server:
        yield server.url


@pytest.mark.parametrize("transport", ["inprocess", "server"])
@pytest.mark.parametrize(
    "clock", [SystemClock, lambda: TickingClock(FakeClock.DEFAULT_START + 0.1)], ids=["system", "ticking"]
)
def test_a_fresh_token_lives_the_whole_ttl_on_every_clock(transport: str, clock: Any) -> None:
    """``expires_in`` is the token's lifetime (RingCentral's TokenInfo: "Access token TTL"), not the
    whole seconds left a moment after issuing it: 3600 and 604800 for a fresh token, as on the fake clock."""
    with base_url_with(transport, clock()) as url:
        body = requests.post(
            f"{url}{TOKEN}",
            data={"grant_type": JWT, "assertion": "mockrc-admin-jwt"},
            auth=CLIENT,
            timeout=10,
        ).json()

    assert (body["expires_in"], body["refresh_token_expires_in"]) == (3600, 604800)


def test_the_issued_token_opens_the_scim_api(fake: Fake) -> None:
    token = jwt_login(fake)["access_token"]

    response = fake.session.get(
        fake.url("/scim/v2/Users"), headers={"Authorization": f"bearer {token}"}, timeout=10
    )

    assert response.status_code == 200


def test_client_credentials_in_the_form_work_too(fake: Fake) -> None:
    form = {
        "grant_type": "password",
        "username": "admin@mockrc.test",
        "password": "mockrc-admin-password",
        "client_id": CLIENT[0],
        "client_secret": CLIENT[1],
    }

    assert post_form(fake, TOKEN, form).status_code == 200


def test_a_wrong_client_secret_answers_ringcentral_400(fake: Fake) -> None:
    response = post_form(
        fake, TOKEN, {"grant_type": JWT, "assertion": "mockrc-admin-jwt"}, auth=(CLIENT[0], "nope")
    )

    assert response.status_code == 400
    assert_no_cache(response)
    assert response.json() == {
        "error": "invalid_client",
        "errors": [{"errorCode": "OAU-146", "message": "Invalid client credentials"}],
        "error_description": "Invalid client credentials",
    }
    assert list(response.json()) == ["error", "errors", "error_description"]


def test_no_client_authentication_answers_oau_123(fake: Fake) -> None:
    response = post_form(fake, TOKEN, {"grant_type": JWT, "assertion": "mockrc-admin-jwt"})

    assert response.status_code == 400
    assert response.text == (
        '{"error":"invalid_client",'
        '"errors":[{"errorCode":"OAU-123","message":"Client authentication is required"}],'
        '"error_description":"Client authentication is required"}'
    )


def test_a_wrong_password_answers_the_observed_oau_140_body(fake: Fake) -> None:
    form = {"grant_type": "password", "username": "admin@mockrc.test", "password": "wrong"}

    response = post_form(fake, TOKEN, form, auth=CLIENT)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "errors": [{"errorCode": "OAU-140", "message": "Invalid resource owner credentials"}],
        "error_description": "Invalid resource owner credentials",
    }


def test_a_missing_and_an_unknown_field_are_named(fake: Fake) -> None:
    response = post_form(
        fake, TOKEN, {"grant_type": "password", "username": "admin@mockrc.test", "pasword": "x"}, auth=CLIENT
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "errors": [
            {
                "errorCode": "CMN-100",
                "message": "Mandatory parameter [password] not specified",
                "parameters": [{"parameterName": "password"}],
            },
            {
                "errorCode": "OAU-101",
                "message": "Unsupported parameter [pasword]",
                "parameters": [{"parameterName": "pasword"}],  # a typo of password: its value is not echoed
            },
        ],
        "error_description": "Mandatory parameter [password] not specified",
    }


def test_a_repeated_field_answers_oau_111(fake: Fake) -> None:
    body = "grant_type=password&username=a&username=b&password=x"

    response = post_form(
        fake, TOKEN, body, auth=CLIENT, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "errorCode": "OAU-111",
            "message": "Request parameter duplication detected",
            "parameters": [{"parameterName": "username"}],
        }
    ]


def test_a_json_body_answers_415(fake: Fake) -> None:
    response = fake.session.post(fake.url(TOKEN), json={"grant_type": JWT}, auth=CLIENT, timeout=10)

    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.json()["message"]


def test_the_token_endpoint_takes_post_only(fake: Fake) -> None:
    assert fake.session.get(fake.url(TOKEN), timeout=10).status_code == 405


def test_ttls_are_clamped_as_ringcentral_documents(fake: Fake) -> None:
    body = jwt_login(fake, access_token_ttl="30", refresh_token_ttl="5000000")

    assert (body["expires_in"], body["refresh_token_expires_in"]) == (600, 2592000)


def test_refresh_rotates_and_the_old_access_token_answers_401(fake: Fake) -> None:
    first = jwt_login(fake)
    response = post_form(
        fake, TOKEN, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, auth=CLIENT
    )
    second = response.json()

    assert response.status_code == 200
    assert second["session_id"] == first["session_id"]
    assert second["refresh_token"] != first["refresh_token"]
    old = fake.session.get(
        fake.url("/scim/v2/Users"), headers={"Authorization": f"Bearer {first['access_token']}"}, timeout=10
    )
    assert old.status_code == 401
    assert old.json()["detail"] == "Token not found"


def test_expired_refresh_token_answers_oau_210(fake: Fake) -> None:
    first = jwt_login(fake, refresh_token_ttl="100")
    fake.clock.advance(100)

    response = post_form(
        fake, TOKEN, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, auth=CLIENT
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [{"errorCode": "OAU-210", "message": "Token expired"}]


# --- revoke ---------------------------------------------------------------------------------------


def test_revoke_ends_the_session_and_answers_200_without_body(fake: Fake) -> None:
    tokens = jwt_login(fake)

    response = post_form(fake, "/restapi/oauth/revoke", {"token": tokens["access_token"]}, auth=CLIENT)

    assert response.status_code == 200
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert_no_cache(response)
    scim = fake.session.get(
        fake.url("/scim/v2/Users"), headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    )
    assert (scim.status_code, scim.json()["detail"]) == (401, "Token not found")
    refresh = post_form(
        fake, TOKEN, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=CLIENT
    )
    assert refresh.json()["errors"][0]["errorCode"] == "OAU-213"


def test_revoke_takes_the_token_in_the_query(fake: Fake) -> None:
    tokens = jwt_login(fake)

    response = fake.session.post(
        fake.url("/restapi/oauth/revoke"), params={"token": tokens["refresh_token"]}, auth=CLIENT, timeout=10
    )

    assert response.status_code == 200
    introspected = fake.state.tokens.find(tokens["access_token"])
    assert introspected is not None and introspected.revoked


# --- introspect and userinfo ------------------------------------------------------------------------


def test_introspect_without_interoperability_answers_invalid_scope(fake: Fake) -> None:
    tokens = jwt_login(fake)

    response = post_form(fake, "/restapi/oauth/introspect", {"token": tokens["access_token"]}, auth=CLIENT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_introspect_with_interoperability(fake: Fake) -> None:
    account = fake.state.account
    app = dataclasses.replace(
        account.default_app, permissions=(*account.default_app.permissions, "Interoperability")
    )
    fake.state.use_account(dataclasses.replace(account, apps=(app,)))
    tokens = jwt_login(fake, scope="ReadAccounts")

    active = post_form(fake, "/restapi/oauth/introspect", {"token": tokens["access_token"]}, auth=CLIENT)
    unknown = post_form(fake, "/restapi/oauth/introspect", {"token": "nope"}, auth=CLIENT)

    now = int(fake.clock.now())
    assert active.json() == {
        "active": True,
        "scope": "ReadAccounts",
        "client_id": "mockrc-client-id",
        "token_type": "bearer",
        "exp": now + 3600,
        "iat": now,
        "sub": "100000001",
        "account_id": "400000001",
        "session_id": tokens["session_id"],
    }
    assert unknown.json() == {"active": False}


def test_userinfo_answers_the_users_claims(fake: Fake) -> None:
    token = jwt_login(fake, "mockrc-user-jwt")["access_token"]

    response = fake.session.get(
        fake.url("/restapi/oauth/userinfo"), headers={"Authorization": f"Bearer {token}"}, timeout=10
    )

    assert response.status_code == 200
    assert response.json() == {
        "sub": "100000002",
        "email": "user@mockrc.test",
        "email_verified": True,
        "account_id": "400000001",
        "family_name": "User",
        "given_name": "Sam",
    }


def test_userinfo_without_a_token_answers_the_gateways_401(fake: Fake) -> None:
    response = fake.session.get(fake.url("/restapi/oauth/userinfo"), timeout=10)

    assert response.status_code == 401
    assert response.json() == {
        "errorCode": "AGW-401",
        "message": "Authorization header is not specified",
        "errors": [{"errorCode": "AGW-401", "message": "Authorization header is not specified"}],
    }


@pytest.mark.parametrize("path", ["/restapi/oauth/revoke", "/restapi/oauth/introspect"])
def test_revoke_and_introspect_authenticate_the_client(fake: Fake, path: str) -> None:
    response = post_form(fake, path, {"token": "x"}, auth=(CLIENT[0], "wrong"))

    assert response.status_code == 400
    assert response.json()["errors"][0]["errorCode"] == "OAU-146"


def test_a_token_request_missing_a_field_is_recorded_as_a_contract_violation(fake: Fake) -> None:
    response = fake.session.post(
        fake.url("/restapi/oauth/token"),
        data={"grant_type": "password", "username": "admin@mockrc.test"},
        auth=("mockrc-client-id", "mockrc-client-secret"),
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert [r.violation.rule for r in fake.state.journal.violations()] == ["oauth.invalid-request"]
