"""The Flask class of mockrc's app: Flask, without per-request work that changes nothing here.

Flask does the same bookkeeping on every request whatever the app registered: it asks
:mod:`inspect` four times whether a hook or view is a coroutine function, works out the request's
blueprints three times to look for blueprint hooks, sends signals nobody receives, binds the URL
map through a general routine that reads the host twice, and hands every answer to the server
through an encoding generator and a closing wrapper. mockrc registers app-level hooks only, no async
function and no signal receiver, and answers from memory, so :class:`MockrcFlask` skips that work
when (checked on each request) it can change nothing, and defers to Flask's own methods otherwise:
an app that registers a blueprint hook, an async view or a signal receiver, or answers with a
stream, gets exactly Flask's behaviour.

Every method here overrides one Flask documents as overridable (Flask 3.1:
https://flask.palletsprojects.com/en/stable/api/#flask.Flask), with Flask's own body minus the
skipped work; ``tests/unit/test_flask_app.py`` compares each with Flask's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from functools import cache
from importlib.metadata import version
from inspect import CO_COROUTINE
from types import FunctionType
from typing import TYPE_CHECKING, Any

from flask import Flask, Request, Response
from flask import typing as ft
from flask.globals import _cv_app, _cv_request, request_ctx
from flask.signals import appcontext_tearing_down, request_finished, request_started, request_tearing_down
from werkzeug.routing import MapAdapter
from werkzeug.wsgi import get_host

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: The Flask releases (major, minor) whose method bodies :class:`MockrcFlask` repeats and which its
#: tests were run against; on any other, :func:`app_class` answers Flask itself.
VERIFIED_FLASK = ((3, 1),)

#: Hook registries keyed by these names only hold app-level hooks (Flask keys them None).
_APP_ONLY = frozenset({None})


class _Unset:
    """No exception passed: the one being handled, if any, is the one (as Flask's default)."""


_UNSET = _Unset()


class MockrcFlask(Flask):
    """Flask with the same behaviour and less work per request (see the module docstring)."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """A plain ``def`` function (no attributes that could mark it as a coroutine function) is
        returned as it is, from its code flags; anything else goes through Flask's check
        (:func:`inspect.iscoroutinefunction`, four calls deep, on every hook and view)."""
        if type(func) is FunctionType and not func.__code__.co_flags & CO_COROUTINE and not func.__dict__:
            return func
        return super().ensure_sync(func)

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Flask's adapter for a request, bound without :meth:`~werkzeug.routing.Map.bind_to_environ`'s
        second look at the host and its subdomain logic, which Flask's default configuration (no
        ``SERVER_NAME``, ``TRUSTED_HOSTS``, host or subdomain matching) never uses."""
        config = self.config
        if (
            request is None
            or config.get("TRUSTED_HOSTS") is not None  # Flask 3.1 added it
            or config["SERVER_NAME"] is not None
            or self.url_map.host_matching
            or self.subdomain_matching
        ):
            return super().create_url_adapter(request)
        environ = request.environ
        host = get_host(environ, request.trusted_hosts)
        request.host = host  # Flask sets it here too (a cached property)
        scheme = environ["wsgi.url_scheme"]
        # A WebSocket upgrade matches WebSocket rules only (Werkzeug's rule, kept as it is).
        connection = environ.get("HTTP_CONNECTION")
        if (
            connection
            and any(v.strip(" \t") == "upgrade" for v in connection.lower().split(","))
            and environ.get("HTTP_UPGRADE", "").lower() == "websocket"
        ):
            scheme = "wss" if scheme == "https" else "ws"
        return self.url_map.bind(
            host.lower(),
            _wsgi_string(environ.get("SCRIPT_NAME")),
            self.url_map.default_subdomain or "",
            scheme,
            environ["REQUEST_METHOD"],
            _wsgi_string(environ.get("PATH_INFO")),
            query_args=_wsgi_string(environ.get("QUERY_STRING")),
        )

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Flask's, handing the answer to the server through :func:`_answer`."""
        ctx = self.request_context(environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except:  # Flask's: whatever ends the request is passed to the teardown
                error = sys.exc_info()[1]
                raise
            return _answer(response, environ, start_response)
        finally:
            if "werkzeug.debug.preserve_context" in environ:
                environ["werkzeug.debug.preserve_context"](_cv_app.get())
                environ["werkzeug.debug.preserve_context"](_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    def full_dispatch_request(self) -> Response:
        """Flask's, sending ``request_started`` only when something receives it."""
        self._got_first_request = True
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def finalize_request(
        self, rv: ft.ResponseReturnValue | BaseException, from_error_handler: bool = False
    ) -> Response:
        """Flask's, sending ``request_finished`` only when something receives it."""
        response = self.make_response(rv)  # type: ignore[arg-type]
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def preprocess_request(self) -> ft.ResponseReturnValue | None:
        """Flask's, without working out the request's blueprints when no blueprint has a hook."""
        if any(self.url_value_preprocessors.values()) or not self.before_request_funcs.keys() <= _APP_ONLY:
            return super().preprocess_request()
        for before_func in self.before_request_funcs.get(None, ()):
            rv = self.ensure_sync(before_func)()
            if rv is not None:
                return rv  # type: ignore[no-any-return]
        return None

    def process_response(self, response: Response) -> Response:
        """Flask's, without working out the request's blueprints when no blueprint has a hook."""
        if not self.after_request_funcs.keys() <= _APP_ONLY:
            return super().process_response(response)
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        for func in reversed(self.after_request_funcs.get(None, ())):
            response = self.ensure_sync(func)(response)
        if not self.session_interface.is_null_session(ctx._session):
            self.session_interface.save_session(self, ctx._session, response)
        return response

    def do_teardown_request(self, exc: BaseException | _Unset | None = _UNSET) -> None:
        """Flask's, without working out the request's blueprints when no blueprint has a hook, and
        sending ``request_tearing_down`` only when something receives it."""
        if isinstance(exc, _Unset):
            exc = sys.exc_info()[1]
        if not self.teardown_request_funcs.keys() <= _APP_ONLY:
            return super().do_teardown_request(exc)
        for func in reversed(self.teardown_request_funcs.get(None, ())):
            self.ensure_sync(func)(exc)
        if request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)
        return None

    def do_teardown_appcontext(self, exc: BaseException | _Unset | None = _UNSET) -> None:
        """Flask's, skipped when there is no teardown function and no receiver of
        ``appcontext_tearing_down`` (it would do nothing)."""
        if self.teardown_appcontext_funcs or appcontext_tearing_down.receivers:
            super().do_teardown_appcontext(sys.exc_info()[1] if isinstance(exc, _Unset) else exc)


@cache
def _installed_flask() -> str:
    """The installed Flask's version: looked up once per process (~1.5 ms a lookup, and every
    in-process fake's ``create_app`` asks), since it cannot change while the process runs."""
    return version("flask")


def app_class(flask_version: str | None = None) -> type[Flask]:
    """:class:`MockrcFlask` on a Flask release it was verified against, else Flask itself.

    Its methods repeat Flask's bodies minus the skipped work, so a Flask release that changes
    those bodies could make them differ: there mockrc runs on plain Flask, slower and the same.
    """
    parts = (flask_version or _installed_flask()).split(".")
    try:
        release = (int(parts[0]), int(parts[1]))
    except (IndexError, ValueError):
        return Flask
    return MockrcFlask if release in VERIFIED_FLASK else Flask


def _answer(response: Response, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """``response(environ, start_response)``, as Werkzeug's :class:`~werkzeug.wrappers.Response`
    answers; a body held in memory (every answer of mockrc's but the journal's streams) is
    handed over as the list of bytes it is, rather than through an encoding generator wrapped in a
    :class:`~werkzeug.wsgi.ClosingIterator` whose ``close`` would have nothing to close."""
    body = response.response
    if (
        type(response) is not Response  # a subclass may answer otherwise
        or type(body) is not list
        or response.direct_passthrough
        or getattr(response, "_on_close", True)  # call_on_close callbacks: the iterator's close runs them
        or not all(type(chunk) is bytes for chunk in body)
    ):
        return response(environ, start_response)
    # What Response.get_wsgi_response does, in its order.
    status = response.status_code
    start_response(response.status, _wsgi_headers(response, body, status, environ))
    if environ["REQUEST_METHOD"] == "HEAD" or 100 <= status < 200 or status in (204, 304):
        return []
    return body


def _wsgi_headers(
    response: Response, body: list[bytes], status: int, environ: WSGIEnvironment
) -> list[tuple[str, str]]:
    """``response.get_wsgi_headers(environ).to_wsgi_list()`` for a body of bytes in memory: the
    headers as they are, plus Content-Length when they have none. An answer whose headers Werkzeug
    rewrites (a Location or Content-Location to make a URI of, a status that must not carry a
    length or entity headers) goes through Werkzeug."""
    headers = response.headers.to_wsgi_list()
    has_length = False
    for name, _ in headers:
        lowered = name.lower()
        if lowered == "content-length":
            has_length = True
        elif lowered in ("location", "content-location"):
            return response.get_wsgi_headers(environ).to_wsgi_list()
    if 100 <= status < 200 or status in (204, 304):
        return response.get_wsgi_headers(environ).to_wsgi_list()
    if not has_length and response.automatically_set_content_length:
        headers.append(("Content-Length", str(sum(map(len, body)))))
    return headers


def _wsgi_string(value: str | None) -> str | None:
    """A WSGI environ string as text: the bytes it stands for decoded as UTF-8, as Werkzeug's
    ``_wsgi_decoding_dance`` does (PEP 3333 keeps them as latin-1 code points)."""
    return None if value is None else value.encode("latin1").decode(errors="replace")
