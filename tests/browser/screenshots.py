"""Make the README's screenshots of the dashboard: ``.venv/bin/python -m tests.browser.screenshots``.

A fake with a dozen generated users takes the traffic of an identity provider (creates, Entra's
"Replace"/"False" PATCH, a filter RingCentral refuses) with a scenario active; headless Chromium
then photographs the dashboard, and a request opened from its journal, into ``docs/screenshots/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.browser.chromium import chromium, missing
from tests.helpers import entra_user, patch

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AUTH = {"Authorization": "Bearer mockrc-admin-token"}


def traffic(url: str) -> None:
    """What an identity provider's provisioning cycle sends, mistakes included."""
    users = f"{url}/scim/v2/Users"
    requests.get(users, params={"filter": 'userName eq "ada.lovelace@example.com"'}, headers=AUTH, timeout=10)
    created = requests.post(
        users, json=entra_user("ada.lovelace@example.com"), headers=AUTH, timeout=10
    ).json()
    requests.post(
        users, json=entra_user("alan.turing@example.com", externalId="alan"), headers=AUTH, timeout=10
    )
    disable = patch({"op": "Replace", "path": "active", "value": "False"})
    requests.patch(f"{users}/{created['id']}", json=disable, headers=AUTH, timeout=10)
    requests.get(users, params={"filter": 'externalId eq "alan"'}, headers=AUTH, timeout=10)
    requests.get(f"{users}/{created['id']}", headers=AUTH, timeout=10)
    requests.post(f"{url}/__mockrc/scenarios/token-expiry/activate", json={}, timeout=10)


def main() -> int:
    why = missing()
    if why is not None:
        print(f"screenshots: {why}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    state = MockState(Settings(tokens=("mockrc-admin-token",), users=(12,), seed=7), clock=FakeClock())
    with LiveServer(create_app(state)) as server, chromium() as driver:
        traffic(server.url)
        driver.get(f"{server.url}/__mockrc/ui")
        wait = WebDriverWait(driver, 15)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#journal-body tr.row")) == 6)
        wait.until(
            lambda d: d.find_elements(
                By.CSS_SELECTOR, '#scenarios-active .scenario[data-name="token-expiry"]'
            )
        )
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#users-body tr")) == 14)
        driver.save_screenshot(str(OUT / "dashboard.png"))
        driver.find_element(By.CSS_SELECTOR, "#journal-body tr.row.has-error").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail[open] pre.json"))
        driver.save_screenshot(str(OUT / "dashboard-request.png"))
    print(f"screenshots: written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
