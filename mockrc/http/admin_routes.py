"""``/__mockrc``: mockrc's own control plane (never a RingCentral path).

For now: a health check, which is also the trivial route the benchmark uses as its ceiling; and
:func:`is_own_path`, which tells the fake's own paths from the RingCentral API it fakes.
"""

from __future__ import annotations

from flask import Blueprint, Response

from mockrc.http.wire import json_response
from mockrc.state import MockState

ADMIN_PREFIX = "/__mockrc"
#: The icon a browser asks every site for: the fake answers it (the dashboard's), not RingCentral.
FAVICON_PATH = "/favicon.ico"


def is_own_path(path: str) -> bool:
    """Whether ``path`` is mockrc's own (control API, dashboard, icon) rather than RingCentral's:
    such requests are never journaled, and no scenario or rate limit answers them."""
    return path in (ADMIN_PREFIX, FAVICON_PATH) or path.startswith(ADMIN_PREFIX + "/")


def is_control_path(path: str) -> bool:
    """Whether ``path`` is under ``/__mockrc``: the control plane, which the request guard keeps
    other sites' pages out of (:mod:`mockrc.http.guard`; the icon is no part of it)."""
    return path == ADMIN_PREFIX or path.startswith(f"{ADMIN_PREFIX}/")


def admin_blueprint(state: MockState) -> Blueprint:
    routes = Blueprint("mockrc_admin", __name__, url_prefix=ADMIN_PREFIX)

    @routes.get("/health")
    def health() -> Response:
        return json_response({"status": "ok", "profile": state.profile.name})

    return routes
