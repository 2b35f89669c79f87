"""``/__mockrc``: mockrc's own control plane (never a RingCentral path).

For now: a health check, which is also the trivial route the benchmark uses as its ceiling.
"""

from __future__ import annotations

from flask import Blueprint, Response

from mockrc.http.wire import json_response
from mockrc.state import MockState

ADMIN_PREFIX = "/__mockrc"


def is_control_path(path: str) -> bool:
    """Whether ``path`` is under ``/__mockrc`` (and so mockrc's own, not RingCentral's)."""
    return path == ADMIN_PREFIX or path.startswith(f"{ADMIN_PREFIX}/")


def admin_blueprint(state: MockState) -> Blueprint:
    routes = Blueprint("mockrc_admin", __name__, url_prefix=ADMIN_PREFIX)

    @routes.get("/health")
    def health() -> Response:
        return json_response({"status": "ok", "profile": state.profile.name})

    return routes
