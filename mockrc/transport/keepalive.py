"""Waitress, keeping an HTTP/1.1 connection open after a 204 or 304 answer.

Waitress closes the connection after every HTTP/1.1 answer that has no Content-Length header
(``WSGITask.build_response_header``, waitress 3.0.2:
https://github.com/Pylons/waitress/blob/v3.0.2/src/waitress/task.py#L241-L254), and it drops the
Content-Length of a 204 or 304 (RFC 9110 §8.6 forbids one there:
https://www.rfc-editor.org/rfc/rfc9110#section-8.6). So every ``DELETE /scim/v2/Users/{id}``
answered 204 came with ``Connection: close``, and a client deleting users reconnected after each
one, where RingCentral keeps the connection. Yet a 204 or 304 ends at the end of its header
section, with no length to declare (RFC 9112 §6.3: https://www.rfc-editor.org/rfc/rfc9112#section-6.3):
closing the connection delimits nothing. Waitress has no setting for it; the change is proposed
upstream as https://github.com/Pylons/waitress/pull/502 (open when this was written).

:class:`KeepAliveTask` suppresses that one close and nothing else: only while its own
``build_response_header`` runs, only for a 204 or 304 answer to an HTTP/1.1 request whose
``Connection`` header does not ask for the close, and only if nothing had asked for it before. On
that path the close above is the only ``set_close_on_finish`` call waitress 3.0.2 makes (the other
one in HTTP/1.1 is for the request's ``Connection: close``, excluded here). Errors (waitress's
``ErrorTask``, not this class), an exception after the headers were written, a client gone and
shutdown close the connection as before, since waitress sets ``close_on_finish`` for them
directly. HTTP/1.0 is untouched (its keep-alive needs a Content-Length, so a 204 still closes).

The override repeats nothing of waitress's method, but it relies on where waitress calls
``set_close_on_finish``: :func:`channel_class` applies it only on a waitress release it was checked
against, and answers waitress's own channel on any other.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, cast

from waitress.channel import HTTPChannel
from waitress.task import WSGITask

if TYPE_CHECKING:
    from waitress.parser import HTTPRequestParser

#: The waitress releases whose ``build_response_header`` :class:`KeepAliveTask` was checked against
#: (exact releases: a patch release may move the close); on any other, plain waitress runs.
VERIFIED_WAITRESS = ("3.0.2",)

#: The statuses that never carry a body (RFC 9112 §6.3). 1xx ones are left alone: a WSGI app has no
#: business answering one as its final answer, and closing after it is the safe side.
_BODILESS = frozenset({"204", "304"})


class KeepAliveTask(WSGITask):
    """Waitress's WSGI task, not closing an HTTP/1.1 connection after a 204 or 304 (see the module)."""

    _keep_open = False

    def build_response_header(self) -> bytes:
        """Waitress's, with :meth:`set_close_on_finish` suppressed while it runs when the answer
        is a 204 or 304 to an HTTP/1.1 request and nothing asked for the close."""
        # typeshed's stubs type a task's request as an Error; a WSGITask's is the parsed request.
        request = cast("HTTPRequestParser", self.request)
        self._keep_open = (
            self.version == "1.1"
            and self.status.split(" ", 1)[0] in _BODILESS
            and not self.close_on_finish
            and not _asks_close(request.headers.get("CONNECTION", ""))
        )
        try:
            return super().build_response_header()
        finally:
            self._keep_open = False

    def set_close_on_finish(self) -> None:
        """Waitress's, except for the one call :meth:`build_response_header` suppresses."""
        if not self._keep_open:
            super().set_close_on_finish()


class KeepAliveChannel(HTTPChannel):
    """Waitress's connection, serving requests with :class:`KeepAliveTask`."""

    task_class = KeepAliveTask


def _asks_close(connection: str) -> bool:
    """Whether a request's ``Connection`` header lists ``close`` (RFC 9110 §7.6.1: a list of
    case-insensitive options). Waitress compares the whole value; any ``close`` token counts here,
    so no request asking for the close is kept open."""
    return any(option.strip(" \t").lower() == "close" for option in connection.split(","))


@cache
def _installed_waitress() -> str:
    """The installed waitress's version, looked up once per process (it cannot change)."""
    return version("waitress")


def channel_class(waitress_version: str | None = None) -> type[HTTPChannel]:
    """:class:`KeepAliveChannel` on a waitress release it was checked against, else waitress's own
    :class:`~waitress.channel.HTTPChannel` (204s then close the connection, as waitress does)."""
    release = waitress_version or _installed_waitress()
    return KeepAliveChannel if release in VERIFIED_WAITRESS else HTTPChannel
