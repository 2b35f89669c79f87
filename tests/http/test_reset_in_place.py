"""A reset empties the fake's stores and services in place: whatever holds one keeps the live one.

Issue 11: ``reset()`` used to build new services, so a holder of the old ones served stale state
(the SCIM views once kept the old user service after a reset). Each object below is taken before
the reset and used after it, next to the HTTP endpoints, through both transports.
"""

from __future__ import annotations

from mockrc.violations import ViolationLog
from tests.helpers import entra_user, minimal_user
from tests.http.conftest import Fake


def test_services_held_from_before_a_reset_are_the_ones_served_after_it(fake: Fake) -> None:
    state = fake.state
    users, store, tokens, oauth, sessions, scenarios = (
        state.users,
        state.users.store,
        state.tokens,
        state.oauth,
        state.oauth.sessions,
        state.scenarios,
    )
    before = fake.post("/scim/v2/Users", json=entra_user())
    assert before.status_code == 201

    assert fake.post("/__mockrc/reset", json={}).status_code == 200

    # The held user service and store are empty, and what is created through them is served.
    assert len(store) == 0
    held = users.create(minimal_user("held@example.com"), ViolationLog())
    tokens.register("held-token", state.admin_principal)
    fake.token = "held-token"
    listed = fake.get("/scim/v2/Users")
    assert listed.status_code == 200
    assert [u["id"] for u in listed.json()["Resources"]] == [held.id]
    # ... and what is created through the endpoints is in the held ones.
    created = fake.post("/scim/v2/Users", json=entra_user("bob@example.com"))
    assert created.status_code == 201
    assert users.get(created.json()["id"]).attributes["userName"] == "bob@example.com"
    # A token minted by the held OAuth server opens a session in the held store, and works.
    minted = oauth.mint()
    assert tokens.find(minted.access_token) is not None
    assert len(sessions._sessions) == 1
    fake.token = minted.access_token
    assert fake.get("/scim/v2/Users").status_code == 200
    # A scenario activated over HTTP runs in the held engine.
    assert fake.post("/__mockrc/scenarios/token-expiry/activate", json={}).status_code == 200
    assert [a.name for a in scenarios.active] == ["token-expiry"]


def test_a_token_from_before_a_reset_is_refused_after_it(fake: Fake) -> None:
    old = fake.token
    assert fake.post("/__mockrc/reset", json={}).status_code == 200

    refused = fake.get("/scim/v2/Users")

    assert refused.status_code == 401
    assert fake.state.tokens.find(old) is None
