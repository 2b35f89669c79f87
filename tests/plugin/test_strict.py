"""Strict mode: what the client got wrong fails the test with one readable summary, unless the test
declared it; an exception inside the fake is re-raised in the test."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)

HEADER = """
import pytest
import requests

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def users(fake):
    return f"{fake.base_url}/scim/v2/Users"


def bad_user(fake):
    # RingCentral requires the userName to be the work email.
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "a@example.com",
        "name": {"givenName": "A", "familyName": "B"},
        "emails": [{"type": "work", "value": "b@example.com"}],
    }
    return requests.post(users(fake), json=body, headers=fake.auth_headers)
"""


def outcomes(pytester: pytest.Pytester, source: str) -> dict[str, tuple[str, str]]:
    """Each inner test's outcome and failure text, by test name."""
    pytester.makepyfile(HEADER + source)
    reports = pytester.inline_run().getreports("pytest_runtest_logreport")
    found: dict[str, tuple[str, str]] = {}
    for report in reports:
        if report.when == "call" or report.outcome != "passed":
            name = report.nodeid.split("::")[-1]
            found[name] = (report.outcome, report.longreprtext if report.failed else "")
    return found


def test_what_the_client_got_wrong_fails_the_test_with_a_summary(pytester: pytest.Pytester) -> None:
    found = outcomes(
        pytester,
        """
def test_violation(mockrc):
    assert bad_user(mockrc).status_code == 400


def test_unhandled_path(mockrc_server):
    url = f"{mockrc_server.url}/restapi/v1.0/account/~/extension"
    assert requests.get(url, headers=mockrc_server.auth_headers).status_code == 404


@pytest.mark.mockrc(scenario="token-expiry")
def test_required_step_never_fired(mockrc):
    statuses = [requests.get(users(mockrc), headers=mockrc.auth_headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 401]


def test_warnings_pass(mockrc):
    [user] = mockrc.add_users(1)
    operation = {"op": "Replace", "path": "active", "value": "False"}
    answer = requests.patch(
        f"{users(mockrc)}/{user['id']}", json={"schemas": [PATCH], "Operations": [operation]},
        headers=mockrc.auth_headers,
    )
    assert answer.status_code == 200
    assert {v.violation.severity for v in mockrc.violations} == {"warning"}
""",
    )

    assert {name: outcome for name, (outcome, _) in found.items()} == {
        "test_violation": "failed",
        "test_unhandled_path": "failed",
        "test_required_step_never_fired": "failed",
        "test_warnings_pass": "passed",
    }
    assert found["test_violation"][1] == (
        "mockrc: 1 problem in this test's exchanges with the fake RingCentral:\n"
        "  #1 POST /scim/v2/Users -> 400: ringcentral.username-is-work-email at /userName: userName"
        " [a@example.com] must be the same as the work email [b@example.com]\n"
        "If the test means to cause them, declare it:"
        ' mockrc.expect_violation("ringcentral.username-is-work-email");'
        " or turn strict mode off with @pytest.mark.mockrc(strict=False)."
    )
    assert (
        "  #1 GET /restapi/v1.0/account/~/extension -> 404:"
        " no endpoint of the fake answers this method and path\n"
        "If the test means to cause them, declare it:"
        ' mockrc.expect_unhandled("/restapi/v1.0/account/~/extension")'
    ) in found["test_unhandled_path"][1]
    assert (
        "  scenario token-expiry: the required step 'refresh' never fired\n"
        'If the test means to cause them, declare it: mockrc.expect_unfired("token-expiry#refresh")'
    ) in found["test_required_step_never_fired"][1]


def test_what_the_test_declared_passes_and_a_broken_declaration_fails(pytester: pytest.Pytester) -> None:
    found = outcomes(
        pytester,
        """
@pytest.mark.mockrc(scenario="token-expiry")
def test_declared(mockrc):
    mockrc.expect_violation("ringcentral.username-is-work-email")
    mockrc.expect_unhandled("/restapi/v1.0/account/~")
    mockrc.expect_unfired("token-expiry#refresh")
    bad_user(mockrc)
    requests.get(f"{mockrc.base_url}/restapi/v1.0/account/~", headers=mockrc.auth_headers)


@pytest.mark.mockrc(strict=False)
def test_strict_off_by_marker(mockrc):
    bad_user(mockrc)


def test_strict_off_by_attribute(mockrc):
    mockrc.strict = False
    bad_user(mockrc)


def test_declared_but_never_happened(mockrc):
    mockrc.expect_violation("schema.required")
    mockrc.expect_unhandled()


@pytest.mark.mockrc(scenario="token-expiry", strict=False)
def test_declared_unfired_but_it_fired(mockrc):
    mockrc.expect_unfired("token-expiry")
    for _ in range(3):
        requests.get(users(mockrc), headers=mockrc.auth_headers)
    requests.post(f"{mockrc.base_url}/restapi/oauth/token", data={"grant_type": "refresh_token"})


@pytest.mark.mockrc(scenario="token-expiry")
def test_declarations_are_checked_when_made(mockrc):
    with pytest.raises(ValueError, match="unknown rule 'schema.requried' .did you mean 'schema.required'.."):
        mockrc.expect_violation("schema.requried")
    with pytest.raises(ValueError, match="scenario token-expiry has no required step 'expire-mid-sync'"):
        mockrc.expect_unfired("token-expiry#expire-mid-sync")
    with pytest.raises(LookupError, match="scenario 'auth-failure' is not active"):
        mockrc.expect_unfired("auth-failure")
    mockrc.scenarios.activate("scim-disabled")
    with pytest.raises(ValueError, match="^scenario scim-disabled has no required steps$"):
        mockrc.expect_unfired("scim-disabled")
    mockrc.expect_unfired("token-expiry")
""",
    )

    assert {name: outcome for name, (outcome, _) in found.items()} == {
        "test_declared": "passed",
        "test_strict_off_by_marker": "passed",
        "test_strict_off_by_attribute": "passed",
        "test_declared_but_never_happened": "failed",
        "test_declared_unfired_but_it_fired": "failed",
        "test_declarations_are_checked_when_made": "passed",
    }
    assert found["test_declared_but_never_happened"][1] == (
        "mockrc: 2 problems in this test's exchanges with the fake RingCentral:\n"
        "  expected a violation of schema.required (expect_violation), but none was recorded\n"
        "  expected a request that no endpoint handles (expect_unhandled), but none came"
    )
    assert (
        "expected token-expiry to stay unfired (expect_unfired), but it fired"
        in (found["test_declared_unfired_but_it_fired"][1])
    )


def test_an_exception_in_the_fake_is_re_raised_in_the_test(pytester: pytest.Pytester) -> None:
    found = outcomes(
        pytester,
        """
@pytest.fixture
def broken(mockrc, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the fake broke")

    monkeypatch.setattr(mockrc.state.users, "search", fail)
    return mockrc


def test_client_sees_a_500_and_passes(broken):
    assert requests.get(users(broken), headers=broken.auth_headers).status_code == 500


def test_client_fails_on_the_500(broken):
    assert requests.get(users(broken), headers=broken.auth_headers).status_code == 200


def test_failed_test_gets_the_summary_as_a_section(mockrc):
    bad_user(mockrc)
    assert False, "the test's own failure"
""",
    )

    assert {name: outcome for name, (outcome, _) in found.items()} == {
        "test_client_sees_a_500_and_passes": "failed",
        "test_client_fails_on_the_500": "failed",
        "test_failed_test_gets_the_summary_as_a_section": "failed",
    }
    passing = found["test_client_sees_a_500_and_passes"][1]
    assert "RuntimeError: the fake broke" in passing
    assert (
        "mockrc: the fake raised this while handling request #1 GET /scim/v2/Users, and answered 500"
        in passing
    )
    failing = found["test_client_fails_on_the_500"][1]
    assert failing.index("assert 500 == 200") < failing.index("RuntimeError: the fake broke")
    assert "(the test's failure is above)" in failing
    own = found["test_failed_test_gets_the_summary_as_a_section"][1]
    assert "AssertionError: the test's own failure" in own
    assert "mockrc: 1 problem" not in own  # the summary is a report section, not the failure


def test_the_summary_of_a_failed_test_is_a_report_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_fails(mockrc):
    bad_user(mockrc)
    assert False
"""
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- Captured mockrc call -*",
            "mockrc: 1 problem in this test's exchanges with the fake RingCentral:",
            "  #1 POST /scim/v2/Users -> 400: ringcentral.username-is-work-email at /userName: *",
        ]
    )
