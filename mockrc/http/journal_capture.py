"""Capturing every exchange for the journal: request-path hooks, not control routes.

:func:`start_exchange` notes when a request arrived, :func:`record_exchange` puts it and its final
answer in the journal, and :func:`record_lost_exchange` records a request whose answer never
reached it; the app factory (:func:`mockrc.app.create_app`) calls them in its hooks. Requests to
``/__mockrc`` itself (and a browser's ``/favicon.ico``) are not journaled: they are the test's
own bookkeeping, not traffic of the client under test. The journal's control API is
:mod:`mockrc.http.control.journal`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Request, Response
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_content_length

from mockrc.http.auth import bearer_token_of
from mockrc.journal import FORM_MEDIA_TYPE, JournalEntry, Message, wsgi_headers
from mockrc.paths import is_own_path
from mockrc.redaction import Secrets, redact_pairs
from mockrc.state import MockState


def start_exchange(state: MockState, context: Any) -> None:
    """Note in ``context`` (the request's ``g``) when the request arrived (the fake's clock) and
    start timing it."""
    vars(context).update(exchange_start(state))


def exchange_start(state: MockState) -> dict[str, float]:
    """What :func:`start_exchange` notes, as plain values (the fast reads pass them to
    :func:`record_plain_exchange`)."""
    return {"journal_time": state.clock.now(), "journal_started": time.perf_counter()}


def _caller(
    state: MockState, environ: Mapping[str, Any], req: Request | None
) -> tuple[str | None, str | None]:
    """The user and the app behind the request: its bearer token's, else the client it names
    (read from the Flask request ``req``; a request answered below Flask carries a bearer token)."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    bearer = bearer_token_of(header)
    if bearer is not None:
        token = state.tokens.find(bearer)
        return (token.principal.owner_id, token.principal.client_id) if token else (None, None)
    if req is None:
        return None, None
    if header.strip().partition(" ")[0].lower() == "basic" and req.authorization is not None:
        return None, req.authorization.username
    client_id = req.args.get("client_id") if req.query_string else None
    if client_id is None and req.mimetype == FORM_MEDIA_TYPE:
        client_id = req.form.get("client_id")
    return None, client_id


def record_exchange(state: MockState, req: Request, context: Any, response: Response) -> None:
    """Put the request and ``response`` in the journal (called last, with the final response).

    It runs on every request, so it takes the request and ``g`` (``context``) from its caller, reads
    what the hooks left in ``g`` from its dict (a missing attribute read through ``g`` raises and
    catches an AttributeError, ~1 µs each), and keeps references and raw values: decoding,
    redaction and the header names wait until someone reads the entry.
    It never raises: whatever the request held, it is recorded (with what could be captured).
    """
    if is_own_path(req.path):
        return
    values = vars(context)
    if values.get("journal_recorded", False):
        return
    context.journal_recorded = True
    try:
        answer = _response_message(response, values.get("journal_response_body"))
        entry = _entry(state, req, values, response.status_code, answer)
    except Exception as exc:  # a request the journal cannot read is still recorded
        entry = _fallback_entry(state, values, req.method, req.path, _route(req), response.status_code, exc)
    state.journal.record(entry)


def record_plain_exchange(
    state: MockState,
    environ: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]] | None,
    route: str,
    request: Message,
    status: int,
    response: Message,
) -> None:
    """:func:`record_exchange` of a request answered below Flask (:mod:`mockrc.http.fast_reads`,
    :mod:`mockrc.http.fast_writes`), one that carries a bearer token, from plain values: ``values``
    are what the hooks would have left in ``g``, ``query`` is the query string's decoded pairs (None
    for no query string), ``request`` is :func:`bodiless_request_message` or :func:`body_request_message`."""
    try:
        caller = _caller(state, environ, None)
        entry = _build_entry(
            state,
            values,
            method=method,
            path=path,
            query=query,
            request=request,
            status=status,
            response=response,
            route=route,
            caller=caller,
        )
    except Exception as exc:  # a request the journal cannot read is still recorded
        entry = _fallback_entry(state, values, method, path, route, status, exc)
    state.journal.record(entry)


def record_lost_exchange(state: MockState, req: Request, context: Any, error: BaseException | None) -> None:
    """Record a request whose answer never reached :func:`record_exchange` (an after-request hook
    failed): the journal has every request that reached the app, exactly once."""
    values = vars(context)
    if is_own_path(req.path) or values.get("journal_recorded", False):
        return
    context.journal_recorded = True
    reason = type(error).__name__ if error is not None else "no answer was recorded"
    lost = Message((), b"", note=f"the answer was lost: {reason}")
    try:
        entry = _entry(state, req, values, 500, lost)
    except Exception as exc:
        entry = _fallback_entry(state, values, req.method, req.path, _route(req), 500, exc)
    state.journal.record(entry)


def _response_message(response: Response, decoded: bytes | None = None) -> Message:
    # A response without a Content-Type has no media type (werkzeug's mimetype is None).
    if decoded is not None:  # mockrc proxy: an upstream's gzip or deflate answer, decoded
        note = f"decoded from its Content-Encoding ({response.content_length or 0} bytes as sent)"
        return Message(response.headers.to_wsgi_list(), decoded, response.mimetype or "", note=note)
    return Message(response.headers.to_wsgi_list(), response.get_data(), response.mimetype or "")


def announces_body(environ: Mapping[str, Any]) -> bool:
    """Whether a request says it has a body (a Content-Length, Content-Type or Transfer-Encoding):
    one that says nothing (most GETs) is journaled without reading anything of it."""
    return bool(
        environ.get("CONTENT_TYPE") or environ.get("CONTENT_LENGTH") or "HTTP_TRANSFER_ENCODING" in environ
    )


def bodiless_request_message(environ: Mapping[str, Any]) -> Message:
    """The journal's message of a request that announces no body: its headers, as the environ has them."""
    return Message(wsgi_headers(environ), b"", wsgi=True)


def body_request_message(environ: Mapping[str, Any], body: bytes) -> Message:
    """The journal's message of a request whose ``body`` was read whole: its headers, as the
    environ has them, and the body under the Content-Type it was sent with."""
    return Message(wsgi_headers(environ), body, environ.get("CONTENT_TYPE", ""), wsgi=True)


def _request_message(req: Request) -> Message:
    environ = req.environ
    # A request without a body skips Werkzeug's input-stream machinery and its header parsing.
    if not announces_body(environ):
        return bodiless_request_message(environ)
    # Werkzeug's own reading of the environ, as ``req.content_length`` reads it through
    # ``req.headers`` (that cached property cost ~1 % of a write, issue 12).
    length = get_content_length(environ)
    try:
        body = (
            req.get_data(cache=True) if length or req.is_json or "HTTP_TRANSFER_ENCODING" in environ else b""
        )
    except RequestEntityTooLarge:
        content_type = environ.get("CONTENT_TYPE", "")
        note = "refused as too large: not read"
        return Message(wsgi_headers(environ), b"", content_type, wsgi=True, size=length or 0, note=note)
    return body_request_message(environ, body)


def _entry(
    state: MockState, req: Request, values: dict[str, Any], status: int, response: Message
) -> JournalEntry:
    """The entry of a request; ``values`` are what the hooks left in its ``g``."""
    # The caller first: it may parse a form, and always did so before the body was read.
    caller = _caller(state, req.environ, req)
    query = req.args.items(multi=True) if req.query_string else None
    return _build_entry(
        state,
        values,
        method=req.method,
        path=req.path,
        query=query,
        request=_request_message(req),
        status=status,
        response=response,
        route=_route(req),
        caller=caller,
    )


def _route(req: Request) -> str | None:
    """The rule the request matched, None when none did."""
    rule = req.url_rule
    return rule.rule if rule is not None else None


def _build_entry(
    state: MockState,
    values: Mapping[str, Any],
    *,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]] | None,
    request: Message,
    status: int,
    response: Message,
    route: str | None,
    caller: tuple[str | None, str | None],
) -> JournalEntry:
    """The journal entry of an exchange, from plain values: ``values`` are what the hooks left in
    the request's ``g``, ``query`` the query string's decoded
    pairs (None for no query string), ``caller`` the user and app behind the request."""
    principal, app = caller
    started = values.get("journal_started")
    query_dict: dict[str, str | list[str]] = {}
    query_secrets: tuple[str, ...] = ()
    if query is not None:
        found = Secrets()
        query_dict = redact_pairs(query, found)
        query_secrets = found.values()
    violations = values.get("violations")
    return JournalEntry(
        id=values.get("request_id", 0),
        time=values.get("journal_time") or state.clock.now(),
        method=method,
        path=path,
        status=status,
        request=request,
        response=response,
        query=query_dict,
        route=route,
        principal=principal,
        app=app,
        duration_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
        served_by=values.get("served_by"),
        violations=tuple(violations) if violations else (),
        query_secrets=query_secrets,
        account=state.key,
        proxy=values.get("proxy_record"),
    )


def _fallback_entry(
    state: MockState,
    values: Mapping[str, Any],
    method: str,
    path: str,
    route: str | None,
    status: int,
    error: Exception,
) -> JournalEntry:
    """The entry of a request whose capture failed: what it was, its violations, and why."""
    return JournalEntry(
        id=values.get("request_id", 0),
        time=values.get("journal_time") or state.clock.now(),
        method=method,
        path=path,
        status=status,
        request=Message((), b"", note=f"the journal could not capture this request ({type(error).__name__})"),
        response=Message((), b""),
        query={},
        route=route,
        served_by=values.get("served_by"),
        violations=tuple(values.get("violations") or ()),
        account=state.key,
        proxy=values.get("proxy_record"),
    )
