"""The journal through ``mock_ringcentral``: what a test suite asserts on, and what it sees when it fails."""

from __future__ import annotations

import pytest
import requests

import mockrc
from tests.helpers import minimal_user, patch


def test_assertions_on_what_the_client_sent() -> None:
    with mockrc.mock_ringcentral() as rc:
        scim = f"{rc.base_url}/scim/v2"
        requests.post(f"{scim}/Users", json=minimal_user("a@example.com"), headers=rc.auth_headers)
        requests.get(
            f"{scim}/Users", params={"filter": 'userName eq "a@example.com"'}, headers=rc.auth_headers
        )

        [created] = rc.journal.assert_requested(method="POST", path="/scim/v2/Users", status=201, times=1)
        assert created.body["userName"] == "a@example.com"
        rc.journal.assert_requested(query={"filter": 'userName eq "a@example.com"'})
        rc.journal.assert_not_requested(method="DELETE")
        rc.journal.assert_no_violations()
        assert rc.violations == []
        assert rc.report().exit_status == 0


def test_a_failed_assertion_shows_what_was_sent_instead() -> None:
    with mockrc.mock_ringcentral() as rc:
        scim = f"{rc.base_url}/scim/v2"
        user = requests.post(
            f"{scim}/Users", json=minimal_user("a@example.com"), headers=rc.auth_headers
        ).json()
        requests.patch(
            f"{scim}/Users/{user['id']}",
            json=patch({"op": "Replace", "path": "active", "value": "False"}),
            headers=rc.auth_headers,
        )

        with pytest.raises(AssertionError) as failure:
            rc.journal.assert_requested(
                method="PATCH",
                path=f"/scim/v2/Users/{user['id']}",
                body={"Operations": [{"op": "replace", "path": "active", "value": False}]},
            )

    message = str(failure.value)
    assert message.startswith(f"expected PATCH /scim/v2/Users/{user['id']} with body ")
    assert "it was requested 0 times\nnear misses (closest first):\n" in message
    assert (
        f"#2 PATCH /scim/v2/Users/{user['id']} -> 200: body /Operations is "
        '[{"op": "Replace", "path": "active", "value": "False"}], expected '
        '[{"op": "replace", "path": "active", "value": false}]'
    ) in message


def test_violations_and_the_report_in_process() -> None:
    with mockrc.mock_ringcentral() as rc:
        requests.post(
            f"{rc.base_url}/scim/v2/Users",
            json=minimal_user("a@example.com", userName="b@example.com"),
            headers=rc.auth_headers,
        )

        [recorded] = rc.violations
        report = rc.report()
        with pytest.raises(
            AssertionError, match=r"#1 POST /scim/v2/Users -> 400: error ringcentral\.username"
        ):
            rc.journal.assert_no_violations()

    assert (recorded.violation.rule, recorded.entry.status) == ("ringcentral.username-is-work-email", 400)
    assert report.exit_status == 1
    assert report.to_json()["source"] == "in-process"
    assert "ringcentral.username-is-work-email" in report.junit()
