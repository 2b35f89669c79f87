"""A journal of a server with several accounts: ``mockrc record`` and ``mockrc replay`` read one.

Accounts share nothing: the same userName may live in two of them, so recording or replaying two
accounts' requests as one session would make one that never happened (the seed file would hold a
userName twice). Without ``--account`` a journal of several accounts is refused, naming them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.helpers import minimal_user
from tests.replay.support import fake, replay_json, run

AUTH = {"Authorization": "Bearer replay-test-token"}


def _two_accounts(journal: Path) -> str:
    """The default account and one made over HTTP each create ann@example.com: the new account's id."""
    with fake(journal, tokens=("replay-test-token",)) as server:
        made = requests.post(f"{server.url}/__mockrc/accounts", json={}, timeout=10).json()
        for headers in (AUTH, {"Authorization": f"Bearer {made['token']}"}):
            created = requests.post(
                f"{server.url}/scim/v2/Users",
                json=minimal_user("ann@example.com"),
                headers=headers,
                timeout=10,
            )
            assert created.status_code == 201
        return str(made["id"])


def test_record_refuses_a_journal_of_several_accounts_without_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    other = _two_accounts(journal)
    capsys.readouterr()

    assert run("record", journal, "--seed-out", tmp_path / "seed.json") == 2
    message = capsys.readouterr().err
    assert "2 accounts (default, " + other + ")" in message and "--account ID" in message
    assert not (tmp_path / "seed.json").exists()


@pytest.mark.parametrize("which", ["default", "other"])
def test_record_with_account_writes_that_account_s_users_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    journal, seed = tmp_path / "journal.jsonl", tmp_path / "seed.json"
    other = _two_accounts(journal)
    account = other if which == "other" else "default"

    assert run("record", journal, "--seed-out", seed, "--account", account) == 0
    assert f"1 users written to {seed}" in capsys.readouterr().out


def test_replay_of_one_account_of_a_journal_of_several(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    _two_accounts(journal)
    with fake(tokens=("replay-test-token",)) as target:
        code, report = replay_json(
            capsys, journal, target.url, "--token", "replay-test-token", "--account", "default"
        )
    assert (code, report["summary"]["same"]) == (0, 1)
    # The request made by the other account, and the account's creation (a control call), are not replayed.
    assert [r["path"] for r in report["requests"]] == ["/scim/v2/Users"]
