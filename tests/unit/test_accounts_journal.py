"""One journal file for a server's accounts: each entry says its account, and ``mockrc report
--account`` reports on one (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockrc.app import create_app
from mockrc.cli.main import main
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from tests.helpers import entra_user


def test_every_account_writes_to_the_one_journal_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    state = MockState(Settings(tokens=("default-token",)), clock=FakeClock())
    state.journal.stream_to(journal)
    client = create_app(state).test_client()
    made = client.post("/__mockrc/accounts", json={}).get_json()
    as_b = {"Authorization": f"Bearer {made['token']}"}
    assert client.post("/scim/v2/Users", json=entra_user(), headers=as_b).status_code == 201
    # A bad request in B: a contract violation that only B's report may show.
    assert client.post("/scim/v2/Users", json={"userName": 5}, headers=as_b).status_code == 400
    assert client.get("/scim/v2/Users", headers={"Authorization": "Bearer default-token"}).status_code == 200
    client.delete(f"/__mockrc/accounts/{made['id']}", content_type="application/json")
    state.journal.close()

    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert [(e["method"], e["account"]) for e in lines] == [
        ("POST", made["id"]),
        ("POST", made["id"]),
        ("GET", "default"),
    ]
    capsys.readouterr()
    assert main(["report", str(journal), "--account", "default", "--min-requests", "1"]) == 0
    assert "in 1 request" in capsys.readouterr().out
    assert main(["report", str(journal), "--account", made["id"], "--min-requests", "1"]) == 1
    # An account with no entries is an empty journal (--min-requests 1 fails it).
    assert main(["report", str(journal), "--account", "0123456789ab"]) == 1
