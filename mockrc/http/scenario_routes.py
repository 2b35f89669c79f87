"""Scenarios over HTTP: the hook that lays them over the fake, and their control API.

:func:`register_overlays` adds one step before every request except mockrc's own control plane
(``/__mockrc``): the active scenarios first (a step may answer, fault, delay, or change the fake
and let it answer), then RingCentral's rate limits when a setting or a scenario turns them on.
It only translates: the decisions are made by :mod:`mockrc.scenarios.engine` and
:mod:`mockrc.ratelimit`, which never see Flask.

The control API (JSON; mutating calls are POST):

- ``GET /__mockrc/scenarios``: the active scenarios (state, steps with their counts, required
  steps that never fired) and the shipped ones that can be activated;
- ``GET /__mockrc/scenarios/NAME``: one active scenario;
- ``POST /__mockrc/scenarios/NAME/activate``: activate a shipped scenario;
- ``POST /__mockrc/scenarios`` with a scenario document (JSON) as the body: activate it;
- ``POST /__mockrc/scenarios/NAME/deactivate``, ``POST /__mockrc/scenarios/NAME/reset``;
- ``POST /__mockrc/scenarios/reset``: reset every active scenario.
"""

from __future__ import annotations

from typing import Final

from flask import Blueprint, Flask, Response, g, request
from werkzeug.exceptions import MethodNotAllowed

from mockrc import json_input
from mockrc.errors import InvalidValue, NotFound, OAuthError, RateLimited, ScimError, Uniqueness
from mockrc.http.admin_routes import ADMIN_PREFIX, is_own_path
from mockrc.http.request_parsing import JSON_MEDIA_TYPES, json_body
from mockrc.http.wire import SCIM_MEDIA_TYPE, json_response
from mockrc.oauth.client_auth import parse_basic
from mockrc.ratelimit import group_of
from mockrc.scenarios.engine import ActiveScenario, ScenarioAlreadyActive, ScenarioNotActive
from mockrc.scenarios.loader import POSTED, RESERVED_NAME, ScenarioError, load_scenario, parse_scenario
from mockrc.scenarios.loader import shipped_scenarios as shipped
from mockrc.scenarios.matching import NO_BODY, RequestView
from mockrc.scenarios.model import Fault, Respond, Scenario
from mockrc.state import MockState
from mockrc.tokens import Principal
from mockrc.transport.faults import FAULT_DROP, FAULT_HEADER

#: Where a ``delay`` step leaves its seconds for the app's middleware, which lets them pass after
#: releasing the state's lock (a real wait must not hold up every other request).
DELAY_ENVIRON: Final = "mockrc.delay"

FORM_MEDIA_TYPE: Final = "application/x-www-form-urlencoded"


def register_overlays(app: Flask, state: MockState) -> None:
    """Scenario steps, then rate limits, ahead of every fake endpoint of ``app``."""

    @app.before_request
    def _overlay() -> Response | None:
        if is_own_path(request.path):
            return None
        engine = state.scenarios
        active = engine.active
        if active:
            outcome = engine.handle(_request_view(state))
            if outcome.fired:
                g.served_by = ", ".join(outcome.fired)
            if outcome.delay:
                request.environ[DELAY_ENVIRON] = outcome.delay
            if outcome.answer is not None:
                return _answer(outcome.answer)
        limiter = (engine.rate_limiter if active else None) or state.rate_limiter
        group = group_of(request.method, request.path)
        if limiter is None or group is None:
            return None
        verdict = limiter.check(_caller(state), group)
        g.rate_limit = verdict
        if verdict.into_penalty is not None:
            g.violations.error(
                "Retry-After",
                "ringcentral.retry-after-ignored",
                f"sent {verdict.into_penalty:g} s into a {verdict.retry_after} s rate-limit penalty:"
                " the client did not wait as Retry-After said, and RingCentral restarts the penalty",
            )
        if verdict.refused:
            raise RateLimited("CMN-301", "Request rate exceeded")
        return None

    @app.after_request
    def _rate_limit_headers(response: Response) -> Response:
        verdict = g.get("rate_limit")
        if verdict is not None:
            response.headers.update(verdict.headers())
        return response


def _request_view(state: MockState) -> RequestView:
    """What the engine may see of the current request."""
    # Read (and cache) the body before anything parses the form, so that the views still see it.
    data = request.get_data(cache=True)
    document = NO_BODY
    form: dict[str, list[str]] = {}
    if request.mimetype in JSON_MEDIA_TYPES:
        try:
            # Within mockrc's limits: a body too deep for the parser is no body to match on (the
            # view then answers it with the precise 400).
            document = json_input.loads(json_input.decode(data, request.mimetype_params.get("charset")))
        except ScimError:
            document = NO_BODY
    elif request.mimetype == FORM_MEDIA_TYPE:
        form = dict(request.form.lists())
    return RequestView(
        method=request.method,
        path=request.path,
        query=dict(request.args.lists()),
        form=form,
        headers={name.lower(): value for name, value in request.headers.items()},
        json=document,
        principal=_principal(state),
    )


def _principal(state: MockState) -> Principal | None:
    """The principal of the request's bearer token, whatever the token's state; None without one."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    token = state.tokens.find(value.strip()) if scheme.lower() == "bearer" and value.strip() else None
    return token.principal if token is not None else None


def _caller(state: MockState) -> str:
    """Who a rate limit counts for: the user and app behind the token, else the authenticating app."""
    principal = _principal(state)
    if principal is not None:
        return f"{principal.owner_id}@{principal.client_id}"
    request.get_data(cache=True)
    client_id = request.form.get("client_id") if request.mimetype == FORM_MEDIA_TYPE else None
    header = request.headers.get("Authorization", "")
    if client_id is None and header.lower().startswith("basic "):
        try:
            client_id = parse_basic(header)[0]
        except OAuthError:
            client_id = None
    return f"@{client_id or 'anonymous'}"


def _answer(answer: Respond | Fault) -> Response:
    """The response of a ``respond`` or ``fault`` step."""
    if isinstance(answer, Fault):
        response = Response(b"", 200)
        del response.headers["Content-Type"]
        if answer.kind == "drop":
            response.headers[FAULT_HEADER] = FAULT_DROP
        return response
    response = Response(answer.body, answer.status)
    del response.headers["Content-Type"]
    for name, value in answer.headers:
        response.headers.add(name, value)
    if answer.media is not None and "Content-Type" not in response.headers:
        if answer.media != "json":
            response.headers["Content-Type"] = answer.media
        elif request.path.startswith("/scim/"):
            response.headers["Content-Type"] = SCIM_MEDIA_TYPE
        else:
            response.headers["Content-Type"] = "application/json"
    return response


# --- control API ---------------------------------------------------------------------------------


def scenario_blueprint(state: MockState) -> Blueprint:
    """``/__mockrc/scenarios``: list, read, activate, deactivate and reset scenarios."""
    routes = Blueprint("mockrc_scenarios", __name__, url_prefix=f"{ADMIN_PREFIX}/scenarios")

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
