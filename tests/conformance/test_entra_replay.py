"""Replay of a real Entra provisioning cycle for RingCentral against ``mockrc serve --token T``.

The sequence and shapes follow entra-provisioning.md: Test Connection, match by userName, create
with the full RingCentral attribute mapping, every PATCH shape Entra sends (with and without the
aadOptscim062020 flag), disable, re-enable, hard delete.
"""

from __future__ import annotations

import uuid

import requests

from tests.conformance.live_server import mockrc_serve
from tests.helpers import ENTERPRISE, LIST, entra_user, patch

TOKEN = "entra-secret-token"


def test_entra_cycle_against_the_live_server() -> None:
    with mockrc_serve("--token", TOKEN) as (url, _output):
        scim = f"{url}/scim/v2"
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"})

        def call(method: str, path: str, expected: int, **kwargs: object) -> requests.Response:
            response = session.request(method, scim + path, timeout=10, **kwargs)
            assert response.status_code == expected, (
                f"{method} {path}: {response.status_code} {response.text}"
            )
            if response.content:
                assert response.headers["Content-Type"] == "application/scim+json"
            return response

        # Test Connection: a random GUID as the matching value, form-encoded.
        empty = call("GET", f"/Users?filter=userName+eq+%22{uuid.uuid4()}%22", 200).json()
        assert empty["schemas"] == [LIST] and empty["totalResults"] == 0 and empty["Resources"] == []
        call("GET", "/Schemas", 200)

        # Match, then create with the full mapping.
        upn = "Megan.Bowen@Contoso.onmicrosoft.com"
        assert call("GET", f"/Users?filter=userName+eq+%22{upn}%22", 200).json()["totalResults"] == 0
        created = call("POST", "/Users", 201, json=entra_user(upn)).json()
        user_path = f"/Users/{created['id']}"

        # Next cycle: the match finds the user, in any case.
        found = call("GET", f"/Users?filter=userName+eq+%22{upn.lower()}%22", 200).json()
        assert found["totalResults"] == 1 and found["Resources"][0]["id"] == created["id"]

        # Attribute changes, one Replace per attribute (default), and Add for a new value.
        updated = call(
            "PATCH",
            user_path,
            200,
            json=patch(
                {"op": "Replace", "path": "title", "value": "Marketing Lead"},
                {"op": "Replace", "path": 'addresses[type eq "work"].locality', "value": "Redmond"},
                {"op": "Replace", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 425 555 0109"},
                {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Marketing"},
            ),
        ).json()
        assert updated["title"] == "Marketing Lead"
        assert updated["addresses"][0]["locality"] == "Redmond"
        assert updated["addresses"][0]["streetAddress"] == "20 Davis Drive"
        assert updated["phoneNumbers"] == [{"type": "mobile", "value": "+1 425 555 0109"}]

        # With aadOptscim062020: filtered ops plus one path-less replace with path-like keys.
        flagged = call(
            "PATCH",
            user_path + "?aadOptscim062020",
            200,
            json=patch(
                {"op": "replace", "path": 'emails[type eq "work"].value', "value": upn},
                {
                    "op": "replace",
                    "value": {"name.givenName": "Meg", "name.familyName": "Bowen", "externalId": "mb"},
                },
            ),
        ).json()
        assert flagged["name"] == {"familyName": "Bowen", "givenName": "Meg"}
        assert flagged["externalId"] == "mb"

        # Values come back as sent, so a second cycle would see no difference.
        assert call("GET", user_path, 200).json() == flagged

        # Soft delete (string boolean, default shape), then re-enable (compliant shape).
        disabled = call(
            "PATCH", user_path, 200, json=patch({"op": "Replace", "path": "active", "value": "False"})
        )
        assert disabled.json()["active"] is False
        assert call("GET", f"/Users?filter=userName+eq+%22{upn}%22", 200).json()["totalResults"] == 1
        enabled = call(
            "PATCH", user_path, 200, json=patch({"op": "replace", "path": "active", "value": True})
        )
        assert enabled.json()["active"] is True

        # Hard delete.
        call("DELETE", user_path, 204)
        call("GET", user_path, 404)
        assert call("GET", f"/Users?filter=userName+eq+%22{upn}%22", 200).json()["totalResults"] == 0


def test_live_server_refuses_requests_without_the_token() -> None:
    with mockrc_serve("--token", TOKEN) as (url, output):
        response = requests.get(f"{url}/scim/v2/Users", headers={"Authorization": "Bearer wrong"}, timeout=10)

        assert response.status_code == 401
        assert any("SCIM base URL" in line for line in output)
