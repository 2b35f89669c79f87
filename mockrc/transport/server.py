"""Live transport: any WSGI app on a real socket, served by waitress.

Waitress because it is production-grade, pure Python and single-process multi-threaded: mockrc's
state lives in the process, so a forking server would split it.

The socket is bound in the *calling* thread (:meth:`LiveServer.bind`, called by :meth:`start`), so
a taken port raises at once; only serving happens in the background thread. Binding inside the
thread is moto's ``ThreadedMotoServer`` mistake: a failed bind there leaves ``start()`` waiting
forever. Port 0 (the default) lets the OS pick a free port, read back through :attr:`url`.

Nothing is logged on start; the CLI prints its own line.
"""

from __future__ import annotations

import signal
import socket
import threading
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from waitress import create_server, wasyncore
from waitress.server import BaseWSGIServer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class _ShutdownRequested(SystemExit):
    """Raised by the signal handlers of :meth:`LiveServer.serve_forever` to leave waitress's loop.

    A ``SystemExit`` because waitress's ``run()`` ends its loop on exactly that (or
    ``KeyboardInterrupt``), and because an exit is the right outcome should it ever escape.
    """


def _request_shutdown(signum: int, frame: FrameType | None) -> None:
    raise _ShutdownRequested(0)


class LiveServer:
    """One WSGI app on ``http://host:port``; in a daemon thread (``start``) or the foreground."""

    def __init__(
        self, app: WSGIApplication, host: str = "127.0.0.1", port: int = 0, threads: int = 8
    ) -> None:
        self._app = app
        self._host = host
        self._requested_port = port
        self._threads = threads
        self._server: BaseWSGIServer | None = None
        self._map: dict[int, wasyncore.dispatcher] = {}
        self._thread: threading.Thread | None = None

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
            self._server = create_server(
                self._app, map=socket_map, sockets=[sock], threads=self._threads, ident="mockrc"
            )
        except BaseException:
            sock.close()
            raise
        self._map = socket_map

    def start(self) -> None:
        """Bind (if not yet bound) and serve in a daemon thread."""
        self.bind()
        if self._thread is not None:
            raise RuntimeError("LiveServer is already started")
        thread = threading.Thread(target=self._bound.run, name=f"mockrc-server-{self.port}", daemon=True)
        thread.start()
        self._thread = thread

    def stop(self) -> None:
        """Close every socket and join the serving thread; calling it when stopped does nothing."""
        if self._server is None:
            return
        if self._thread is not None:
            # The loop thread owns the sockets: ask it to close them all, which ends its loop
            # at once (closing them from here would leave it blocked in poll() until a timeout).
            socket_map = self._map
            self._server.trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
            self._thread.join()
            self._thread = None
        self._close()

    def serve_forever(self) -> None:
        """Serve in this (main) thread until SIGINT or SIGTERM, then close the server and return."""
        self.bind()
        if self._thread is not None:
            raise RuntimeError("LiveServer is already serving in a thread")
        previous: dict[signal.Signals, Any] = {}
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, _request_shutdown)
            self._bound.run()
        except _ShutdownRequested:
            pass  # the signal landed outside waitress's loop, which catches it itself otherwise
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._close()

    @property
    def port(self) -> int:
        """The port actually bound (never 0)."""
        return int(self._bound.effective_port)

    @property
    def url(self) -> str:
        """``http://host:port`` of the bound socket, IPv6 hosts in brackets."""
        host = self._bound.effective_host
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

    def _close(self) -> None:
        """Close the sockets (if the loop has not) and let the worker threads finish."""
        server, self._server = self._bound, None
        wasyncore.close_all(self._map)
        server.task_dispatcher.shutdown()
