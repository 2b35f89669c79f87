"""The application factory: one Flask app around a server's accounts, for every transport.

``mockrc serve`` runs this app on a real socket; the in-process mock feeds the same app
through ``responses``. The app starts with one account, the default one (its MockState); more are
made over ``/__mockrc/accounts`` (:mod:`mockrc.accounts`). Each request is for one account
(:mod:`mockrc.http.tenancy` picks it) and is serialised by that account's lock, because the
domain objects are plain Python and the server is multi-threaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Response, g, request
from flask.sessions import NullSession, SecureCookieSession, SecureCookieSessionInterface
from werkzeug.wrappers import Response as BaseResponse  # what redirect() builds

from mockrc.accounts import Accounts
from mockrc.clock import Clock
from mockrc.http.control import register_control
from mockrc.http.control.accounts import accounts_blueprint
from mockrc.http.error_responses import register_error_handlers
from mockrc.http.fast_reads import FastReads
from mockrc.http.fast_writes import FastWrites
from mockrc.http.flask_app import app_class
from mockrc.http.guard import RequestGuard
from mockrc.http.journal_capture import record_exchange, record_lost_exchange, start_exchange
from mockrc.http.oauth_routes import oauth_blueprint
from mockrc.http.proxy_forward import forward
from mockrc.http.rate_limits import add_rate_limit_headers, apply_rate_limits
from mockrc.http.request_limits import add_nosniff, check_request_target
from mockrc.http.scenario_overlay import DELAY_ENVIRON, overlay_scenarios
from mockrc.http.scim_routes import scim_blueprint
from mockrc.http.tenancy import CurrentAccount, Tenancy
from mockrc.http.url_rules import rule_class
from mockrc.limits import LIMITS
from mockrc.memory import release_after
from mockrc.paths import CONTROL_PREFIX, is_accounts_control, is_own_path
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import ViolationLog

if TYPE_CHECKING:
    # The proxy's parts (urllib3, the answers' schemas) are imported by create_proxy_app, when
    # mockrc proxy runs: mockrc serve's first answer needs none of them.
    from mockrc.proxy.service import Proxy
    from mockrc.proxy.upstream import Upstream

StartResponse = Callable[..., Any]


#: Control calls that only read the journal, which has a lock of its own and outlives a reset: they
#: run without the state's lock, so reading a full journal (a report over 10,000 entries takes a
#: second or more) never holds up the client under test, and a slow request never holds them up.
_JOURNAL_READS: frozenset[tuple[str, str]] = frozenset(
    (method, f"{CONTROL_PREFIX}{path}")
    for method, path in (
        ("GET", "/health"),
        ("GET", "/journal"),
        ("GET", "/journal/find"),
        ("POST", "/journal/find"),
        ("GET", "/journal/count"),
        ("POST", "/journal/count"),
        ("GET", "/violations"),
        ("GET", "/report"),
    )
)
#: Set in the WSGI environ of a request served without the state's lock.
UNLOCKED_ENVIRON = "mockrc.unlocked"


class _Serialised:
    """WSGI middleware: one request at a time touches an account's state (reads of the journal,
    and the accounts control, which belongs to no account, excepted).

    A proxy's forwarded requests (``proxied``) touch no state but the journal's and the request
    ids', which have locks of their own: they run side by side, so a slow upstream holds up nobody.
    """

    def __init__(
        self,
        app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]],
        state: MockState,
        *,
        proxied: bool = False,
    ):
        self._app = app
        self._state = state
        self._proxied = proxied

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD", ""), path) in _JOURNAL_READS or is_accounts_control(path):
            environ[UNLOCKED_ENVIRON] = True
            return self._app(environ, start_response)
        if self._proxied and not is_own_path(environ.get("PATH_INFO", "")):
            return self._app(environ, start_response)
        with self._state.lock:
            body = self._app(environ, start_response)
        release_after(environ)  # a large request's parsing freed much: give it back, lock released
        # A scenario's delay passes outside the lock: a real wait must not hold up other requests.
        delay = environ.get(DELAY_ENVIRON)
        if delay:
            self._state.clock.sleep(delay)
        return body


class _NoSessions(SecureCookieSessionInterface):
    """Flask's session interface for an app without a secret key, which mockrc never sets (it
    keeps no session: the admin key's cookie is read as a cookie).

    Flask's own finds out that there is no key anew on every request and makes a new null session
    (~3 µs a request); this one hands out the same null session each time. A null session holds
    nothing and refuses every write, and Flask saves none, so one serves every request alike.
    """

    def __init__(self) -> None:
        self._null = NullSession()

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        return super().open_session(app, request) if app.secret_key else None

    def make_null_session(self, app: Flask) -> NullSession:
        return self._null


def create_app(
    state: MockState | None = None,
    *,
    settings: Settings | None = None,
    clock: Clock | None = None,
    proxy: Proxy | None = None,
    fast_reads: bool = True,
    fast_writes: bool = True,
) -> Flask:
    """Build the fake. Pass a ``state`` (the default account's) to share it, or ``settings``/``clock``
    to make a new one. ``app.extensions["mockrc.accounts"]`` holds the server's accounts.

    With a ``proxy`` (:func:`create_proxy_app`), RingCentral's paths are forwarded to its upstream
    instead of answered; everything of mockrc's own (guard, journal, control plane) is the same.
    ``fast_reads=False`` and ``fast_writes=False`` leave every read, every write to Flask (tests
    and benchmarks compare the two: :mod:`mockrc.http.fast_reads`, :mod:`mockrc.http.fast_writes`).
    """
    if state is None:
        state = MockState(settings, clock=clock)
    default = state
    accounts = Accounts(default)
    # Everything below reads the account of the request in progress through this stand-in.
    current = CurrentAccount(default)
    state = cast(MockState, current)
    app = app_class()("mockrc")
    app.url_rule_class = rule_class()  # URL builders compiled on first use (mockrc/http/url_rules.py)
    app.session_interface = _NoSessions()
    app.config["MAX_CONTENT_LENGTH"] = LIMITS.body_bytes
    # Werkzeug answers a path with "//" (an id such as "%2Fx" decodes to one) with a 308 to the
    # path without it: a different resource, and a redirect no SCIM or OAuth client expects.
    # Unmerged, such a path matches no route and gets the API's own 404.
    app.url_map.merge_slashes = False
    app.extensions["mockrc"] = default
    app.extensions["mockrc.accounts"] = accounts

    # The server's guard: the admin key and the hosts are the server's, not any account's.
    guard = RequestGuard(default.settings)

    # Every request hook of the app is one of these three functions; each calls named steps in
    # the order written, so no order depends on Flask's (after-request functions run in reverse
    # order of registration). Flask runs after_request on every answer, a refusal's included, and
    # teardown_request last, even when an after-request step failed.

    @app.before_request
    def _before_request() -> BaseResponse | None:
        """The steps before the view; the first that answers (or raises) ends the request."""
        # The request, its g and its account themselves, each looked up once: every attribute
        # read through Flask's proxies or the CurrentAccount stand-in costs a lookup and a call.
        req = request._get_current_object()  # type: ignore[attr-defined]
        context = g._get_current_object()
        account = current.chosen()
        # 1. An id and a violation log, and the journal's clock: whatever follows may refuse the
        #    request, and a refused request is journaled with its violations.
        #    A journal read (not journaled itself, and not holding the state's lock) takes no id:
        #    drawing one would wait for the lock.
        context.request_id = 0 if req.environ.get(UNLOCKED_ENVIRON) else account.next_request_id()
        context.violations = ViolationLog()
        start_exchange(account, context)
        # 2. The guard: a Host the fake does not answer for, a cross-site control call, no admin
        #    key. A refused request meets nothing else (its one answer is the admin key's redirect).
        answer = guard.check(req)
        if answer is not None:
            return answer
        # 3. mockrc's limits on what the request line may hold (414), before anything parses it.
        check_request_target(req)
        if is_own_path(req.path):
            return None  # the control plane: no scenario or rate limit acts on it
        # 4'. A proxy forwards: the upstream answers, not the fake's scenarios, limits or views.
        if proxy is not None:
            return forward(proxy, req)
        # 4. The active scenarios: a step may answer, fault, delay, or change the fake.
        answer = overlay_scenarios(account)
        if answer is not None:
            return answer
        # 5. RingCentral's rate limits, when a setting or an active scenario turns them on.
        apply_rate_limits(account)
        return None

    @app.after_request
    def _after_request(response: Response) -> Response:
        """The steps on every answer, in this order."""
        # 1. What the request changed is on disk before anything else happens to the answer
        #    (mockrc serve --state-file): taken under the state's lock, written with it released.
        #    A journal read runs without the state's lock and changed nothing: it must not commit
        #    what a request that holds the lock is halfway through.
        #    The request, g and the account are looked up once, as in _before_request.
        req = request._get_current_object()  # type: ignore[attr-defined]
        account = current.chosen()
        state_file = account.state_file
        if state_file is not None and not req.environ.get(UNLOCKED_ENVIRON):
            state_file.commit(release=account.lock)
        # 2. The rate limiter's headers; 3. nosniff on every answer (a proxy's forwarded answer
        #    goes back as the upstream sent it). What the hooks left in g is read from its dict.
        context = g._get_current_object()
        values = vars(context)
        if not values.get("proxied"):
            add_rate_limit_headers(response, values.get("rate_limit"))
            add_nosniff(response)
        # 4. Last: the journal records the answer exactly as it is sent.
        record_exchange(account, req, context, response)
        return response

    @app.teardown_request
    def _teardown_request(error: BaseException | None) -> None:
        # A request whose answer never reached step 4 above (an after-request step failed) is
        # still journaled, once.
        context = g._get_current_object()
        if not vars(context).get("journal_recorded"):
            record_lost_exchange(current.chosen(), request._get_current_object(), context, error)  # type: ignore[attr-defined]

    register_error_handlers(app, state)
    app.register_blueprint(scim_blueprint(state))
    app.register_blueprint(oauth_blueprint(state))
    register_control(app, state)
    app.register_blueprint(accounts_blueprint(accounts))
    inner = app.wsgi_app
    # The plain SCIM writes and reads, answered below Flask, inside the lock (reads first: most requests).
    if fast_writes and proxy is None:
        inner = app.extensions["mockrc.fast_writes"] = FastWrites(inner, current, guard)
    if fast_reads and proxy is None:
        inner = app.extensions["mockrc.fast_reads"] = FastReads(inner, current, guard)
    app.wsgi_app = Tenancy(  # type: ignore[method-assign]
        _Serialised(inner, state, proxied=proxy is not None), accounts, current
    )
    return app


def create_proxy_app(state: MockState, upstream: Upstream) -> Flask:
    """Build ``mockrc proxy``: ``state``'s journal and control plane, RingCentral's paths forwarded
    to ``upstream``, each request checked by a private fake of the same settings (the predictor)."""
    from mockrc.proxy.predict import Predictor
    from mockrc.proxy.service import Proxy

    private = MockState(
        replace(
            state.settings,
            tokens=(),
            users=(),
            scenarios=(),
            rate_limits=None,
            journal_size=1,
            state_file=None,
            admin_key=None,
        ),
        clock=state.clock,
    )
    return create_app(state, proxy=Proxy(upstream, Predictor(private, create_app(private).wsgi_app)))
