"""python-scim's scim2-tester, a public SCIM conformance suite, against a live ``--profile scim`` server.

scim2-tester reads the discovery endpoints, then creates, reads, queries (with ``attributes`` and
``excludedAttributes``), patches every attribute, replaces and deletes users. Any result below
"strictly conforms" fails this test with the checker's own reasons.
"""

from __future__ import annotations

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from mockrc import FakeClock, LiveServer, MockState, Settings, create_app


def test_scim2_tester_finds_no_deviation_in_the_scim_profile() -> None:
    state = MockState(Settings(profile="scim", tokens=("conformance",)), clock=FakeClock())
    with LiveServer(create_app(state)) as server:
        http = httpx2.Client(
            base_url=f"{server.url}/scim/v2", headers={"Authorization": "Bearer conformance"}
        )
        with http:
            results = check_server(SyncSCIMClient(http))

    problems = [
        f"{r.status.name} {r.title}: {r.reason}"
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    assert problems == []
    passed = [r for r in results if r.status is Status.SUCCESS]
    assert len(passed) >= 100, f"only {len(passed)} checks ran: {[r.title for r in results]}"
