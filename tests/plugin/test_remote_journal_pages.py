"""A shared server's journal is read a page at a time: ``/__mockrc/journal`` answers at most
1,000 entries per call (``MAX_LIST_LIMIT``), so :class:`~mockrc.remote.RemoteJournal` asks for
older ones with ``before`` until a page comes back short."""

from __future__ import annotations

import pytest
import requests

import mockrc.remote
from mockrc.remote import RemoteServer
from tests.plugin.shared_server import shared_mockrc


def test_entries_and_find_read_every_page_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mockrc.remote, "JOURNAL_PAGE", 2)
    with shared_mockrc() as url:
        account = RemoteServer(url).create_account({})
        for number in range(5):
            answer = requests.get(
                f"{account.base_url}/scim/v2/Users/missing-{number}",
                headers={"Authorization": f"Bearer {account.token}"},
                timeout=10,
            )
            assert answer.status_code == 404

        listed = account.journal.entries()
        found = account.journal.find(method="GET", status=404)

    paths = [f"/scim/v2/Users/missing-{number}" for number in range(5)]
    assert [entry["path"] for entry in listed] == paths
    assert [entry["path"] for entry in found] == paths
    ids = [entry["id"] for entry in listed]
    assert ids == sorted(ids)
