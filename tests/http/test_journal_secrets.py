"""No secret a client sends reaches any output of the journal (issue 10, item 5).

A unique secret is planted in every place a client can put one: custom headers, cookies, the
query, JSON members (escaped keys too), PATCH operations with and without a path, malformed and
plain-text bodies, every OAuth form field and header, and the tokens the fake issues in its
answers. Then every output is read, through both transports, and searched for each of them: the
journal's file, ``/__mockrc/journal``, find, violations, the three reports, the dashboard's JSON,
and what the Python API prints.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest

from mockrc.journal import REDACTED
from tests.helpers import minimal_user, patch
from tests.http.conftest import Fake

TOKEN = "/restapi/oauth/token"
CLIENT = ("mockrc-client-id", "mockrc-client-secret")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SCIM = {"Content-Type": "application/scim+json"}


class Planted(dict[str, str]):
    """A unique secret per place, named after it."""

    def __missing__(self, place: str) -> str:
        self[place] = f"s3cret-{place}-{uuid.uuid4().hex[:12]}"
        return self[place]


def _send_everything(fake: Fake, s: Planted) -> list[str]:
    """Every way to send a secret; returns the secrets the fake's answers carried (issued tokens)."""
    custom = {
        "X-Api-Key": s["x-api-key"],
        "X-Mockrc-Admin-Key": s["admin-key"],
        "Cookie": f"session={s['cookie']}",
        "X-Anything": s["custom-header"],
    }
    created = fake.post(
        "/scim/v2/Users",
        params={"access_token": s["query-token"], "pass\u0077ord": s["query-password"]},
        json={**minimal_user("ann@example.com"), "password": s["json-password"]},
        headers=custom,
    )
    user = f"/scim/v2/Users/{created.json()['id']}"
    escaped = json.dumps(minimal_user("bob@example.com"))[:-1] + f', "pass\\u0077ord": "{s["escaped-key"]}"}}'
    fake.post("/scim/v2/Users", data=escaped, headers=SCIM)
    fake.patch(
        user,
        json=patch(
            {"op": "replace", "path": "password", "value": s["patch-path"]},
            {"op": "replace", "value": {"password": s["patch-pathless"], "title": "Engineer"}},
            {
                "op": "replace",
                "path": "urn:ietf:params:scim:schemas:core:2.0:User:password",
                "value": s["urn"],
            },
        ),
    )
    fake.put(user, json={**minimal_user("ann@example.com"), "password": 12345678901234})
    fake.post("/scim/v2/Users", data=f'{{"userName": "x", "password": "{s["malformed"]}", ', headers=SCIM)
    fake.get("/scim/v2/Users", params={"filter": f'password eq "{s["filter-query"]}"'})
    fake.post(
        "/scim/v2/Users/.search", json={"filter": f'userName eq "a" or password eq "{s["filter-search"]}"'}
    )
    fake.post("/scim/v2/Users", data=f"password={s['plain-text']}", headers={"Content-Type": "text/plain"})
    fake.get(
        "/scim/v2/Users",
        headers={"Authorization": "Basic " + base64.b64encode(f"id:{s['basic-on-scim']}".encode()).decode()},
    )
    admin = fake.state.account.default_admin
    login = fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "password", "username": admin.email, "password": admin.password},
        auth=CLIENT,
        timeout=10,
    )
    issued = [login.json()["access_token"], login.json()["refresh_token"], admin.password, CLIENT[1]]
    fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "password", "username": admin.email, "pasword": s["typo"]},
        auth=CLIENT,
        timeout=10,
    )
    fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "password", "username": admin.email, "password": s["password-with-bearer"]},
        headers={"Authorization": f"Bearer {s['bearer-at-token']}"},
        timeout=10,
    )
    fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "password", "client_id": CLIENT[0], "client_secret": s["client-secret"]},
        timeout=10,
    )
    fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": s["assertion"]},
        auth=CLIENT,
        timeout=10,
    )
    fake.session.post(
        fake.url(TOKEN),
        data={
            "grant_type": "authorization_code",
            "code": s["code"],
            "code_verifier": s["verifier"] + "x" * 43,
        },
        auth=CLIENT,
        timeout=10,
    )
    fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "refresh_token", "refresh_token": s["refresh"]},
        auth=CLIENT,
        timeout=10,
    )
    fake.session.post(
        fake.url("/restapi/oauth/revoke"), params={"token": s["revoke-query"]}, auth=CLIENT, timeout=10
    )
    fake.session.post(
        fake.url("/restapi/oauth/revoke"), data={"token": issued[0]}, auth=CLIENT, headers=FORM, timeout=10
    )
    return issued


def _every_output(fake: Fake) -> dict[str, str]:
    outputs = {
        "journal": fake.get("/__mockrc/journal", params={"limit": 1000}).text,
        "find": fake.post("/__mockrc/journal/find", json={"method": "POST"}).text,
        "near misses": fake.post("/__mockrc/journal/find", json={"method": "POST", "status": 299}).text,
        "violations": fake.get("/__mockrc/violations").text,
        "dashboard overview": fake.get("/__mockrc/ui/api/overview").text,
    }
    for form in ("json", "junit", "markdown"):
        outputs[f"report {form}"] = fake.get("/__mockrc/report", params={"format": form}).text
    for entry in fake.state.journal.entries():
        outputs[f"dashboard #{entry.id}"] = fake.get(f"/__mockrc/ui/api/journal/{entry.id}").text
        outputs[f"describe #{entry.id}"] = entry.describe()
    journal = fake.state.journal
    outputs["violations (Python)"] = repr([v.to_dict() for v in journal.violations()])
    outputs["near misses (Python)"] = "\n".join(
        m.describe() for m in journal.near_misses(method="POST", status=299)
    )
    with pytest.raises(AssertionError) as failed:
        journal.assert_no_violations(include_warnings=True)
    outputs["assert_no_violations"] = str(failed.value)
    return outputs


def test_no_secret_reaches_any_output(fake: Fake, tmp_path: Path) -> None:
    journal_file = tmp_path / "journal.jsonl"
    fake.state.journal.stream_to(journal_file)
    planted = Planted()
    issued = _send_everything(fake, planted)
    fake.state.journal.close()

    outputs = _every_output(fake)
    outputs["journal file"] = journal_file.read_text(encoding="utf-8")

    assert len(fake.state.journal) >= 15
    assert REDACTED in outputs["journal file"]
    secrets = [*planted.values(), *issued, fake.token]
    leaks = [(secret, where) for where, text in outputs.items() for secret in secrets if secret in text]
    assert leaks == []


def test_what_stays_is_what_the_allow_list_says(fake: Fake) -> None:
    fake.post(
        "/scim/v2/Users",
        json=minimal_user("ann@example.com"),
        headers={"User-Agent": "Provisioner/1.0", "X-Api-Key": "k3y-value", "X-Ms-Client-Request-Id": "42"},
    )

    [entry] = fake.state.journal.entries()

    headers = entry.headers
    assert headers["User-Agent"] == "Provisioner/1.0"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Ms-Client-Request-Id"] == "42"
    assert headers["Authorization"] == f"Bearer {REDACTED}"
    assert headers["X-Api-Key"] == REDACTED
    assert entry.body == minimal_user("ann@example.com")  # nothing in a user without a password is hidden


def test_a_patch_or_a_filter_of_a_password_keeps_everything_but_the_password(fake: Fake) -> None:
    created = fake.post("/scim/v2/Users", json=minimal_user("ann@example.com")).json()
    operations = [
        {"op": "replace", "path": "password", "value": "hunter22"},
        {"op": "replace", "value": {"password": "hunter22", "title": "Engineer"}},
        {"op": "replace", "path": "title", "value": "Boss"},
    ]
    fake.get("/scim/v2/Users", params={"filter": 'userName eq "ann@example.com" and password eq "hunter22"'})

    fake.patch(f"/scim/v2/Users/{created['id']}", json=patch(*operations))

    searched, patched = fake.state.journal.entries()[-2:]
    assert searched.query == {"filter": f'userName eq "ann@example.com" and password eq "{REDACTED}"'}
    assert patched.body["Operations"] == [
        {"op": "replace", "path": "password", "value": REDACTED},
        {"op": "replace", "value": {"password": REDACTED, "title": "Engineer"}},
        {"op": "replace", "path": "title", "value": "Boss"},
    ]
    fake.get("/scim/v2/Users", params={"filter": 'userName eq "ann@example.com" and password eq "hunter22"'})


def test_the_oauth_errors_do_not_echo_what_the_client_sent_as_a_secret(fake: Fake) -> None:
    bearer = fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "password", "username": "admin@mockrc.test", "password": "x"},
        headers={"Authorization": "Bearer echo-me-not-1"},
        timeout=10,
    )
    typo = fake.session.post(
        fake.url(TOKEN),
        data={"grant_type": "password", "username": "admin@mockrc.test", "pasword": "echo-me-not-2"},
        auth=CLIENT,
        timeout=10,
    )

    assert bearer.status_code == typo.status_code == 400
    assert bearer.json()["error_description"] == f"Invalid Authorization header value: Bearer {REDACTED}"
    assert "echo-me-not" not in bearer.text + typo.text
