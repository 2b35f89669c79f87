"""Headless Chromium for the dashboard's tests and screenshots: Debian's chromium, driven by selenium.

``python3 dev.py test`` installs Debian's ``chromium`` and ``chromium-driver`` when they are
missing (asking first outside CI; ``MOCKRC_NO_BROWSER=1`` opts out and the browser tests skip);
selenium talks to that chromedriver (never to a browser it would download itself).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

#: What this machine's Chromium needs to run headless as root without reaching for the network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1440,1000",
)


def missing() -> str | None:
    """Why Chromium cannot run here, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(os.path.basename(path))):
            return (
                f"{path} is not installed; to run the browser tests, run python3 dev.py test without"
                " MOCKRC_NO_BROWSER (it installs Debian's chromium and chromium-driver with apt-get, as"
                " root) or install those two packages yourself"
            )
    return None


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a new, empty profile, closed (and its profile removed) on exit."""
    with tempfile.TemporaryDirectory(prefix="mockrc-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or CHROMIUM
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        service = Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER)
        driver = webdriver.Chrome(options=options, service=service)
        try:
            yield driver
        finally:
            driver.quit()
