"""What the journal records of each exchange, through both transports."""

from __future__ import annotations

from mockrc.clock import FakeClock
from mockrc.journal import REDACTED
from tests.helpers import entra_user, minimal_user, patch
from tests.http.conftest import Fake

TOKEN = "/restapi/oauth/token"
CLIENT = ("mockrc-client-id", "mockrc-client-secret")


def test_a_create_is_recorded_with_its_caller_answer_and_violations(fake: Fake) -> None:
    fake.clock.advance(90)
    body = entra_user()

    response = fake.post("/scim/v2/Users", json=body)

    [entry] = fake.state.journal.entries()
    assert (entry.method, entry.path, entry.route, entry.status) == (
        "POST",
        "/scim/v2/Users",
        "/scim/v2/Users",
        201,
    )
    assert entry.time == FakeClock.DEFAULT_START + 90
    assert entry.principal == fake.state.admin_principal.owner_id
    assert entry.app == "mockrc-client-id"
    assert entry.headers["Authorization"] == f"Bearer {REDACTED}"
    assert fake.token not in str(entry.to_dict())
    assert entry.body == body
    assert entry.response.body == response.json()
    assert entry.response.headers["Location"] == response.headers["Location"]
    assert {(v.pointer, v.rule, v.severity) for v in entry.violations} >= {
        ("/meta", "schema.read-only-ignored", "warning"),
        ("/emails/0/primary", "schema.unknown-attribute", "warning"),
    }
    assert entry.duration_ms >= 0


def test_a_refused_request_carries_the_errors_that_refused_it(fake: Fake) -> None:
    fake.post("/scim/v2/Users", json=minimal_user("a@example.com", userName="b@example.com"))
    fake.get("/scim/v2/Users", params={"filter": 'title eq "Boss"'})
    created = fake.post("/scim/v2/Users", json=minimal_user("c@example.com")).json()
    fake.patch(f"/scim/v2/Users/{created['id']}", json={"Operations": [{"op": "replace"}]})

    entries = fake.state.journal.entries()

    assert [(e.status, sorted({v.rule for v in e.errors})) for e in entries] == [
        (400, ["ringcentral.username-is-work-email"]),
        (400, ["ringcentral.filter-unsupported"]),
        (201, []),
        (400, ["schema.required"]),  # no schemas, no op: a malformed PATCH
    ]
    assert entries[1].query == {"filter": 'title eq "Boss"'}
    assert entries[3].route == "/scim/v2/Users/<user_id>"


def test_oauth_calls_record_the_app_and_never_a_secret(fake: Fake) -> None:
    form = {"grant_type": "password", "username": "admin@mockrc.test", "password": "mockrc-admin-password"}
    issued = fake.session.post(fake.url(TOKEN), data=form, auth=CLIENT, timeout=10).json()
    fake.session.post(
        fake.url("/restapi/oauth/revoke"), params={"token": issued["refresh_token"]}, timeout=10
    )

    token, revoke = fake.state.journal.entries()

    assert (token.principal, token.app) == (None, "mockrc-client-id")
    assert token.body == {"grant_type": "password", "username": "admin@mockrc.test", "password": REDACTED}
    assert token.response.body["access_token"] == token.response.body["refresh_token"] == REDACTED
    assert revoke.query == {"token": REDACTED}
    lines = str([e.to_dict() for e in (token, revoke)])
    for secret in (
        "mockrc-admin-password",
        "mockrc-client-secret",
        issued["access_token"],
        issued["refresh_token"],
    ):
        assert secret not in lines


def test_an_unknown_token_and_an_unknown_path_are_recorded_too(fake: Fake) -> None:
    fake.get("/scim/v2/Users", headers={"Authorization": "Bearer not-a-token"})
    fake.get("/scim/v2/Groups")

    unknown_token, unknown_path = fake.state.journal.entries()

    assert (unknown_token.status, unknown_token.principal, unknown_token.app) == (401, None, None)
    assert (unknown_path.status, unknown_path.route) == (404, None)


def test_a_body_too_large_to_read_is_recorded_by_its_size(fake: Fake) -> None:
    too_large = b"x" * (10 * 1024 * 1024 + 1)

    response = fake.post("/scim/v2/Users", data=too_large, headers={"Content-Type": "application/json"})

    [entry] = fake.state.journal.entries()
    assert response.status_code == entry.status == 413
    assert entry.body is None
    assert entry.to_dict()["body_size"] == entry.request.size == len(too_large)
    assert entry.to_dict()["body_note"] == "refused as too large: not read"


def test_the_control_plane_is_not_journaled_and_request_ids_survive_a_reset(fake: Fake) -> None:
    fake.get("/scim/v2/Users")
    fake.get("/__mockrc/health")
    fake.get("/__mockrc/journal")
    first = fake.state.journal.entries()
    fake.post("/__mockrc/reset", json={})
    fake.get("/scim/v2/ServiceProviderConfig")  # the reset forgot this token: 401

    assert [e.path for e in first] == ["/scim/v2/Users"]
    [after] = fake.state.journal.entries()
    assert after.status == 401
    assert after.id > first[0].id + 1  # the control requests had ids too, and ids do not restart


def test_a_scenario_step_that_served_a_request_is_named(fake: Fake) -> None:
    assert fake.post("/__mockrc/scenarios/auth-failure/activate", json={}).status_code == 200

    fake.session.post(fake.url(TOKEN), data={"grant_type": "client_credentials"}, auth=CLIENT, timeout=10)
    fake.get("/scim/v2/Users")
    fake.post("/__mockrc/scenarios/auth-failure/deactivate", json={})
    fake.post("/scim/v2/Users", json=minimal_user("d@example.com"))

    served = [e.served_by for e in fake.state.journal.entries()]
    assert served == ["auth-failure#token-refused", "auth-failure#tokens-dead", None]
    assert fake.state.journal.count(served_by="auth-failure#token-refused") == 1


def test_a_patch_with_entras_shapes_is_recorded_with_its_warnings(fake: Fake) -> None:
    created = fake.post("/scim/v2/Users", json=entra_user()).json()

    fake.patch(
        f"/scim/v2/Users/{created['id']}", json=patch({"op": "Replace", "path": "active", "value": "False"})
    )

    entry = fake.state.journal.assert_requested(method="PATCH", status=200)[0]
    assert {v.rule for v in entry.warnings} == {"compat.op-case", "compat.string-boolean"}
    assert entry.errors == []
