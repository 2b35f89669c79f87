"""The WSGI server stacks a benchmark server can run on, named by a short spec.

``waitress`` is :class:`~mockrc.transport.server.LiveServer` as ``mockrc serve`` runs it.
``waitress:NAME=VALUE,...`` is waitress with adjustments (its ``Adjustments`` names: ``threads``,
``channel_timeout``, ``asyncore_use_poll``, ``backlog``, ``recv_bytes``, ``send_bytes``, ...),
served by ``waitress.create_server`` on a free port. ``cheroot`` (``cheroot:numthreads=N``) is
CherryPy's threaded WSGI server, when it is installed (it is not a dependency of mockrc: install
it in the virtualenv to compare). Both variants serve until the process is killed; only the plain
``waitress`` spec has ``LiveServer``'s drain on SIGTERM, which a benchmark does not need.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mockrc.transport.server import LiveServer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

#: Binds ``app`` on a free port of 127.0.0.1 and returns (URL, serve-until-killed).
Bound = tuple[str, Callable[[], object]]


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``"waitress:threads=4,backlog=2048"`` -> ``("waitress", {"threads": "4", "backlog": "2048"})``."""
    name, _, rest = spec.partition(":")
    options: dict[str, str] = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"server option {item!r} in {spec!r} is not NAME=VALUE")
        options[key.strip()] = value.strip()
    if name not in ("waitress", "cheroot"):
        raise ValueError(f"unknown server {name!r} in {spec!r} (waitress or cheroot)")
    return name, options


def bind(app: WSGIApplication, spec: str, threads: int) -> Bound:
    """Bind ``app`` on the stack ``spec`` (``threads`` worker threads unless the spec says)."""
    name, options = parse_spec(spec)
    if name == "waitress" and not options:
        server = LiveServer(app, port=0, threads=threads)
        server.bind()
        return server.url, server.serve_forever
    if name == "waitress":
        from waitress.server import create_server

        options.setdefault("threads", str(threads))
        waitress_server = create_server(app, host="127.0.0.1", port=0, ident="mockrc", **options)
        port = waitress_server.effective_port  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}", waitress_server.run
    from cheroot import wsgi  # type: ignore[import-not-found,unused-ignore]

    numthreads = int(options.pop("numthreads", threads))
    cheroot_server = wsgi.Server(
        ("127.0.0.1", 0), app, numthreads=numthreads, **{k: int(v) for k, v in options.items()}
    )
    cheroot_server.prepare()  # binds and listens
    return f"http://127.0.0.1:{cheroot_server.bind_addr[1]}", cheroot_server.serve
