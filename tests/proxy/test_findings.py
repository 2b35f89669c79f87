"""Violations and fidelity findings: exactly the fake's rules, and exactly where the upstream differs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from mockrc.violations import ViolationLog
from tests.proxy.conftest import ProxyFactory, ScriptedUpstream, mockrc_upstream, serving

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"


def _user(email: str = "ann@example.com") -> dict[str, Any]:
    return {
        "schemas": [USER_URN],
        "userName": email,
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": email, "type": "work"}],
    }


def _found(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["rule"], f["pointer"]) for f in entry["findings"]]


def _violations(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["rule"], v["pointer"]) for v in entry["violations"]]


def test_a_faithful_upstream_gives_no_finding(proxy: ProxyFactory) -> None:
    with mockrc_upstream() as (_, url):
        px = proxy(url)
        created = px.request("POST", "/scim/v2/Users", json=_user())
        user_id = created.json()["id"]
        px.request("GET", f"/scim/v2/Users/{user_id}")
        px.request("GET", "/scim/v2/Users", params={"filter": 'userName eq "ann@example.com"'})
        px.request(
            "PATCH",
            f"/scim/v2/Users/{user_id}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        )
        px.request("POST", "/scim/v2/Users", json={**_user("bob@example.com"), "userName": 7})
        px.request("DELETE", f"/scim/v2/Users/{user_id}")

    assert created.status_code == 201
    records = px.records()
    assert [r["status"] for r in records] == [201, 200, 200, 200, 400, 204]
    outcomes = [r["prediction"]["outcome"] for r in records]
    assert outcomes == ["accepted", "accepted", "accepted", "accepted", "refused", "accepted"]
    assert all(r["findings"] == [] for r in records), [r["findings"] for r in records]
    assert _violations(records[4])[0] == ("schema.type", "/userName")


def test_a_patch_is_checked_against_the_user_as_the_upstream_showed_it(proxy: ProxyFactory) -> None:
    with mockrc_upstream() as (_, url):
        px = proxy(url)
        user_id = px.request("POST", "/scim/v2/Users", json=_user()).json()["id"]
        refused = px.request(
            "PATCH",
            f"/scim/v2/Users/{user_id}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": "userName"}],
            },
        )

    assert refused.status_code == 400
    entry = px.last()
    assert entry["prediction"]["outcome"] == "refused"
    assert entry["findings"] == []
    assert entry["violations"]


def test_an_upstream_with_another_profile_accepts_what_the_fake_refuses(proxy: ProxyFactory) -> None:
    with mockrc_upstream(profile="scim") as (_, url):
        px = proxy(url)  # the ringcentral profile's rules
        px.request("POST", "/scim/v2/Users", json=_user())
        listed = px.request("GET", "/scim/v2/Users", params={"filter": 'userName co "ann"'})

    assert listed.status_code == 200
    entry = px.last()
    assert _violations(entry) == [("ringcentral.filter-unsupported", "?filter")]
    assert entry["prediction"] == {"outcome": "refused", "status": 400, "code": "invalidFilter"}
    assert _found(entry) == [("fidelity.refusal-accepted", "?filter")]
    finding = entry["findings"][0]
    assert finding["fake"] == {"status": 400, "code": "invalidFilter"}
    assert finding["upstream"] == {"status": 200, "code": None}


def test_a_scenario_that_changes_the_status_is_found(proxy: ProxyFactory, tmp_path: Path) -> None:
    scenario = tmp_path / "drift.yaml"
    scenario.write_text(
        "name: drift\n"
        "description: creates answer 200 and errors another scimType\n"
        "steps:\n"
        "  - id: ok-instead-of-created\n"
        "    when: {method: POST, path: /scim/v2/Users, json: {/userName: {equals: ann@example.com}}}\n"
        "    respond:\n"
        "      status: 200\n"
        "      body: {schemas: [" + USER_URN + "], id: x1, userName: ann@example.com,"
        " meta: {resourceType: User, created: '2026-01-01T00:00:00Z', lastModified: '2026-01-01T00:00:00Z',"
        " location: 'http://u/scim/v2/Users/x1'}}\n"
        "  - id: other-scim-type\n"
        "    when: {method: POST, path: /scim/v2/Users, json: {/userName: {equals: 7}}}\n"
        "    respond:\n"
        "      status: 400\n"
        "      body: {schemas: ["
        + ERROR_URN
        + "], status: '400', scimType: invalidValue, detail: refused}\n",
        encoding="utf-8",
    )
    with mockrc_upstream(scenarios=(str(scenario),)) as (_, url):
        px = proxy(url)
        created = px.request("POST", "/scim/v2/Users", json=_user())
        refused = px.request("POST", "/scim/v2/Users", json={**_user(), "userName": 7})

    assert (created.status_code, refused.status_code) == (200, 400)
    first, second = px.records()
    assert _found(first) == [("fidelity.status", "")]
    assert first["findings"][0]["fake"] == {"status": 201, "code": None}
    assert _found(second) == [("fidelity.error-code", "/scimType")]
    assert second["findings"][0]["fake"] == {"status": 400, "code": "invalidSyntax"}
    assert second["findings"][0]["upstream"] == {"status": 400, "code": "invalidValue"}


def test_drifted_shapes_are_found_where_they_differ(proxy: ProxyFactory) -> None:
    upstream = ScriptedUpstream()
    # A 201 without Location, and a User without meta.
    upstream.answer(
        "POST", "/scim/v2/Users", 201, {"schemas": [USER_URN], "id": "u1", "userName": "ann@example.com"}
    )
    # A filter accepted that the fake refuses, in a ListResponse whose resource lacks its id.
    upstream.answer(
        "GET",
        "/scim/v2/Users",
        200,
        {
            "schemas": [LIST_URN],
            "totalResults": 1,
            "startIndex": 1,
            "itemsPerPage": 1,
            "Resources": [
                {
                    "schemas": [USER_URN],
                    "userName": "ann@example.com",
                    "meta": {"resourceType": "User", "created": "c", "lastModified": "m", "location": "l"},
                }
            ],
        },
    )
    # An error with a numeric status and another Content-Type.
    upstream.answer(
        "POST",
        "/scim/v2/Users/.search",
        400,
        {"schemas": [ERROR_URN], "status": 400, "scimType": "invalidFilter", "detail": "bad"},
        Content_Type="application/json",
    )
    with serving(upstream) as url:
        px = proxy(url)
        px.request("POST", "/scim/v2/Users", json=_user())
        px.request("GET", "/scim/v2/Users", params={"filter": 'displayName sw "A"'})
        px.request(
            "POST",
            "/scim/v2/Users/.search",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName eq",
            },
        )

    created, listed, searched = px.records()
    assert _found(created) == [("fidelity.body-shape", ""), ("fidelity.header-missing", "Location")]
    assert "'meta' is a required property" in created["findings"][0]["message"]
    assert _found(listed) == [
        ("fidelity.refusal-accepted", "?filter"),
        ("fidelity.body-shape", "/Resources/0"),
    ]
    assert "'id' is a required property" in listed["findings"][1]["message"]
    assert searched["prediction"] == {"outcome": "refused", "status": 400, "code": "invalidFilter"}
    assert _found(searched) == [
        ("fidelity.body-shape", "/status"),
        ("fidelity.header-value", "Content-Type"),
    ]


def test_rate_limit_headers_missing_or_in_another_group_are_found(proxy: ProxyFactory) -> None:
    upstream = ScriptedUpstream()
    listing = {"schemas": [LIST_URN], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}
    upstream.answer(
        "GET", "/scim/v2/Users", 200, listing, X_Rate_Limit_Group="Heavy", X_Rate_Limit_Limit="10"
    )
    upstream.answer(
        "GET",
        "/scim/v2/ServiceProviderConfig",
        429,
        {"schemas": [ERROR_URN], "status": "429", "detail": "Request rate exceeded"},
    )
    with serving(upstream) as url:
        px = proxy(url)
        px.request("GET", "/scim/v2/Users")
        px.request("GET", "/scim/v2/ServiceProviderConfig")

    listed, limited = px.records()
    assert _found(listed) == [
        ("fidelity.header-missing", "X-Rate-Limit-Remaining"),
        ("fidelity.header-missing", "X-Rate-Limit-Window"),
        ("fidelity.header-value", "X-Rate-Limit-Group"),
    ]
    assert _found(limited) == [("fidelity.header-missing", "Retry-After")]


def test_a_rate_limited_mockrc_upstream_gives_no_finding(proxy: ProxyFactory) -> None:
    with mockrc_upstream(scenarios=("rate-limited",)) as (_, url):
        px = proxy(url)
        answers = [px.request("GET", "/scim/v2/Users").status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    assert all(r["findings"] == [] for r in px.records())


def test_the_control_plane_shows_findings_and_the_report_separates_them(proxy: ProxyFactory) -> None:
    with mockrc_upstream(profile="scim") as (_, url):
        px = proxy(url)
        px.request("GET", "/scim/v2/Users", params={"filter": 'userName co "a"'})
        journal = (
            requests.get(f"{px.base_url}/__mockrc/journal", timeout=10) if px.transport == "server" else None
        )
        report = px.session.get(f"{px.base_url}/__mockrc/report", params={"fail_on": "findings"}, timeout=10)

    if journal is not None:
        (entry,) = journal.json()["entries"]
        assert [f["rule"] for f in entry["findings"]] == ["fidelity.refusal-accepted"]
    body = report.json()
    assert body["fidelity"]["summary"]["findings"] == 1
    assert [r["id"] for r in body["fidelity"]["rules"] if r["findings"]] == ["fidelity.refusal-accepted"]
    assert body["verdict"] == "fail"


def test_the_dashboard_lists_a_requests_findings(proxy: ProxyFactory) -> None:
    with mockrc_upstream(profile="scim") as (_, url):
        px = proxy(url)
        px.request("GET", "/scim/v2/Users", params={"filter": 'userName co "a"'})
        overview = px.session.get(f"{px.base_url}/__mockrc/ui/api/overview", timeout=10).json()
        (entry,) = overview["journal"]["entries"]
        detail = px.session.get(f"{px.base_url}/__mockrc/ui/api/journal/{entry['id']}", timeout=10).json()

    assert [(f["rule"], f["pointer"]) for f in entry["findings"]] == [
        ("fidelity.refusal-accepted", "?filter")
    ]
    assert detail["mode"] == "proxy"
    assert detail["prediction"]["outcome"] == "refused"


def test_an_upstream_refusing_what_the_fake_accepts_is_found(proxy: ProxyFactory) -> None:
    upstream = ScriptedUpstream()
    upstream.answer(
        "POST",
        "/scim/v2/Users",
        400,
        {"schemas": [ERROR_URN], "status": "400", "scimType": "invalidValue", "detail": "no such domain"},
    )
    with serving(upstream) as url:
        px = proxy(url)
        px.request("POST", "/scim/v2/Users", json=_user())

    entry = px.last()
    assert entry["violations"] == []
    assert entry["prediction"] == {"outcome": "accepted", "status": 201, "code": None}
    assert _found(entry) == [("fidelity.acceptance-refused", "")]
    assert entry["findings"][0]["upstream"] == {"status": 400, "code": "invalidValue"}


def test_a_put_to_a_user_the_proxy_never_saw_is_checked_by_its_body(proxy: ProxyFactory) -> None:
    with mockrc_upstream() as (upstream, url):
        user_id = upstream.users.create(_user(), ViolationLog()).id  # created behind the proxy's back
        px = proxy(url)
        refused = px.request("PUT", f"/scim/v2/Users/{user_id}", json={**_user(), "userName": 7})
        replaced = px.request("PUT", f"/scim/v2/Users/{user_id}", json=_user())
        unknown = px.request("PATCH", "/scim/v2/Users/nobody", json={"Operations": "x"})

    assert (refused.status_code, replaced.status_code, unknown.status_code) == (400, 200, 404)
    first, second, third = px.records()
    assert _violations(first) == [("schema.type", "/userName")]
    assert first["prediction"] == {"outcome": "refused", "status": 400, "code": "invalidSyntax"}
    assert second["prediction"]["outcome"] == "accepted"
    assert third["prediction"]["outcome"] == "undecided"
    assert first["findings"] == second["findings"] == third["findings"] == []
