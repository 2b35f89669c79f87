"""``/__mockrc/scenarios``: list, read, activate, deactivate and reset scenarios over HTTP."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import requests

from mockrc.clock import FakeClock
from mockrc.scenarios.loader import load_scenario, shipped_scenarios
from mockrc.scenarios.matching import RequestView
from mockrc.settings import Settings
from mockrc.state import MockState
from tests.http.conftest import Fake
from tests.scenarios.support import activate

BASE = "/__mockrc/scenarios"


def control(fake: Fake, method: str, path: str = "", **kwargs: Any) -> requests.Response:
    if method != "GET" and "json" not in kwargs:
        # The guard refuses a state-changing control call a cross-site form could send.
        kwargs.setdefault("headers", {"Content-Type": "application/json"})
    return fake.session.request(method, fake.url(f"{BASE}{path}"), timeout=10, **kwargs)


def test_the_list_shows_active_scenarios_and_every_shipped_one(fake: Fake) -> None:
    activate(fake, "token-expiry")

    body = control(fake, "GET").json()

    assert [a["name"] for a in body["active"]] == ["token-expiry"]
    assert [a["name"] for a in body["available"]] == list(shipped_scenarios())
    assert all(a["description"] for a in body["available"])


def test_activate_a_shipped_scenario_then_read_it(fake: Fake) -> None:
    activated = control(fake, "POST", "/token-expiry/activate")
    read = control(fake, "GET", "/token-expiry")

    assert activated.status_code == 200
    assert activated.json() == read.json()
    assert read.json()["state"] == "started"
    assert read.json()["unfired_required"] == ["refresh"]
    assert [s["id"] for s in read.json()["steps"]] == ["expire-mid-sync", "refresh"]


def test_the_scenario_acts_from_activation_on(fake: Fake) -> None:
    assert fake.get("/scim/v2/Users").status_code == 200

    control(fake, "POST", "/scim-disabled/activate")

    assert fake.get("/scim/v2/Users").status_code == 403


def test_activating_twice_is_a_conflict_and_an_unknown_name_lists_the_shipped_ones(fake: Fake) -> None:
    control(fake, "POST", "/flaky-server/activate")

    twice = control(fake, "POST", "/flaky-server/activate")
    unknown = control(fake, "POST", "/flakey-server/activate")

    assert twice.status_code == 409
    assert "already active" in twice.json()["message"]
    assert unknown.status_code == 404
    assert "no shipped scenario is called 'flakey-server'" in unknown.json()["message"]
    assert "flaky-server" in unknown.json()["message"]


def test_reading_or_deactivating_an_inactive_scenario_is_404(fake: Fake) -> None:
    for method, path in (
        ("GET", "/token-expiry"),
        ("POST", "/token-expiry/deactivate"),
        ("POST", "/x/reset"),
    ):
        response = control(fake, method, path)
        assert response.status_code == 404
        assert "is not active (active: none)" in response.json()["message"]


def test_deactivate_answers_the_final_state_and_the_scenario_stops(fake: Fake) -> None:
    control(fake, "POST", "/flaky-server/activate")
    for _ in range(5):
        with contextlib.suppress(requests.ConnectionError):
            fake.get("/scim/v2/Users")

    final = control(fake, "POST", "/flaky-server/deactivate")

    assert final.status_code == 200
    assert sum(s["matched"] for s in final.json()["steps"]) > 0
    assert control(fake, "GET").json()["active"] == []
    assert [fake.get("/scim/v2/Users").status_code for _ in range(30)] == [200] * 30


def test_reset_one_scenario_or_all(fake: Fake) -> None:
    control(fake, "POST", "/token-expiry/activate")
    control(fake, "POST", "/missing-admin-rights/activate")
    for _ in range(3):
        fake.get("/scim/v2/Users")

    one = control(fake, "POST", "/token-expiry/reset")
    everything = control(fake, "POST", "/reset")

    assert one.json()["state"] == "started"
    assert one.json()["steps"][0]["matched"] == 0
    assert [a["steps"][0]["matched"] for a in everything.json()["active"]] == [0, 0]


def test_a_posted_document_is_checked_and_activated(fake: Fake) -> None:
    document = {
        "name": "teapot",
        "steps": [
            {"id": "brew", "when": {"path": "/scim/v2/Users"}, "respond": {"status": 418, "body": {"a": 1}}}
        ],
    }

    activated = control(fake, "POST", json=document)
    answered = fake.get("/scim/v2/Users")

    assert activated.status_code == 200 and activated.json()["source"] == "<posted scenario>"
    assert (answered.status_code, answered.json()) == (418, {"a": 1})
    assert answered.headers["Content-Type"] == "application/scim+json"


def test_a_bad_posted_document_is_refused_with_every_problem(fake: Fake) -> None:
    response = control(fake, "POST", json={"name": "bad", "steps": [{"id": "a", "then_sate": "x"}]})

    assert response.status_code == 400
    assert response.json()["message"].startswith("<posted scenario>: cannot load the scenario, 1 problem:")
    assert "unknown key 'then_sate' (did you mean 'then_state'?)" in response.json()["message"]


@pytest.mark.parametrize("path", ["/reset", "/token-expiry/activate", "/x/deactivate", "/x/reset"])
def test_a_get_on_a_mutating_path_answers_405_saying_to_post(fake: Fake, path: str) -> None:
    response = control(fake, "GET", path)

    assert response.status_code == 405
    assert response.json()["message"].endswith(": use POST")
    assert "POST" in response.headers["Allow"].split(", ")


def test_the_control_plane_is_never_scripted(fake: Fake) -> None:
    control(fake, "POST", json={"name": "everything", "steps": [{"id": "drop-all", "fault": "drop"}]})

    assert control(fake, "GET").status_code == 200
    with pytest.raises(requests.ConnectionError):
        fake.get("/scim/v2/Users")


def test_a_reset_of_the_fake_forgets_runtime_scenarios_and_restarts_those_of_the_settings() -> None:
    state = MockState(Settings(scenarios=("token-expiry",)), clock=FakeClock())
    state.scenarios.activate(load_scenario("scim-disabled"))
    state.scenarios.handle(RequestView("GET", "/scim/v2/Users"))

    state.reset()

    assert [(a.name, a.describe()["steps"][0]["matched"]) for a in state.scenarios.active] == [
        ("token-expiry", 0)
    ]
