"""RingCentral's official Python SDK (``ringcentral`` on PyPI) against the fake, as its users would.

Each test runs twice: in-process (``mock_ringcentral`` intercepts the SDK's ``requests`` calls to
https://platform.ringcentral.com) and against ``mockrc serve`` started as a separate process with
its default account. Nothing here knows mockrc's internals: only the SDK, the documented default
credentials and plain HTTP for the browser part of the authorization code flow.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException
from ringcentral.platform.platform import Platform

from mockrc import mock_ringcentral
from mockrc.resources import fixture
from tests.conformance.live_server import mockrc_serve
from tests.helpers import LIST, minimal_user

CLIENT_ID = "mockrc-client-id"
CLIENT_SECRET = "mockrc-client-secret"


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """One ``mockrc serve`` process for the module (tests use their own users and sessions)."""
    with mockrc_serve() as (url, _output):
        yield url


@pytest.fixture(params=["inprocess", "serve"])
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL the SDK is pointed at."""
    if request.param == "inprocess":
        with mock_ringcentral() as rc:
            yield rc.base_url
    else:
        yield request.getfixturevalue("served")


def platform(server: str, secret: str = CLIENT_SECRET) -> Platform:
    return SDK(CLIENT_ID, secret, server, "mockrc-tests", "1.0.0").platform()


def scim_json(response: Any) -> dict[str, Any]:
    """The body of an SDK response (its ``json_dict`` insists on application/json; SCIM answers
    application/scim+json, which RingCentral's spec allows)."""
    return response.response().json()


def status_of(error: ApiException) -> int:
    return error.api_response().response().status_code


def error_body(error: ApiException) -> dict[str, Any]:
    return error.api_response().response().json()


def test_jwt_login_then_scim_list_and_create(server: str) -> None:
    sdk = platform(server)
    sdk.login(jwt="mockrc-admin-jwt")
    email = f"sdk.{uuid.uuid4().hex[:12]}@example.com"

    assert sdk.logged_in()
    assert sdk.auth().data()["owner_id"] == "100000001"
    created = sdk.post("/scim/v2/Users", minimal_user(email))
    listed = sdk.get("/scim/v2/Users", {"filter": f'userName eq "{email}"'})

    assert created.response().status_code == 201
    assert scim_json(created)["userName"] == email
    page = scim_json(listed)
    assert page["schemas"] == [LIST]
    assert page["totalResults"] == 1
    assert page["Resources"][0]["id"] == scim_json(created)["id"]


def test_password_login(server: str) -> None:
    sdk = platform(server)

    with pytest.warns(UserWarning, match="username-password login"):
        sdk.login(username="admin@mockrc.test", password="mockrc-admin-password")

    assert sdk.auth().data()["scope"] == "ReadAccounts EditAccounts"
    assert sdk.get("/scim/v2/ServiceProviderConfig").response().status_code == 200


def test_refresh_replaces_the_tokens_and_ends_the_old_access_token(server: str) -> None:
    sdk = platform(server)
    sdk.login(jwt="mockrc-admin-jwt")
    before = dict(sdk.auth().data())

    sdk.refresh()
    after = sdk.auth().data()

    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert sdk.get("/scim/v2/Users").response().status_code == 200
    stale = requests.get(
        f"{server}/scim/v2/Users", headers={"Authorization": f"Bearer {before['access_token']}"}, timeout=10
    )
    assert stale.status_code == 401


def test_logout_revokes_the_session(server: str) -> None:
    sdk = platform(server)
    sdk.login(jwt="mockrc-admin-jwt")
    saved = dict(sdk.auth().data())

    sdk.logout()
    sdk.auth().set_data(saved)
    with pytest.raises(ApiException) as caught:
        sdk.get("/scim/v2/Users")

    assert status_of(caught.value) == 401
    assert error_body(caught.value)["detail"] == "Token not found"
    with pytest.raises(ApiException) as refreshed:
        sdk.refresh()
    assert status_of(refreshed.value) == 400
    assert error_body(refreshed.value)["errors"][0]["errorCode"] == "OAU-213"


def test_a_wrong_client_secret_is_refused(server: str) -> None:
    sdk = platform(server, secret="not-the-secret")

    with pytest.raises(ApiException) as caught:
        sdk.login(jwt="mockrc-admin-jwt")

    assert status_of(caught.value) == 400
    assert error_body(caught.value) == {
        "error": "invalid_client",
        "errors": [{"errorCode": "OAU-146", "message": "Invalid client credentials"}],
        "error_description": "Invalid client credentials",
    }
    assert not sdk.logged_in()


def test_a_wrong_jwt_is_refused_as_unparseable(server: str) -> None:
    with pytest.raises(ApiException) as caught:
        platform(server).login(jwt="wrong-jwt")

    assert status_of(caught.value) == 400
    assert "Unparseable assertion" in str(caught.value)


def test_a_standard_user_may_not_provision(server: str) -> None:
    sdk = platform(server)
    sdk.login(jwt="mockrc-user-jwt")

    with pytest.raises(ApiException) as caught:
        sdk.get("/scim/v2/Users")

    assert status_of(caught.value) == 403


class _Form(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = found["action"]
        elif tag == "input":
            self.fields[found["name"]] = found.get("value", "")


def test_authorization_code_with_pkce_then_sdk_login(server: str) -> None:
    verifier = base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = "http://localhost:8080/callback"
    browser = requests.Session()
    page = browser.get(
        f"{server}/restapi/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "state": "s-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        timeout=10,
    )
    for values in (
        {"username": "admin@mockrc.test", "password": "mockrc-admin-password"},
        {"decision": "allow"},
    ):
        form = _Form(page.text)
        page = browser.post(
            urljoin(page.url, form.action), data={**form.fields, **values}, allow_redirects=False, timeout=10
        )
    location = urlsplit(page.headers["Location"])
    query = parse_qs(location.query)

    sdk = SDK(CLIENT_ID, CLIENT_SECRET, server, redirect_uri=redirect_uri).platform()
    sdk.login(code=query["code"][0], verifier=verifier)

    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    assert query["state"] == ["s-1"]
    assert sdk.auth().data()["owner_id"] == "100000001"
    assert sdk.get("/scim/v2/Users").response().status_code == 200


def test_mockrc_serve_with_an_account_file(tmp_path: Path) -> None:
    account = json.loads(fixture("accounts", "default.json").read_text(encoding="utf-8"))
    account["scimEnabled"] = False
    account["apps"][0].update(clientId="acme-sync", clientSecret="acme-secret")
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(account), encoding="utf-8")

    with mockrc_serve("--account", str(path)) as (url, output):
        sdk = SDK("acme-sync", "acme-secret", url).platform()
        sdk.login(jwt="mockrc-admin-jwt")
        with pytest.raises(ApiException) as caught:
            sdk.get("/scim/v2/Users")

    assert any("client_id acme-sync" in line for line in output)
    assert status_of(caught.value) == 403
    assert error_body(caught.value)["detail"] == "Feature [Bulk Assign] is not available"
