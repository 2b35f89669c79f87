"""The ``mockrc`` and ``mockrc_server`` fixtures, used by test files run in inner pytest sessions."""

from __future__ import annotations

import pytest
import requests
import responses

pytest_plugins = ("pytester",)

USER = """
def user(email):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"type": "work", "value": email}],
    }
"""


def test_mockrc_gives_every_test_a_fresh_in_process_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        USER
        + """
import pytest
import requests


@pytest.mark.parametrize("email", ["a@example.com", "b@example.com", "c@example.com"])
def test_each_test_starts_empty(mockrc, email):
    created = requests.post(f"{mockrc.base_url}/scim/v2/Users", json=user(email), headers=mockrc.auth_headers)
    assert created.status_code == 201
    assert [u["userName"] for u in mockrc.users] == [email]
    assert mockrc.users[0]["meta"]["location"].startswith("https://platform.ringcentral.com/scim/v2/Users/")
    mockrc.journal.assert_requested(method="POST", path="/scim/v2/Users", status=201, times=1)


def test_credentials_clock_scenarios_and_report(mockrc):
    sign_in = mockrc.credentials
    assert (sign_in.client_id, sign_in.username) == ("mockrc-client-id", "admin@mockrc.test")
    tokens = requests.post(
        sign_in.token_url,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": sign_in.jwt},
        auth=(sign_in.client_id, sign_in.client_secret),
    ).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=bearer).status_code == 200
    mockrc.clock.advance(3601)
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=bearer).json()["detail"] == (
        "Access token expired"
    )
    mockrc.scenarios.activate("scim-disabled")
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers).status_code == 403
    assert mockrc.token == "mockrc-admin-token"
    assert mockrc.account.id == "400000001"
    assert mockrc.report().exit_status == 0
"""
    )

    pytester.runpytest().assert_outcomes(passed=4)


def test_mockrc_server_is_one_server_per_process_with_a_fresh_fake_per_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import json
import pathlib
import urllib.error
import urllib.request

import pytest

SEEN = pathlib.Path("urls.txt")


@pytest.mark.parametrize("run", range(3))
def test_any_http_client_reaches_a_fresh_fake(mockrc_server, run):
    with SEEN.open("a") as seen:
        seen.write(mockrc_server.url + "\\n")
    request = urllib.request.Request(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers)
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer)["totalResults"] == 0
    added = mockrc_server.add_users(2)
    assert [u["meta"]["location"].startswith(mockrc_server.url) for u in added] == [True, True]
    assert mockrc_server.base_url == mockrc_server.url


def test_between_tests_the_server_answers_503(_mockrc_shared_server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{_mockrc_shared_server.url}/scim/v2/Users")
    assert refused.value.code == 503
    assert "no test is using the fake RingCentral now" in json.load(refused.value)["message"]
"""
    )

    pytester.runpytest().assert_outcomes(passed=4)

    urls = (pytester.path / "urls.txt").read_text().split()
    assert len(urls) == 3 and len(set(urls)) == 1
    assert urls[0].startswith("http://127.0.0.1:")
    with pytest.raises(requests.ConnectionError):
        requests.get(urls[0], timeout=5)  # stopped with the session


def test_a_test_with_both_fixtures_reaches_one_fake_through_both(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        USER
        + """
import requests


def test_both(mockrc, mockrc_server):
    assert requests.post(
        f"{mockrc.base_url}/scim/v2/Users", json=user("a@example.com"), headers=mockrc.auth_headers
    ).status_code == 201
    found = requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers)
    assert found.json()["totalResults"] == 1
    assert mockrc.state is mockrc_server.state
"""
    )

    pytester.runpytest().assert_outcomes(passed=1)


def test_the_fake_works_next_to_the_tests_own_responses_mocks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest
import requests
import responses
from requests.adapters import HTTPAdapter


@pytest.fixture
def started_first():
    with responses.RequestsMock() as mock:
        mock.get("https://api.example.com/first", json={"mine": 1})
        yield mock


@responses.activate
def test_responses_activate(mockrc):
    responses.get("https://api.example.com/x", json={"mine": True})
    assert requests.get("https://api.example.com/x").json() == {"mine": True}
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers).status_code == 200


@responses.activate
def test_responses_activate_with_the_server(mockrc_server):
    responses.get("https://api.example.com/x", json={"mine": True})
    assert requests.get("https://api.example.com/x").json() == {"mine": True}
    answer = requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers)
    assert answer.status_code == 200


def test_a_mock_built_in_the_test(mockrc):
    with responses.RequestsMock(real_adapter_send=HTTPAdapter.send) as mine:
        mine.add_passthru(mockrc.base_url)
        mine.get("https://api.example.com/y", json={"mine": 2})
        assert requests.get("https://api.example.com/y").json() == {"mine": 2}
        answer = requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers)
        assert answer.status_code == 200


def test_a_mock_started_before_the_fake(started_first, mockrc):
    assert requests.get("https://api.example.com/first").json() == {"mine": 1}
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers).status_code == 200
"""
    )

    pytester.runpytest().assert_outcomes(passed=4)

    # What the fixtures changed in responses' default mock is undone.
    assert responses.mock.passthru_prefixes == ()
    assert responses.mock._real_send is responses._real_send


def test_a_finished_tests_fake_is_let_go(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import gc
import weakref

GONE = []


def test_first(mockrc, mockrc_server):
    mockrc.add_users(20)
    GONE.append(weakref.ref(mockrc.state))


def test_second():
    gc.collect()
    assert GONE[0]() is None
"""
    )

    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
