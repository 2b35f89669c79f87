"""The request journal: every request the fake answered, what it answered, and what was wrong with it.

Test suites assert on what a client sent (:meth:`Journal.assert_requested`, whose failure shows
the near misses: what was sent instead), and CI jobs turn the journal into a verdict
(:mod:`mockrc.report`). The journal is a ring buffer of :class:`JournalEntry` (the newest
``capacity`` entries are kept; :attr:`Journal.dropped` counts the others) and can also stream
every entry, as it is recorded, to a JSON Lines file (``mockrc serve --journal FILE``): one JSON
object per line, written and flushed before the client gets its answer, so the file is complete
whenever the server stops, SIGTERM and Ctrl-C included.

Recording sits on every request, so it is cheap: an entry keeps the bodies as the bytes that
crossed the wire and decodes them (JSON, forms, text) only when someone reads them. Secrets are
redacted on the way out, never stored twice: ``Authorization`` keeps only its scheme, and
passwords, client secrets, tokens, assertions and authorization codes become ``"[redacted]"``
wherever they appear (headers, query, form and JSON bodies, the ``Location`` of a redirect).
Nothing here knows about Flask: :mod:`mockrc.http.journal_routes` captures the exchange.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockrc.clock import isoformat
from mockrc.violations import Severity, Violation

#: Entries kept in memory unless the settings say otherwise.
DEFAULT_CAPACITY = 10_000
#: Bodies larger than this are not kept (the entry says how large they were): a ring buffer of
#: 1,000-user list responses would otherwise hold gigabytes.
BODY_LIMIT = 64 * 1024
REDACTED = "[redacted]"

#: Headers whose whole value is a credential (``Authorization`` keeps its scheme).
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
#: Names of fields, parameters and JSON members that hold credentials (compared case-insensitively):
#: RFC 6749's secrets and tokens, RFC 7636's verifier, RFC 7523's assertion, SCIM's password.
_SECRET_FIELDS = frozenset(
    {
        "password",
        "client_secret",
        "assertion",
        "client_assertion",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "code",
        "code_verifier",
    }
)
_FIELD_ALTERNATION = "|".join(sorted(_SECRET_FIELDS))
#: A JSON member named like a secret: a cheap test that spares most bodies the walk.
_SECRET_MEMBER = re.compile(rf'"(?:{_FIELD_ALTERNATION})"\s*:', re.IGNORECASE)
#: Secrets in text that is not valid JSON or form data (a malformed body, an HTML page).
_SECRET_IN_TEXT = re.compile(
    rf'(?P<json>"(?:{_FIELD_ALTERNATION})"\s*:\s*)"(?:[^"\\]|\\.)*"'
    rf"|(?P<form>(?<![\w-])(?:{_FIELD_ALTERNATION})=)[^&\s\"'<]*",
    re.IGNORECASE,
)
_JSON_MEDIA_TYPES = ("application/json", "application/scim+json")
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

Params = dict[str, "str | list[str]"]


def redact_pairs(pairs: Iterable[tuple[str, str]]) -> Params:
    """Parameters as a dict, secrets redacted; a repeated name maps to the list of its values."""
    out: Params = {}
    for name, value in pairs:
        shown = REDACTED if name.lower() in _SECRET_FIELDS else value
        if name not in out:
            out[name] = shown
        else:
            previous = out[name]
            out[name] = [*previous, shown] if isinstance(previous, list) else [previous, shown]
    return out


def redact_json(value: Any) -> Any:
    """A JSON value with every member named like a secret replaced (a copy where anything changed)."""
    if isinstance(value, dict):
        return {
            key: REDACTED if key.lower() in _SECRET_FIELDS and item is not None else redact_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    return value


def redact_text(text: str) -> str:
    """Text that is not structured data, with anything shaped like a secret member or field redacted."""

    def hide(match: re.Match[str]) -> str:
        if match.group("json") is not None:
            return f'{match.group("json")}"{REDACTED}"'
        return f"{match.group('form')}{REDACTED}"

    return _SECRET_IN_TEXT.sub(hide, text)


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = urlencode(
        [(k, REDACTED if k.lower() in _SECRET_FIELDS else v) for k, v in parse_qsl(parts.query, True)]
    )
    return urlunsplit(parts._replace(query=query))


def redact_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in _SECRET_HEADERS:
        scheme, _, credentials = value.strip().partition(" ")
        return f"{scheme} {REDACTED}" if lowered.endswith("authorization") and credentials else REDACTED
    if lowered == "location":
        return _redact_url(value)
    return value


def decode_body(raw: bytes, media_type: str) -> Any:
    """What a body holds, for people and for matching: JSON as JSON, a form as a dict, else text.

    None when empty. A body that does not parse as its media type says is kept as text (a
    malformed JSON body is itself worth seeing), and a body over :data:`BODY_LIMIT` is replaced
    by a note of its size.
    """
    if not raw:
        return None
    if len(raw) > BODY_LIMIT:
        return f"[{len(raw)} bytes, not kept: the journal keeps bodies up to {BODY_LIMIT} bytes]"
    text = raw.decode("utf-8", "replace")
    media_type = media_type.lower()
    if media_type in _JSON_MEDIA_TYPES or media_type.endswith("+json"):
        try:
            value = json.loads(text)
        except ValueError:
            return redact_text(text)
        return redact_json(value) if _SECRET_MEMBER.search(text) else value
    if media_type == FORM_MEDIA_TYPE:
        return redact_pairs(parse_qsl(text, keep_blank_values=True))
    return redact_text(text)


def wsgi_headers(environ: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A request's headers as its WSGI environ has them (``HTTP_USER_AGENT``): the cheapest copy.

    :class:`Message` (``wsgi=True``) spells the names as headers (``User-Agent``) when read.
    """
    return tuple(
        (key, value)
        for key, value in environ.items()
        if (key.startswith("HTTP_") and key not in _WSGI_DUPLICATES) or (key in _WSGI_UNPREFIXED and value)
    )


#: Headers a WSGI environ keeps without the ``HTTP_`` prefix (PEP 3333); the prefixed copies
#: some servers add too are left out, as Werkzeug leaves them out.
_WSGI_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_WSGI_DUPLICATES = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def _header_name(wsgi_key: str) -> str:
    return wsgi_key.removeprefix("HTTP_").replace("_", "-").title()


class Message:
    """The headers and body of one request or response, kept as received.

    They are decoded and redacted each time they are read, never stored decoded: recording stays a
    matter of keeping references, and a caller that changes what it read changes nothing here.
    ``wsgi`` says the header names are WSGI environ keys (see :func:`wsgi_headers`).
    """

    __slots__ = ("_raw_body", "_raw_headers", "_wsgi", "media_type")

    def __init__(
        self, headers: Sequence[tuple[str, str]], body: bytes, media_type: str = "", *, wsgi: bool = False
    ) -> None:
        self._raw_headers = headers
        self._raw_body = body
        self._wsgi = wsgi
        self.media_type = media_type

    @property
    def headers(self) -> dict[str, str]:
        """Header names as sent, secrets redacted; a repeated header's values joined by ``", "``."""
        headers: dict[str, str] = {}
        for raw_name, value in self._raw_headers:
            name = _header_name(raw_name) if self._wsgi else raw_name
            shown = redact_header(name, value)
            headers[name] = f"{headers[name]}, {shown}" if name in headers else shown
        return headers

    @property
    def body(self) -> Any:
        """The body, decoded by :func:`decode_body` (JSON, form dict, text or None), secrets redacted."""
        return decode_body(self._raw_body, self.media_type)

    @property
    def size(self) -> int:
        """The body's length in bytes."""
        return len(self._raw_body)


@dataclass(frozen=True, eq=False)
class JournalEntry:
    """One request and its answer.

    ``time`` is the fake's clock when the request arrived (seconds since the epoch);
    ``duration_ms`` the wall time the app took to answer. ``route`` is the endpoint's template
    (``/scim/v2/Users/<user_id>``), None when no route matched. ``principal`` is the RingCentral
    user (extension id) behind the bearer token and ``app`` the client id of the app behind it
    (or of the client authenticating to an OAuth endpoint). ``served_by`` says which scenario
    step answered, when one did.
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

    def describe(self) -> str:
        """``#3 POST /scim/v2/Users?filter=... -> 400``: the request in one line."""
        query = f"?{urlencode(self.query, doseq=True)}" if self.query else ""
        return f"#{self.id} {self.method} {self.path}{query} -> {self.status}"

    def to_dict(self) -> dict[str, Any]:
        """The entry as one JSON Lines record (``fixtures/schemas/mockrc/journal-entry.schema.json``)."""
        return {
            "id": self.id,
            "time": isoformat(self.time),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "route": self.route,
            "headers": self.request.headers,
            "body": self.request.body,
            "principal": self.principal,
            "app": self.app,
            "status": self.status,
            "response": {"headers": self.response.headers, "body": self.response.body},
            "duration_ms": round(self.duration_ms, 3),
            "served_by": self.served_by,
            "violations": [v.to_dict() for v in self.violations],
        }


@dataclass(frozen=True)
class RecordedViolation:
    """One violation and the journal entry of the request it was found in."""

    entry: JournalEntry
    violation: Violation

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.entry.id,
            "method": self.entry.method,
            "path": self.entry.path,
            "status": self.entry.status,
            **self.violation.to_dict(),
        }


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

    def differences(self, entry: JournalEntry) -> list[str]:
        """How ``entry`` falls short of this pattern, one phrase per failed criterion; empty: it matches."""
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
        if self.body is not None:
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
        return not self.differences(entry)


@dataclass(frozen=True)
class NearMiss:
    """An entry that matched some of a pattern's criteria, and how it missed the others."""

    entry: JournalEntry
    differences: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.entry.describe()}: {'; '.join(self.differences)}"


def _pattern(pattern: RequestPattern | None, criteria: dict[str, Any]) -> RequestPattern:
    if pattern is not None and criteria:
        raise TypeError("pass a RequestPattern or criteria, not both")
    return pattern if pattern is not None else RequestPattern(**criteria)


class Journal:
    """The newest ``capacity`` entries of one fake, optionally streamed to a JSON Lines file.

    Thread-safe: the live server records from its worker threads while a test reads.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"the journal's capacity must be at least 1, not {capacity}")
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._stream: TextIO | None = None
        self._dropped = 0

    @property
    def capacity(self) -> int:
        return self._entries.maxlen or 0

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

    def close(self) -> None:
        """Stop streaming and close the file; the entries in memory stay."""
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def record(self, entry: JournalEntry) -> None:
        """Keep ``entry``; with a stream, write and flush it now, before the client is answered."""
        line = None
        if self._stream is not None:
            line = json.dumps(entry.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if len(self._entries) == self._entries.maxlen:
                self._dropped += 1
            self._entries.append(entry)
            if line is not None and self._stream is not None:
                self._stream.write(line)
                self._stream.flush()

    def clear(self) -> int:
        """Forget the entries in memory (not the stream); returns how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._dropped = 0
        return count

    def entries(self) -> list[JournalEntry]:
        """The entries in memory, oldest first (a copy: later requests do not change it)."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def records(self) -> list[dict[str, Any]]:
        """Every entry in its JSON Lines form (what :mod:`mockrc.report` reads)."""
        return [entry.to_dict() for entry in self.entries()]

    # --- queries -------------------------------------------------------------------------------

    def find(self, pattern: RequestPattern | None = None, **criteria: Any) -> list[JournalEntry]:
        """The entries matching a pattern, or the criteria of one (``find(method="POST", status=400)``)."""
        wanted = _pattern(pattern, criteria)
        return [entry for entry in self.entries() if wanted.matches(entry)]

    def count(self, pattern: RequestPattern | None = None, **criteria: Any) -> int:
        return len(self.find(pattern, **criteria))

    def near_misses(
        self, pattern: RequestPattern | None = None, *, limit: int = 3, **criteria: Any
    ) -> list[NearMiss]:
        """The entries closest to matching: fewest failed criteria first, then the newest.

        Only entries that met at least one criterion count, so a pattern with a single criterion
        has no near misses; :meth:`assert_requested` then shows the last requests instead.
        """
        wanted = _pattern(pattern, criteria)
        given = len(wanted.criteria())
        scored = []
        for entry in self.entries():
            differences = wanted.differences(entry)
            if 0 < len(differences) < given:
                scored.append((len(differences), -entry.id, NearMiss(entry, tuple(differences))))
        scored.sort(key=lambda item: item[:2])
        return [miss for _, _, miss in scored[:limit]]

    def violations(
        self, *, severity: Severity | None = None, rule: str | None = None
    ) -> list[RecordedViolation]:
        """Every violation recorded, in request order, optionally of one severity or rule."""
        return [
            RecordedViolation(entry, violation)
            for entry in self.entries()
            for violation in entry.violations
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
