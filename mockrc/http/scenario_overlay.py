"""The active scenarios, laid over the fake: a request-path hook, not a control route.

:func:`overlay_scenarios` runs before every request to RingCentral's paths (the app factory skips
mockrc's own): a scenario step may answer, fault, delay, or change the fake and let it answer. It
only translates: the decisions are made by :mod:`mockrc.scenarios.engine`, which never sees Flask.
The scenarios' control API is :mod:`mockrc.http.control.scenarios`.
"""

from __future__ import annotations

from typing import Final

from flask import Response, g, request

from mockrc import json_input
from mockrc.errors import ScimError
from mockrc.http.auth import request_principal
from mockrc.http.request_parsing import JSON_MEDIA_TYPES
from mockrc.http.wire import SCIM_MEDIA_TYPE
from mockrc.journal import FORM_MEDIA_TYPE
from mockrc.paths import is_scim_path
from mockrc.scenarios.matching import NO_BODY, RequestView
from mockrc.scenarios.model import Fault, Respond
from mockrc.state import MockState
from mockrc.transport.faults import FAULT_DROP, FAULT_HEADER

#: Where a ``delay`` step leaves its seconds for the app's middleware, which lets them pass after
#: releasing the state's lock (a real wait must not hold up every other request).
DELAY_ENVIRON: Final = "mockrc.delay"


def overlay_scenarios(state: MockState) -> Response | None:
    """Let the active scenarios act on the request: the answer of a step that answers (or
    faults), else None. A step may also delay the answer or change the fake before its view runs."""
    engine = state.scenarios
    if not engine.any_active:
        return None
    outcome = engine.handle(_request_view(state))
    if outcome.fired:
        g.served_by = ", ".join(outcome.fired)
    if outcome.delay:
        request.environ[DELAY_ENVIRON] = outcome.delay
    if outcome.answer is not None:
        return _answer(outcome.answer)
    return None


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
        principal=request_principal(request, state.tokens),
    )


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
        elif is_scim_path(request.path):
            response.headers["Content-Type"] = SCIM_MEDIA_TYPE
        else:
            response.headers["Content-Type"] = "application/json"
    return response
