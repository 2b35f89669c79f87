"""The authorization code flow through the HTML pages, with a plain HTTP client, through both transports."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tests.http.conftest import Fake

AUTHORIZE = "/restapi/oauth/authorize"
CLIENT = ("mockrc-client-id", "mockrc-client-secret")
VERIFIER = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class Form(HTMLParser):
    """The first form of a page: its action, method, fields and submit buttons, as a browser sees them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.action = ""
        self.method = ""
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, list[str]] = {}
        self.errors: list[str] = []
        self._in_form = False
        self._in_error = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.action:
            self.action, self.method, self._in_form = found["action"], found["method"], True
        elif tag == "input" and self._in_form:
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "button" and self._in_form and "name" in found:
            self.buttons.setdefault(found["name"], []).append(found["value"])
        elif found.get("role") == "alert":
            self._in_error = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        self._in_error = False

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.errors.append(data)


def submit(fake: Fake, page: requests.Response, **values: str) -> requests.Response:
    form = Form(page.text)
    assert form.method == "post"
    return fake.session.post(
        urljoin(page.url, form.action), data={**form.fields, **values}, allow_redirects=False, timeout=10
    )


def start(fake: Fake, **params: str) -> requests.Response:
    query = {"client_id": CLIENT[0], "response_type": "code", **params}
    return fake.session.get(fake.url(AUTHORIZE), params=query, allow_redirects=False, timeout=10)


def sign_in(fake: Fake, page: requests.Response, username: str, password: str) -> requests.Response:
    return submit(fake, page, username=username, password=password)


def redirect_query(response: requests.Response) -> tuple[str, dict[str, list[str]]]:
    assert response.status_code == 302
    parts = urlsplit(response.headers["Location"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


def test_authorization_code_with_pkce_through_the_pages(fake: Fake) -> None:
    signin = start(fake, state="af0ifjsldkj", code_challenge=CHALLENGE, code_challenge_method="S256")
    assert signin.status_code == 200
    assert signin.headers["Content-Type"] == "text/html; charset=utf-8"
    assert signin.headers["Cache-Control"] == "no-store"
    assert set(Form(signin.text).fields) == {"mockrc_step", "ticket", "username", "password"}
    assert not any(marker in signin.text for marker in ("<script", "src=", "href=", "@import"))

    consent = sign_in(fake, signin, "admin@mockrc.test", "mockrc-admin-password")
    assert consent.status_code == 200
    assert "admin@mockrc.test" in consent.text and "EditAccounts" in consent.text
    assert Form(consent.text).buttons == {"decision": ["allow", "deny"]}

    redirect = submit(fake, consent, decision="allow")
    target, query = redirect_query(redirect)
    assert target == "http://localhost:8080/callback"
    assert set(query) == {"code", "state", "expires_in"}
    assert (query["state"], query["expires_in"]) == (["af0ifjsldkj"], ["60"])

    token = fake.session.post(
        fake.url("/restapi/oauth/token"),
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": "http://localhost:8080/callback",
            "code_verifier": VERIFIER,
        },
        auth=CLIENT,
        timeout=10,
    )
    assert token.status_code == 200
    users = fake.session.get(
        fake.url("/scim/v2/Users"),
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=10,
    )
    assert users.status_code == 200


def test_the_flow_with_a_loopback_redirect_and_post_authorize(fake: Fake) -> None:
    signin = fake.session.post(
        fake.url(AUTHORIZE),
        data={
            "client_id": CLIENT[0],
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:53682/cb?x=1",
        },
        timeout=10,
    )
    consent = sign_in(fake, signin, "+16505550101", "mockrc-admin-password")

    target, query = redirect_query(submit(fake, consent, decision="allow"))

    assert target == "http://127.0.0.1:53682/cb"
    assert query["x"] == ["1"] and "code" in query and "state" not in query


def test_a_wrong_password_shows_the_sign_in_page_again(fake: Fake) -> None:
    signin = start(fake, login_hint="admin@mockrc.test")
    assert Form(signin.text).fields["username"] == "admin@mockrc.test"

    again = sign_in(fake, signin, "admin@mockrc.test", "wrong<script>")

    assert again.status_code == 200
    form = Form(again.text)
    assert form.errors == ["Invalid resource owner credentials"]
    assert form.fields["username"] == "admin@mockrc.test"
    assert form.fields["ticket"] == Form(signin.text).fields["ticket"]


def test_the_username_is_escaped_in_the_page(fake: Fake) -> None:
    again = sign_in(fake, start(fake), '"><script>alert(1)</script>', "x")

    assert "<script>alert(1)" not in again.text
    assert Form(again.text).fields["username"] == '"><script>alert(1)</script>'


def test_denying_consent_redirects_with_access_denied(fake: Fake) -> None:
    consent = sign_in(fake, start(fake, state="s"), "admin@mockrc.test", "mockrc-admin-password")

    _, query = redirect_query(submit(fake, consent, decision="deny"))

    assert query == {
        "error": ["access_denied"],
        "error_description": ["The user denied the authorization"],
        "state": ["s"],
    }


def test_a_consent_page_is_used_once(fake: Fake) -> None:
    consent = sign_in(fake, start(fake), "admin@mockrc.test", "mockrc-admin-password")
    submit(fake, consent, decision="allow")

    replay = submit(fake, consent, decision="allow")

    assert replay.status_code == 400
    assert replay.json()["errors"][0]["errorCode"] == "OAU-102"


@pytest.mark.parametrize(
    ("params", "error", "code"),
    [
        ({"redirect_uri": "https://attacker.example/cb"}, "invalid_grant", "OAU-109"),
        ({"redirect_uri": "http://localhost:8080/callback#frag"}, "invalid_request", "OAU-101"),
        ({"client_id": "unknown-app"}, "invalid_client", "OAU-153"),
        ({"response_type": "token"}, "unsupported_response_type", "OAU-101"),
        ({"code_challenge_method": "S512", "code_challenge": CHALLENGE}, "invalid_request", "OAU-101"),
    ],
)
def test_bad_authorize_requests_answer_400_and_never_redirect(
    fake: Fake, params: dict[str, str], error: str, code: str
) -> None:
    response = start(fake, **params)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert (response.json()["error"], response.json()["errors"][0]["errorCode"]) == (error, code)


def test_the_code_cannot_be_redeemed_with_a_wrong_verifier(fake: Fake) -> None:
    consent = sign_in(
        fake,
        start(fake, code_challenge=CHALLENGE, code_challenge_method="S256"),
        "admin@mockrc.test",
        "mockrc-admin-password",
    )
    _, query = redirect_query(submit(fake, consent, decision="allow"))

    response = fake.session.post(
        fake.url("/restapi/oauth/token"),
        data={"grant_type": "authorization_code", "code": query["code"][0], "code_verifier": "x" * 43},
        auth=CLIENT,
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "errors": [
            {
                "errorCode": "OAU-101",
                "message": "Parameter [code_verifier] is invalid",
                "parameters": [{"parameterName": "code_verifier"}],  # a secret: not echoed
            }
        ],
        "error_description": "Parameter [code_verifier] is invalid",
    }
