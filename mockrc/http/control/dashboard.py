"""``/__mockrc/ui``: the dashboard and the JSON it polls; ``/favicon.ico``.

A developer who runs the fake on their machine wants to *see* what their code, Postman or an
identity provider did to it without reading logs: the page (``mockrc/dashboard/``: plain HTML,
CSS and JavaScript, no build step, nothing fetched from elsewhere) polls the JSON endpoints here
about once a second and redraws what changed. Everything it shows is read under the state's lock
like any request, and everything it does goes through the control API (reset, scenarios, clock).

- ``GET /__mockrc/ui``: the page; ``GET /__mockrc/ui/<file>``: its script and style sheet.
- ``GET /__mockrc/ui/api/overview?since=ID``: the clock, the user count, the journal entries after
  request ``ID`` (newest first, summarised: status, method, path, principal, latency, violations),
  and the scenarios (active ones with their state; shipped ones that can be activated).
- ``GET /__mockrc/ui/api/users?q=TEXT&limit=N``: users whose id, userName, name, emails or
  externalId contain ``TEXT`` (any case); ``GET /__mockrc/ui/api/users/ID``: one as SCIM renders it.
- ``GET /__mockrc/ui/api/journal/ID``: one journal entry in full (request and response).

Each of these answers for the account of the request (:mod:`mockrc.http.tenancy`): the page of
another account calls them under ``/__mockrc/accounts/<id>/ui/api/…``; its account picker lists
``GET /__mockrc/accounts``.

The admin key of a fake reachable from the network, and the checks that keep other sites' pages
out of ``/__mockrc``, are :mod:`mockrc.http.guard`'s. The page's mutating requests send
``Content-Type: application/json``, which the guard asks of every state-changing control call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any, Final

from flask import Blueprint, Response, request

from mockrc.clock import FakeClock, isoformat
from mockrc.errors import InvalidValue, NotFound
from mockrc.http.request_parsing import int_param
from mockrc.http.wire import json_response
from mockrc.journal import JournalEntry
from mockrc.paths import UI_PREFIX
from mockrc.scenarios.loader import load_scenario, shipped_scenarios
from mockrc.state import MockState
from mockrc.store import StoredUser

#: Journal entries one poll answers at most (the page keeps the newest few hundred).
MAX_ENTRIES: Final = 200
#: Users one search answers unless ``limit`` says otherwise.
DEFAULT_USER_LIMIT: Final = 100
#: The page's files, by the name they are served under, with their media types.
_ASSETS: Final = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
_NO_STORE: Final = {"Cache-Control": "no-store"}


@cache
def _asset(name: str) -> bytes:
    return (files("mockrc") / "dashboard" / name).read_bytes()


def favicon() -> Response:
    """``/favicon.ico``, which browsers ask every site for: the dashboard's icon (SVG, which
    browsers take at any path when the media type says so) rather than a 404."""
    return Response(_asset("favicon.svg"), content_type=_ASSETS["favicon.svg"], headers=_NO_STORE)


@cache
def _available_scenarios() -> tuple[dict[str, str], ...]:
    """The shipped scenarios and what each does (read once: they ship with the package)."""
    return tuple({"name": n, "description": load_scenario(n).description} for n in shipped_scenarios())


def summarise(entry: JournalEntry) -> dict[str, Any]:
    """What a journal row shows: no headers, no bodies (those come on click)."""
    return {
        "id": entry.id,
        "time": isoformat(entry.time),
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "principal": entry.principal,
        "app": entry.app,
        "duration_ms": round(entry.duration_ms, 1),
        "served_by": entry.served_by,
        "violations": [v.to_dict() for v in entry.shown_violations()],
        "findings": _findings(entry),
    }


def _findings(entry: JournalEntry) -> list[dict[str, Any]]:
    """A proxied request's fidelity findings (``mockrc proxy``), echoes of its secrets scrubbed."""
    if entry.proxy is None or not entry.proxy.findings:
        return []
    found = [f.to_dict() for f in entry.proxy.findings]
    secrets = entry.secrets()
    scrubbed: list[dict[str, Any]] = secrets.scrub_json(found) if secrets else found
    return scrubbed


def _searchable(user: StoredUser) -> str:
    """The text a search looks in: id, userName, externalId, names and email addresses, folded."""
    attributes = user.attributes
    name = _name_of(attributes)
    emails = [e.get("value") for e in attributes.get("emails") or () if isinstance(e, dict)]
    parts = [
        user.id,
        attributes.get("userName"),
        attributes.get("externalId"),
        attributes.get("displayName"),
        name.get("givenName"),
        name.get("familyName"),
        *emails,
    ]
    return " ".join(str(p) for p in parts if p).casefold()


def _name_of(attributes: Mapping[str, Any]) -> Mapping[str, Any]:
    """The user's ``name`` object, or an empty one when it is absent or not an object."""
    name = attributes.get("name")
    return name if isinstance(name, Mapping) else {}


def _user_row(user: StoredUser) -> dict[str, Any]:
    attributes = user.attributes
    name = _name_of(attributes)
    display = " ".join(str(p) for p in (name.get("givenName"), name.get("familyName")) if p)
    return {
        "id": user.id,
        "userName": attributes.get("userName"),
        "name": display or attributes.get("displayName"),
        "active": attributes.get("active"),
        "lastModified": isoformat(user.last_modified),
    }


def dashboard_blueprint(state: MockState) -> Blueprint:
    """The dashboard of one fake, its JSON, and the icon."""
    routes = Blueprint("mockrc_dashboard", __name__, url_prefix=UI_PREFIX)

    @routes.get("")
    @routes.get("/")
    def page() -> Response:
        return Response(_asset("index.html"), content_type=_ASSETS["index.html"], headers=_NO_STORE)

    @routes.get("/<name>")
    def asset(name: str) -> Response:
        if name not in _ASSETS:
            raise NotFound(f"the dashboard has no file {name!r}")
        return Response(_asset(name), content_type=_ASSETS[name], headers=_NO_STORE)

    @routes.get("/api/overview")
    def overview() -> Response:
        since = int_param(request.args.get("since"), "since") or 0
        entries = state.journal.entries()
        newer: list[dict[str, Any]] = []
        for entry in reversed(entries):
            if entry.id <= since or len(newer) == MAX_ENTRIES:
                break
            newer.append(summarise(entry))
        now = state.clock.now()
        return json_response(
            {
                "profile": state.profile.name,
                "clock": {"now": isoformat(now), "advanceable": isinstance(state.clock, FakeClock)},
                "users": {"total": len(state.users.store)},
                "journal": {
                    "entries": newer,
                    "oldest": entries[0].id if entries else None,
                    "newest": entries[-1].id if entries else None,
                    "dropped": state.journal.dropped,
                },
                "scenarios": {
                    "active": [a.describe() for a in state.scenarios.active],
                    "available": list(_available_scenarios()),
                },
                "state_file": state.settings.state_file,
            },
            headers=_NO_STORE,
        )

    @routes.get("/api/users")
    def users() -> Response:
        query = request.args.get("q", "").strip().casefold()
        limit = int_param(request.args.get("limit"), "limit")
        limit = DEFAULT_USER_LIMIT if limit is None else limit
        if limit < 0:
            raise InvalidValue(f"limit must not be negative, not [{limit}]")
        found: Iterable[StoredUser] = state.users.store
        matching = [u for u in found if query in _searchable(u)] if query else list(found)
        return json_response(
            {"total": len(matching), "users": [_user_row(u) for u in matching[:limit]]}, headers=_NO_STORE
        )

    @routes.get("/api/users/<user_id>")
    def user(user_id: str) -> Response:
        found = state.users.store.get(user_id)
        return json_response(state.users.render(found, request.host_url.rstrip("/")), headers=_NO_STORE)

    @routes.get("/api/journal/<int:entry_id>")
    def entry(entry_id: int) -> Response:
        for candidate in reversed(state.journal.entries()):
            if candidate.id == entry_id:
                return json_response(candidate.to_dict(), headers=_NO_STORE)
        raise NotFound(f"request #{entry_id} is not in the journal (any more)")

    return routes
