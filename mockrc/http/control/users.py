"""``/__mockrc/users``: read and seed the users of a running fake, without a token.

``mockrc users list``, ``export`` and ``seed --url`` call these. Being control calls, they leave
nothing in the journal a CI gate reads, and no scenario or rate limit answers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, request

from mockrc.errors import InvalidValue, ScimError
from mockrc.http.request_parsing import json_body
from mockrc.http.wire import json_response
from mockrc.paths import CONTROL_PREFIX
from mockrc.seed import SeedError, add_users
from mockrc.state import MockState
from mockrc.store import StoredUser


def users_blueprint(state: MockState) -> Blueprint:
    """The users of one fake. They read ``state.users`` per request: a reset replaces it."""
    routes = Blueprint("mockrc_users", __name__, url_prefix=CONTROL_PREFIX)

    def rendered(found: Iterable[StoredUser]) -> list[dict[str, Any]]:
        base_url = request.host_url.rstrip("/")
        return [state.users.render(user, base_url) for user in found]

    @routes.get("/users")
    def users() -> Response:
        """Every user in the store as the SCIM API renders it."""
        listed = rendered(state.users.store)
        return json_response({"totalResults": len(listed), "Resources": listed})

    @routes.post("/users")
    def seed_users() -> Response:
        """Add ``{"users": [SCIM User, ...]}`` as seeded users (:func:`mockrc.seed.add_users`).

        What ``mockrc users seed --url`` calls: the users go through the profile's rules (a body
        without ``schemas`` gets the profile's), take no licence, and all or none are added.
        Unlike a POST to ``/scim/v2/Users`` it needs no token.
        """
        bodies = json_body(request).get("users")
        if not isinstance(bodies, list) or not all(isinstance(body, dict) for body in bodies):
            raise InvalidValue('"users" must be a list of SCIM User objects')
        try:
            created = add_users(state.users, bodies)
        except SeedError as exc:
            refused = exc.__cause__
            raise (type(refused) if isinstance(refused, ScimError) else InvalidValue)(str(exc)) from None
        listed = rendered(created)
        return json_response({"totalResults": len(listed), "Resources": listed}, status=201)

    return routes
