"""What the fake would have answered: the request run through a private fake, state set aside.

The prediction uses *exactly* the fake's rules because it runs the fake: a private
:class:`~mockrc.state.MockState` with the proxy's profile and account, whose WSGI app (built by
the app factory and handed in, so this module knows no Flask) answers a copy of the request.
What the upstream's state decides is set aside, so that only the rules are compared:

- the client's bearer token is registered in the private fake with every permission of the
  account's app (whether a token is valid is the upstream's business);
- the private fake holds no user but the one the request addresses, as the upstream last showed
  it (:meth:`Predictor.observe` keeps a bounded copy of every user the upstream returned), so a
  PATCH is checked against the user it patches and uniqueness never refuses; a PUT to a user the
  upstream never showed is checked against its own body (a replace is decided by its body), while
  a PATCH or DELETE of one is ``undecided``, its violations unknown;
- an answer that still depends on state (401, 403, 404, 409, 429, a refusal with no contract
  violation behind it) is ``undecided``: nothing is compared.

The private fake's violations are the request's violations, as the fake would record them.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from werkzeug.test import EnvironBuilder, run_wsgi_app

from mockrc.journal import read_body
from mockrc.paths import SCIM_PREFIX
from mockrc.proxy.findings import Prediction
from mockrc.proxy.upstream import forwarded_headers
from mockrc.scim.normalise import normalise_user
from mockrc.state import MockState
from mockrc.store import StoredUser
from mockrc.violations import Violation, ViolationLog

WSGIApp = Callable[..., Iterable[bytes]]

#: Users the predictor remembers as the upstream showed them (the least recently seen go first),
#: and the bytes their JSON may take in all.
USERS_KEPT = 1000
USERS_BYTES = 16 * 1024 * 1024
#: Bearer tokens the private fake holds before it forgets them all (each costs a few hundred bytes).
TOKENS_KEPT = 1000
#: Statuses that say the request was refused as invalid, when a contract violation is behind them.
_REFUSALS = frozenset({400, 413, 414, 415})
_USERS = f"{SCIM_PREFIX}/Users/"


def addressed_user(path: str) -> str | None:
    """The id in ``/scim/v2/Users/{id}``, or None for any other path (``/Users/.search`` included)."""
    if not path.startswith(_USERS):
        return None
    rest = path[len(_USERS) :]
    return rest if rest and "/" not in rest and rest != ".search" else None


def error_code(body: Any) -> str | None:
    """The code an error body names: SCIM's ``scimType``, RingCentral's ``errorCode``, OAuth's ``error``."""
    if not isinstance(body, Mapping):
        return None
    for key in ("scimType", "errorCode", "error"):
        value = body.get(key)
        if isinstance(value, str):
            return value
    return None


class Predictor:
    """The private fake of one proxy, and what it knows of the upstream's users. Thread-safe."""

    def __init__(self, state: MockState, app: WSGIApp) -> None:
        self._state = state
        self._app = app
        self._lock = threading.Lock()
        self._users: OrderedDict[str, tuple[dict[str, Any], int]] = OrderedDict()
        self._users_bytes = 0

    def predict(
        self, method: str, path: str, query_string: bytes, headers: Sequence[tuple[str, str]], body: bytes
    ) -> tuple[Prediction, list[Violation]]:
        """The fake's answer to the request, as a :class:`Prediction`, and its violations."""
        state = self._state
        with self._lock:
            if len(state.tokens) >= TOKENS_KEPT:  # tokens and sessions the OAuth grants made, too
                state.reset()
            state.journal.clear()
            state.handler_errors.clear()
            state.users.store.clear()
            state.users.unassigned_extensions = None
            user_id = addressed_user(path)
            kept = self._users.get(user_id) if user_id is not None else None
            attributes = json.loads(json.dumps(kept[0])) if kept is not None else None
            if attributes is None and user_id is not None and method == "PUT":
                # A replace is decided by its body, not by the user it replaces: one the upstream
                # never showed stands in as the body itself, so the body is checked all the same.
                attributes = self._stand_in(body)
            if user_id is not None and attributes is not None:
                now = state.clock.now()
                state.users.store.add(StoredUser(user_id, attributes, now, now))
            self._admit(headers)
            sent = [
                (n, v) for n, v in forwarded_headers(headers) if n.lower() not in ("host", "content-length")
            ]
            environ = EnvironBuilder(
                path=path,
                method=method,
                query_string=query_string.decode("latin-1"),
                headers=sent,
                data=body,
                base_url="http://localhost/",
            ).get_environ()
            app_iter, status_line, answer_headers = run_wsgi_app(self._app, environ, buffered=True)
            answer = b"".join(app_iter)
            entries = state.journal.entries()
        violations = list(entries[-1].violations) if entries else []
        status = int(status_line.split(" ", 1)[0])
        media_type = (answer_headers.get("Content-Type") or "").split(";")[0].strip()
        decoded, _ = read_body(answer, media_type)
        pairs = tuple(answer_headers.items())
        if 200 <= status < 300:
            return Prediction("accepted", status, None, pairs, decoded), violations
        if status in _REFUSALS and any(v.severity == "error" for v in violations):
            return Prediction("refused", status, error_code(decoded), pairs, decoded), violations
        return Prediction("undecided", status, error_code(decoded), pairs, decoded), violations

    def _stand_in(self, body: bytes) -> dict[str, Any] | None:
        """The user a PUT body describes, as the store keeps one; None when it is no such thing."""
        try:
            return normalise_user(json.loads(body), self._state.profile, ViolationLog())
        except Exception:  # the fake's own answer to such a body is a refusal: nothing to stand in
            return None

    def _admit(self, headers: Sequence[tuple[str, str]]) -> None:
        """Register the request's bearer token in the private fake, with every permission."""
        value = next((v for n, v in headers if n.lower() == "authorization"), "")
        scheme, _, token = value.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return
        tokens = self._state.tokens
        if tokens.find(token) is None:
            if len(tokens) >= TOKENS_KEPT:
                tokens.clear()
            tokens.register(token, self._state.admin_principal)

    def observe(self, method: str, path: str, status: int, body: Any) -> None:
        """Remember the users the upstream's answer shows (a User, a ListResponse), forget a deleted one."""
        if not path.startswith(SCIM_PREFIX) or not 200 <= status < 300:
            return
        user_id = addressed_user(path)
        if method == "DELETE" and user_id is not None:
            with self._lock:
                self._forget(user_id)
            return
        if not isinstance(body, Mapping):
            return
        resources = body.get("Resources")
        shown = resources if isinstance(resources, list) else [body]
        for resource in shown[:USERS_KEPT]:
            if isinstance(resource, Mapping) and isinstance(resource.get("id"), str):
                self._keep(resource["id"], resource)

    def _keep(self, user_id: str, resource: Mapping[str, Any]) -> None:
        try:
            attributes = normalise_user(resource, self._state.profile, ViolationLog())
            size = len(json.dumps(attributes))
        except Exception:  # a user the fake cannot read is a user it cannot predict for
            return
        if size > USERS_BYTES:
            return
        with self._lock:
            self._forget(user_id)
            self._users[user_id] = (attributes, size)
            self._users_bytes += size
            while len(self._users) > USERS_KEPT or self._users_bytes > USERS_BYTES:
                _, (_, freed) = self._users.popitem(last=False)
                self._users_bytes -= freed

    def _forget(self, user_id: str) -> None:
        found = self._users.pop(user_id, None)
        if found is not None:
            self._users_bytes -= found[1]
