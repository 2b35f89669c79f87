"""Make the dashboard page's screenshots: ``.venv/bin/python -m tests.browser.screenshots``.

A fake with a dozen generated users takes the traffic of an identity provider (creates, Entra's
"Replace"/"False" PATCH, a filter RingCentral refuses) with a scenario active; headless Chromium
then photographs the dashboard, and a request opened from its journal, into ``docs/screenshots/``
(shown by ``docs/dashboard.md``). It also writes there the digest of the dashboard's page files
they show (``mockrc/dashboard/``): ``tests/browser/test_screenshots.py`` fails when those files
change and the screenshots were not made again.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.browser.chromium import chromium, missing
from tests.helpers import entra_user, patch

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
#: The screenshots, as docs/dashboard.md shows them: the dashboard, then a request opened from it.
NAMES = ("dashboard.png", "dashboard-request.png")
#: The page the screenshots show: its HTML, CSS, JavaScript and icon.
DASHBOARD = ROOT / "mockrc" / "dashboard"
#: The digest of DASHBOARD when the screenshots were made.
DIGEST = OUT / "dashboard.sha256"
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


def dashboard_digest() -> str:
    """SHA-256 of the dashboard's page files (names and contents), in name order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in DASHBOARD.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def take(driver: WebDriver, out: Path) -> None:
    """Photograph the dashboard of a fake that took an identity provider's traffic into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    state = MockState(Settings(tokens=("mockrc-admin-token",), users=(12,), seed=7), clock=FakeClock())
    with LiveServer(create_app(state)) as server:
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
        driver.save_screenshot(str(out / NAMES[0]))
        driver.find_element(By.CSS_SELECTOR, "#journal-body tr.row.has-error").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#detail[open] pre.json"))
        driver.save_screenshot(str(out / NAMES[1]))


def main() -> int:
    why = missing()
    if why is not None:
        print(f"screenshots: {why}", file=sys.stderr)
        return 2
    with chromium() as driver:
        take(driver, OUT)
    DIGEST.write_text(dashboard_digest() + "\n", encoding="utf-8")
    print(f"screenshots: written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
