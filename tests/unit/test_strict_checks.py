"""The strict checks as plain Python (mockrc.strict), on a MockRingCentral, without pytest's plugin."""

from __future__ import annotations

import pytest
import requests

from mockrc import mock_ringcentral
from mockrc.strict import SUMMARY_LIMIT, Expectations, Problem, summary

BAD_USER = {
    # RingCentral requires the userName to be the work email.
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "a@example.com",
    "name": {"givenName": "A", "familyName": "B"},
    "emails": [{"type": "work", "value": "b@example.com"}],
}


def test_an_undeclared_violation_and_an_unhandled_path_are_problems_until_declared() -> None:
    with mock_ringcentral() as rc:
        requests.post(f"{rc.base_url}/scim/v2/Users", json=BAD_USER, headers=rc.auth_headers)
        requests.get(f"{rc.base_url}/scim/v2/Nowhere", headers=rc.auth_headers)
        rule = rc.violations[0].violation.rule
        expectations = Expectations()

        problems = expectations.problems(rc.journal, rc.state.scenarios)
        assert [p.declaration for p in problems] == [
            f'mockrc.expect_violation("{rule}")',
            'mockrc.expect_unhandled("/scim/v2/Nowhere")',
        ]
        assert problems[0].line.startswith(f"#1 POST /scim/v2/Users -> 400: {rule} at /")

        expectations.expect_violation(rule)
        expectations.expect_unhandled("/scim/v2/Nowhere")
        assert expectations.problems(rc.journal, rc.state.scenarios) == []

        expectations.strict = False
        expectations.expect_unhandled("/scim/v2/Elsewhere")
        expected = "expected a request to /scim/v2/Elsewhere that no endpoint handles (expect_unhandled)"
        problems = expectations.problems(rc.journal, rc.state.scenarios)
        assert problems == [Problem(f"{expected}, but none came")]


def test_unfired_required_steps_and_their_declarations() -> None:
    with mock_ringcentral(scenarios=["token-expiry"]) as rc:
        expectations = Expectations()
        unfired = expectations.problems(rc.journal, rc.state.scenarios)
        assert unfired and all(p.line.startswith("scenario token-expiry: the required step") for p in unfired)
        expectations.expect_unfired("token-expiry", rc.state.scenarios)
        assert expectations.problems(rc.journal, rc.state.scenarios) == []
        with pytest.raises(ValueError, match="has no required step 'nope'"):
            expectations.expect_unfired("token-expiry#nope", rc.state.scenarios)


def test_an_unknown_rule_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ValueError, match=r"unknown rule 'SCHEMA.ENUM' \(did you mean 'schema.enum'\?\)"):
        Expectations().expect_violation("SCHEMA.ENUM")


def test_the_summary_lists_at_most_the_limit_and_the_declarations_once() -> None:
    problems = [Problem(f"line {i}", "mockrc.expect_unhandled()") for i in range(SUMMARY_LIMIT + 3)]
    text = summary(problems)
    assert text.splitlines()[0] == (
        f"mockrc: {SUMMARY_LIMIT + 3} problems in this test's exchanges with the fake RingCentral:"
    )
    assert "  ... and 3 more" in text
    assert text.count("mockrc.expect_unhandled()") == 1


def test_mock_ringcentral_bounds_its_journal() -> None:
    with mock_ringcentral(journal_size=2) as rc:
        for _ in range(3):
            requests.get(f"{rc.base_url}/scim/v2/Users", headers=rc.auth_headers)
        assert len(rc.journal.entries()) == 2
        assert rc.journal.capacity == 2
    with mock_ringcentral(journal_bytes=1234) as rc:
        assert rc.journal.max_bytes == 1234


def test_a_given_token_is_the_admin_token() -> None:
    with mock_ringcentral(token="my-token") as rc:
        assert rc.token == "my-token"
        assert requests.get(f"{rc.base_url}/scim/v2/Users", headers=rc.auth_headers).status_code == 200
        assert rc.settings.tokens == ("my-token",)
