"""InProcessTransport: byte-exact hand-off into any WSGI app, pass-through, nesting with responses."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
import responses
from flask import Flask, Response, jsonify, redirect, request, url_for
from requests.adapters import HTTPAdapter

from mockrc.settings import DEFAULT_BASE_URLS
from mockrc.transport.faults import FAULT_HEADER
from mockrc.transport.inprocess import InProcessTransport

RC = "https://platform.ringcentral.com"
DEVTEST = "https://platform.devtest.ringcentral.com"
OTHER = "https://api.example.com/thing"


def make_app() -> Flask:
    """A tiny app that reports what it received, so tests can compare it with what was sent."""
    app = Flask("echo")

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def echo() -> Response:
        return jsonify(
            method=request.method,
            path=request.path,
            query_string=request.query_string.decode("ascii"),
            args=request.args.to_dict(flat=False),
            form=request.form.to_dict(flat=False),
            authorization=request.headers.get("Authorization"),
            content_type=request.headers.get("Content-Type"),
            note=request.headers.get("X-Note"),
            body=request.get_data().decode("utf-8"),
            host_url=request.host_url,
        )

    @app.post("/scim/v2/Users")
    def create() -> Response:
        response = Response('{"id": "1"}', status=201, content_type="application/scim+json")
        response.headers["Location"] = url_for("read", user_id="1", _external=True)
        return response

    @app.get("/scim/v2/Users/<user_id>")
    def read(user_id: str) -> Response:
        return Response(f'{{"id": "{user_id}"}}', content_type="application/scim+json")

    @app.get("/moved")
    def moved() -> Response:
        return redirect(url_for("read", user_id="7", _external=True))

    @app.get("/head")
    def head() -> Response:
        return Response("twelve bytes", headers={"X-Seen": "yes"})

    @app.get("/fault/<kind>")
    def fault(kind: str) -> Response:
        return Response("never seen", headers={FAULT_HEADER: kind})

    return app


@pytest.fixture
def transport() -> Iterator[InProcessTransport]:
    with InProcessTransport(make_app()) as started:
        yield started


@pytest.mark.usefixtures("transport")
class TestHandOff:
    def test_raw_query_string_reaches_the_app_byte_exact(self) -> None:
        resp = requests.get(f"{RC}/echo?q=a+b&r=c%20d&s=%2B")

        seen = resp.json()
        assert seen["query_string"] == "q=a+b&r=c%20d&s=%2B"
        assert seen["args"] == {"q": ["a b"], "r": ["c d"], "s": ["+"]}

    def test_scim_filter_built_by_requests_is_decoded_by_the_app(self) -> None:
        scim_filter = 'userName eq "alice+1@example.com"'

        resp = requests.get(f"{RC}/echo", params={"filter": scim_filter})

        assert resp.json()["args"] == {"filter": [scim_filter]}

    def test_authorization_content_type_and_json_body_arrive_intact(self) -> None:
        body = '{"userName": "zoë@example.com", "name": {"givenName": "Zoë"}}'

        resp = requests.post(
            f"{RC}/echo",
            data=body.encode("utf-8"),
            headers={"Authorization": "Bearer abc.def", "Content-Type": "application/scim+json"},
        )

        seen = resp.json()
        assert seen["method"] == "POST"
        assert seen["authorization"] == "Bearer abc.def"
        assert seen["content_type"] == "application/scim+json"
        assert seen["body"] == body

    def test_form_encoded_body_is_parsed_as_a_form(self) -> None:
        resp = requests.post(
            f"{RC}/echo",
            data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "x.y"},
        )

        assert resp.json()["form"] == {
            "grant_type": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
            "assertion": ["x.y"],
        }

    def test_str_body_is_sent_as_utf8(self) -> None:
        resp = requests.put(f"{RC}/echo", data="crème", headers={"Content-Type": "text/plain; charset=utf-8"})

        assert resp.json()["body"] == "crème"

    def test_streamed_bodies_are_read_to_the_end(self) -> None:
        chunks = requests.put(f"{RC}/echo", data=(chunk for chunk in [b"ab", "cd", b"ef"]))
        file = requests.put(f"{RC}/echo", data=io.BytesIO(b"from a file"))

        assert chunks.json()["body"] == "abcdef"
        assert file.json()["body"] == "from a file"

    def test_a_bytes_header_value_arrives_as_a_server_decodes_it(self) -> None:
        resp = requests.get(f"{RC}/echo", headers={"X-Note": "café".encode("latin-1")})

        assert resp.json()["note"] == "café"  # ISO-8859-1, as PEP 3333 has servers decode headers

    @pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def test_every_method_is_routed(self, method: str) -> None:
        resp = requests.request(method, f"{RC}/echo")

        assert resp.status_code == 200
        assert resp.json()["method"] == method

    def test_head_returns_headers_without_body(self) -> None:
        resp = requests.head(f"{RC}/head")

        assert resp.status_code == 200
        assert resp.headers["X-Seen"] == "yes"
        assert resp.headers["Content-Length"] == "12"
        assert resp.content == b""

    def test_content_type_is_the_apps_only(self) -> None:
        resp = requests.post(f"{RC}/scim/v2/Users", json={})

        assert resp.raw.headers.getlist("Content-Type") == ["application/scim+json"]

    @pytest.mark.parametrize("base", [RC, DEVTEST])
    def test_app_sees_the_real_host_and_builds_absolute_locations(self, base: str) -> None:
        resp = requests.post(f"{base}/scim/v2/Users", json={})

        assert resp.status_code == 201
        assert resp.headers["Location"] == f"{base}/scim/v2/Users/1"
        assert requests.get(f"{base}/echo").json()["host_url"] == f"{base}/"

    def test_redirects_are_followed_in_process(self) -> None:
        resp = requests.get(f"{RC}/moved")

        assert resp.status_code == 200
        assert resp.json() == {"id": "7"}
        assert [r.status_code for r in resp.history] == [302]

    def test_unknown_path_gets_the_apps_404(self) -> None:
        assert requests.get(f"{RC}/nowhere").status_code == 404


class TestFaults:
    def test_drop_fault_raises_connection_error_to_the_caller(self, transport: InProcessTransport) -> None:
        with pytest.raises(requests.exceptions.ConnectionError, match="dropped the connection") as caught:
            requests.get(f"{RC}/fault/drop")

        assert caught.value.request is not None
        assert caught.value.request.url == f"{RC}/fault/drop"

    def test_unknown_fault_fails_loudly(self, transport: InProcessTransport) -> None:
        with pytest.raises(ValueError, match="unknown X-Mockrc-Fault value 'melt'"):
            requests.get(f"{RC}/fault/melt")


class TestLifecycle:
    def test_session_created_before_start_is_intercepted(self) -> None:
        session = requests.Session()
        with InProcessTransport(make_app()):
            resp = session.get(f"{RC}/scim/v2/Users/3")

        assert resp.json() == {"id": "3"}

    def test_start_twice_is_an_error(self, transport: InProcessTransport) -> None:
        with pytest.raises(RuntimeError, match="already started"):
            transport.start()

    def test_stop_is_idempotent_and_ends_interception(self) -> None:
        with responses.RequestsMock() as users_mock:
            users_mock.get(f"{RC}/scim/v2/Users/3", json={"id": "from-user-stub"})
            transport = InProcessTransport(make_app())
            transport.start()
            assert requests.get(f"{RC}/scim/v2/Users/3").json() == {"id": "3"}

            transport.stop()
            transport.stop()

            assert requests.get(f"{RC}/scim/v2/Users/3").json() == {"id": "from-user-stub"}

    def test_can_restart_after_stop(self) -> None:
        transport = InProcessTransport(make_app())
        transport.start()
        transport.stop()

        with transport:
            assert requests.get(f"{RC}/scim/v2/Users/4").json() == {"id": "4"}


class TestBaseUrls:
    def test_defaults_are_production_and_devtest(self) -> None:
        assert DEFAULT_BASE_URLS == (RC, DEVTEST)

    def test_configured_base_url_is_routed(self) -> None:
        with InProcessTransport(make_app(), base_urls=[*DEFAULT_BASE_URLS, "http://rc.test:8080/"]):
            resp = requests.post("http://rc.test:8080/scim/v2/Users", json={})

        assert resp.headers["Location"] == "http://rc.test:8080/scim/v2/Users/1"

    @pytest.mark.parametrize("url", [f"{RC}/", "HTTPS://Platform.RingCentral.com"])
    def test_base_url_is_normalised(self, url: str) -> None:
        assert InProcessTransport(make_app(), base_urls=[url]).url_pattern.match(f"{RC}/echo")

    @pytest.mark.parametrize("url", [f"{RC}/restapi", "platform.ringcentral.com", "ftp://x.test"])
    def test_base_url_must_be_an_origin(self, url: str) -> None:
        with pytest.raises(ValueError, match="scheme://host"):
            InProcessTransport(make_app(), base_urls=[url])

    @responses.activate
    def test_a_longer_host_with_the_same_prefix_is_not_captured(self) -> None:
        lookalike = "https://platform.ringcentral.com.evil.example/echo"
        responses.get(lookalike, json={"served_by": "user stub"})

        with InProcessTransport(make_app()):
            assert requests.get(lookalike).json() == {"served_by": "user stub"}


class TestNestingWithUsersResponsesMock:
    @responses.activate
    def test_users_activate_outside_keeps_answering_other_hosts(self) -> None:
        responses.get(OTHER, json={"served_by": "user stub"})

        with InProcessTransport(make_app()):
            assert requests.get(OTHER).json() == {"served_by": "user stub"}
            assert requests.get(f"{RC}/scim/v2/Users/1").json() == {"id": "1"}

        assert requests.get(OTHER).json() == {"served_by": "user stub"}

    def test_users_requests_mock_outside_keeps_answering_other_hosts(self) -> None:
        with responses.RequestsMock() as users_mock:
            users_mock.get(OTHER, json={"served_by": "user stub"})
            users_mock.get(f"{RC}/scim/v2/Users/1", json={"served_by": "shadowed"})

            with InProcessTransport(make_app()):
                assert requests.get(OTHER).json() == {"served_by": "user stub"}
                assert requests.get(f"{RC}/scim/v2/Users/1").json() == {"id": "1"}

            # The user's RC stub was shadowed while ours ran; theirs answers again now.
            assert requests.get(f"{RC}/scim/v2/Users/1").json() == {"served_by": "shadowed"}

    def test_users_mock_inside_works_with_real_adapter_send_and_passthru(self) -> None:
        with InProcessTransport(make_app()):
            with responses.RequestsMock(real_adapter_send=HTTPAdapter.send) as users_mock:
                users_mock.add_passthru(RC)
                users_mock.get(OTHER, json={"served_by": "user stub"})

                assert requests.get(OTHER).json() == {"served_by": "user stub"}
                assert requests.get(f"{RC}/scim/v2/Users/2").json() == {"id": "2"}

            assert requests.get(f"{RC}/scim/v2/Users/2").json() == {"id": "2"}

    def test_users_mock_inside_without_passthru_refuses_rc_calls(self) -> None:
        refused = pytest.raises(requests.exceptions.ConnectionError, match="Connection refused by Responses")
        with (
            InProcessTransport(make_app()),
            responses.RequestsMock(real_adapter_send=HTTPAdapter.send),
            refused,
        ):
            requests.get(f"{RC}/scim/v2/Users/2")


def test_the_transport_does_not_keep_every_call_it_answered() -> None:
    # responses keeps each request and response for assertions this private mock never makes:
    # a session's every body stayed in memory. The journal is the bounded record.
    with InProcessTransport(make_app()) as transport:
        for number in range(5):
            assert requests.post(f"{RC}/echo", data=f"body {number}").status_code == 200
        mock = transport._mock
        assert mock is not None

        assert len(mock.calls) <= 1
        assert all(len(route.calls) <= 1 for route in mock.registered())
