"""``/__mockrc/scenarios``: list, read, activate, deactivate and reset scenarios.

JSON; mutating calls are POST.

- ``GET /__mockrc/scenarios``: the active scenarios (state, steps with their counts, required
  steps that never fired) and the shipped ones that can be activated;
- ``GET /__mockrc/scenarios/NAME``: one active scenario;
- ``POST /__mockrc/scenarios/NAME/activate``: activate a shipped scenario;
- ``POST /__mockrc/scenarios`` with a scenario document (JSON) as the body: activate it;
- ``POST /__mockrc/scenarios/NAME/deactivate``, ``POST /__mockrc/scenarios/NAME/reset``;
- ``POST /__mockrc/scenarios/reset``: reset every active scenario.

How active scenarios act on requests is :mod:`mockrc.http.scenario_overlay`'s.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed

from mockrc.errors import InvalidValue, NotFound, Uniqueness
from mockrc.http.request_parsing import json_body
from mockrc.http.wire import json_response
from mockrc.paths import CONTROL_PREFIX
from mockrc.scenarios.engine import ActiveScenario, ScenarioAlreadyActive, ScenarioNotActive
from mockrc.scenarios.loader import POSTED, RESERVED_NAME, ScenarioError, load_scenario, parse_scenario
from mockrc.scenarios.loader import shipped_scenarios as shipped
from mockrc.scenarios.model import Scenario
from mockrc.state import MockState


def scenario_blueprint(state: MockState) -> Blueprint:
    """``/__mockrc/scenarios``: list, read, activate, deactivate and reset scenarios."""
    routes = Blueprint("mockrc_scenarios", __name__, url_prefix=f"{CONTROL_PREFIX}/scenarios")

    def active(name: str) -> ActiveScenario:
        try:
            return state.scenarios.get(name)
        except ScenarioNotActive as exc:
            raise NotFound(str(exc)) from None

    def activate(scenario: Scenario) -> Response:
        try:
            return json_response(state.scenarios.activate(scenario).describe())
        except ScenarioAlreadyActive as exc:
            raise Uniqueness(str(exc)) from None

    @routes.get("")
    def list_scenarios() -> Response:
        available = [{"name": n, "description": load_scenario(n).description} for n in shipped()]
        return json_response(
            {"active": [a.describe() for a in state.scenarios.active], "available": available}
        )

    @routes.post("")
    def activate_posted() -> Response:
        try:
            scenario = parse_scenario(json_body(request), POSTED, None)
        except ScenarioError as exc:
            raise InvalidValue(str(exc)) from None
        return activate(scenario)

    @routes.post("/reset")
    def reset_all() -> Response:
        state.scenarios.reset()
        return json_response({"active": [a.describe() for a in state.scenarios.active]})

    @routes.get("/<name>")
    def read(name: str) -> Response:
        if name == RESERVED_NAME:
            # GET on the mutating POST /reset, which this rule would otherwise take for a name.
            raise MethodNotAllowed(valid_methods=["POST"])
        return json_response(active(name).describe())

    @routes.post("/<name>/activate")
    def activate_shipped(name: str) -> Response:
        if name not in shipped():
            raise NotFound(f"no shipped scenario is called {name!r}: they are {', '.join(shipped())}")
        return activate(load_scenario(name))

    @routes.post("/<name>/deactivate")
    def deactivate(name: str) -> Response:
        active(name)
        return json_response(state.scenarios.deactivate(name).describe())

    @routes.post("/<name>/reset")
    def reset(name: str) -> Response:
        scenario = active(name)
        scenario.reset()
        return json_response(scenario.describe())

    return routes
