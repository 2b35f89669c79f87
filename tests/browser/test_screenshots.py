"""The dashboard's screenshots (docs/screenshots/) are current, shown by docs/dashboard.md, and made
again by their script (tests/browser/screenshots.py) in this Chromium."""

from __future__ import annotations

import struct
from pathlib import Path

from selenium import webdriver

from tests.browser.screenshots import DIGEST, NAMES, OUT, ROOT, dashboard_digest, take

REGENERATE = ".venv/bin/python -m tests.browser.screenshots"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk comes first)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_the_screenshots_show_the_dashboard_s_current_page_files() -> None:
    recorded = DIGEST.read_text(encoding="utf-8").strip() if DIGEST.exists() else "(none)"

    assert recorded == dashboard_digest(), (
        f"mockrc/dashboard/ changed since docs/screenshots/ were made: run {REGENERATE} and commit them"
    )


def test_the_dashboard_page_shows_every_screenshot() -> None:
    page = (ROOT / "docs" / "dashboard.md").read_text(encoding="utf-8")

    assert sorted(p.name for p in OUT.glob("*.png")) == sorted(NAMES)
    for name in NAMES:
        assert f"](screenshots/{name})" in page


def test_the_script_makes_the_screenshots_again(browser: webdriver.Chrome, tmp_path: Path) -> None:
    take(browser, tmp_path)

    for name in NAMES:
        assert png_size(tmp_path / name) == png_size(OUT / name)
