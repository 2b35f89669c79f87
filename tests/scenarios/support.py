"""What the scenario tests do again and again: sign in, call SCIM, activate a scenario."""

from __future__ import annotations

from typing import Any

import requests

from tests.helpers import ERROR
from tests.http.conftest import Fake

CLIENT = ("mockrc-client-id", "mockrc-client-secret")
JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def token_request(fake: Fake, **form: str) -> requests.Response:
    """``POST /restapi/oauth/token`` with the default app's credentials."""
    return fake.session.post(fake.url("/restapi/oauth/token"), data=form, auth=CLIENT, timeout=10)


def login(fake: Fake, assertion: str = "mockrc-admin-jwt") -> dict[str, Any]:
    """Sign in with a JWT credential (RingCentral's server flow); the TokenInfo."""
    response = token_request(fake, grant_type=JWT, assertion=assertion)
    assert response.status_code == 200, response.text
    return response.json()


def as_user(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def scim(fake: Fake, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
    """A SCIM call with ``token`` (not the fake's own admin token)."""
    return fake.session.request(
        method, fake.url(f"/scim/v2{path}"), headers=as_user(token), timeout=10, **kwargs
    )


def scim_error(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    body["detail"] = detail
    return body


def activate(fake: Fake, name: str) -> None:
    fake.state.scenarios.activate(name)
