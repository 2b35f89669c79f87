"""The request guard (mockrc.http.guard): what a page in the developer's browser must not do.

Through both transports with ``fake``, then from outside: raw HTTP on a socket to ``mockrc serve``,
with the Host and Origin headers a browser would send from another site's page.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from mockrc.mock import MockRingCentral
from tests.conformance.live_server import mockrc_serve
from tests.helpers import minimal_user
from tests.http.conftest import Fake

JSON = {"Content-Type": "application/json"}
STATE_CHANGING = [
    ("POST", "/__mockrc/reset"),
    ("POST", "/__mockrc/scenarios/auth-failure/activate"),
    ("POST", "/__mockrc/tokens"),
    ("POST", "/__mockrc/clock/advance"),
    ("DELETE", "/__mockrc/journal"),
]


def _user_count(fake: Fake) -> int:
    return len(fake.state.users.store)


@pytest.mark.parametrize(("method", "path"), STATE_CHANGING)
@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
    ids=["text", "form", "none"],
)
def test_a_control_call_a_cross_site_form_could_send_is_refused_and_changes_nothing(
    fake: Fake, method: str, path: str, headers: dict[str, str]
) -> None:
    fake.post("/scim/v2/Users", json=minimal_user("kept@example.com"))
    fake.state.journal.clear()

    refused = fake.request(method, path, data="seconds=60" if headers else None, headers=headers)

    assert refused.status_code == 403
    body = refused.json()
    assert body["errorCode"] == body["errors"][0]["errorCode"] == "MOCKRC-403"
    assert (
        f"{method} {path} needs Content-Type: application/json or the X-Mockrc-Admin-Key header"
        in (body["message"])
    )
    assert _user_count(fake) == 1
    assert not fake.state.scenarios.active
    assert fake.state.oauth.sessions._sessions == {}
    assert fake.clock.now() == fake.clock.DEFAULT_START
    assert fake.get("/__mockrc/journal").json()["total"] == 0  # not cleared, and nothing to clear


@pytest.mark.parametrize(
    "headers", [JSON, {"Content-Type": "application/json; charset=utf-8"}, {"X-Mockrc-Admin-Key": "any"}]
)
def test_a_json_content_type_or_the_admin_key_header_lets_a_control_call_through(
    fake: Fake, headers: dict[str, str]
) -> None:
    fake.post("/scim/v2/Users", json=minimal_user("gone@example.com"))

    reset = fake.post("/__mockrc/reset", headers=headers)

    assert (reset.status_code, reset.json()) == (200, {"status": "reset"})
    assert _user_count(fake) == 0


def test_reading_the_control_plane_needs_no_content_type(fake: Fake) -> None:
    for path in ("/__mockrc/health", "/__mockrc/users", "/__mockrc/journal", "/__mockrc/ui/api/overview"):
        assert fake.get(path).status_code == 200, path


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "https://platform.ringcentral.com.evil.example", "http://localhost:1"],
)
def test_a_control_call_from_another_origin_is_refused_even_as_json(fake: Fake, origin: str) -> None:
    fake.post("/scim/v2/Users", json=minimal_user("kept@example.com"))

    reset = fake.post("/__mockrc/reset", headers={**JSON, "Origin": origin})
    read = fake.get("/__mockrc/users", headers={"Origin": origin})

    for refused in (reset, read):
        assert refused.status_code == 403
        assert refused.json()["errorCode"] == "MOCKRC-403"
        assert f"the Origin header is [{origin}], not the origin of the Host" in refused.json()["message"]
    assert _user_count(fake) == 1


def test_the_fake_s_own_origin_may_call_the_control_plane(fake: Fake) -> None:
    """The dashboard's own requests: the browser sends the page's origin, which is the fake's."""
    own = urlsplit(fake.base_url)
    origin = f"{own.scheme}://{own.netloc}"

    assert fake.post("/__mockrc/reset", headers={**JSON, "Origin": origin}).status_code == 200
    assert fake.get("/__mockrc/users", headers={"Origin": origin}).status_code == 200


def test_other_sites_may_call_the_ringcentral_api_without_a_content_type_rule(fake: Fake) -> None:
    """The guard's Origin and content-type rules are the control plane's; the API keeps its own."""
    signed_in = fake.session.post(
        fake.url("/restapi/oauth/token"),
        data={"grant_type": "password", "username": "admin@mockrc.test", "password": "mockrc-admin-password"},
        auth=("mockrc-client-id", "mockrc-client-secret"),
        headers={"Origin": "http://localhost:3000"},
        timeout=10,
    )

    assert signed_in.status_code == 200, signed_in.text


@pytest.mark.parametrize(
    ("method", "path", "shape"),
    [
        ("GET", "/scim/v2/Users", "scim"),
        ("GET", "/restapi/oauth/userinfo", "rest"),
        ("GET", "/__mockrc/users", "rest"),
        ("GET", "/__mockrc/journal", "rest"),
        ("POST", "/__mockrc/tokens", "rest"),
    ],
)
@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8080", "127.0.0.1.nip.io", "[::2]"])
def test_a_request_for_another_host_is_misdirected_on_every_path(
    fake: Fake, method: str, path: str, shape: str, host: str
) -> None:
    """DNS rebinding: the page's own name, re-pointed at the fake, arrives as the Host header."""
    before = len(fake.state.oauth.sessions._sessions)

    refused = fake.request(method, path, json={} if method == "POST" else None, headers={"Host": host})

    assert refused.status_code == 421
    body = refused.json()
    message = body["detail"] if shape == "scim" else body["message"]
    assert message.startswith(f"mockrc does not answer for the host [{host}] named by the Host header")
    assert "--allowed-host" in message
    if shape == "rest":
        assert body["errorCode"] == "MOCKRC-421"
    else:
        assert body["status"] == "421"
    assert "Resources" not in body
    assert len(fake.state.oauth.sessions._sessions) == before  # no token was minted


def test_a_misdirected_api_request_is_journaled(fake: Fake) -> None:
    fake.get("/scim/v2/Users", headers={"Host": "attacker.example"})

    [entry] = fake.get("/__mockrc/journal").json()["entries"]

    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/scim/v2/Users", 421)


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:9", "localhost.", "127.0.0.1:1", "127.8.9.10", "[::1]:65535"]
)
def test_loopback_hosts_with_any_port_are_answered(fake: Fake, host: str) -> None:
    assert fake.get("/scim/v2/Users", headers={"Host": host}).status_code == 200


def test_the_in_process_transport_answers_for_its_base_urls() -> None:
    """RingCentral's hosts and an extra base URL reach the app with their own Host: all answered."""
    with MockRingCentral(base_urls=["http://rc.internal.example:8443"]) as rc:
        bases = (
            "https://platform.ringcentral.com",
            "https://platform.devtest.ringcentral.com",
            rc.settings.base_urls[-1],
        )
        reads = [requests.get(f"{b}/scim/v2/Users", headers=rc.auth_headers, timeout=10) for b in bases]
        resets = [requests.post(f"{b}/__mockrc/reset", headers=JSON, timeout=10) for b in bases]

    assert [r.status_code for r in reads + resets] == [200] * 6


# --- from outside: raw HTTP to mockrc serve ------------------------------------------------------


def _raw(url: str, request: str, body: bytes = b"") -> tuple[int, dict[str, object]]:
    """Send ``request`` (head lines, no blank line) as written, on a new connection; status and JSON."""
    parts = urlsplit(url)
    head = request.replace("\n", "\r\n") + f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(head.encode() + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    payload = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(payload) if payload else {}


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with mockrc_serve("--users", "3", "--allowed-host", "mockrc.test") as (url, _):
        yield url


def test_from_outside_a_foreign_host_reads_no_users_and_mints_no_token(served: str) -> None:
    status, body = _raw(served, "GET /__mockrc/users HTTP/1.1\nHost: attacker.example")
    assert (status, body["errorCode"]) == (421, "MOCKRC-421")

    status, body = _raw(
        served,
        "POST /__mockrc/tokens HTTP/1.1\nHost: attacker.example\nContent-Type: application/json",
        b"{}",
    )
    assert (status, body["errorCode"]) == (421, "MOCKRC-421")
    assert "access_token" not in body

    status, body = _raw(
        served,
        "GET /scim/v2/Users HTTP/1.1\nHost: attacker.example\nAuthorization: Bearer mockrc-admin-token",
    )
    assert (status, body["status"]) == (421, "421")


def test_from_outside_a_cross_site_reset_changes_nothing(served: str) -> None:
    host = urlsplit(served).netloc

    status, body = _raw(
        served,
        f"POST /__mockrc/reset HTTP/1.1\nHost: {host}\nContent-Type: text/plain\nOrigin: http://evil.example",
        b"x",
    )
    assert (status, body["errorCode"]) == (403, "MOCKRC-403")
    status, body = _raw(
        served,
        f"POST /__mockrc/scenarios/auth-failure/activate HTTP/1.1\nHost: {host}\n"
        "Content-Type: application/x-www-form-urlencoded",
        b"a=b",
    )
    assert (status, body["errorCode"]) == (403, "MOCKRC-403")

    status, users = _raw(served, f"GET /__mockrc/users HTTP/1.1\nHost: {host}")
    assert (status, users["totalResults"]) == (200, 3)
    status, scenarios = _raw(served, f"GET /__mockrc/scenarios HTTP/1.1\nHost: {host}")
    assert (status, scenarios["active"]) == (200, [])


def test_from_outside_an_allowed_host_and_loopback_names_are_answered(served: str) -> None:
    port = urlsplit(served).port
    for host in (f"mockrc.test:{port}", "MOCKRC.TEST", f"localhost:{port}", f"127.0.0.1:{port}"):
        status, users = _raw(served, f"GET /__mockrc/users HTTP/1.1\nHost: {host}")
        assert (status, users.get("totalResults")) == (200, 3), host
    status, _ = _raw(served, "GET /__mockrc/health HTTP/1.1\nHost: sub.mockrc.test")
    assert status == 421


def test_from_outside_allow_remote_answers_addresses_but_not_foreign_names() -> None:
    """--allow-remote without --allowed-host: any IP address, the machine's names, no other name."""
    with mockrc_serve("--allow-remote", "--admin-key", "k3y") as (url, output):
        token = "Authorization: Bearer mockrc-admin-token"
        assert _raw(url, f"GET /scim/v2/Users HTTP/1.1\nHost: 192.0.2.7:8080\n{token}")[0] == 200
        assert _raw(url, f"GET /scim/v2/Users HTTP/1.1\nHost: [2001:db8::7]\n{token}")[0] == 200
        assert _raw(url, f"GET /scim/v2/Users HTTP/1.1\nHost: {socket.gethostname()}\n{token}")[0] == 200
        assert _raw(url, f"GET /scim/v2/Users HTTP/1.1\nHost: attacker.example\n{token}")[0] == 421
        status, body = _raw(url, "GET /__mockrc/users HTTP/1.1\nHost: 192.0.2.7")
        assert (status, body["errorCode"]) == (401, "MOCKRC-401")
    assert any(line.startswith("mockrc: answers for the hosts ") and "0.0.0.0/0" in line for line in output)


def test_the_readme_s_compose_example_lets_its_client_reach_the_fake_by_service_name() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Run it in a container") :]
    compose = yaml.safe_load(re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)[0])
    fake = compose["services"]["ringcentral"]["environment"]
    client = compose["services"]["provisioning-client"]["environment"]
    env = {k: str(v) for k, v in fake.items() if k != "MOCKRC_STATE_FILE"}  # /data is the image's

    with mockrc_serve(env={**os.environ, **env, "MOCKRC_HOST": "127.0.0.1"}) as (url, _):
        host = urlsplit(client["SCIM_BASE_URL"]).netloc
        token = f"Authorization: Bearer {client['SCIM_TOKEN']}"
        status, users = _raw(url, f"GET /scim/v2/Users HTTP/1.1\nHost: {host}\n{token}")
        assert (status, users.get("totalResults")) == (200, 6)  # acme's users
        assert _raw(url, f"GET /scim/v2/Users HTTP/1.1\nHost: other:8080\n{token}")[0] == 421
