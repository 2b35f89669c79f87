"""The application factory: one Flask app around one MockState, for every transport.

``mockrc serve`` runs this app on a real socket; the in-process mock feeds the same app
through ``responses``. Requests are serialised by the state's lock, because the domain objects
are plain Python and the server is multi-threaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request

from mockrc.clock import Clock
from mockrc.http.admin_routes import FAVICON_PATH, admin_blueprint
from mockrc.http.dashboard_routes import dashboard_blueprint, favicon
from mockrc.http.error_responses import register_error_handlers
from mockrc.http.guard import RequestGuard
from mockrc.http.journal_routes import journal_blueprint, record_exchange, start_exchange
from mockrc.http.oauth_routes import oauth_blueprint
from mockrc.http.request_limits import register_request_limits
from mockrc.http.scenario_routes import DELAY_ENVIRON, register_overlays, scenario_blueprint
from mockrc.http.scim_routes import scim_blueprint
from mockrc.limits import LIMITS
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import ViolationLog

StartResponse = Callable[..., Any]


class _Serialised:
    """WSGI middleware: one request at a time touches the state."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], state: MockState):
        self._app = app
        self._state = state

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with self._state.lock:
            body = self._app(environ, start_response)
        # A scenario's delay passes outside the lock: a real wait must not hold up other requests.
        delay = environ.get(DELAY_ENVIRON)
        if delay:
            self._state.clock.sleep(delay)
        return body


def create_app(
    state: MockState | None = None, *, settings: Settings | None = None, clock: Clock | None = None
) -> Flask:
    """Build the fake. Pass a ``state`` to share it, or ``settings``/``clock`` to make a new one."""
    if state is None:
        state = MockState(settings, clock=clock)
    app = Flask("mockrc")
    app.config["MAX_CONTENT_LENGTH"] = LIMITS.body_bytes
    # Werkzeug answers a path with "//" (an id such as "%2Fx" decodes to one) with a 308 to the
    # path without it: a different resource, and a redirect no SCIM or OAuth client expects.
    # Unmerged, such a path matches no route and gets the API's own 404.
    app.url_map.merge_slashes = False
    app.extensions["mockrc"] = state

    @app.before_request
    def _open_request() -> None:
        g.request_id = state.next_request_id()
        g.violations = ViolationLog()
        start_exchange(state)

    guard = RequestGuard(state.settings)

    @app.before_request
    def _refuse_misdirected_and_cross_site_requests() -> Response | None:
        # Second of the before-request hooks, ahead of the scenarios' and the rate limits' (which
        # register_overlays adds): a refused request is journaled, and nothing else acts on it.
        # The request itself, not Flask's proxy: each attribute read through the proxy costs ~1 µs.
        return guard.check(request._get_current_object())  # type: ignore[attr-defined]

    @app.after_request
    def _close_request(response: Response) -> Response:
        # Registered first, so it runs last: the journal records the response as it is sent.
        record_exchange(state, response)
        return response

    register_error_handlers(app, state)
    register_request_limits(app)
    register_overlays(app, state)
    app.register_blueprint(scim_blueprint(state))
    app.register_blueprint(admin_blueprint(state))
    app.register_blueprint(scenario_blueprint(state))
    app.register_blueprint(journal_blueprint(state))
    app.register_blueprint(oauth_blueprint(state))
    app.register_blueprint(dashboard_blueprint(state))
    app.add_url_rule(FAVICON_PATH, view_func=favicon)
    state_file = state.state_file
    if state_file is not None:

        @app.after_request
        def _persist(response: Response) -> Response:
            # Runs first of the after-request hooks: what the request changed is on disk before
            # anything else happens to the answer (mockrc serve --state-file).
            state_file.commit()
            return response

    app.wsgi_app = _Serialised(app.wsgi_app, state)  # type: ignore[method-assign]
    return app
