"""``/__mockrc``: the journal, its violations and the contract report of a running fake.

What a test suite or a CI job in another process needs to verify a client, as JSON: list, find
and count the recorded requests (a find that matches nothing answers the near misses), clear the
journal, list the violations, and the contract report. Find and count take their pattern from the
query string (GET) or a JSON body (POST). What goes into the journal is
:mod:`mockrc.http.journal_capture`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask import Blueprint, Response, request

from mockrc.errors import InvalidValue
from mockrc.http.request_parsing import int_param, json_body
from mockrc.http.wire import dumps, json_response
from mockrc.journal import JournalEntries, JournalEntry, RequestPattern
from mockrc.paths import CONTROL_PREFIX
from mockrc.state import MockState
from mockrc.violations import Severity

#: Entries ``GET /__mockrc/journal`` answers when no ``limit`` is given (the newest ones).
DEFAULT_LIST_LIMIT = 100
#: The most entries one answer of ``journal`` or ``journal/find`` holds. Each is a full record
#: (its body decoded and redacted): ``limit=1000000`` on a full journal took tens of seconds of
#: the server's CPU. Older entries are read a page at a time with ``before``.
MAX_LIST_LIMIT = 1_000
_LIST_PARAMETERS = frozenset({"limit", "before"})
_REPORT_FORMATS = {
    "json": "application/json",
    "junit": "application/xml; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
}


#: Bytes of JSON an answer is sent in at a time (:func:`_json_pieces`).
_PIECE_BYTES = 64 * 1024


def _encoded(value: Any) -> bytes:
    """Compact JSON in UTF-8; ASCII escapes when the value holds what UTF-8 cannot (a lone surrogate)."""
    try:
        return dumps(value).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def _json_pieces(document: Mapping[str, Any]) -> Iterator[bytes]:
    """``document`` as compact JSON, sent in pieces of about :data:`_PIECE_BYTES`.

    A member that is a list or a generator is encoded one item at a time (a generator's items are
    made as they are sent): encoding a whole journal page or report in one ``json.dumps`` call held
    the interpreter lock, and every request thread with it, for as long as it took (a second for a
    60 MB report), and kept the text and its bytes in memory at once.
    """
    pending: list[bytes] = []
    size = 0
    for index, (key, value) in enumerate(document.items()):
        head = (b"{" if index == 0 else b",") + _encoded(key) + b":"
        if isinstance(value, list | Iterator):
            items: Iterable[Any] = value
            pending.append(head + b"[")
            for number, item in enumerate(items):
                piece = (b"," if number else b"") + _encoded(item)
                pending.append(piece)
                size += len(piece)
                if size >= _PIECE_BYTES:
                    yield b"".join(pending)
                    pending, size = [], 0
            pending.append(b"]")
        else:
            piece = head + _encoded(value)
            pending.append(piece)
            size += len(piece)
    pending.append(b"}" if document else b"{}")
    yield b"".join(pending)


def _streamed(document: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    """A JSON answer sent in pieces (:func:`_json_pieces`)."""
    return Response(_json_pieces(document), headers=dict(headers or {}), content_type="application/json")


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
    """The pattern of a find or count: the JSON body of a POST, the query string of a GET
    (``limit`` aside)."""
    return _pattern(json_body(request)) if request.method == "POST" else _query_pattern(_LIST_PARAMETERS)


def _limit() -> int:
    """``limit`` from the query string (default :data:`DEFAULT_LIST_LIMIT`, at most
    :data:`MAX_LIST_LIMIT`; 0 answers none)."""
    limit = int_param(request.args.get("limit"), "limit")
    limit = DEFAULT_LIST_LIMIT if limit is None else limit
    if limit < 0:
        raise InvalidValue(f"limit must not be negative, not [{limit}]")
    if limit > MAX_LIST_LIMIT:
        raise InvalidValue(
            f"limit must be at most {MAX_LIST_LIMIT:,}, not [{limit}]; "
            "read older entries with before=<the oldest id answered>"
        )
    return limit


def _before() -> int | None:
    """``before`` from the query string: answer only entries whose id is below it (None: all)."""
    return int_param(request.args.get("before"), "before")


def _page(found: JournalEntries, limit: int, before: int | None) -> list[JournalEntry]:
    """The newest ``limit`` of ``found`` whose id is below ``before`` (when given), oldest first:
    only those are built from what the journal keeps."""
    if before is not None:
        found = found.before(before)
    return found[-limit:] if limit else []


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidValue(f"{name} must be true or false, not [{value}]")
    return value in ("true", "1")


def journal_blueprint(state: MockState) -> Blueprint:
    """The journal, its violations and the contract report of one fake."""
    routes = Blueprint("mockrc_journal", __name__, url_prefix=CONTROL_PREFIX)

    @routes.get("/journal")
    def list_entries() -> Response:
        """The newest ``limit`` entries (default 100, at most :data:`MAX_LIST_LIMIT`) matching the
        filters and older than ``before`` (an entry id, when given), oldest first."""
        limit, before = _limit(), _before()  # checked before the costly part
        found = state.journal.matching(_query_pattern(_LIST_PARAMETERS))
        shown = _page(found, limit, before)
        return _streamed(
            {
                "total": len(found),
                "dropped": state.journal.dropped,
                "entries": (entry.to_dict() for entry in shown),
            }
        )

    @routes.delete("/journal")
    def clear() -> Response:
        return json_response({"cleared": state.journal.clear()})

    @routes.route("/journal/find", methods=["GET", "POST"])
    def find() -> Response:
        """The newest ``limit`` matching entries (default 100), oldest first, and how many matched;
        when none did, the near misses among the newest entries (``Journal.near_misses``'s window)
        and how each missed. Bounded and paged like the list: a find over a full journal would
        otherwise answer every entry, tens of megabytes."""
        limit, before = _limit(), _before()
        pattern = _request_pattern()
        found = state.journal.matching(pattern)
        near = [] if found else state.journal.near_misses(pattern)
        return _streamed(
            {
                "total": len(found),
                "entries": (entry.to_dict() for entry in _page(found, limit, before)),
                "near_misses": (
                    {"entry": miss.entry.to_dict(), "differences": list(miss.differences)} for miss in near
                ),
            }
        )

    @routes.route("/journal/count", methods=["GET", "POST"])
    def count() -> Response:
        return json_response({"count": state.journal.count(_request_pattern())})

    @routes.get("/violations")
    def violations() -> Response:
        wanted = request.args.get("severity")
        severity: Severity | None = (
            "error" if wanted == "error" else "warning" if wanted == "warning" else None
        )
        if wanted is not None and severity is None:
            raise InvalidValue(f"severity must be error or warning, not [{wanted}]")
        found = state.journal.violations(severity=severity, rule=request.args.get("rule"))
        return _streamed({"total": len(found), "violations": (v.to_dict() for v in found)})

    @routes.get("/report")
    def report() -> Response:
        """The contract report on the journal in memory: ``format`` json (default), junit or markdown;
        fewer requests than ``min_requests`` (default 1, as ``mockrc report``) fail it."""
        # Here, not at the top: the report's module is not needed before a report is asked for, and
        # mockrc serve imports this one at its start (issue 12). Once imported, this is a lookup.
        from mockrc.report import DEFAULT_MIN_REQUESTS, FAIL_ON, build_report

        form = request.args.get("format", "json")
        if form not in _REPORT_FORMATS:
            raise InvalidValue(f"format must be one of {sorted(_REPORT_FORMATS)}, not [{form}]")
        min_requests = int_param(request.args.get("min_requests"), "min_requests")
        if min_requests is not None and min_requests < 0:
            raise InvalidValue(f"min_requests must not be negative, not [{min_requests}]")
        strict_warnings = _flag("strict_warnings")  # every parameter checked before the costly part
        fail_on = request.args.get("fail_on", "violations")
        if fail_on not in FAIL_ON:
            raise InvalidValue(f"fail_on must be one of {list(FAIL_ON)}, not [{fail_on}]")
        built = build_report(
            state.journal.report_records(),
            source="live",
            strict_warnings=strict_warnings,
            min_requests=DEFAULT_MIN_REQUESTS if min_requests is None else min_requests,
            fail_on=fail_on,
        )
        headers = {"X-Mockrc-Verdict": "fail" if built.failed else "pass"}
        if form == "json":
            return _streamed(built.to_json(), headers=headers)
        text = built.junit() if form == "junit" else built.markdown()
        return Response(text, headers=headers, content_type=_REPORT_FORMATS[form])

    return routes
