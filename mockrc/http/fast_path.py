"""What the fast reads and the fast writes share: the checks of a request answered below Flask.

:mod:`mockrc.http.fast_reads` and :mod:`mockrc.http.fast_writes` answer plain requests to
``/scim/v2/Users`` without Flask, each only where it can give the bytes the Flask path gives
(their rule: the same bytes, or delegate). Before either looks at a method, a query or a body, a
request must be one Flask's hooks would let through to a Users view without doing anything:
:func:`users_request` decides that, with the pieces the hooks call (the guard's host policy, the
request-target limit, the bearer token's header), and the helpers below read the rest as the views
and Werkzeug read it. Nothing here changes anything but a token's first use
(:func:`authorised`, as the view's own check marks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from werkzeug.sansio.utils import get_host

from mockrc.http.auth import authorise_scim_token, bearer_token_of
from mockrc.http.guard import RequestGuard
from mockrc.http.request_limits import request_target_length
from mockrc.http.scim_routes import USER_RULE, USERS_RULE
from mockrc.http.tenancy import CurrentAccount
from mockrc.limits import LIMITS
from mockrc.paths import SCIM_PREFIX
from mockrc.permissions import ScimPermission
from mockrc.state import MockState

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

USERS_PATH: Final = f"{SCIM_PREFIX}{USERS_RULE}"
_USER_PREFIX: Final = f"{USERS_PATH}/"
#: The routes the journal records (what Flask's URL rule says: :mod:`mockrc.http.scim_routes`).
USERS_ROUTE: Final = USERS_PATH
USER_ROUTE: Final = f"{SCIM_PREFIX}{USER_RULE}"


@dataclass(frozen=True, slots=True)
class UsersRequest:
    """A request to ``/scim/v2/Users…`` that a fast path may answer as far as the hooks go: what
    it does not check (method, query, body) is the fast path's own to check."""

    #: The account the request is for (:class:`~mockrc.http.tenancy.CurrentAccount`'s choice).
    state: MockState
    #: The path as Werkzeug's Request and URL adapter read it.
    path: str
    #: The ``Host`` header, which the guard lets on without a word.
    host: str
    #: The bearer token of the ``Authorization`` header (not checked yet).
    bearer: str


def users_request(
    environ: dict[str, Any], current: CurrentAccount, guard: RequestGuard
) -> UsersRequest | None:
    """The request, if Flask's hooks would let it on to a Users view without doing anything (the
    guard, the request-target limit, no scenario, rate limit or state file) and it carries a bearer
    token; else None. Changes nothing; the fast reads and the fast writes share it."""
    if environ.get("SCRIPT_NAME"):
        return None
    raw_path: str = environ.get("PATH_INFO") or ""
    if not raw_path.startswith(USERS_PATH):
        return None
    if request_target_length(environ) > LIMITS.request_target_bytes:
        return None  # 414
    try:
        # The path as Werkzeug's Request and URL adapter read it (PATH_INFO is latin-1 text).
        path = "/" + raw_path.encode("latin-1").decode("utf-8", "replace").lstrip("/")
    except UnicodeEncodeError:
        return None
    host: str | None = environ.get("HTTP_HOST")
    if host is None or not guard.passes_quietly(path, host):
        return None
    bearer = bearer_token_of(environ.get("HTTP_AUTHORIZATION"))
    if bearer is None:
        return None
    state = current.chosen()
    # Scenarios, rate limits and a state file act in the hooks: Flask runs those.
    if state.scenarios.any_active or state.rate_limiter is not None or state.state_file is not None:
        return None
    return UsersRequest(state, path, host, bearer)


def user_id_of(path: str) -> str | None:
    """The ``{id}`` of a path ``/scim/v2/Users/{id}`` (what the route's converter takes: no
    slash), None for any other path."""
    user_id = path[len(_USER_PREFIX) :]
    if not path.startswith(_USER_PREFIX) or not user_id or "/" in user_id:
        return None
    return user_id


def base_url_of(environ: dict[str, Any], host: str) -> str:
    """``scheme://host`` as the views' ``base_url`` makes it (from Werkzeug's ``request.host``)."""
    scheme: str = environ.get("wsgi.url_scheme", "http")
    return f"{scheme}://{get_host(scheme, host)}"


def authorised(state: MockState, bearer: str, needed: ScimPermission) -> bool:
    """Whether the token may make a call that needs ``needed``; the last decision before a fast
    path answers, as in the view. Authenticating marks a token's first use, which the Flask path,
    answering the same request when this says no, marks alike (once: the mark is idempotent)."""
    try:
        authorise_scim_token(state.tokens, bearer, needed)
    except Exception:
        return False
    return True
