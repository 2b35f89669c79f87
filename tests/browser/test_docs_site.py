"""The documentation site, built as ``python3 dev.py test`` builds it, works in Chromium from a plain
file server: its search box finds pages, and no page fetches anything from another origin (no web
fonts, no CDN), so it reads offline."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import PATIENCE

ROOT = Path(__file__).resolve().parents[2]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log on the test's output."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built with --strict into a temporary folder, served on a free loopback port."""
    folder = tmp_path_factory.mktemp("site")
    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    command = [mkdocs, "build", "--strict", "--quiet", "--site-dir", str(folder)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    handler = functools.partial(QuietHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()
        thread.join()


@pytest.mark.parametrize("page", ["", "dashboard/", "scenarios/"])
def test_a_page_loads_nothing_from_another_origin(browser: webdriver.Chrome, site: str, page: str) -> None:
    browser.get(f"{site}/{page}")
    WebDriverWait(browser, PATIENCE).until(lambda d: d.find_elements(By.CSS_SELECTOR, "article h1"))

    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat([...document.images].map(i => i.currentSrc))"
    )

    assert loaded and all(url.startswith(f"{site}/") for url in loaded), loaded
    browser.get("about:blank")


def test_the_search_box_finds_a_page(browser: webdriver.Chrome, site: str) -> None:
    browser.get(f"{site}/")
    wait = WebDriverWait(browser, PATIENCE)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "input.md-search__input"))
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.click()
    box.send_keys("retry-after-ignored")

    def found(driver: webdriver.Chrome) -> list[str]:
        """The results' links, read at once (the list is drawn again as the index answers)."""
        return driver.execute_script(
            "return [...document.querySelectorAll('li.md-search-result__item a')].map(a => a.href)"
        )

    wait.until(lambda d: any("/rate-limits/" in href for href in found(d)))
    browser.get("about:blank")
