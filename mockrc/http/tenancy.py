"""Which account a request is for: a WSGI layer in front of the app (:mod:`mockrc.accounts`).

One Flask app serves every account of a server (building an app per account costs ~35 ms, most
of it Werkzeug compiling the routes; a MockState costs ~0.1 ms). :class:`Tenancy` picks the
account's :class:`~mockrc.state.MockState` per request and makes it the *current* one; the views,
hooks and error handlers are bound to :class:`CurrentAccount`, which stands for it. How it picks:

- ``/__mockrc/accounts`` and ``/__mockrc/accounts/<id>``: the accounts control (the default
  account's app answers; it runs without any account's lock);
- ``/__mockrc/accounts/<id>/<path>``: ``/__mockrc/<path>`` of account ``<id>`` (mounted there:
  ``SCRIPT_NAME`` gains the prefix); any other ``/__mockrc`` path: the default account's, whatever
  token the request carries;
- a bearer token: the account whose id the token carries (:meth:`Accounts.by_credential`);
- ``/restapi/oauth/...`` without one: the app's client id (HTTP Basic, else the form's or query's
  ``client_id``), else the account a ``token``, ``refresh_token``, ``code`` or ``ticket`` names.
  The form is read only within the body limit and handed back to the app byte for byte;
- anything else, and a credential that names no live account: the default account, which answers
  as a one-account fake does (an unknown token is refused as RingCentral refuses one).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token
from typing import Any, Final
from urllib.parse import parse_qsl

from mockrc.accounts import Accounts
from mockrc.errors import MockrcError
from mockrc.http.auth import bearer_token_of
from mockrc.limits import LIMITS
from mockrc.oauth.client_auth import parse_basic
from mockrc.paths import ACCOUNTS_PREFIX, CONTROL_PREFIX, is_oauth_path, is_own_path
from mockrc.state import MockState

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: Form and query parameters whose value an account issued, and so names it.
_ISSUED_VALUES: Final = ("token", "refresh_token", "code", "ticket")
_FORM: Final = "application/x-www-form-urlencoded"


class CurrentAccount:
    """Stands for the state of the account the request in progress is for (the default account's
    outside a request). The app's views and hooks are built around one of these, so each reads
    the right account's store, tokens, scenarios and clock without knowing accounts exist.

    Each app has its own: the account chosen for one app's request is never what another app in
    the same thread or context reads (a nested in-process mock, the proxy's private fake).
    """

    __slots__ = ("_chosen", "_default")
    _chosen: ContextVar[MockState | None]
    _default: MockState

    def __init__(self, default: MockState) -> None:
        object.__setattr__(self, "_default", default)
        chosen: ContextVar[MockState | None] = ContextVar(f"mockrc_account_{id(self)}", default=None)
        object.__setattr__(self, "_chosen", chosen)

    def chosen(self) -> MockState:
        """The state this stands for now. A request hook reads it once and passes it on: each
        attribute read through this stand-in costs a context-variable lookup and a call."""
        return self._chosen.get() or self._default

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chosen.get() or self._default, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._chosen.get() or self._default, name, value)

    def choose(self, state: MockState) -> Token[MockState | None]:
        """Make ``state`` the one this stands for, until :meth:`release` with the answer."""
        return self._chosen.set(state)

    def release(self, token: Token[MockState | None]) -> None:
        self._chosen.reset(token)


class Tenancy:
    """WSGI middleware: make the request's account current, then call the app."""

    def __init__(self, app: WsgiApp, accounts: Accounts, current: CurrentAccount) -> None:
        self._app = app
        self.accounts = accounts
        self._current = current

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        token = self._current.choose(self.pick(environ))
        try:
            return self._app(environ, start_response)
        finally:
            self._current.release(token)

    def pick(self, environ: dict[str, Any]) -> MockState:
        """The account ``environ`` is for (mounting a per-account control path as it goes)."""
        accounts = self.accounts
        path: str = environ.get("PATH_INFO", "")
        if path.startswith(f"{ACCOUNTS_PREFIX}/"):
            return self._mount(environ, path) or accounts.default
        if is_own_path(path):
            return accounts.default  # /__mockrc/... means the default account, whatever token it carries
        header = environ.get("HTTP_AUTHORIZATION")
        bearer = bearer_token_of(header)
        if bearer is not None:
            return accounts.by_credential(bearer) or accounts.default
        if is_oauth_path(path):
            return self._oauth(environ, header) or accounts.default
        return accounts.default

    def _mount(self, environ: dict[str, Any], path: str) -> MockState | None:
        key, slash, rest = path[len(ACCOUNTS_PREFIX) + 1 :].partition("/")
        if not slash or rest == "accounts" or rest.startswith("accounts/"):
            return None  # the accounts control itself (or an account's: there is none)
        state = self.accounts.get(key)
        if state is None:
            return None  # the accounts control answers 404 for an unknown account
        environ["SCRIPT_NAME"] = f"{environ.get('SCRIPT_NAME', '')}{ACCOUNTS_PREFIX}/{key}"
        environ["PATH_INFO"] = f"{CONTROL_PREFIX}/{rest}"
        return state

    def _oauth(self, environ: dict[str, Any], header: str | None) -> MockState | None:
        accounts = self.accounts
        if header is not None and header.strip():
            try:
                client_id, _ = parse_basic(header)
            except MockrcError:
                return None  # the default account refuses the header as it always has
            return accounts.by_client_id(client_id)
        pairs = [*_form(environ), *parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)]
        for name, value in pairs:
            if name == "client_id":
                found = accounts.by_client_id(value)
                if found is not None:
                    return found
        for name, value in pairs:
            if name in _ISSUED_VALUES:
                found = accounts.by_credential(value)
                if found is not None:
                    return found
        return None


def _form(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The parameters of a form body, read within the body limit and given back to the app intact;
    nothing for any other body (the app answers it as it always has)."""
    if not environ.get("CONTENT_TYPE", "").lower().startswith(_FORM):
        return []
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return []
    if not 0 < length <= LIMITS.body_bytes:
        return []
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return parse_qsl(body.decode("latin-1"), keep_blank_values=True)
