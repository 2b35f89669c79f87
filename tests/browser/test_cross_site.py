"""A page of another origin, open in Chromium, tries to drive the fake's control plane and fails.

The page is served by a second live server (another port: another origin); what it sends really
reaches the fake (a middleware notes every request), and the fake's state does not change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from mockrc.violations import ViolationLog
from tests.browser.conftest import PATIENCE, TOKEN
from tests.helpers import minimal_user

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: What a hostile page does without asking the browser first: "simple" requests (no-cors fetches
#: with a text or form body, a form posted into a hidden frame), and one JSON fetch, which the
#: browser only sends after a CORS preflight.
_PAGE = """<!doctype html>
<title>loading</title>
<iframe name="sink" hidden></iframe>
<form id="form" method="POST" target="sink" action="TARGET/__mockrc/scenarios/auth-failure/activate">
  <input name="a" value="b">
</form>
<script>
const target = "TARGET";
const TEXT = "text/plain";
const attempts = [
  ["/__mockrc/reset", { method: "POST", mode: "no-cors", body: "x", headers: { "Content-Type": TEXT } }],
  ["/__mockrc/tokens", { method: "POST", mode: "no-cors", body: new URLSearchParams({ user: "admin" }) }],
  ["/__mockrc/clock/advance", { method: "POST", mode: "no-cors", body: '{"seconds": 60}' }],
  ["/__mockrc/reset", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }],
];
async function attack() {
  const results = [];
  for (const [path, init] of attempts) {
    try {
      const answer = await fetch(target + path, init);
      results.push(answer.type);
    } catch (error) {
      results.push("refused");
    }
  }
  document.querySelector("iframe").addEventListener("load", () => {
    document.title = "done " + results.join(",");
  });
  document.getElementById("form").submit();
}
attack();
</script>
"""


def test_another_origin_s_page_cannot_reset_activate_mint_or_advance(browser: webdriver.Chrome) -> None:
    state = MockState(Settings(tokens=(TOKEN,)), clock=FakeClock())
    app = create_app(state)
    seen: list[tuple[str, str, str | None]] = []

    def noting(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("HTTP_ORIGIN")))
        return app(environ, start_response)

    with LiveServer(noting) as fake:
        page = _PAGE.replace("TARGET", fake.url).encode()

        def hostile(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page]

        with LiveServer(hostile) as other:
            hostile_origin = other.url
            state.users.create(minimal_user("kept@example.com"), ViolationLog())
            journal_before = len(state.journal.entries())
            try:
                browser.get(other.url)
                WebDriverWait(browser, PATIENCE).until(lambda d: d.title.startswith("done"))
                title: Any = browser.title
            finally:
                browser.get("about:blank")

    # The no-cors fetches went out (opaque answers); the JSON one stopped at its preflight.
    assert title == "done opaque,opaque,opaque,refused", title
    assert {(m, p) for m, p, origin in seen if origin == hostile_origin} >= {
        ("POST", "/__mockrc/reset"),
        ("POST", "/__mockrc/tokens"),
        ("POST", "/__mockrc/clock/advance"),
        ("POST", "/__mockrc/scenarios/auth-failure/activate"),
        ("OPTIONS", "/__mockrc/reset"),
    }, json.dumps(seen)
    assert [u.attributes["userName"] for u in state.users.store] == ["kept@example.com"]
    assert not state.scenarios.active
    assert state.oauth.sessions._sessions == {}
    assert len(state.journal.entries()) == journal_before
    assert state.clock.now() == FakeClock.DEFAULT_START


def test_the_dashboard_of_a_fake_with_an_admin_key_acts_through_its_cookie(browser: webdriver.Chrome) -> None:
    """The page's own POSTs pass the guard: same origin, the JSON content type, the key's cookie."""
    state = MockState(Settings(tokens=(TOKEN,), admin_key="k3y"), clock=FakeClock())
    with LiveServer(create_app(state)) as fake:
        try:
            browser.get(f"{fake.url}/__mockrc/ui?key=k3y")
            wait = WebDriverWait(browser, PATIENCE)
            wait.until(lambda d: d.find_element("id", "connection").text == "live")
            assert "key=" not in browser.current_url
            button = wait.until(
                lambda d: d.find_element(
                    By.CSS_SELECTOR, '#scenarios-available li[data-name="token-expiry"] button'
                )
            )
            button.click()
            wait.until(
                lambda d: d.find_element(
                    By.CSS_SELECTOR, '#scenarios-active .scenario[data-name="token-expiry"]'
                )
            )
        finally:
            browser.get("about:blank")

    assert [a.name for a in state.scenarios.active] == ["token-expiry"]
