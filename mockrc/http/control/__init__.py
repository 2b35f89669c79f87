"""``/__mockrc``: mockrc's control plane, one module per thing it controls.

=================  ===========================================================================
module             controls
=================  ===========================================================================
``health``         ``GET /__mockrc/health``: up, and which profile
``state``          ``POST /__mockrc/reset``; ``/__mockrc/clock`` (read, advance)
``journal``        ``/__mockrc/journal`` (list, find, count, clear), ``/violations``, ``/report``
``users``          ``/__mockrc/users`` (read, seed)
``scenarios``      ``/__mockrc/scenarios`` (list, activate, deactivate, reset)
``tokens``         ``POST /__mockrc/tokens`` (mint an access token)
``dashboard``      ``/__mockrc/ui`` (the page and the JSON it polls) and ``/favicon.ico``
=================  ===========================================================================

Each module has one function that builds its blueprint around a state; :func:`register_control`
registers them all. Views parse, call the domain and serialise, like RingCentral's. What protects
the control plane (the Host check, the cross-site checks, the admin key) is applied to every
request in one place, :mod:`mockrc.http.guard`, which the app factory runs before any view; the
hooks on RingCentral's paths (journal capture, scenario overlay, rate limits) are no part of it.
"""

from __future__ import annotations

from flask import Flask

from mockrc.http.control.dashboard import dashboard_blueprint, favicon
from mockrc.http.control.health import health_blueprint
from mockrc.http.control.journal import journal_blueprint
from mockrc.http.control.scenarios import scenario_blueprint
from mockrc.http.control.state import state_blueprint
from mockrc.http.control.tokens import tokens_blueprint
from mockrc.http.control.users import users_blueprint
from mockrc.paths import FAVICON_PATH
from mockrc.state import MockState


def register_control(app: Flask, state: MockState) -> None:
    """Every control route of ``app``, bound to ``state``."""
    for blueprint in (
        health_blueprint(state),
        state_blueprint(state),
        journal_blueprint(state),
        users_blueprint(state),
        scenario_blueprint(state),
        tokens_blueprint(state),
        dashboard_blueprint(state),
    ):
        app.register_blueprint(blueprint)
    app.add_url_rule(FAVICON_PATH, view_func=favicon)
