"""Under pytest-xdist every worker has its own live server and its own fakes, and strict mode still
fails exactly the test whose client got something wrong."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)


def test_each_xdist_worker_has_its_own_server_and_fakes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import os
import pathlib

import pytest
import requests


def note(url):
    with pathlib.Path(f"urls-{os.environ['PYTEST_XDIST_WORKER']}.txt").open("a") as seen:
        seen.write(url + "\\n")


@pytest.mark.parametrize("run", range(6))
@pytest.mark.mockrc(users=3)
def test_live(mockrc_server, run):
    note(mockrc_server.url)
    answer = requests.get(f"{mockrc_server.url}/scim/v2/Users", headers=mockrc_server.auth_headers)
    assert answer.json()["totalResults"] == 3
    mockrc_server.add_users(1)


@pytest.mark.parametrize("run", range(4))
def test_in_process(mockrc, mockrc_server, run):
    note(mockrc_server.url)
    assert requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers).status_code == 200


def test_strict_failure(mockrc_server):
    requests.get(f"{mockrc_server.url}/scim/v2/Groups", headers=mockrc_server.auth_headers)
"""
    )

    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "-p", "randomly")

    result.assert_outcomes(passed=10, failed=1)
    result.stdout.fnmatch_lines(
        ["*#1 GET /scim/v2/Groups -> 404: no endpoint of the fake answers this method and path*"]
    )
    per_worker = {path.name: set(path.read_text().split()) for path in pytester.path.glob("urls-gw*.txt")}
    assert len(per_worker) == 2
    assert all(len(urls) == 1 for urls in per_worker.values())
    assert len(set.union(*per_worker.values())) == 2
