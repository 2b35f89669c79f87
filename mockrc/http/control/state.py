"""``/__mockrc``: the state of a running fake as a whole: reset it, read and advance its clock.

Mutating calls are POST (a GET on them answers 405 saying which).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from mockrc.clock import FakeClock, isoformat
from mockrc.errors import InvalidValue
from mockrc.http.request_parsing import json_body
from mockrc.http.wire import json_response
from mockrc.paths import CONTROL_PREFIX
from mockrc.state import MockState


def state_blueprint(state: MockState) -> Blueprint:
    """Reset and the clock of one fake."""
    routes = Blueprint("mockrc_state", __name__, url_prefix=CONTROL_PREFIX)

    @routes.post("/reset")
    def reset() -> Response:
        """Back to the state the settings describe: users, tokens and the journal in memory (not its file)."""
        state.reset()
        return json_response({"status": "reset"})

    def clock_body() -> dict[str, Any]:
        now = state.clock.now()
        return {"now": isoformat(now), "epoch": now, "advanceable": isinstance(state.clock, FakeClock)}

    @routes.get("/clock")
    def clock() -> Response:
        return json_response(clock_body())

    @routes.post("/clock/advance")
    def advance() -> Response:
        """Move a fake clock forward by ``{"seconds": n}`` (tokens expire, windows pass, nobody sleeps)."""
        seconds = json_body(request).get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise InvalidValue(f'"seconds" must be a number of seconds, zero or more, not {seconds!r}')
        if not isinstance(state.clock, FakeClock):
            raise InvalidValue(
                "this fake runs on the system clock, which cannot be advanced: start it with --clock fake"
            )
        try:
            state.clock.advance(seconds)
        except ValueError as exc:
            raise InvalidValue(f'"seconds": {exc}') from None
        return json_response(clock_body())

    return routes
