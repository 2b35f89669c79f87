"""The dashboard's page and the JSON it polls, token minting, and the admin key (both transports)."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from flask.testing import FlaskClient

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.settings import Settings
from mockrc.state import MockState
from tests.helpers import minimal_user, patch
from tests.http.conftest import Fake


def test_the_page_and_its_files_are_served_by_the_fake_itself(fake: Fake) -> None:
    page = fake.get("/__mockrc/ui")
    script = fake.get("/__mockrc/ui/app.js")
    style = fake.get("/__mockrc/ui/style.css")

    assert (page.status_code, page.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert (script.status_code, script.headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    assert (style.status_code, style.headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert '<script src="/__mockrc/ui/app.js"' in page.text
    assert fake.get("/__mockrc/ui/").status_code == 200
    assert fake.get("/__mockrc/ui/secrets.txt").status_code == 404


def test_the_page_needs_nothing_from_elsewhere() -> None:
    """Works offline: no CDN, no web font, no remote script (and so no build step either)."""
    folder = files("mockrc") / "dashboard"
    for name in ("index.html", "app.js", "style.css"):
        text = (folder / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|//cdn|@import", text), name


def test_the_overview_lists_requests_newest_first_with_their_violations(fake: Fake) -> None:
    created = fake.post("/scim/v2/Users", json=minimal_user("a@example.com")).json()
    fake.patch(
        f"/scim/v2/Users/{created['id']}", json=patch({"op": "Replace", "path": "active", "value": "False"})
    )
    fake.get("/scim/v2/Users", params={"filter": 'title eq "Boss"'})
    fake.get("/__mockrc/journal")  # the control plane itself is never listed

    overview = fake.get("/__mockrc/ui/api/overview").json()
    entries = overview["journal"]["entries"]

    assert [(e["method"], e["status"]) for e in entries] == [("GET", 400), ("PATCH", 200), ("POST", 201)]
    assert entries[0]["query"] == {"filter": 'title eq "Boss"'}
    assert entries[0]["principal"] == fake.state.admin_principal.owner_id
    assert [(v["rule"], v["severity"]) for v in entries[0]["violations"]] == [
        ("ringcentral.filter-unsupported", "error")
    ]
    assert {v["rule"] for v in entries[1]["violations"]} == {"compat.op-case", "compat.string-boolean"}
    assert "headers" not in entries[0]
    assert overview["journal"]["oldest"] == entries[-1]["id"]
    assert overview["journal"]["newest"] == entries[0]["id"]
    assert overview["users"] == {"total": 1}
    assert overview["clock"] == {"now": "2026-01-01T00:00:00.000Z", "advanceable": True}
    assert overview["profile"] == "ringcentral"


def test_the_overview_sends_only_what_is_newer_than_the_pages_last_request(fake: Fake) -> None:
    fake.post("/scim/v2/Users", json=minimal_user("a@example.com"))
    first = fake.get("/__mockrc/ui/api/overview").json()["journal"]
    fake.get("/scim/v2/Users")

    later = fake.get("/__mockrc/ui/api/overview", params={"since": first["newest"]}).json()["journal"]
    nothing = fake.get("/__mockrc/ui/api/overview", params={"since": later["newest"]}).json()["journal"]

    assert [e["method"] for e in later["entries"]] == ["GET"]
    assert nothing["entries"] == []
    assert nothing["oldest"] == first["newest"]


def test_the_overview_shows_active_scenarios_and_the_ones_that_can_be_activated(fake: Fake) -> None:
    fake.post("/__mockrc/scenarios/token-expiry/activate", json={})

    scenarios = fake.get("/__mockrc/ui/api/overview").json()["scenarios"]

    assert [(s["name"], s["state"]) for s in scenarios["active"]] == [("token-expiry", "started")]
    available = {s["name"]: s["description"] for s in scenarios["available"]}
    assert {"token-expiry", "rate-limited", "flaky-server"} <= set(available)
    assert all(available.values())


def test_a_journal_entry_in_full(fake: Fake) -> None:
    fake.post("/scim/v2/Users", json=minimal_user("a@example.com"))
    newest = fake.get("/__mockrc/ui/api/overview").json()["journal"]["newest"]

    entry = fake.get(f"/__mockrc/ui/api/journal/{newest}").json()

    assert entry["body"]["userName"] == "a@example.com"
    assert entry["headers"]["Authorization"] == "Bearer [redacted]"
    assert entry["response"]["body"]["userName"] == "a@example.com"
    missing = fake.get("/__mockrc/ui/api/journal/999999")
    assert (missing.status_code, missing.json()["message"]) == (
        404,
        "request #999999 is not in the journal (any more)",
    )


def test_users_are_searched_in_any_case_by_id_username_name_and_email(fake: Fake) -> None:
    alice = fake.post("/scim/v2/Users", json=minimal_user("alice@example.com")).json()
    fake.post(
        "/scim/v2/Users",
        json=minimal_user("bob@example.com", name={"givenName": "Robert", "familyName": "Stone"}),
    )

    def found(query: str) -> list[str]:
        return [
            u["userName"] for u in fake.get("/__mockrc/ui/api/users", params={"q": query}).json()["users"]
        ]

    assert found("") == ["alice@example.com", "bob@example.com"]
    assert found("ALICE") == ["alice@example.com"]
    assert found("robert st") == ["bob@example.com"]  # a full name, as people type it
    assert found("stone") == ["bob@example.com"]
    assert found(alice["id"]) == ["alice@example.com"]
    assert found("nobody") == []
    limited = fake.get("/__mockrc/ui/api/users", params={"limit": "1"}).json()
    assert (limited["total"], len(limited["users"])) == (2, 1)
    assert limited["users"][0] == {
        "id": alice["id"],
        "userName": "alice@example.com",
        "name": "Given Family",
        "active": False,
        "lastModified": "2026-01-01T00:00:00.000Z",
    }


def test_one_user_as_the_scim_api_renders_it(fake: Fake) -> None:
    created = fake.post("/scim/v2/Users", json=minimal_user("a@example.com")).json()

    shown = fake.get(f"/__mockrc/ui/api/users/{created['id']}")

    assert shown.json() == fake.get(f"/scim/v2/Users/{created['id']}").json()
    assert fake.get("/__mockrc/ui/api/users/404404").status_code == 404


def test_a_minted_token_acts_for_the_user_it_names(fake: Fake) -> None:
    admin = fake.post("/__mockrc/tokens", json={}).json()
    standard = fake.post("/__mockrc/tokens", json={"user": "USER@mockrc.test", "ttl": 600}).json()

    assert (admin["email"], admin["owner_id"], admin["expires_in"]) == (
        "admin@mockrc.test",
        "100000001",
        3600,
    )
    assert (standard["email"], standard["client_id"], standard["scope"]) == (
        "user@mockrc.test",
        "mockrc-client-id",
        "ReadAccounts EditAccounts",
    )
    as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
    as_standard = {"Authorization": f"Bearer {standard['access_token']}"}
    assert fake.get("/scim/v2/Users", headers=as_admin).status_code == 200
    assert fake.get("/scim/v2/Users", headers=as_standard).status_code == 403  # not an administrator
    fake.clock.advance(600)
    expired = fake.get("/scim/v2/Users", headers=as_standard)
    assert (expired.status_code, expired.json()["detail"]) == (401, "Access token expired")


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"user": "nobody@example.com"}, 404, "the account has no user 'nobody@example.com'"),
        ({"client_id": "other"}, 404, "the account has no app 'other' (its apps: mockrc-client-id)"),
        ({"ttl": 0}, 400, '"ttl" must be a whole number of seconds, 1 or more, not 0'),
        ({"scope": "x"}, 400, "unknown member(s) scope"),
    ],
)
def test_a_token_that_cannot_be_minted_says_why(
    fake: Fake, body: dict[str, object], status: int, says: str
) -> None:
    refused = fake.post("/__mockrc/tokens", json=body)

    assert refused.status_code == status
    assert says in refused.json()["message"]


def test_a_get_on_the_token_minter_says_to_post(fake: Fake) -> None:
    refused = fake.get("/__mockrc/tokens")

    assert refused.status_code == 405
    assert "POST" in refused.json()["message"]


# --- the admin key (a fake bound to a non-loopback address) ---------------------------------------


@pytest.fixture
def guarded() -> FlaskClient:
    state = MockState(Settings(tokens=("T",), admin_key="s3cret"), clock=FakeClock())
    return create_app(state).test_client()


def test_without_the_admin_key_the_control_plane_refuses(guarded: FlaskClient) -> None:
    for path in ("/__mockrc/ui", "/__mockrc/journal", "/__mockrc/ui/api/overview", "/__mockrc"):
        refused = guarded.get(path, headers={"X-Mockrc-Admin-Key": "wrong"} if path == "/__mockrc" else {})
        assert refused.status_code == 401, path
        assert refused.json["errorCode"] == "MOCKRC-401"
        assert "needs the admin key printed when the fake started" in refused.json["message"]
    assert guarded.post("/__mockrc/reset").status_code == 401


def test_the_admin_key_opens_the_control_plane_and_leaves_the_rest_alone(guarded: FlaskClient) -> None:
    assert guarded.get("/__mockrc/journal", headers={"X-Mockrc-Admin-Key": "s3cret"}).status_code == 200
    assert guarded.get("/__mockrc/health").status_code == 200  # readiness checks need no key
    assert guarded.get("/scim/v2/Users", headers={"Authorization": "Bearer T"}).status_code == 200


def test_the_printed_dashboard_url_sets_a_cookie_for_the_pages_own_requests(guarded: FlaskClient) -> None:
    opened = guarded.get("/__mockrc/ui?key=s3cret")

    assert (opened.status_code, opened.headers["Location"]) == (303, "/__mockrc/ui")
    cookie = opened.headers["Set-Cookie"]
    assert cookie.startswith("mockrc_admin_key=s3cret;")
    assert {"HttpOnly", "SameSite=Strict", "Path=/__mockrc"} <= {part.strip() for part in cookie.split(";")}
    assert guarded.get("/__mockrc/ui").status_code == 200
    assert guarded.get("/__mockrc/ui/api/overview").status_code == 200


def test_a_wrong_key_in_the_url_sets_nothing() -> None:
    state = MockState(Settings(admin_key="s3cret"), clock=FakeClock())
    client = create_app(state).test_client()

    refused = client.get("/__mockrc/ui?key=wrong")

    assert refused.status_code == 401
    assert "Set-Cookie" not in refused.headers
