"""Shared-server mode: ``--mockrc-url``/``MOCKRC_URL`` gives every test that asks for ``mockrc_server``
a fresh account of its own on a running mockrc, with the same attributes and strict checks, and
deletes it afterwards; under xdist and across pytest runs that share the server at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses

from mockrc.pytest_plugin import AccountOfTest, FakeOptions, account_request
from mockrc.remote import RemoteAccount, RemoteServer
from mockrc.strict import Expectations
from mockrc.transport.server import LiveServer
from tests.plugin.shared_server import shared_mockrc

pytest_plugins = ("pytester",)

#: What every inner suite starts with: a SCIM user body, and a note of the account each test got.
HEADER = """
import os
import pathlib

import pytest
import requests

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user(email):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"type": "work", "value": email}],
    }


def note(fake):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with pathlib.Path(f"accounts-{worker}-{os.getpid()}.txt").open("a") as seen:
        seen.write(f"{fake.account_id} {fake.url}\\n")
"""


@pytest.fixture(scope="module")
def shared_url() -> Iterator[str]:
    """One shared mockrc for every test of this module, as a CI run would have."""
    with shared_mockrc() as url:
        yield url


def accounts_on(url: str) -> list[str]:
    """The ids of the accounts the server holds, but its default one."""
    listed = requests.get(f"{url}/__mockrc/accounts", timeout=10).json()["accounts"]
    return [a["id"] for a in listed if not a.get("default")]


def noted_accounts(folder: Path) -> list[tuple[str, str]]:
    return [tuple(line.split()) for f in folder.glob("accounts-*.txt") for line in f.read_text().splitlines()]  # type: ignore[misc]


def test_each_test_gets_a_fresh_account_with_the_fixtures_attributes_deleted_afterwards(
    pytester: pytest.Pytester, shared_url: str
) -> None:
    before = accounts_on(shared_url)
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.parametrize("email", ["a@example.com", "b@example.com", "c@example.com"])
def test_create_read_patch(mockrc_server, email):
    note(mockrc_server)
    users = f"{mockrc_server.url}/scim/v2/Users"
    created = requests.post(users, json=user(email), headers=mockrc_server.auth_headers)
    assert created.status_code == 201
    assert [u["userName"] for u in mockrc_server.users] == [email]
    operation = {"op": "replace", "path": "active", "value": False}
    patched = requests.patch(
        f"{users}/{created.json()['id']}", json={"schemas": [PATCH], "Operations": [operation]},
        headers=mockrc_server.auth_headers,
    )
    assert patched.json()["active"] is False
    mockrc_server.journal.assert_requested(method="POST", path="/scim/v2/Users", status=201, times=1)
    assert mockrc_server.journal.count(method="PATCH") == 1
    assert mockrc_server.report().exit_status == 0


@pytest.mark.mockrc(users=3, seed=7)
def test_marker_users_add_users_credentials_and_clock(mockrc_server):
    note(mockrc_server)
    assert len(mockrc_server.users) == 3
    [added] = mockrc_server.add_users(1)
    assert added["userName"] in {u["userName"] for u in mockrc_server.users}
    sign_in = mockrc_server.credentials
    tokens = requests.post(
        sign_in.token_url,
        data={"grant_type": "password", "username": sign_in.username, "password": sign_in.password},
        auth=(sign_in.client_id, sign_in.client_secret),
    ).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=bearer).json()["totalResults"] == 4
    mockrc_server.clock.advance(tokens["expires_in"] + 1)
    assert requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=bearer).status_code == 401


@pytest.mark.mockrc(scenario="scim-disabled")
def test_marker_scenario(mockrc_server):
    note(mockrc_server)
    answer = requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers)
    assert answer.status_code == 403
    assert [s["name"] for s in mockrc_server.scenarios.active()] == ["scim-disabled"]


def test_in_process_objects_say_what_to_use_instead(mockrc_server):
    note(mockrc_server)
    with pytest.raises(RuntimeError, match=r"mockrc_server.state is an object inside the mockrc.*use users"):
        mockrc_server.state
    with pytest.raises(RuntimeError, match=r"mockrc_server.app .*--mockrc-url"):
        mockrc_server.app


def test_both_fixtures_are_refused(mockrc, mockrc_server):
    pass
"""
    )

    result = pytester.runpytest_subprocess("--mockrc-url", shared_url, "-p", "randomly")

    result.assert_outcomes(passed=6, errors=1)
    result.stdout.fnmatch_lines(["*asks for both mockrc (a fake in this process) and mockrc_server*"])
    noted = noted_accounts(pytester.path)
    assert len(noted) == 6
    assert len({account for account, _ in noted}) == 6
    assert {url for _, url in noted} == {shared_url}
    assert accounts_on(shared_url) == before


def test_strict_checks_read_the_accounts_journal_and_scenarios(
    pytester: pytest.Pytester, shared_url: str
) -> None:
    pytester.makepyfile(
        HEADER
        + """
BAD = user("a@example.com") | {"emails": [{"type": "work", "value": "b@example.com"}]}


def test_violation(mockrc_server):
    requests.post(f"{mockrc_server.url}/scim/v2/Users", json=BAD, headers=mockrc_server.auth_headers)


def test_declared_violation(mockrc_server):
    mockrc_server.expect_violation("ringcentral.username-is-work-email")
    answer = requests.post(f"{mockrc_server.url}/scim/v2/Users", json=BAD, headers=mockrc_server.auth_headers)
    assert answer.status_code == 400


def test_unhandled(mockrc_server):
    requests.get(f"{mockrc_server.url}/scim/v2/Groups", headers=mockrc_server.auth_headers)


@pytest.mark.mockrc(scenario="token-expiry")
def test_unfired(mockrc_server):
    for _ in range(3):
        requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers)


@pytest.mark.mockrc(scenario="token-expiry")
def test_declared_unfired(mockrc_server):
    mockrc_server.expect_unfired("token-expiry#refresh")
    for _ in range(3):
        requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers)


def test_failed_test_keeps_its_own_failure(mockrc_server):
    requests.get(f"{mockrc_server.url}/scim/v2/Groups", headers=mockrc_server.auth_headers)
    assert False, "the test's own failure"
"""
    )

    result = pytester.runpytest_subprocess("--mockrc-url", shared_url, "-p", "no:randomly", "-rA")

    result.assert_outcomes(passed=2, failed=4)
    text = result.stdout.str()
    assert "#1 POST /scim/v2/Users -> 400: ringcentral.username-is-work-email at /userName" in text
    assert 'declare it: mockrc.expect_violation("ringcentral.username-is-work-email")' in text
    assert "#1 GET /scim/v2/Groups -> 404: no endpoint of the fake answers this method and path" in text
    assert "scenario token-expiry: the required step 'refresh' never fired" in text
    assert "AssertionError: the test's own failure" in text
    assert "Captured mockrc call" in text


def test_under_xdist_every_worker_takes_accounts_from_one_server(
    pytester: pytest.Pytester, shared_url: str
) -> None:
    before = accounts_on(shared_url)
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.parametrize("run", range(8))
def test_same_user_in_every_account(mockrc_server, run):
    note(mockrc_server)
    answer = requests.post(
        f"{mockrc_server.url}/scim/v2/Users", json=user("alice@example.com"),
        headers=mockrc_server.auth_headers,
    )
    assert answer.status_code == 201
    assert len(mockrc_server.users) == 1
"""
    )

    result = pytester.runpytest_subprocess(
        "-p", "xdist", "-n", "2", "-p", "randomly", "--mockrc-url", shared_url
    )

    result.assert_outcomes(passed=8)
    noted = noted_accounts(pytester.path)
    assert len({account for account, _ in noted}) == 8
    assert {url for _, url in noted} == {shared_url}
    assert {f.name.split("-")[1] for f in pytester.path.glob("accounts-*.txt")} == {"gw0", "gw1"}
    assert accounts_on(shared_url) == before


def test_two_pytest_runs_at_once_on_one_server_do_not_interfere(
    pytester: pytest.Pytester, shared_url: str
) -> None:
    before = accounts_on(shared_url)
    suite = (
        HEADER
        + """
@pytest.mark.parametrize("run", range(10))
def test_same_user_in_every_account(mockrc_server, run):
    note(mockrc_server)
    users = f"{mockrc_server.url}/scim/v2/Users"
    alice = requests.post(users, json=user("alice@example.com"), headers=mockrc_server.auth_headers)
    assert alice.status_code == 201
    assert requests.get(users, headers=mockrc_server.auth_headers).json()["totalResults"] == 1
    mockrc_server.journal.assert_requested(method="POST", times=1)
"""
    )
    runs = []
    for name in ("one", "two"):
        folder = pytester.mkdir(name)
        (folder / "test_suite.py").write_text(suite)
        runs.append(
            subprocess.Popen(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_suite.py"],
                cwd=folder,
                env={**os.environ, "MOCKRC_URL": shared_url},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs = [run.communicate(timeout=300)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all("10 passed" in output for output in outputs)
    noted = noted_accounts(pytester.path / "one") + noted_accounts(pytester.path / "two")
    assert len({account for account, _ in noted}) == 20
    assert accounts_on(shared_url) == before


def test_a_url_with_no_mockrc_stops_the_session_with_one_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one(mockrc_server):\n    pass\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"

    result = pytester.runpytest_subprocess("--mockrc-url", closed)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: mockrc: --mockrc-url/MOCKRC_URL: cannot reach a mockrc server at {closed}"
            " (*Connection refused)*"
        ]
    )
    assert "test_one" not in result.stdout.str()


def test_a_server_without_the_accounts_api_stops_the_session_with_one_message(
    pytester: pytest.Pytester,
) -> None:
    def not_mockrc(environ: object, start_response: object) -> list[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"nothing here"]

    pytester.makepyfile("def test_one(mockrc_server):\n    pass\n")
    server = LiveServer(not_mockrc)  # type: ignore[arg-type]
    server.start()
    url = server.url
    try:
        result = pytester.runpytest_subprocess(f"--mockrc-url={url}")
    finally:
        server.stop()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: mockrc: *the server at {url} has no accounts API (GET /__mockrc/accounts answered 404)*"]
    )


def test_the_marker_becomes_the_account_request(tmp_path: Path) -> None:
    team = tmp_path / "team.json"
    team.write_text(
        '{"users": [{"userName": "ann@example.com", "name": {"givenName": "Ann", "familyName": "Lee"},'
        ' "emails": [{"type": "work", "value": "ann@example.com"}]}]}'
    )
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(
        "name: mine\nsteps:\n  - id: one\n    when: {path: /scim/**}\n    respond: {status: 503}\n"
    )

    counted = account_request(FakeOptions(profile="scim", seed=7, users=(2, 3), scenarios=("token-expiry",)))
    from_files = account_request(FakeOptions(users=(str(team), 1), scenarios=(str(scenario),)))

    assert counted == {
        "profile": "scim",
        "seed": 7,
        "clock": "fake",
        "users": 5,
        "scenarios": ["token-expiry"],
    }
    assert [u["userName"] for u in from_files["users"]][:1] == ["ann@example.com"]
    assert len(from_files["users"]) == 2
    assert from_files["scenarios"] == [
        {"name": "mine", "steps": [{"id": "one", "when": {"path": "/scim/**"}, "respond": {"status": 503}}]}
    ]


def test_a_server_with_an_admin_key_needs_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import requests\n\n\n"
        "def test_one(mockrc_server):\n"
        "    users = f'{mockrc_server.url}/scim/v2/Users'\n"
        "    answer = requests.get(users, headers=mockrc_server.auth_headers)\n"
        "    assert answer.json()['totalResults'] == 0\n"
    )
    with shared_mockrc("--allow-remote", "--admin-key", "shared-key") as url:
        without = pytester.runpytest_subprocess(f"--mockrc-url={url}")
        with_key = pytester.runpytest_subprocess(f"--mockrc-url={url}", "--mockrc-admin-key=shared-key")
        left = requests.get(
            f"{url}/__mockrc/accounts", headers={"X-Mockrc-Admin-Key": "shared-key"}, timeout=10
        ).json()["accounts"]

    assert without.ret == pytest.ExitCode.USAGE_ERROR
    without.stderr.fnmatch_lines(["*answered 401 (a server started with --allow-remote needs its admin key*"])
    with_key.assert_outcomes(passed=1)
    assert [a["id"] for a in left] == ["default"]


@responses.activate
def test_a_500_no_scenario_chose_fails_the_test_as_an_exception_inside_the_fake() -> None:
    control = "http://shared.test/__mockrc/accounts/a1"
    entry = {
        "id": 1,
        "method": "GET",
        "path": "/scim/v2/Users",
        "query": {},
        "status": 500,
        "route": "/scim/v2/Users",
    }
    chosen = {**entry, "id": 2, "served_by": "flaky#fail"}
    responses.get(f"{control}/journal", json={"total": 2, "dropped": 0, "entries": [entry, chosen]})
    responses.get(f"{control}/scenarios", json={"active": [], "available": []})
    document = {"id": "a1", "base_url": "http://shared.test", "control_url": control, "token": "t"}
    account = AccountOfTest(
        RemoteAccount(RemoteServer("http://shared.test"), document), Expectations(), FakeOptions()
    )

    problems = account.problems()

    assert [p.line for p in problems] == [
        "#1 GET /scim/v2/Users -> 500: the fake raised an exception (see the shared server's log)"
    ]
