"""The dashboard in a real headless Chromium: what a developer sees and clicks."""

from __future__ import annotations

import json

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import Dashboard
from tests.helpers import minimal_user


def test_the_page_shows_a_user_created_through_the_api_without_reloading(dashboard: Dashboard) -> None:
    dashboard.open()
    assert dashboard.driver.find_element(By.ID, "profile").text == "profile ringcentral"
    assert dashboard.driver.find_element(By.ID, "users-empty").is_displayed()

    created = dashboard.api("POST", "/scim/v2/Users", json=minimal_user("grace@example.com")).json()

    row = dashboard.wait().until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'#users-body tr[data-id="{created["id"]}"]')
    )
    assert "grace@example.com" in row.text
    journal = dashboard.driver.find_element(By.CSS_SELECTOR, "#journal-body tr.row")
    assert "POST" in journal.text and "/scim/v2/Users" in journal.text and "201" in journal.text
    row.click()
    shown = dashboard.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "#detail[open] pre.json"))
    assert json.loads(shown.text)["userName"] == "grace@example.com"


def test_the_page_highlights_a_violation_with_its_rule_and_shows_the_exchange(dashboard: Dashboard) -> None:
    dashboard.open()

    dashboard.api("GET", "/scim/v2/Users", params={"filter": 'externalId eq "abc"'})

    violation = dashboard.wait().until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#journal-body tr.violations.has-error .violation.error")
    )
    assert violation.find_element(By.CLASS_NAME, "rule").text == "ringcentral.filter-unsupported"
    assert "externalId" in violation.find_element(By.CLASS_NAME, "message").text
    row = dashboard.driver.find_element(By.CSS_SELECTOR, "#journal-body tr.row.has-error")
    assert "400" in row.text
    row.click()
    sections = dashboard.wait().until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#detail[open] pre.json") or None
    )
    violations, request, response = (json.loads(s.text) for s in sections)
    assert violations[0]["rule"] == "ringcentral.filter-unsupported"
    assert request["query"] == {"filter": 'externalId eq "abc"'}
    assert response["body"]["scimType"] == "invalidFilter"


def test_a_scenario_is_activated_from_the_page(dashboard: Dashboard) -> None:
    dashboard.open()
    button = dashboard.wait().until(
        lambda d: d.find_element(By.CSS_SELECTOR, '#scenarios-available li[data-name="token-expiry"] button')
    )

    button.click()

    card = dashboard.wait().until(
        lambda d: d.find_element(By.CSS_SELECTOR, '#scenarios-active .scenario[data-name="token-expiry"]')
    )
    assert "started" in card.text
    assert [a.name for a in dashboard.state.scenarios.active] == ["token-expiry"]
    answers = [dashboard.api("GET", "/scim/v2/Users").status_code for _ in range(3)]
    assert answers == [200, 200, 401]


def test_the_account_picker_switches_everything_shown_to_another_account(dashboard: Dashboard) -> None:
    dashboard.api("POST", "/scim/v2/Users", json=minimal_user("default-user@example.com"))
    made = dashboard.api("POST", "/__mockrc/accounts", json={"profile": "scim"}).json()
    as_made = {"Authorization": f"Bearer {made['token']}"}
    requests_kwargs = {"json": minimal_user("other-user@example.com"), "headers": as_made, "timeout": 10}
    created = requests.post(f"{made['scim_url']}/Users", **requests_kwargs).json()  # type: ignore[arg-type]
    dashboard.open()
    dashboard.wait().until(lambda d: "default-user@example.com" in d.find_element(By.ID, "users-body").text)

    Select(dashboard.driver.find_element(By.ID, "account")).select_by_value(made["id"])

    dashboard.wait().until(lambda d: d.find_element(By.ID, "profile").text == "profile scim")
    row = dashboard.wait().until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'#users-body tr[data-id="{created["id"]}"]')
    )
    assert "other-user@example.com" in row.text
    assert "default-user@example.com" not in dashboard.driver.find_element(By.ID, "users-body").text
    journal = dashboard.driver.find_element(By.ID, "journal-body").text
    assert "POST" in journal and journal.count("/scim/v2/Users") == 1
    assert dashboard.driver.current_url.endswith(f"#account={made['id']}")
