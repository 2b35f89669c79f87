"""One headless Chromium per test process, and a fresh live fake for each test.

The browser is shared (starting Chromium is the slow part); each test gets its own fake on a
free loopback port, so tests stay independent in any order and under xdist.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.browser.chromium import chromium, missing

TOKEN = "browser-test-token"
#: How long a test waits for the page to show something (it polls the fake every second).
PATIENCE = 15


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    why = missing()
    if why is None and os.environ.get("MOCKRC_NO_BROWSER", "").strip().lower() in ("1", "true", "yes", "on"):
        why = "MOCKRC_NO_BROWSER is set; to run the browser tests, unset it and run python3 dev.py test"
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests must run in CI, never skip there: {why}")
        pytest.skip(why)
    with chromium() as driver:
        yield driver


@dataclass
class Dashboard:
    """A live fake, a browser on its dashboard, and an admin token for its API."""

    url: str
    state: MockState
    driver: webdriver.Chrome

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]

    def open(self) -> None:
        self.driver.get(f"{self.url}/__mockrc/ui")
        self.wait().until(lambda d: d.find_element("id", "connection").text == "live")

    def wait(self) -> WebDriverWait[webdriver.Chrome]:
        return WebDriverWait(self.driver, PATIENCE)


@pytest.fixture
def dashboard(browser: webdriver.Chrome) -> Iterator[Dashboard]:
    state = MockState(Settings(tokens=(TOKEN,)), clock=FakeClock())
    with LiveServer(create_app(state)) as server:
        yield Dashboard(server.url, state, browser)
        # Leave the page before the server goes, so its polling stops with this test.
        browser.get("about:blank")
