"""Shared fixtures: a fake reachable through both transports.

Every HTTP-level test takes ``fake`` and so runs twice: in-process (``responses`` routing
``requests`` into the app) and against a live waitress server on a free loopback port. Both use
a FakeClock and a fresh state per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.mock import MockRingCentral
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer


@dataclass
class Fake:
    """A running fake and a requests session pointed at it with an admin token."""

    transport: str
    state: MockState
    clock: FakeClock
    base_url: str
    token: str
    session: requests.Session

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, self.url(path), headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def _profile_of(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("profile")
    return marker.args[0] if marker else "ringcentral"


@pytest.fixture(params=["inprocess", "server"])
def fake(request: pytest.FixtureRequest) -> Iterator[Fake]:
    """The fake under test, once per transport. ``@pytest.mark.profile("scim")`` picks the profile."""
    profile = _profile_of(request)
    clock = FakeClock()
    session = requests.Session()
    if request.param == "inprocess":
        with MockRingCentral(profile=profile, clock=clock) as rc:
            yield Fake("inprocess", rc.state, clock, rc.base_url, rc.token, session)
        return
    state = MockState(Settings(profile=profile), clock=clock)
    token = state.issue_admin_token()
    with LiveServer(create_app(state)) as server:
        yield Fake("server", state, clock, server.url, token, session)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "profile(name): run the test's fake under this profile")
