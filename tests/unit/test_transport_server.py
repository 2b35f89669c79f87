"""LiveServer: binding in the caller's thread, real ports, clean and prompt shutdown."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, Response

from mockrc.transport.faults import FAULT_HEADER
from mockrc.transport.server import SEND_BUFFER_BYTES, LiveServer

WAIT = 10  # seconds; only ever reached when a test is failing


def make_app(name: str = "app") -> Flask:
    app = Flask(name)
    arrived = threading.Event()

    @app.get("/name")
    def who() -> str:
        return name

    @app.get("/wait-for-partner")
    def wait_for_partner() -> str:
        return "partner came" if arrived.wait(WAIT) else "alone"

    @app.get("/partner")
    def partner() -> str:
        arrived.set()
        return "here"

    @app.get("/bytes/<int:size>")
    def pieces(size: int) -> Response:
        """``size`` bytes written in 10,000-byte pieces, each piece its own digit."""
        return Response(
            str(i // 10_000 % 10).encode() * min(10_000, size - i) for i in range(0, size, 10_000)
        )

    @app.get("/fault/<kind>")
    def fault(kind: str) -> Response:
        return Response("never sent", headers={FAULT_HEADER: kind})

    return app


def server_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("mockrc-server-")]


@pytest.fixture
def server() -> Iterator[LiveServer]:
    with LiveServer(make_app()) as started:
        yield started


class TestStart:
    def test_port_zero_gives_a_real_port_in_the_url(self, server: LiveServer) -> None:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"

    def test_requests_are_answered_with_mockrc_as_server_header(self, server: LiveServer) -> None:
        resp = requests.get(f"{server.url}/name", timeout=WAIT)

        assert resp.status_code == 200
        assert resp.text == "app"
        assert resp.headers["Server"] == "mockrc"

    def test_two_servers_get_different_ports_and_serve_their_own_app(self) -> None:
        with LiveServer(make_app("one")) as one, LiveServer(make_app("two")) as two:
            assert one.port != two.port
            assert requests.get(f"{one.url}/name", timeout=WAIT).text == "one"
            assert requests.get(f"{two.url}/name", timeout=WAIT).text == "two"

    def test_requests_are_served_concurrently(self, server: LiveServer) -> None:
        answers: list[str] = []
        waiting = threading.Thread(
            target=lambda: answers.append(requests.get(f"{server.url}/wait-for-partner", timeout=WAIT).text)
        )
        waiting.start()

        requests.get(f"{server.url}/partner", timeout=WAIT)
        waiting.join()

        assert answers == ["partner came"]

    def test_taken_port_raises_at_once_in_the_caller(self, server: LiveServer) -> None:
        second = LiveServer(make_app(), port=server.port)
        threads_before = threading.active_count()

        with pytest.raises(OSError, match="in use"):
            second.start()

        assert threading.active_count() == threads_before
        with pytest.raises(RuntimeError, match="not bound"):
            _ = second.url

    def test_invalid_setting_releases_the_bound_socket(self) -> None:
        with LiveServer(make_app()) as probe:
            port = probe.port

        with pytest.raises(ValueError):
            LiveServer(make_app(), port=port, threads="many").start()  # type: ignore[arg-type]

        with LiveServer(make_app(), port=port) as again:
            assert again.port == port

    def test_url_before_start_is_an_error(self) -> None:
        with pytest.raises(RuntimeError, match="not bound"):
            _ = LiveServer(make_app()).url

    def test_start_twice_is_an_error(self, server: LiveServer) -> None:
        with pytest.raises(RuntimeError, match="already started"):
            server.start()

    def test_bind_then_start_serves_on_the_bound_port(self) -> None:
        server = LiveServer(make_app())
        server.bind()
        port = server.port

        with server:
            assert server.port == port
            assert requests.get(f"{server.url}/name", timeout=WAIT).text == "app"

    def test_host_name_is_bound_on_one_numeric_address(self) -> None:
        with LiveServer(make_app(), host="localhost") as server:
            assert server.url in (f"http://127.0.0.1:{server.port}", f"http://[::1]:{server.port}")
            assert requests.get(f"{server.url}/name", timeout=WAIT).text == "app"

    def test_ipv6_url_has_brackets(self) -> None:
        server = LiveServer(make_app(), host="::1")
        try:
            server.start()
        except OSError:
            pytest.skip("no IPv6 loopback here")
        try:
            assert server.url == f"http://[::1]:{server.port}"
            assert requests.get(f"{server.url}/name", timeout=WAIT).text == "app"
        finally:
            server.stop()


class TestStop:
    def test_stop_ends_the_thread_and_frees_the_port(self) -> None:
        server = LiveServer(make_app())
        server.start()
        port, url = server.port, server.url

        server.stop()

        assert f"mockrc-server-{port}" not in server_threads()
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{url}/name", timeout=WAIT)
        with LiveServer(make_app("again"), port=port) as again:
            assert requests.get(f"{again.url}/name", timeout=WAIT).text == "again"

    def test_stop_does_not_wait_for_idle_keep_alive_connections(self) -> None:
        server = LiveServer(make_app())
        server.start()
        port, url = server.port, server.url
        session = requests.Session()
        assert session.get(f"{url}/name", timeout=WAIT).text == "app"

        server.stop()

        assert f"mockrc-server-{port}" not in server_threads()
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(f"{url}/name", timeout=WAIT)

    def test_stop_is_idempotent(self, server: LiveServer) -> None:
        server.stop()
        server.stop()

        with pytest.raises(RuntimeError, match="not bound"):
            _ = server.url

    def test_stop_after_bind_only_frees_the_port(self) -> None:
        server = LiveServer(make_app())
        server.bind()
        port = server.port

        server.stop()

        with LiveServer(make_app(), port=port) as again:
            assert again.port == port

    def test_server_can_be_restarted(self) -> None:
        server = LiveServer(make_app())
        server.start()
        server.stop()

        with server:
            assert requests.get(f"{server.url}/name", timeout=WAIT).text == "app"


class TestSending:
    @pytest.mark.parametrize(
        "size", [1, SEND_BUFFER_BYTES - 1, SEND_BUFFER_BYTES, 3 * SEND_BUFFER_BYTES + 12_345]
    )
    def test_answers_below_and_past_the_send_buffer_arrive_whole_and_in_order(
        self, server: LiveServer, size: int
    ) -> None:
        expected = b"".join(
            str(i // 10_000 % 10).encode() * min(10_000, size - i) for i in range(0, size, 10_000)
        )
        with requests.Session() as session:  # one keep-alive connection: answers must not mix
            for _ in range(3):
                assert session.get(f"{server.url}/bytes/{size}", timeout=WAIT).content == expected
                assert session.get(f"{server.url}/name", timeout=WAIT).text == "app"


class TestFaults:
    def test_drop_fault_closes_the_connection_without_a_response(self, server: LiveServer) -> None:
        session = requests.Session()

        with pytest.raises(requests.exceptions.ConnectionError, match="without response"):
            session.get(f"{server.url}/fault/drop", timeout=WAIT)

        assert session.get(f"{server.url}/name", timeout=WAIT).text == "app"

    def test_unknown_fault_is_a_server_error(self, server: LiveServer) -> None:
        resp = requests.get(f"{server.url}/fault/melt", timeout=WAIT)

        assert resp.status_code == 500
        assert "never sent" not in resp.text


class TestServeForever:
    @pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=lambda signum: signum.name)
    def test_signal_closes_the_server_and_returns(self, signum: signal.Signals) -> None:
        server = LiveServer(make_app())
        server.bind()
        url, port = server.url, server.port
        answers: list[Any] = []

        def client() -> None:
            # The socket already listens, so this is queued until serve_forever runs the loop.
            answers.append(requests.get(f"{url}/name", timeout=WAIT).text)
            os.kill(os.getpid(), signum)

        handler_before = signal.getsignal(signum)
        caller = threading.Thread(target=client)
        caller.start()

        server.serve_forever()
        caller.join()

        assert answers == ["app"]
        assert signal.getsignal(signum) is handler_before
        with LiveServer(make_app(), port=port) as again:
            assert again.port == port

    def test_refused_while_serving_in_a_thread(self, server: LiveServer) -> None:
        with pytest.raises(RuntimeError, match="already serving"):
            server.serve_forever()
