"""The request journal: every request the fake answered, what it answered, and what was wrong with it.

Test suites assert on what a client sent (:meth:`Journal.assert_requested`, whose failure shows
the near misses: what was sent instead), and CI jobs turn the journal into a verdict
(:mod:`mockrc.report`). The journal is a ring buffer of :class:`JournalEntry`: the newest
``capacity`` entries, and no more than ``max_bytes`` of them (:attr:`Journal.dropped` counts the
others), each kept as a flat tuple of atoms that the garbage collector does not walk
(:meth:`JournalEntry.pack`) and built back into objects when read. It can also stream every
entry, as it is recorded, to a JSON Lines file (``mockrc serve --journal FILE``): one JSON object
per line, written and flushed before the client gets its answer, so the file is complete whenever
the server stops, SIGTERM and Ctrl-C included.

Recording sits on every request, so it is cheap: an entry keeps the first :data:`BODY_LIMIT`
bytes of each body as they crossed the wire (and the full size), and decodes them (JSON, forms,
text) only when someone reads them. Reading never fails, whatever a client sent: a body that
cannot be decoded (too deep, not UTF-8, cut off, not the JSON it claims to be) is shown as text
with a note saying why. Secrets are redacted on the way out, never stored twice
(:mod:`mockrc.redaction`: an allow-list of headers, every value named like a secret, and echoes
of those values in responses and messages). Nothing here knows about Flask:
:mod:`mockrc.http.journal_capture` captures the exchange.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import chain
from typing import TYPE_CHECKING, Any, TextIO, overload
from urllib.parse import parse_qsl, urlencode

from mockrc.clock import isoformat
from mockrc.errors import ConfigError
from mockrc.redaction import (
    REDACTED,
    Secrets,
    TooDeep,
    is_secret_name,
    parse_json,
    redact_header,
    redact_json,
    redact_pairs,
    redact_text,
)
from mockrc.violations import Severity, Violation

if TYPE_CHECKING:  # an annotation only: mockrc serve does not import the proxy's modules (issue 12)
    from mockrc.proxy.findings import ProxyRecord

__all__ = [
    "BODY_LIMIT",
    "DEFAULT_CAPACITY",
    "DEFAULT_MAX_BYTES",
    "FORM_MEDIA_TYPE",
    "REDACTED",
    "Journal",
    "JournalEntries",
    "JournalEntry",
    "Message",
    "NearMiss",
    "RecordedViolation",
    "ReportRecord",
    "RequestPattern",
    "body_excerpt",
    "decode_body",
    "media_type_of",
    "parse_byte_size",
    "read_body",
    "redact_header",
    "redact_pairs",
    "wsgi_headers",
]

#: Characters of a request's path and query that :meth:`JournalEntry.describe` shows.
DESCRIBED_TARGET = 300
#: Entries kept in memory unless the settings say otherwise.
DEFAULT_CAPACITY = 10_000
#: Bytes the entries in memory may hold unless the settings say otherwise (bodies, headers and
#: what Python needs around them): a soak stays within tens of megabytes whatever it sends.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: The newest entries :meth:`Journal.near_misses` looks at (each one's body is decoded to score it).
NEAR_MISS_WINDOW = 1_000
#: Characters of a request body a contract report shows per offending request (:func:`body_excerpt`):
#: the whole (redacted) body is the journal's, under the same request id.
EXCERPT_CHARS = 200
#: The first bytes of a request or response body that an entry keeps (its full size is kept too):
#: a ring buffer of 1,000-user list responses would otherwise hold gigabytes.
BODY_LIMIT = 64 * 1024
#: A body up to this long is kept as received (shown up to BODY_LIMIT); a longer one as a copy of
#: its first BODY_LIMIT bytes. Either way the journal counts what is held.
_COPY_ABOVE = 2 * BODY_LIMIT
#: What an entry costs besides its bodies and headers (the entry, two messages, their tuples and
#: dicts), a little over what ``python -m benchmarks.bench_journal`` measures with tracemalloc.
ENTRY_OVERHEAD = 800
#: What an entry reserves for its :class:`Summary`, computed when first read and kept: an excerpt
#: of at most EXCERPT_CHARS characters (up to 4 bytes each) and the secrets when they fit.
SUMMARY_RESERVE = 1024
#: What one header costs besides the length of its name and value (a tuple and two strings).
_HEADER_OVERHEAD = 130
_JSON_MEDIA_TYPES = ("application/json", "application/scim+json")
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

Params = dict[str, "str | list[str]"]
#: A :class:`Message` as the journal keeps it (:meth:`Message.packed`): its header pairs laid end
#: to end, body, content type, whether the header names are WSGI keys, full size, capture's note.
PackedMessage = tuple["tuple[str, ...]", bytes, str, bool, int, "str | None"]
#: A :class:`JournalEntry` as the journal keeps it (:meth:`JournalEntry.pack`): a flat tuple.
PackedEntry = tuple[Any, ...]
#: What the journal's ring buffer holds per entry, one flat tuple: its place (a number that only
#: grows, so that a summary decoded later finds its slot), its cost, whether it has a summary and
#: the summary's three fields (:class:`Summary`), then the entry (:meth:`JournalEntry.pack`).
_Slot = tuple[Any, ...]
#: Where the entry starts in a slot.
_SLOT_ENTRY = 6

_BYTE_SIZE = re.compile(r"\s*(\d+)\s*(?:([kmg])i?b?|b)?\s*", re.IGNORECASE)
_BYTE_UNITS = {None: 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_byte_size(text: str) -> int:
    """``64MB``, ``512k``, ``1GiB`` or a number of bytes (binary units); ValueError saying what is wanted."""
    match = _BYTE_SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size in bytes (a number, or one with K, M or G: 64M)")
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _BYTE_UNITS[unit]


def _is_json(media_type: str) -> bool:
    return media_type in _JSON_MEDIA_TYPES or media_type.endswith("+json")


def _text_of(raw: bytes, truncated: bool) -> tuple[str, str | None]:
    """The body as text; a note when it was not UTF-8 (a character cut off by truncation is no fault)."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(raw) - 3:
            head = raw[: exc.start]
            try:
                return head.decode("utf-8"), None
            except UnicodeDecodeError:
                pass
        return raw.decode("utf-8", "replace"), "not valid UTF-8: undecodable bytes are shown as U+FFFD"


def read_body(
    raw: bytes, media_type: str, size: int | None = None, found: Secrets | None = None
) -> tuple[Any, str | None]:
    """What a (possibly truncated) body holds, secrets redacted, and a note when it is not all shown.

    JSON as JSON, a form as a dict, anything else as text; None when empty. A body cut at
    :data:`BODY_LIMIT` (``size`` is its full length), or one that does not parse as its media type
    says (malformed, nested too deep, numbers no JSON reader takes, not UTF-8) is kept as redacted
    text, and the note says why. Never raises on what a client sent. ``found`` collects the secret
    values redacted, so that their echoes can be scrubbed elsewhere.
    """
    size = len(raw) if size is None else size
    if not raw:
        return None, None
    raw = raw[:BODY_LIMIT]
    truncated = size > len(raw)
    text, note = _text_of(raw, truncated)
    media_type = media_type.lower()
    if truncated:
        cut = f"truncated: the journal keeps the first {len(raw)} of {size} bytes"
        return redact_text(text, found), cut if note is None else f"{cut}; {note}"
    if note is None and _is_json(media_type):
        try:
            return redact_json(parse_json(text), found), None
        except TooDeep as exc:
            note = f"JSON {exc}: kept as text"
        except ValueError as exc:
            note = f"not valid JSON ({str(exc)[:200]}): kept as text"
    elif note is None and media_type == FORM_MEDIA_TYPE:
        return redact_pairs(parse_qsl(text, keep_blank_values=True), found), None
    return redact_text(text, found), note


def body_excerpt(body: Any) -> str | None:
    """The start of a decoded body as compact text, at most :data:`EXCERPT_CHARS` characters and the
    full length when it is cut; None when there is no body."""
    if body is None:
        return None
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= EXCERPT_CHARS else f"{text[:EXCERPT_CHARS]}… [{len(text):,} characters]"


def decode_body(raw: bytes, media_type: str) -> Any:
    """The body :func:`read_body` shows, without its note."""
    return read_body(raw, media_type)[0]


def wsgi_headers(environ: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A request's headers as its WSGI environ has them (``HTTP_USER_AGENT``): the cheapest copy.

    :class:`Message` (``wsgi=True``) spells the names as headers (``User-Agent``) when read.
    """
    # A list comprehension, not a generator: it runs on every request, over every key of the environ.
    return tuple(
        [
            (key, value)
            for key, value in environ.items()
            if (key[:5] == "HTTP_" and key not in _WSGI_DUPLICATES) or (key in _WSGI_UNPREFIXED and value)
        ]
    )


#: Headers a WSGI environ keeps without the ``HTTP_`` prefix (PEP 3333); the prefixed copies
#: some servers add too are left out, as Werkzeug leaves them out.
_WSGI_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_WSGI_DUPLICATES = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def media_type_of(content_type: str) -> str:
    """The media type of a ``Content-Type`` value (``application/json; charset=utf-8`` ->
    ``application/json``), lower case, as Werkzeug's ``Request.mimetype`` reads it."""
    return content_type.partition(";")[0].strip(" \t").lower()


def _header_name(wsgi_key: str) -> str:
    return wsgi_key.removeprefix("HTTP_").replace("_", "-").title()


class Message:
    """The headers and body of one request or response, kept as received (the body cut at :data:`BODY_LIMIT`).

    They are decoded and redacted each time they are read, never stored decoded: recording stays a
    matter of keeping references, and a caller that changes what it read changes nothing here.
    ``wsgi`` says the header names are WSGI environ keys (see :func:`wsgi_headers`). ``size`` is
    the body's full length when ``body`` is not all of it; ``note`` says what capture could not
    keep (a body refused as too large is never read). ``media_type`` may be the whole
    ``Content-Type`` value as sent: its parameters are dropped when read (:attr:`media_type`), not
    on the request path.
    """

    __slots__ = ("_content_type", "_flat", "_note", "_raw_body", "_raw_headers", "_wsgi", "size")

    def __init__(
        self,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        media_type: str = "",
        *,
        wsgi: bool = False,
        size: int | None = None,
        note: str | None = None,
    ) -> None:
        self._raw_headers: Sequence[Any] = headers
        #: Whether ``_raw_headers`` lays the pairs end to end (:meth:`unpacked`).
        self._flat = False
        # A copy of the prefix costs ~10 µs (a fresh 64 KiB): worth it only when it frees much more.
        self._raw_body = body if len(body) <= _COPY_ABOVE else body[:BODY_LIMIT]
        self._wsgi = wsgi
        self._note = note
        self._content_type = media_type
        #: The body's length in bytes, all of it (what an entry keeps may be less).
        self.size = len(body) if size is None else size

    def packed(self) -> PackedMessage:
        """The message as a flat tuple of atoms (:meth:`JournalEntry.pack`), the header pairs
        laid end to end (``name, value, name, value``)."""
        headers = tuple(self._raw_headers) if self._flat else tuple(chain.from_iterable(self._raw_headers))
        return (headers, self._raw_body, self._content_type, self._wsgi, self.size, self._note)

    @classmethod
    def unpacked(cls, packed: Sequence[Any]) -> Message:
        """The message :meth:`packed` made (its body already cut, so not copied again)."""
        message = cls.__new__(cls)
        message._raw_headers = packed[0]  # pairs made when read (:meth:`_pairs`): fewer objects
        message._flat = True
        message._raw_body = packed[1]
        message._content_type = packed[2]
        message._wsgi = packed[3]
        message.size = packed[4]
        message._note = packed[5]
        return message

    def _pairs(self) -> Sequence[tuple[str, str]]:
        """The headers as (name, value) pairs."""
        headers = self._raw_headers
        return list(zip(headers[::2], headers[1::2], strict=True)) if self._flat else headers

    @property
    def media_type(self) -> str:
        """The media type, lower case, without parameters: what Werkzeug's ``Request.mimetype``
        makes of the same ``Content-Type`` value (RFC 9110 §8.3.1)."""
        return media_type_of(self._content_type)

    @property
    def truncated(self) -> bool:
        """Whether the body is longer than what the entry shows of it (its first :data:`BODY_LIMIT` bytes)."""
        return self.size > BODY_LIMIT

    def cost(self) -> int:
        """Roughly the bytes this message holds in memory."""
        pairs = self._pairs()
        headers = sum(map(len, chain.from_iterable(pairs)))
        return len(self._raw_body) + headers + _HEADER_OVERHEAD * len(pairs)

    def redacted_headers(self, found: Secrets | None = None) -> dict[str, str]:
        """Header names as sent, values by :func:`~mockrc.redaction.redact_header`, repeats joined."""
        headers: dict[str, str] = {}
        for raw_name, value in self._pairs():
            name = _header_name(raw_name) if self._wsgi else raw_name
            shown = redact_header(name, value, found if is_secret_name(name) or _credential(name) else None)
            headers[name] = f"{headers[name]}, {shown}" if name in headers else shown
        return headers

    @property
    def headers(self) -> dict[str, str]:
        """The headers, redacted (:meth:`redacted_headers`)."""
        return self.redacted_headers()

    def read(self, found: Secrets | None = None) -> tuple[Any, str | None]:
        """The body and its note (:func:`read_body`), secrets redacted."""
        try:
            body, note = read_body(self._raw_body, self.media_type, self.size, found)
        except Exception as exc:  # reading a journal must never fail on what a client sent
            body, note = None, f"the journal could not decode this body ({type(exc).__name__})"
        if self._note is not None:
            note = self._note if note is None else f"{self._note}; {note}"
        return body, note

    @property
    def body(self) -> Any:
        """The body, decoded by :func:`read_body` (JSON, form dict, text or None), secrets redacted."""
        return self.read()[0]

    def to_dict(self, found: Secrets | None = None) -> dict[str, Any]:
        """Headers, body, its full size, whether it was cut and why it is not all shown."""
        body, note = self.read(found)
        return {
            "headers": self.redacted_headers(found),
            "body": body,
            "body_size": self.size,
            "body_truncated": self.truncated,
            "body_note": note,
        }


def _packed_query(query: Params) -> tuple[str | int, ...]:
    """The query flat: each name, then its value, or how many values it has and them."""
    flat: list[str | int] = []
    for name, value in query.items():
        if isinstance(value, list):
            flat += (name, len(value), *value)
        else:
            flat += (name, value)
    return tuple(flat)


def _unpacked_query(flat: tuple[str | int, ...]) -> Params:
    """The query :func:`_packed_query` laid flat."""
    query: Params = {}
    index = 0
    while index < len(flat):
        name, value = flat[index], flat[index + 1]
        if type(value) is int:
            query[str(name)] = [str(v) for v in flat[index + 2 : index + 2 + value]]
            index += 2 + value
        else:
            query[str(name)] = str(value)
            index += 2
    return query


def _credential(name: str) -> bool:
    return name.lower() in ("authorization", "proxy-authorization", "cookie")


@dataclass(frozen=True, slots=True)
class Summary:
    """What readers other than the raw record need of a request, decoded once and kept on its entry.

    ``secrets`` are the values to scrub from what is shown of the entry (None when they did not fit
    in :data:`SUMMARY_RESERVE`: then they are decoded again when needed); ``excerpt`` is the start
    of the redacted body (:func:`body_excerpt`) and ``note`` the body's note, both scrubbed.
    """

    secrets: tuple[str, ...] | None
    excerpt: str | None
    note: str | None

    def size(self) -> int:
        """The bytes this summary holds (what :data:`SUMMARY_RESERVE` must cover)."""
        held = sys.getsizeof(self) + sys.getsizeof(self.excerpt) + sys.getsizeof(self.note)
        if self.secrets:
            held += sys.getsizeof(self.secrets) + sum(map(sys.getsizeof, self.secrets))
        return held


@dataclass(frozen=True, eq=False, slots=True)
class JournalEntry:
    """One request and its answer.

    ``time`` is the fake's clock when the request arrived (seconds since the epoch);
    ``duration_ms`` the wall time the app took to answer. ``route`` is the endpoint's template
    (``/scim/v2/Users/<user_id>``), None when no route matched. ``principal`` is the RingCentral
    user (extension id) behind the bearer token and ``app`` the client id of the app behind it
    (or of the client authenticating to an OAuth endpoint). ``served_by`` says which scenario
    step answered, when one did. ``query`` is redacted when recorded; ``query_secrets`` keeps
    the values redacted from it, so that an answer echoing one can be scrubbed when shown.
    """

    id: int
    time: float
    method: str
    path: str
    status: int
    request: Message
    response: Message
    query: Params
    route: str | None = None
    principal: str | None = None
    app: str | None = None
    duration_ms: float = 0.0
    served_by: str | None = None
    violations: tuple[Violation, ...] = ()
    query_secrets: tuple[str, ...] = ()
    #: The id of the account the request was for (``default``: the one the server started with).
    account: str = "default"
    #: A proxied exchange's upstream, prediction and fidelity findings (``mockrc proxy``); None
    #: for the fake's own answers.
    proxy: ProxyRecord | None = None
    #: The request decoded once for readers (:meth:`summary`); None until first read.
    _summary: Summary | None = field(default=None, init=False, repr=False, compare=False)
    #: The journal this entry was read from and its place there (:meth:`Journal.entries`): where
    #: :meth:`summary` keeps what it decoded, so that the next reader does not decode it again.
    _home: tuple[Journal, int] | None = field(default=None, init=False, repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        """Entries are equal when they record the same exchange: the journal builds a new object
        each time an entry is read (:meth:`Journal.entries`), so sameness cannot be identity."""
        if not isinstance(other, JournalEntry):
            return NotImplemented
        return self is other or self.pack() == other.pack()

    def __hash__(self) -> int:
        return hash((self.id, self.time, self.method, self.path, self.status))

    def pack(self) -> PackedEntry:
        """The entry as a flat tuple of atoms (its summary aside: :class:`Journal` keeps that).

        CPython stops tracking a tuple of atoms when the collector passes over it
        (``_PyTuple_MaybeUntrack``, Objects/tupleobject.c), so kept entries are nothing the
        collector walks, where as objects each was ~5 tracked ones that every middle and full
        collection walked. The tuple is flat, the messages' fields inline and their header pairs
        end to end, because a pass untracks only the innermost tuples still tracked (the
        collector visits a tuple before what only it refers to): each level of nesting costs one
        more collection, and at two levels the young generations' collections untrack an entry
        before it reaches the oldest one. The query is laid out flat too (a repeated parameter as
        its count and values), and plain violations as their four fields each. A violation of
        another kind (a ``Truncation``) and a proxied exchange's
        :class:`~mockrc.proxy.findings.ProxyRecord` stay objects: they are rare.
        """
        query = self.query
        violations = self.violations
        return (
            self.id,
            self.time,
            self.method,
            self.path,
            self.status,
            *self.request.packed(),
            *self.response.packed(),
            _packed_query(query) if query else (),
            self.route,
            self.principal,
            self.app,
            self.duration_ms,
            self.served_by,
            tuple(chain.from_iterable((v.pointer, v.rule, v.message, v.severity) for v in violations))
            if violations and all(type(v) is Violation for v in violations)
            else violations,
            self.query_secrets,
            self.account,
            self.proxy,
        )

    @classmethod
    def unpacked(
        cls,
        packed: PackedEntry,
        summary: Summary | None = None,
        home: tuple[Journal, int] | None = None,
    ) -> JournalEntry:
        """The entry :meth:`pack` made, with the summary kept of it (and where to keep a new one)."""
        query = packed[17]
        violations = packed[23]
        if violations and type(violations[0]) is str:
            violations = tuple(map(Violation, *(violations[i::4] for i in range(4))))
        entry = cls(
            packed[0],
            packed[1],
            packed[2],
            packed[3],
            packed[4],
            Message.unpacked(packed[5:11]),
            Message.unpacked(packed[11:17]),
            _unpacked_query(query) if query else {},
            packed[18],
            packed[19],
            packed[20],
            packed[21],
            packed[22],
            violations,
            packed[24],
            packed[25],
            packed[26],
        )
        if summary is not None:
            object.__setattr__(entry, "_summary", summary)
        if home is not None:
            object.__setattr__(entry, "_home", home)
        return entry

    @property
    def headers(self) -> dict[str, str]:
        return self.request.headers

    @property
    def body(self) -> Any:
        return self.request.body

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "warning"]

    def cost(self) -> int:
        """Roughly the bytes this entry holds in memory (what :class:`Journal` bounds)."""
        cost = ENTRY_OVERHEAD + SUMMARY_RESERVE + len(self.path) + self.request.cost() + self.response.cost()
        if self.query:
            cost += sum(len(name) + len(str(value)) + _HEADER_OVERHEAD for name, value in self.query.items())
        if self.violations:
            cost += sum(200 + len(v.message) + len(v.pointer) for v in self.violations)
        if self.proxy is not None:
            cost += self.proxy.cost()
        return cost

    def secrets(self) -> Secrets:
        """The secret values the request carried (credentials, secret fields), to scrub echoes of.

        Decoded once (:meth:`summary`), then rebuilt from what the entry keeps.
        """
        kept = self.summary().secrets
        if kept is None:  # too many to keep: decode again
            return self._decode()[0]
        found = Secrets()
        for value in kept:
            found.add(value)
        return found

    def summary(self) -> Summary:
        """The request's secrets, body excerpt and note, decoded on first use and then kept.

        Recording stays a matter of keeping references; the first reader that needs the decoded
        request (a report, a violation list, an assertion's message) pays for it once, and a report
        over a full journal does not decode 10,000 bodies again each time it is asked.
        """
        summary = self._summary
        if summary is None:
            found, body, note = self._decode()
            summary = Summary(found.values(), body_excerpt(body), note)
            if summary.size() > SUMMARY_RESERVE:
                summary = Summary(None, summary.excerpt, summary.note)
            object.__setattr__(self, "_summary", summary)
            if self._home is not None:
                journal, place = self._home
                journal._keep_summary(place, summary)
        return summary

    def _decode(self) -> tuple[Secrets, Any, str | None]:
        """The request's secrets, its body and the body's note, secrets redacted and echoes scrubbed."""
        found = Secrets()
        for value in self.query_secrets:
            found.add(value)
        self.request.redacted_headers(found)
        body, note = self.request.read(found)
        if found:
            body, note = found.scrub_json(body), None if note is None else found.scrub(note)
        return found, body, note

    def shown_violations(self) -> tuple[Violation, ...]:
        """The violations with any echo of the request's secrets scrubbed from their messages."""
        if not self.violations:
            return self.violations
        secrets = self.secrets()
        if not secrets:
            return self.violations
        scrub = secrets.scrub
        return tuple(
            Violation(scrub(v.pointer), v.rule, scrub(v.message), v.severity) for v in self.violations
        )

    def describe(self) -> str:
        """``#3 POST /scim/v2/Users?filter=... -> 400``: the request in one line.

        The path and query are cut at :data:`DESCRIBED_TARGET` characters: a hostile request's
        megabyte of query string must not become a megabyte of every report line naming it.
        """
        query = f"?{urlencode(self.query, doseq=True)}" if self.query else ""
        target = f"{self.path}{query}"
        if len(target) > DESCRIBED_TARGET:
            target = f"{target[:DESCRIBED_TARGET]}… [{len(target):,} characters]"
        return self.secrets().scrub(f"#{self.id} {self.method} {target} -> {self.status}")

    def to_dict(self) -> dict[str, Any]:
        """The entry as one JSON Lines record (``fixtures/schemas/mockrc/journal-entry.schema.json``).

        Secrets are redacted, and what the answer, the messages or the path echo of them scrubbed.
        """
        found = Secrets()
        for value in self.query_secrets:
            found.add(value)
        request = self.request.to_dict(found)
        record = {
            "id": self.id,
            "time": isoformat(self.time),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "route": self.route,
            "headers": request["headers"],
            "body": request["body"],
            "body_size": request["body_size"],
            "body_truncated": request["body_truncated"],
            "body_note": request["body_note"],
            "principal": self.principal,
            "app": self.app,
            "status": self.status,
            "response": self.response.to_dict(),
            "duration_ms": round(self.duration_ms, 3),
            "served_by": self.served_by,
            "violations": [v.to_dict() for v in self.violations],
            "account": self.account,
        }
        if self.proxy is not None:
            record.update(self.proxy.to_dict())
        return found.scrub_json(record) if found else record


@dataclass(frozen=True)
class RecordedViolation:
    """One violation (echoes of the request's secrets scrubbed) and the journal entry it was found in."""

    entry: JournalEntry
    violation: Violation

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.entry.id,
            "method": self.entry.method,
            "path": self.entry.secrets().scrub(self.entry.path),
            "status": self.entry.status,
            **self.violation.to_dict(),
        }


class ReportRecord(Mapping[str, Any]):
    """An entry as :mod:`mockrc.report` reads it: the members of its JSON Lines record (as
    :meth:`JournalEntry.to_dict` has them, secrets redacted and echoes scrubbed) but the headers,
    the response and the body, of which it has ``body_excerpt`` (:func:`body_excerpt`).

    A report over a full journal reads the id, method, route and status of every entry and the rest
    of few; what needs the request decoded comes from the entry's :meth:`~JournalEntry.summary`,
    decoded once for all readers.
    """

    __slots__ = ("_entry",)

    _PLAIN = frozenset({"id", "method", "status", "route"})
    #: What a client chose (an app's name, a principal): scrubbed like the record's members.
    _SCRUBBED = frozenset({"principal", "app", "served_by"})
    _KEYS = (
        "id",
        "time",
        "method",
        "path",
        "query",
        "route",
        "body_size",
        "body_truncated",
        "body_note",
        "body_excerpt",
        "principal",
        "app",
        "status",
        "duration_ms",
        "served_by",
        "violations",
        "account",
    )

    #: What a proxied entry has besides (``mockrc proxy``: the fidelity section reads ``findings``).
    _PROXY_KEYS = ("mode", "upstream", "prediction", "findings")

    def __init__(self, entry: JournalEntry) -> None:
        self._entry = entry

    def __getitem__(self, key: str) -> Any:
        entry = self._entry
        if key in self._PLAIN:
            return getattr(entry, key)
        if key == "account":
            return entry.account
        if key in self._PROXY_KEYS and entry.proxy is not None:
            value = entry.proxy.to_dict()[key]
            found = entry.secrets()
            return found.scrub_json(value) if found else value
        if key == "time":
            return isoformat(entry.time)
        if key == "duration_ms":
            return round(entry.duration_ms, 3)
        if key == "body_size":
            return entry.request.size
        if key == "body_truncated":
            return entry.request.truncated
        if key == "body_excerpt":
            return entry.summary().excerpt
        if key == "body_note":
            return entry.summary().note
        if key == "violations":
            if not entry.violations:
                return []
            found = entry.secrets()
            shown = [v.to_dict() for v in entry.violations]
            return found.scrub_json(shown) if found else shown
        if key == "path":
            return entry.secrets().scrub(entry.path)
        if key == "query":
            found = entry.secrets()
            return found.scrub_json(entry.query) if found else entry.query
        if key in self._SCRUBBED:
            value = getattr(entry, key)
            return entry.secrets().scrub(value) if value is not None else None
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def _keys(self) -> tuple[str, ...]:
        return self._KEYS + self._PROXY_KEYS if self._entry.proxy is not None else self._KEYS


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _same(expected: Any, actual: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return expected == actual and isinstance(expected, bool) == isinstance(actual, bool)


def _body_difference(expected: Any, actual: Any, pointer: str = "") -> str | None:
    """Why ``actual`` does not contain ``expected`` (objects match on the members given), or None."""
    where = pointer or "/"
    if actual is None and not pointer:
        return "there was no body"
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"body {where} is {_shown(actual)}, not an object"
        for key, value in expected.items():
            inner = f"{pointer}/{key}"
            if key not in actual:
                return f"body {inner} is missing"
            found = _body_difference(value, actual[key], inner)
            if found:
                return found
        return None
    if not _same(expected, actual):
        return f"body {where} is {_shown(actual)}, expected {_shown(expected)}"
    return None


@dataclass(frozen=True)
class RequestPattern:
    """What to look for in the journal; every criterion given must hold (None: any).

    ``path`` matches exactly, ``path_regex`` in full; ``query`` maps parameter names to a value
    the request must have had; ``body`` matches when the request body contains it (objects match
    on the members given, anything else must be equal); ``rule`` matches a request with a
    violation of that rule.
    """

    method: str | None = None
    path: str | None = None
    path_regex: str | None = None
    query: Mapping[str, str] | None = None
    body: Any = None
    status: int | None = None
    rule: str | None = None
    principal: str | None = None
    app: str | None = None
    served_by: str | None = None

    def __post_init__(self) -> None:
        if self.path_regex is not None:
            try:
                re.compile(self.path_regex)
            except re.error as exc:
                raise ValueError(
                    f"path_regex {self.path_regex!r} is not a regular expression: {exc}"
                ) from None

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> RequestPattern:
        """A pattern from its JSON form (the control API); ValueError naming what is wrong."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(document) - set(known))
        if unknown:
            raise ValueError(f"unknown pattern field(s) {unknown}; known: {sorted(known)}")
        for name, value in document.items():
            if value is None or name == "body":
                continue
            if name == "status":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError("pattern field 'status' must be an integer")
            elif name == "query":
                if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                    raise ValueError("pattern field 'query' must be an object of strings")
            elif not isinstance(value, str):
                raise ValueError(f"pattern field {name!r} must be a string")
        return cls(**document)

    def criteria(self) -> dict[str, Any]:
        """The criteria given (not None), in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def describe(self) -> str:
        """The pattern for a message: ``POST /scim/v2/Users with status 201``."""
        given = self.criteria()
        head = " ".join(
            str(x)
            for x in (
                given.pop("method", "any method"),
                given.pop("path", None),
                given.pop("path_regex", None),
            )
            if x is not None
        )
        rest = ", ".join(f"{name} {_shown(value)}" for name, value in given.items())
        return f"{head} with {rest}" if rest else head

    def differences(self, entry: JournalEntry, *, with_body: bool = True) -> list[str]:
        """How ``entry`` falls short of this pattern, one phrase per failed criterion; empty: it
        matches (``with_body`` False: the body criterion is left out, its decoding being the cost)."""
        found: list[str] = []
        if self.method is not None and entry.method.upper() != self.method.upper():
            found.append(f"method was {entry.method}")
        if self.path is not None and entry.path != self.path:
            found.append(f"path was {entry.path}")
        if self.path_regex is not None and re.fullmatch(self.path_regex, entry.path) is None:
            found.append(f"path {entry.path} does not match {self.path_regex}")
        for name, value in (self.query or {}).items():
            sent = entry.query.get(name)
            values = sent if isinstance(sent, list) else [sent]
            if value not in values:
                found.append(f"query {name} was {_shown(sent)}" if sent is not None else f"no query {name}")
        if self.body is not None and with_body:
            difference = _body_difference(self.body, entry.body)
            if difference:
                found.append(difference)
        if self.status is not None and entry.status != self.status:
            found.append(f"status was {entry.status}")
        if self.rule is not None and all(v.rule != self.rule for v in entry.violations):
            had = ", ".join(sorted({v.rule for v in entry.violations})) or "none"
            found.append(f"no violation of {self.rule} (violations: {had})")
        for name in ("principal", "app", "served_by"):
            wanted = getattr(self, name)
            if wanted is not None and getattr(entry, name) != wanted:
                found.append(f"{name} was {_shown(getattr(entry, name))}")
        return found

    def matches(self, entry: JournalEntry) -> bool:
        """Whether ``entry`` meets every criterion. The body is decoded last, and only for an entry
        that met the others: decoding (and redacting) every entry's body made a find over a full
        journal cost seconds, when the method or path alone ruled out most entries."""
        if self.differences(entry, with_body=False):
            return False
        return self.body is None or _body_difference(self.body, entry.body) is None


@dataclass(frozen=True)
class NearMiss:
    """An entry that matched some of a pattern's criteria, and how it missed the others."""

    entry: JournalEntry
    differences: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.entry.describe()}: {'; '.join(self.differences)}"


def _json_line(entry: JournalEntry) -> str:
    """The entry as one line of the journal file; never fails, so no request is missing from it.

    A lone surrogate or anything else that would not encode as UTF-8 falls back to ASCII escapes;
    should rendering fail altogether, the line keeps what the request was and says so.
    """
    try:
        record = entry.to_dict()
    except Exception as exc:  # the file must have every request
        record = {
            "id": entry.id,
            "time": isoformat(entry.time),
            "method": entry.method,
            "path": entry.path,
            "status": entry.status,
            "body_note": f"the journal could not render this request ({type(exc).__name__})",
            "violations": [
                {**v.to_dict(), "pointer": REDACTED, "message": REDACTED} for v in entry.violations
            ],
        }
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(record, separators=(",", ":"))
    return line + "\n"


class JournalEntries(Sequence[JournalEntry]):
    """A snapshot of a journal's entries, oldest first, each built when it is read.

    The journal keeps entries packed (:meth:`JournalEntry.pack`); building all 10,000 of a full
    journal's took ~100 ms, which a dashboard that shows the newest few, or a test that reads the
    last one, need not pay. Each read builds a new object: compare entries with ``==``, not ``is``.
    """

    __slots__ = ("_journal", "_slots")

    def __init__(self, journal: Journal, slots: list[_Slot]) -> None:
        self._journal = journal
        self._slots = slots

    def __len__(self) -> int:
        return len(self._slots)

    def before(self, ident: int) -> JournalEntries:
        """The entries whose id is below ``ident`` (a page of older ones), still not built."""
        return JournalEntries(self._journal, [slot for slot in self._slots if slot[_SLOT_ENTRY] < ident])

    @overload
    def __getitem__(self, index: int) -> JournalEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[JournalEntry]: ...

    def __getitem__(self, index: int | slice) -> JournalEntry | list[JournalEntry]:
        if isinstance(index, slice):
            return list(map(self._journal._unpacked, self._slots[index]))
        return self._journal._unpacked(self._slots[index])

    def __iter__(self) -> Iterator[JournalEntry]:
        return map(self._journal._unpacked, self._slots)

    def __reversed__(self) -> Iterator[JournalEntry]:
        return map(self._journal._unpacked, reversed(self._slots))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


def _pattern(pattern: RequestPattern | None, criteria: dict[str, Any]) -> RequestPattern:
    if pattern is not None and criteria:
        raise TypeError("pass a RequestPattern or criteria, not both")
    return pattern if pattern is not None else RequestPattern(**criteria)


class Journal:
    """The newest entries of one fake, at most ``capacity`` of them and ``max_bytes`` in all.

    The oldest entries go first when either bound is reached (:attr:`dropped` counts them); the
    newest entry is always kept. A stream (:meth:`stream_to`) gets every entry. Thread-safe: the
    live server records from its worker threads while a test reads.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if capacity < 1:
            raise ConfigError(f"the journal's capacity must be at least 1, not {capacity}")
        if max_bytes < 1:
            raise ConfigError(f"the journal's byte limit must be at least 1, not {max_bytes}")
        self._entries: deque[_Slot] = deque()
        #: The place the next entry gets (never reused, :meth:`clear` included).
        self._next = 0
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()
        self._stream: TextIO | None = None
        #: Another journal whose stream gets this one's entries (one file for a server's accounts).
        self._into: Journal | None = None
        self._dropped = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def bytes(self) -> int:
        """Roughly the bytes the entries in memory hold (:meth:`JournalEntry.cost`)."""
        return self._bytes

    @property
    def dropped(self) -> int:
        """Entries pushed out of memory by newer ones since the last :meth:`clear` (the stream keeps them)."""
        return self._dropped

    def stream_to(self, path: str | os.PathLike[str]) -> None:
        """Write every entry recorded from now on to ``path`` (started afresh), one JSON line each."""
        stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - kept open until close()
        with self._lock:
            previous, self._stream = self._stream, stream
        if previous is not None:
            previous.close()

    @property
    def streaming(self) -> bool:
        """Whether entries go to a file (:meth:`stream_to`)."""
        return self._stream is not None

    def stream_into(self, other: Journal) -> None:
        """Write every entry recorded from now on to ``other``'s stream too (a server's accounts
        share one ``--journal`` file; each entry says its account)."""
        self._into = other

    def _write(self, line: str) -> None:
        with self._lock:
            if self._stream is not None:
                self._stream.write(line)
                self._stream.flush()

    def close(self) -> None:
        """Stop streaming and close the file; the entries in memory stay."""
        with self._lock:
            self._into = None
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def record(self, entry: JournalEntry) -> None:
        """Keep ``entry``; with a stream, write and flush it now, before the client is answered."""
        into = self._into
        line = _json_line(entry) if self._stream is not None or into is not None else None
        cost = entry.cost()
        kept = entry._summary
        summary = (False, None, None, None) if kept is None else (True, kept.secrets, kept.excerpt, kept.note)
        packed = entry.pack()
        with self._lock:
            self._entries.append((self._next, cost, *summary, *packed))
            self._next += 1
            self._bytes += cost
            while len(self._entries) > 1 and (
                len(self._entries) > self._capacity or self._bytes > self._max_bytes
            ):
                freed = self._entries.popleft()[1]
                self._bytes -= freed
                self._dropped += 1
            if line is not None and self._stream is not None:
                self._stream.write(line)
                self._stream.flush()
        if line is not None and into is not None:
            into._write(line)

    def clear(self) -> int:
        """Forget the entries in memory (not the stream); returns how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._bytes = 0
            self._dropped = 0
        return count

    def entries(self) -> JournalEntries:
        """The entries in memory, oldest first (a snapshot: later requests do not change it)."""
        with self._lock:
            return JournalEntries(self, list(self._entries))

    def _unpacked(self, slot: _Slot) -> JournalEntry:
        """The entry a slot keeps, with its summary if one was kept."""
        summary = Summary(slot[3], slot[4], slot[5]) if slot[2] else None
        return JournalEntry.unpacked(slot[_SLOT_ENTRY:], summary, (self, slot[0]))

    def _keep_summary(self, place: int, summary: Summary) -> None:
        """Keep the summary that an entry read from here decoded (:meth:`JournalEntry.summary`)
        in its slot, unless the entry has left the journal since."""
        with self._lock:
            entries = self._entries
            if not entries:
                return
            index = place - entries[0][0]  # places in the ring buffer are consecutive
            if 0 <= index < len(entries):
                slot = entries[index]
                if slot[0] == place and not slot[2]:
                    kept = (place, slot[1], True, summary.secrets, summary.excerpt, summary.note)
                    entries[index] = kept + slot[_SLOT_ENTRY:]

    def __len__(self) -> int:
        return len(self._entries)

    def records(self) -> list[dict[str, Any]]:
        """Every entry in its JSON Lines form."""
        return [entry.to_dict() for entry in self.entries()]

    def report_records(self) -> list[ReportRecord]:
        """Every entry as :mod:`mockrc.report` reads it: what :meth:`records` has but the headers
        and responses, decoded only where a report looks (a full journal's records cost seconds)."""
        return [ReportRecord(entry) for entry in self.entries()]

    # --- queries -------------------------------------------------------------------------------

    def find(self, pattern: RequestPattern | None = None, **criteria: Any) -> list[JournalEntry]:
        """The entries matching a pattern, or the criteria of one (``find(method="POST", status=400)``)."""
        return list(self.matching(pattern, **criteria))

    def matching(self, pattern: RequestPattern | None = None, **criteria: Any) -> JournalEntries:
        """The entries :meth:`find` answers, as a snapshot whose entries are built as they are read
        (a page of them, their number): the criteria an entry's slot answers (method, path,
        status, who sent it, which scenario step answered) are checked there, and an entry is
        built to be checked only for the others (query, body, rule)."""
        wanted = _pattern(pattern, criteria)
        with self._lock:
            slots = list(self._entries)
        method = wanted.method.upper() if wanted.method is not None else None
        regex = re.compile(wanted.path_regex) if wanted.path_regex is not None else None
        on_slot = (
            (_SLOT_ENTRY + 3, wanted.path),
            (_SLOT_ENTRY + 4, wanted.status),
            (_SLOT_ENTRY + 19, wanted.principal),
            (_SLOT_ENTRY + 20, wanted.app),
            (_SLOT_ENTRY + 22, wanted.served_by),
        )
        given = [(index, value) for index, value in on_slot if value is not None]
        built = wanted.query is not None or wanted.body is not None or wanted.rule is not None
        kept = []
        for slot in slots:
            if method is not None and slot[_SLOT_ENTRY + 2].upper() != method:
                continue
            if any(slot[index] != value for index, value in given):
                continue
            if regex is not None and regex.fullmatch(slot[_SLOT_ENTRY + 3]) is None:
                continue
            if not built or wanted.matches(self._unpacked(slot)):
                kept.append(slot)
        return JournalEntries(self, kept)

    def count(self, pattern: RequestPattern | None = None, **criteria: Any) -> int:
        return len(self.matching(pattern, **criteria))

    def near_misses(
        self,
        pattern: RequestPattern | None = None,
        *,
        limit: int = 3,
        window: int = NEAR_MISS_WINDOW,
        **criteria: Any,
    ) -> list[NearMiss]:
        """The entries closest to matching: fewest failed criteria first, then the newest.

        Only entries that met at least one criterion count, so a pattern with a single criterion
        has no near misses; :meth:`assert_requested` then shows the last requests instead. Only
        the newest ``window`` entries are looked at: scoring an entry decodes its body, which
        over a full journal took seconds for a message that shows three entries.
        """
        wanted = _pattern(pattern, criteria)
        given = len(wanted.criteria())
        scored = []
        for entry in self.entries()[-window:] if window > 0 else []:
            differences = wanted.differences(entry)
            if 0 < len(differences) < given:
                scored.append((len(differences), -entry.id, NearMiss(entry, tuple(differences))))
        scored.sort(key=lambda item: item[:2])
        return [miss for _, _, miss in scored[:limit]]

    def violations(
        self, *, severity: Severity | None = None, rule: str | None = None
    ) -> list[RecordedViolation]:
        """Every violation recorded, in request order, optionally of one severity or rule.

        Messages that echo a secret the request carried have it scrubbed (they reach CI logs).
        """
        return [
            RecordedViolation(entry, violation)
            for entry in self.entries()
            if entry.violations
            for violation in entry.shown_violations()
            if (severity is None or violation.severity == severity)
            and (rule is None or violation.rule == rule)
        ]

    # --- assertions ----------------------------------------------------------------------------

    def assert_requested(
        self, pattern: RequestPattern | None = None, *, times: int | None = None, **criteria: Any
    ) -> list[JournalEntry]:
        """The matching entries; AssertionError if there are none (or not exactly ``times``).

        The message shows the near misses, so a failing test says what the client sent instead.
        """
        wanted = _pattern(pattern, criteria)
        found = self.find(wanted)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        expected = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        lines = [f"expected {wanted.describe()} {expected}; it was requested {len(found)} times"]
        if found:
            lines += ["matching requests:", *(f"  {entry.describe()}" for entry in found[:10])]
        else:
            lines += self._instead(wanted)
        raise AssertionError("\n".join(lines))

    def assert_not_requested(self, pattern: RequestPattern | None = None, **criteria: Any) -> None:
        """AssertionError listing the matching entries, if there are any."""
        wanted = _pattern(pattern, criteria)
        found = self.find(wanted)
        if found:
            lines = [f"expected no {wanted.describe()}; it was requested {len(found)} times:"]
            raise AssertionError("\n".join([*lines, *(f"  {entry.describe()}" for entry in found[:10])]))

    def assert_no_violations(self, *, include_warnings: bool = False) -> None:
        """AssertionError listing every error-severity violation (and warnings, if asked) with its request."""
        found = [
            recorded
            for recorded in self.violations()
            if include_warnings or recorded.violation.severity == "error"
        ]
        if not found:
            return
        kinds = "contract violations" if include_warnings else "error-severity contract violations"
        lines = [f"{len(found)} {kinds}:"]
        for recorded in found[:20]:
            v = recorded.violation
            lines.append(
                f"  {recorded.entry.describe()}: {v.severity} {v.rule} at {v.pointer or '/'}: {v.message}"
            )
        if len(found) > 20:
            lines.append(f"  ... and {len(found) - 20} more")
        raise AssertionError("\n".join(lines))

    def _instead(self, wanted: RequestPattern) -> list[str]:
        misses = self.near_misses(wanted)
        if misses:
            return ["near misses (closest first):", *(f"  {miss.describe()}" for miss in misses)]
        recent = self.entries()[-3:]
        if not recent:
            return ["no request was recorded"]
        return [
            "no request came close; the last requests were:",
            *(f"  {entry.describe()}" for entry in recent),
        ]
