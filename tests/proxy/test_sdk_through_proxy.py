"""RingCentral's official SDK, as a client would use it, through the proxy to a second mockrc."""

from __future__ import annotations

import json

from ringcentral import SDK

from tests.helpers import minimal_user
from tests.proxy.conftest import ProxyFactory, mockrc_upstream


def test_the_sdk_signs_in_and_provisions_through_the_proxy(proxy: ProxyFactory) -> None:
    with mockrc_upstream() as (upstream, url):
        px = proxy(url)
        sdk = SDK("mockrc-client-id", "mockrc-client-secret", px.base_url, "proxy-test", "1.0").platform()
        sdk.login(jwt="mockrc-admin-jwt")
        created = sdk.post("/scim/v2/Users", minimal_user("sdk@example.com")).response()
        listed = sdk.get("/scim/v2/Users", {"filter": 'userName eq "sdk@example.com"'}).response()

        assert created.status_code == 201
        assert listed.json()["totalResults"] == 1
        assert [u.attributes["userName"] for u in upstream.users.store] == [
            "sdk@example.com"
        ]  # it reached the upstream

    records = px.records()
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("POST", "/restapi/oauth/token", 200),
        ("POST", "/scim/v2/Users", 201),
        ("GET", "/scim/v2/Users", 200),
    ]
    assert all(r["findings"] == [] and r["violations"] == [] for r in records), records
    journal = json.dumps(records)
    assert "mockrc-admin-jwt" not in journal and "mockrc-client-secret" not in journal
    assert sdk.auth().data()["access_token"] not in journal
