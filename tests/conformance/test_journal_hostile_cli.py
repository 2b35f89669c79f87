"""``mockrc serve --journal FILE`` from outside, with a hostile client (issue 10, items 3 and 5).

Deeply nested bodies and secret-bearing requests go to a real server over real sockets. After
SIGTERM the file has every request, each once; ``mockrc report`` fails naming the refused one;
and no secret the client sent, nor any token the fake issued, is in the file, the JUnit report,
``/__mockrc/journal`` or the dashboard's JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

from mockrc.report import load_journal
from tests.conformance.live_server import mockrc_serve
from tests.helpers import minimal_user, patch

AUTH = {"Authorization": "Bearer mockrc-admin-token"}
SCIM = {**AUTH, "Content-Type": "application/scim+json"}
SECRETS = {
    "header": "hostile-api-key-7f3a",
    "patch": "hostile-patch-password-91c2",
    "escaped": "hostile-escaped-password-55d0",
    "bearer": "hostile-bearer-at-token-e4b1",
    "typo": "hostile-typo-password-0a9f",
    "query": "hostile-query-token-c3d8",
}


def _hostile_traffic(url: str) -> tuple[int, list[str]]:
    """Send it all; returns how many requests were sent and the tokens the fake issued."""
    scim = f"{url}/scim/v2"
    deep = (
        '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "title": ' + "[" * 900 + "]" * 900 + "}"
    )
    refused = requests.post(f"{scim}/Users", data=deep, headers=SCIM, timeout=30)
    assert refused.status_code == 400
    requests.post(f"{scim}/Users", data="[" * 100_000, headers=SCIM, timeout=30)  # 400 or, today, 500
    created = requests.post(
        f"{scim}/Users",
        json=minimal_user("ann@example.com"),
        headers={**AUTH, "X-Api-Key": SECRETS["header"]},
        params={"access_token": SECRETS["query"]},
        timeout=10,
    )
    requests.patch(
        f"{scim}/Users/{created.json()['id']}",
        json=patch({"op": "replace", "path": "password", "value": SECRETS["patch"]}),
        headers=AUTH,
        timeout=10,
    )
    escaped = (
        json.dumps(minimal_user("bob@example.com"))[:-1] + f', "pass\\u0077ord": "{SECRETS["escaped"]}"}}'
    )
    requests.post(f"{scim}/Users", data=escaped, headers=SCIM, timeout=10)
    token = f"{url}/restapi/oauth/token"
    requests.post(
        token,
        data={"grant_type": "password", "username": "admin@mockrc.test", "password": "x"},
        headers={"Authorization": f"Bearer {SECRETS['bearer']}"},
        timeout=10,
    )
    client = ("mockrc-client-id", "mockrc-client-secret")
    requests.post(
        token,
        data={"grant_type": "password", "username": "admin@mockrc.test", "pasword": SECRETS["typo"]},
        auth=client,
        timeout=10,
    )
    login = requests.post(
        token,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "mockrc-admin-jwt"},
        auth=client,
        timeout=10,
    )
    issued = [login.json()["access_token"], login.json()["refresh_token"]]
    return 8, issued


def test_the_file_has_every_hostile_request_once_and_no_secret(tmp_path: Path) -> None:
    journal, junit = tmp_path / "journal.jsonl", tmp_path / "report.xml"
    with mockrc_serve("--journal", str(journal)) as (url, _output):
        sent, issued = _hostile_traffic(url)
        outputs = {"/__mockrc/journal": requests.get(f"{url}/__mockrc/journal?limit=100", timeout=30).text}
        entries = json.loads(outputs["/__mockrc/journal"])["entries"]
        outputs["dashboard"] = requests.get(f"{url}/__mockrc/ui/api/overview", timeout=30).text
        for entry in entries:
            outputs[f"dashboard #{entry['id']}"] = requests.get(
                f"{url}/__mockrc/ui/api/journal/{entry['id']}", timeout=30
            ).text

    recorded = load_journal(journal)
    result = subprocess.run(
        [sys.executable, "-m", "mockrc", "report", str(journal), "--junit", str(junit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    outputs["journal file"] = journal.read_text(encoding="utf-8")
    outputs["junit"] = junit.read_text(encoding="utf-8")
    outputs["report output"] = result.stdout + result.stderr

    assert len(recorded) == len(entries) == sent
    assert len({e["id"] for e in recorded}) == sent
    assert [e["path"] for e in recorded[:2]] == ["/scim/v2/Users", "/scim/v2/Users"]
    assert "nested deeper" in recorded[0]["body_note"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"#{recorded[0]['id']} POST /scim/v2/Users -> 400" in result.stdout
    leaks = [
        (secret, where)
        for where, text in outputs.items()
        for secret in [*SECRETS.values(), *issued, "mockrc-admin-token"]
        if secret in text
    ]
    assert leaks == []
