"""Live transport: any WSGI app on a real socket, served by waitress.

Waitress because it is production-grade, pure Python and single-process multi-threaded: mockrc's
state lives in the process, so a forking server would split it.

The socket is bound in the *calling* thread (:meth:`LiveServer.bind`, called by :meth:`start`), so
a taken port raises at once; only serving happens in the background thread. Binding inside the
thread is moto's ``ThreadedMotoServer`` mistake: a failed bind there leaves ``start()`` waiting
forever. Port 0 (the default) lets the OS pick a free port, read back through :attr:`url`.

Transport faults: a response carrying ``X-Mockrc-Fault: drop`` is never sent; the connection is
closed instead, so the client sees the server hang up without an answer (``RemoteDisconnected``,
a ``ConnectionError`` in ``requests``), as with the in-process transport.

Stopping (:meth:`LiveServer.serve_forever`, on SIGTERM or SIGINT) drains: the listening socket
closes at once, so new connections are refused; requests already received are answered and their
answers sent, for at most ``drain_seconds`` (5 s by default, longer than any answer takes but a
scenario's delay); idle keep-alive connections are closed. A second signal ends the drain: the
connections still open are closed (the workers get a few seconds to finish, as waitress gives them).

Responses are sent whole: a worker thread buffers up to :data:`SEND_BUFFER_BYTES` of an answer and
the I/O thread sends it in one ``send()`` when the request is done (larger answers are sent in
pieces of that size as they are written). Waitress's default (``send_bytes=1``) sends the status
line and headers, then the body, from the worker, each as it is written: two system calls and two
contended locks per answer. Measured with wrk on 2 cores (``benchmarks/bench_server.py``, figures in
``benchmarks/README.md``): 1.2-1.5x the requests/s and a lower median for every operation.

A 204 or 304 answer keeps an HTTP/1.1 connection open, as RingCentral's do (waitress would close
it; :mod:`mockrc.transport.keepalive` says why and how, on the waitress release it was checked
against).

Nothing is logged on start; the CLI prints its own line.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Final

from waitress import wasyncore
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from mockrc.limits import LIMITS
from mockrc.transport.faults import FAULT_DROP, FAULT_HEADER
from mockrc.transport.keepalive import channel_class

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


#: How long stopping waits for the requests in flight to be answered (see the module's docstring).
DRAIN_SECONDS: Final = 5.0
#: What a worker buffers of an answer before sending it (waitress's ``send_bytes``; the module's
#: docstring says why). Every JSON answer but long list pages and journal exports fits.
SEND_BUFFER_BYTES: Final = 64 * 1024


class _ShutdownRequested(SystemExit):
    """Raised by the signal handlers of :meth:`LiveServer.serve_forever` to leave the loop.

    A ``SystemExit`` so that, should it ever escape, the process ends as a signal would end it.
    """


def _with_faults(app: WSGIApplication) -> WSGIApplication:
    """``app``, except that a response marked ``X-Mockrc-Fault: drop`` closes the connection.

    Raising waitress's ``ClientDisconnected`` before anything is written makes waitress close
    the connection without writing a response (and log it at INFO only), which is exactly a
    server hanging up. An unknown fault fails loudly, as a 500.
    """
    fault_header = FAULT_HEADER.lower()

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            fault = next((value for name, value in headers if name.lower() == fault_header), None)
            if fault == FAULT_DROP:
                raise ClientDisconnected(f"mockrc dropped the connection: {environ['PATH_INFO']}")
            if fault is not None:
                raise ValueError(f"unknown {FAULT_HEADER} value {fault!r}")
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return serve


def _request_shutdown(signum: int, frame: FrameType | None) -> None:
    raise _ShutdownRequested(0)


class LiveServer:
    """One WSGI app on ``http://host:port``; in a daemon thread (``start``) or the foreground."""

    def __init__(
        self,
        app: WSGIApplication,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self._app = _with_faults(app)
        self._drain_seconds = drain_seconds
        self._host = host
        self._requested_port = port
        self._threads = threads
        self._server: BaseWSGIServer | None = None
        self._map: dict[int, wasyncore.dispatcher] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def bind(self) -> None:
        """Bind and listen now, in this thread; ``OSError`` if the address is taken. Idempotent.

        The socket is bound here rather than by waitress's ``create_server``, which starts its
        worker threads *before* binding and leaks them when the bind fails. A host that resolves
        to several addresses (``localhost``) is bound on the first one: one server, one URL.
        """
        if self._server is not None:
            return
        family, _, _, _, address = socket.getaddrinfo(
            self._host, self._requested_port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.create_server(address, family=family)
        socket_map: dict[int, wasyncore.dispatcher] = {}
        try:
            server = create_server(
                self._app,
                # typeshed's stubs type the map as sockets; waitress keeps its dispatchers in it.
                map=socket_map,  # type: ignore[arg-type]
                sockets=[sock],
                threads=self._threads,
                ident="mockrc",
                max_request_header_size=LIMITS.server_head_bytes,
            )
        except BaseException:
            sock.close()
            raise
        # One socket given, one server back (a MultiSocketServer only wraps several).
        assert isinstance(server, BaseWSGIServer)
        # Set on the server's settings, which each connection reads, rather than passed to
        # create_server: waitress 3 warns that the keyword "will be removed in a future release",
        # and silencing that warning would change the process's warning filters from any thread.
        # Should waitress drop the setting, answers are sent as by default (slower, still right).
        server.adj.send_bytes = SEND_BUFFER_BYTES
        # Set on this server only (waitress's class attribute stays as it is): it names the
        # channel each accepted connection gets.
        server.channel_class = channel_class()
        self._server = server
        self._map = socket_map

    def start(self) -> None:
        """Bind (if not yet bound) and serve in a daemon thread."""
        self.bind()
        if self._thread is not None:
            raise RuntimeError("LiveServer is already started")
        self._stopping = threading.Event()
        thread = threading.Thread(
            target=self._serve, args=(self._stopping,), name=f"mockrc-server-{self.port}", daemon=True
        )
        thread.start()
        self._thread = thread

    def stop(self) -> None:
        """Close every socket and join the serving thread; calling it when stopped does nothing."""
        if self._server is None:
            return
        if self._thread is not None:
            self._stopping.set()
            self._server.pull_trigger()  # wake the loop now rather than at its poll timeout
            self._thread.join()
            self._thread = None
        self._close()

    def serve_forever(self, on_drain: Callable[[int], None] | None = None) -> int:
        """Serve in this (main) thread until SIGINT or SIGTERM, drain, close the server and return.

        ``on_drain`` is told how many requests are in flight when the drain starts. Returns how
        many were still unanswered when it ended (0 unless ``drain_seconds`` passed, or a second
        signal came).
        """
        self.bind()
        if self._thread is not None:
            raise RuntimeError("LiveServer is already serving in a thread")
        previous: dict[signal.Signals, Any] = {}
        unanswered = 0
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, _request_shutdown)
            try:
                self._serve(threading.Event())
            except _ShutdownRequested:
                # A second signal raises again, out of the drain, and the connections are closed.
                # New connections are refused before the drain is announced: whoever reads the
                # announcement (a supervisor, a test) may rely on it at once.
                wasyncore.dispatcher.close(self._bound)  # the listener only: workers pull the trigger
                unanswered = self._in_flight()
                if on_drain is not None:
                    on_drain(unanswered)
                unanswered = self._drain(time.monotonic() + self._drain_seconds)
        except _ShutdownRequested:
            unanswered = self._in_flight()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._close()
        return unanswered

    @property
    def port(self) -> int:
        """The port actually bound (never 0)."""
        # typeshed's stubs omit the effective_host/effective_port that BaseWSGIServer.__init__ sets.
        return int(self._bound.effective_port)  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        """``http://host:port`` of the bound socket, IPv6 hosts in brackets."""
        host: str = self._bound.effective_host  # type: ignore[attr-defined]  # see port
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def _bound(self) -> BaseWSGIServer:
        if self._server is None:
            raise RuntimeError("LiveServer is not bound; call start() or bind() first")
        return self._server

    def _serve(self, stopping: threading.Event) -> None:
        """Waitress's event loop, one poll at a time, until ``stopping`` is set.

        Not ``server.run()``: that loop ends only once every socket, the trigger included, is
        closed, and closing them from another thread races with the loop and with worker
        threads pulling the trigger (a write to a closed, or reused, descriptor).
        """
        server, socket_map = self._bound, self._map
        while not stopping.is_set():
            wasyncore.loop(
                timeout=server.adj.asyncore_loop_timeout,
                use_poll=server.adj.asyncore_use_poll,
                map=socket_map,  # type: ignore[arg-type]  # a map of dispatchers, see bind
                count=1,
            )

    def _drain(self, deadline: float) -> int:
        """Run the loop, the listener closed, until no request is in flight or ``deadline``
        (``time.monotonic()``) passes; the number of requests still in flight."""
        server = self._bound
        while (busy := self._in_flight()) and (left := deadline - time.monotonic()) > 0:
            wasyncore.loop(
                timeout=min(left, server.adj.asyncore_loop_timeout),
                use_poll=server.adj.asyncore_use_poll,
                map=self._map,  # type: ignore[arg-type]  # a map of dispatchers, see bind
                count=1,
            )
        return busy

    def _in_flight(self) -> int:
        """Requests being received, served or sent; idle keep-alive connections are closed."""
        busy = 0
        for channel in list(self._map.values()):
            if not isinstance(channel, HTTPChannel):
                continue  # the listening socket, the trigger
            if channel.requests or channel.request is not None or channel.total_outbufs_len:
                busy += 1
            else:
                channel.handle_close()
        return busy

    def _close(self) -> None:
        """With the loop stopped: drop the connections, let the workers finish, close the server.

        Connections first, so a worker still writing a response gets ``ClientDisconnected`` at
        once; the listening socket and its trigger last, since workers pull the trigger until
        they exit.
        """
        server, self._server = self._bound, None
        for dispatcher in list(self._map.values()):
            # typeshed's stubs type the trigger as an int; it is the dispatcher of a pipe.
            if dispatcher is not server and dispatcher is not server.trigger:  # type: ignore[comparison-overlap]
                dispatcher.close()
        server.task_dispatcher.shutdown()
        server.close()
