"""``GET /__mockrc/health``: is the fake up, and which profile does it serve.

The one control call the admin key never guards (:mod:`mockrc.http.guard`), and the trivial route
the benchmarks use as their ceiling.
"""

from __future__ import annotations

from flask import Blueprint, Response

from mockrc.http.wire import json_response
from mockrc.paths import HEALTH_PATH
from mockrc.state import MockState


def health_blueprint(state: MockState) -> Blueprint:
    routes = Blueprint("mockrc_health", __name__)

    @routes.get(HEALTH_PATH)
    def health() -> Response:
        return json_response({"status": "ok", "profile": state.profile.name})

    return routes
