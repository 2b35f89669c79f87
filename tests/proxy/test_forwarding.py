"""The proxy forwards unchanged, answers unchanged, and fails as 502/504, never as a 500."""

from __future__ import annotations

import gzip
import json
import socket

import pytest

from mockrc.cli.main import main
from mockrc.errors import ConfigError
from mockrc.proxy.upstream import check_upstream_url, forwarded_headers
from tests.proxy.conftest import ProxyFactory, ScriptedUpstream, serving

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


def test_the_request_arrives_unchanged_and_the_answer_comes_back_unchanged(proxy: ProxyFactory) -> None:
    upstream = ScriptedUpstream()
    answer = b'{"odd":  "spacing kept",\n "n": 1}'
    upstream.answer(
        "POST", "/restapi/v1.0/thing", 207, answer, Content_Type="application/json", X_Upstream="yes"
    )
    with serving(upstream) as url:
        px = proxy(url)
        body = b'{"b": [1, 2],  "a": "\xc3\xa9"}'
        response = px.request(
            "POST",
            "/restapi/v1.0/thing?x=1&y=%20z",
            token="client-secret-token",
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Client": "kept",
                "X-Hop": "dropped",
                "Connection": "keep-alive, X-Hop",
                "Keep-Alive": "timeout=5",
            },
        )

    assert response.status_code == 207
    assert response.content == answer
    assert response.headers["X-Upstream"] == "yes"
    assert response.headers["Content-Type"] == "application/json"
    assert "X-Content-Type-Options" not in response.headers  # the fake's own header is not added
    (received,) = upstream.received
    assert (received.method, received.path, received.query) == ("POST", "/restapi/v1.0/thing", "x=1&y=%20z")
    assert received.body == body
    assert received.headers["Authorization"] == "Bearer client-secret-token"
    assert received.headers["X-Client"] == "kept"
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert received.headers["Host"] == url.removeprefix("http://")
    assert "X-Hop" not in received.headers and "Keep-Alive" not in received.headers
    entry = px.last()
    assert entry["mode"] == "proxy"
    assert entry["upstream"] == {"url": url, "status": 207, "error": None}
    assert entry["status"] == 207
    assert entry["response"]["body"] == {"odd": "spacing kept", "n": 1}


def test_hop_by_hop_headers_are_dropped_with_those_connection_names() -> None:
    sent = [("Connection", "close, X-A"), ("X-A", "1"), ("TE", "trailers"), ("Upgrade", "h2c"), ("X-B", "2")]
    assert forwarded_headers(sent) == [("X-B", "2")]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_upstream_that_refuses_the_connection_is_a_502_in_ringcentrals_shape(proxy: ProxyFactory) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    px = proxy(url)

    rest = px.request("GET", "/restapi/v1.0/account/~")
    scim = px.request("GET", "/scim/v2/Users")

    assert rest.status_code == 502
    assert rest.json()["errorCode"] == "HTTP-502"
    assert "could not be reached" in rest.json()["message"]
    assert scim.status_code == 502
    assert scim.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert scim.json()["status"] == "502"
    assert "Traceback" not in scim.text
    entry = px.last()
    assert entry["upstream"]["status"] is None
    assert "could not be reached" in entry["upstream"]["error"]
    assert entry["status"] == 502


def test_an_upstream_that_never_answers_is_a_504(proxy: ProxyFactory) -> None:
    with socket.socket() as listening:  # accepts connections (the backlog) and never answers
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        px = proxy(f"http://127.0.0.1:{listening.getsockname()[1]}", read_timeout=0.2)
        response = px.request("GET", "/scim/v2/Users")

    assert response.status_code == 504
    assert response.json()["status"] == "504"
    assert "did not answer in time" in px.last()["upstream"]["error"]


@pytest.mark.parametrize(
    "url",
    [
        "http://platform.devtest.ringcentral.com",
        "http://192.0.2.1:8080",
        "ftp://127.0.0.1",
        "127.0.0.1:8080",
        "https://user:secret@platform.devtest.ringcentral.com",
        "https://platform.devtest.ringcentral.com/?x=1",
    ],
)
def test_an_upstream_neither_https_nor_loopback_is_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        check_upstream_url(url)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://platform.devtest.ringcentral.com/", "https://platform.devtest.ringcentral.com"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://localhost:9000/base/", "http://localhost:9000/base"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_https_or_loopback_upstreams_are_taken(url: str, kept: str) -> None:
    assert check_upstream_url(url) == kept


def test_the_command_refuses_a_plain_http_upstream_with_exit_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["proxy", "--upstream", "http://platform.devtest.ringcentral.com", "--port", "0"]) == 2
    said = capsys.readouterr().err
    assert "is not https://" in said and "loopback" in said


def test_the_command_needs_an_upstream(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--port", "0"]) == 2
    assert "--upstream" in capsys.readouterr().err


def test_an_answer_over_the_body_limit_is_a_502(proxy: ProxyFactory) -> None:
    upstream = ScriptedUpstream()
    upstream.answer("GET", "/scim/v2/Users", 200, b"x" * 2048, Content_Type="text/plain")
    with serving(upstream) as url:
        px = proxy(url, max_body_bytes=1024)
        response = px.request("GET", "/scim/v2/Users")
        again = px.request("GET", "/scim/v2/Users")  # the pool is still usable

    assert response.status_code == again.status_code == 502
    assert "larger than 1,024 bytes" in response.json()["detail"]


def test_the_journal_redacts_the_clients_credentials(proxy: ProxyFactory, tmp_path: object) -> None:
    upstream = ScriptedUpstream()
    upstream.answer(
        "POST",
        "/restapi/oauth/token",
        200,
        {
            "access_token": "issued-secret",
            "token_type": "bearer",
            "expires_in": 3600,
            "scope": "ReadAccounts",
        },
        Content_Type="application/json",
    )
    with serving(upstream) as url:
        px = proxy(url)
        px.request(
            "POST",
            "/restapi/oauth/token",
            token=None,
            data={"grant_type": "password", "username": "u", "password": "form-password"},
            auth=("client-id", "client-basic-secret"),
        )
        px.request("GET", "/scim/v2/Users", token="bearer-secret-value")

    (sent_token, sent_list) = upstream.received
    assert b"form-password" in sent_token.body  # the upstream got the credentials
    assert sent_list.headers["Authorization"] == "Bearer bearer-secret-value"
    journal = json.dumps(px.records())
    for secret in ("form-password", "client-basic-secret", "bearer-secret-value", "issued-secret"):
        assert secret not in journal


def test_a_gzip_answer_reaches_the_client_as_sent_and_is_read_decoded(proxy: ProxyFactory) -> None:
    listing = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
    compressed = gzip.compress(json.dumps(listing).encode())
    upstream = ScriptedUpstream()
    upstream.answer(
        "GET",
        "/scim/v2/Users",
        200,
        compressed,
        Content_Type="application/scim+json",
        Content_Encoding="gzip",
    )
    with serving(upstream) as url:
        px = proxy(url)
        response = px.request(
            "GET", "/scim/v2/Users", params={"filter": 'userName co "a"'}, headers={"Accept-Encoding": "gzip"}
        )

    assert response.headers["Content-Encoding"] == "gzip"
    assert response.json() == listing  # requests decodes what it was sent: the upstream's gzip
    assert upstream.received[0].headers["Accept-Encoding"] == "gzip"
    entry = px.last()
    assert entry["response"]["body"] == listing
    assert "decoded from its Content-Encoding" in entry["response"]["body_note"]
    assert [(f["rule"], f["pointer"]) for f in entry["findings"]] == [
        ("fidelity.refusal-accepted", "?filter")
    ]


def test_an_answer_in_an_encoding_mockrc_does_not_read_is_forwarded_unjudged(proxy: ProxyFactory) -> None:
    upstream = ScriptedUpstream()
    upstream.answer(
        "GET",
        "/scim/v2/Users",
        200,
        b"\x0b\x02\x80{}\x03",
        Content_Type="application/scim+json",
        Content_Encoding="br",
    )
    with serving(upstream) as url:
        px = proxy(url)
        response = px.request(
            "GET",
            "/scim/v2/Users",
            params={"filter": 'userName co "a"'},
            headers={"Accept-Encoding": "br"},
            stream=True,
        )
        raw = response.raw.read(decode_content=False)

    assert raw == b"\x0b\x02\x80{}\x03"
    assert px.last()["findings"] == []
