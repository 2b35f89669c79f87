"""``/__mockrc/accounts``: make, list, read and delete the accounts of a server (:mod:`mockrc.accounts`).

``/__mockrc/accounts/<id>/<path>`` is account ``<id>``'s own control plane (``/__mockrc/<path>``
of that account); :mod:`mockrc.http.tenancy` mounts it, so no view here sees it. The guard
(:mod:`mockrc.http.guard`) protects these paths like every other ``/__mockrc`` path.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from mockrc.accounts import Accounts, account_json, parse_request
from mockrc.errors import NotFound
from mockrc.http.request_parsing import json_body
from mockrc.http.wire import json_response
from mockrc.paths import ACCOUNTS_PREFIX
from mockrc.state import MockState

_NO_STORE = {"Cache-Control": "no-store"}


def accounts_blueprint(accounts: Accounts) -> Blueprint:
    routes = Blueprint("mockrc_accounts", __name__, url_prefix=ACCOUNTS_PREFIX)

    def base_url() -> str:
        return f"{request.scheme}://{request.host}"

    def found(account_id: str) -> MockState:
        state = accounts.get(account_id)
        if state is None:
            raise NotFound(
                f"no account [{account_id[:100]}] on this server (GET {ACCOUNTS_PREFIX} lists them)"
            )
        return state

    @routes.post("")
    def create() -> Response:
        """A fresh account, as the body says (every member optional): 201 and what a client needs."""
        document = json_body(request) if request.get_data(cache=True).strip() else None
        key, state, credentials = accounts.create(parse_request(document))
        body = account_json(key, state, credentials, base_url())
        return json_response(body, 201, headers={**_NO_STORE, "Location": body["control_url"]})

    @routes.get("")
    def listed() -> Response:
        return json_response(
            {
                "accounts": [
                    {
                        "id": item.id,
                        "default": item.state is accounts.default,
                        "users": len(item.state.users.store),
                        "profile": item.state.profile.name,
                    }
                    for item in accounts
                ]
            }
        )

    @routes.get("/<account_id>")
    def read(account_id: str) -> Response:
        state = found(account_id)
        body = account_json(account_id, state, accounts.credentials(account_id), base_url())
        return json_response(body, headers=_NO_STORE)

    @routes.delete("/<account_id>")
    def delete(account_id: str) -> Response:
        accounts.delete(account_id)
        return Response(status=204)

    @routes.route("/<account_id>/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(account_id: str, rest: str) -> Response:
        """A path of an account the tenancy layer did not mount: there is no such account (or path)."""
        found(account_id)
        raise NotFound(f"Resource not found: {request.method} {request.path[:200]}")

    return routes
