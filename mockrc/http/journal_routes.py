"""``/__mockrc``: the journal, verification and state control of a running fake (health is in admin_routes).

What a test suite or a CI job in another process needs from the fake, as JSON: reset the state,
list, find and count the recorded requests (a find that matches nothing answers the near misses),
clear the journal, list the violations, read and seed the users, read and advance the clock, and
the contract report. Mutating calls are POST or DELETE (a GET on them answers 405 saying which);
find and count take their pattern from the query string (GET) or a JSON body (POST).

Requests to ``/__mockrc`` itself (and a browser's ``/favicon.ico``) are not journaled: they are
the test's own bookkeeping, not traffic of the client under test. This module also captures every
other exchange for the journal (:func:`start_exchange` and :func:`record_exchange`, called by the
app factory's hooks).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, Request, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from mockrc.clock import FakeClock, isoformat
from mockrc.errors import InvalidValue, ScimError
from mockrc.http.admin_routes import ADMIN_PREFIX, is_own_path
from mockrc.http.request_parsing import int_param, json_body
from mockrc.http.wire import json_response
from mockrc.journal import FORM_MEDIA_TYPE, JournalEntry, Message, RequestPattern, wsgi_headers
from mockrc.redaction import Secrets, redact_pairs
from mockrc.report import DEFAULT_MIN_REQUESTS, build_report
from mockrc.scim.render import render_user
from mockrc.seed import SeedError, add_users
from mockrc.state import MockState
from mockrc.store import StoredUser
from mockrc.violations import Severity

#: Entries ``GET /__mockrc/journal`` answers when no ``limit`` is given (the newest ones).
DEFAULT_LIST_LIMIT = 100
_LIST_PARAMETERS = frozenset({"limit"})
_REPORT_FORMATS = {
    "json": "application/json",
    "junit": "application/xml; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
}


# --- capturing exchanges ---------------------------------------------------------------------------


def start_exchange(state: MockState) -> None:
    """Note when the request arrived (the fake's clock) and start timing it."""
    g.journal_time = state.clock.now()
    g.journal_started = time.perf_counter()


def _caller(state: MockState, req: Request) -> tuple[str | None, str | None]:
    """The user and the app behind the request: its bearer token's, else the client it names."""
    scheme, _, value = req.environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() == "bearer":
        token = state.tokens.find(value.strip())
        return (token.principal.owner_id, token.principal.client_id) if token else (None, None)
    if scheme.lower() == "basic" and req.authorization is not None:
        return None, req.authorization.username
    client_id = req.args.get("client_id") if req.query_string else None
    if client_id is None and req.mimetype == FORM_MEDIA_TYPE:
        client_id = req.form.get("client_id")
    return None, client_id


def record_exchange(state: MockState, response: Response) -> None:
    """Put the request and ``response`` in the journal (called last, with the final response).

    It runs on every request, so it reads the request and ``g`` through one context lookup each
    and copies the headers straight from the WSGI environ; everything else waits until read.
    It never raises: whatever the request held, it is recorded (with what could be captured).
    """
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    if is_own_path(req.path):
        return
    context = g._get_current_object()  # type: ignore[attr-defined]
    if getattr(context, "journal_recorded", False):
        return
    context.journal_recorded = True
    try:
        entry = _entry(state, req, context, response.status_code, _response_message(response))
    except Exception as exc:  # a request the journal cannot read is still recorded
        entry = _fallback_entry(state, req, context, response.status_code, exc)
    state.journal.record(entry)


def record_lost_exchange(state: MockState, error: BaseException | None) -> None:
    """Record a request whose answer never reached :func:`record_exchange` (an after-request hook
    failed): the journal has every request that reached the app, exactly once."""
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    context = g._get_current_object()  # type: ignore[attr-defined]
    if is_own_path(req.path) or getattr(context, "journal_recorded", False):
        return
    context.journal_recorded = True
    reason = type(error).__name__ if error is not None else "no answer was recorded"
    lost = Message((), b"", note=f"the answer was lost: {reason}")
    try:
        entry = _entry(state, req, context, 500, lost)
    except Exception as exc:
        entry = _fallback_entry(state, req, context, 500, exc)
    state.journal.record(entry)


def _response_message(response: Response) -> Message:
    return Message(response.headers.to_wsgi_list(), response.get_data(), response.mimetype)


def _request_message(req: Request) -> Message:
    headers = wsgi_headers(req.environ)
    try:
        # A request without a body (most GETs) skips Werkzeug's input-stream machinery.
        body = (
            req.get_data(cache=True)
            if req.content_length or req.is_json or "HTTP_TRANSFER_ENCODING" in req.environ
            else b""
        )
    except RequestEntityTooLarge:
        size = req.content_length or 0
        return Message(
            headers, b"", req.mimetype, wsgi=True, size=size, note="refused as too large: not read"
        )
    return Message(headers, body, req.mimetype, wsgi=True)


def _entry(state: MockState, req: Request, context: Any, status: int, response: Message) -> JournalEntry:
    principal, app = _caller(state, req)
    started = getattr(context, "journal_started", None)
    query: dict[str, str | list[str]] = {}
    query_secrets: tuple[str, ...] = ()
    if req.query_string:
        found = Secrets()
        query = redact_pairs(req.args.items(multi=True), found)
        query_secrets = found.values()
    return JournalEntry(
        id=getattr(context, "request_id", 0),
        time=getattr(context, "journal_time", None) or state.clock.now(),
        method=req.method,
        path=req.path,
        status=status,
        request=_request_message(req),
        response=response,
        query=query,
        route=req.url_rule.rule if req.url_rule is not None else None,
        principal=principal,
        app=app,
        duration_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
        served_by=getattr(context, "served_by", None),
        violations=tuple(getattr(context, "violations", None) or ()),
        query_secrets=query_secrets,
    )


def _fallback_entry(
    state: MockState, req: Request, context: Any, status: int, error: Exception
) -> JournalEntry:
    """The entry of a request whose capture failed: what it was, its violations, and why."""
    return JournalEntry(
        id=getattr(context, "request_id", 0),
        time=getattr(context, "journal_time", None) or state.clock.now(),
        method=req.method,
        path=req.path,
        status=status,
        request=Message((), b"", note=f"the journal could not capture this request ({type(error).__name__})"),
        response=Message((), b""),
        query={},
        route=req.url_rule.rule if req.url_rule is not None else None,
        served_by=getattr(context, "served_by", None),
        violations=tuple(getattr(context, "violations", None) or ()),
    )


# --- the control API -------------------------------------------------------------------------------


def _pattern(fields: Mapping[str, Any]) -> RequestPattern:
    try:
        return RequestPattern.from_json(fields)
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None


def _query_pattern(skip: frozenset[str] = frozenset()) -> RequestPattern:
    """A pattern from the query string (every field but ``body`` and ``query``, which need JSON)."""
    fields: dict[str, Any] = {k: v for k, v in request.args.items() if k not in skip}
    if "status" in fields:
        fields["status"] = int_param(fields["status"], "status")
    return _pattern(fields)


def _request_pattern() -> RequestPattern:
    """The pattern of a find or count: the JSON body of a POST, the query string of a GET."""
    return _pattern(json_body(request)) if request.method == "POST" else _query_pattern()


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidValue(f"{name} must be true or false, not [{value}]")
    return value in ("true", "1")


def journal_blueprint(state: MockState) -> Blueprint:
    """The control endpoints of one fake. They read ``state.users`` per request: a reset replaces it."""
    routes = Blueprint("mockrc_journal", __name__, url_prefix=ADMIN_PREFIX)
    journal = state.journal

    @routes.teardown_app_request
    def _record_lost(error: BaseException | None) -> None:
        record_lost_exchange(state, error)

    @routes.post("/reset")
    def reset() -> Response:
        """Back to the state the settings describe: users, tokens and the journal in memory (not its file)."""
        state.reset()
        return json_response({"status": "reset"})

    @routes.get("/journal")
    def list_entries() -> Response:
        """The newest ``limit`` entries (default 100) matching the filters, oldest first."""
        limit = int_param(request.args.get("limit"), "limit")
        limit = DEFAULT_LIST_LIMIT if limit is None else limit
        if limit < 0:
            raise InvalidValue(f"limit must not be negative, not [{limit}]")
        found = journal.find(_query_pattern(_LIST_PARAMETERS))
        shown = found[-limit:] if limit else []
        return json_response(
            {
                "total": len(found),
                "dropped": journal.dropped,
                "entries": [entry.to_dict() for entry in shown],
            }
        )

    @routes.delete("/journal")
    def clear() -> Response:
        return json_response({"cleared": journal.clear()})

    @routes.route("/journal/find", methods=["GET", "POST"])
    def find() -> Response:
        """The matching entries; when there are none, the near misses and how each missed."""
        pattern = _request_pattern()
        found = journal.find(pattern)
        near = [] if found else journal.near_misses(pattern)
        return json_response(
            {
                "entries": [entry.to_dict() for entry in found],
                "near_misses": [
                    {"entry": miss.entry.to_dict(), "differences": list(miss.differences)} for miss in near
                ],
            }
        )

    @routes.route("/journal/count", methods=["GET", "POST"])
    def count() -> Response:
        return json_response({"count": journal.count(_request_pattern())})

    @routes.get("/violations")
    def violations() -> Response:
        wanted = request.args.get("severity")
        severity: Severity | None = (
            "error" if wanted == "error" else "warning" if wanted == "warning" else None
        )
        if wanted is not None and severity is None:
            raise InvalidValue(f"severity must be error or warning, not [{wanted}]")
        found = journal.violations(severity=severity, rule=request.args.get("rule"))
        return json_response({"total": len(found), "violations": [v.to_dict() for v in found]})

    def rendered(found: Iterable[StoredUser]) -> list[dict[str, Any]]:
        base_url = request.host_url.rstrip("/")
        service = state.users
        return [render_user(u, service.schemas_of(u.attributes), state.profile, base_url) for u in found]

    @routes.get("/users")
    def users() -> Response:
        """Every user in the store as the SCIM API renders it, without needing a token."""
        listed = rendered(state.users.store)
        return json_response({"totalResults": len(listed), "Resources": listed})

    @routes.post("/users")
    def seed_users() -> Response:
        """Add ``{"users": [SCIM User, ...]}`` as seeded users (:func:`mockrc.seed.add_users`).

        What ``mockrc users seed --url`` calls: the users go through the profile's rules (a body
        without ``schemas`` gets the profile's), take no licence, and all or none are added.
        Unlike a POST to ``/scim/v2/Users`` it needs no token, no scenario or rate limit answers
        it, and, being a control call, it leaves nothing in the journal a CI gate reads.
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

    @routes.get("/report")
    def report() -> Response:
        """The contract report on the journal in memory: ``format`` json (default), junit or markdown;
        fewer requests than ``min_requests`` (default 1, as ``mockrc report``) fail it."""
        form = request.args.get("format", "json")
        if form not in _REPORT_FORMATS:
            raise InvalidValue(f"format must be one of {sorted(_REPORT_FORMATS)}, not [{form}]")
        min_requests = int_param(request.args.get("min_requests"), "min_requests")
        if min_requests is not None and min_requests < 0:
            raise InvalidValue(f"min_requests must not be negative, not [{min_requests}]")
        built = build_report(
            journal.records(),
            source="live",
            strict_warnings=_flag("strict_warnings"),
            min_requests=DEFAULT_MIN_REQUESTS if min_requests is None else min_requests,
        )
        headers = {"X-Mockrc-Verdict": "fail" if built.failed else "pass"}
        if form == "json":
            return json_response(built.to_json(), headers=headers)
        text = built.junit() if form == "junit" else built.markdown()
        return Response(text, headers=headers, content_type=_REPORT_FORMATS[form])

    return routes
