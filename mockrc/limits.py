"""How much one request may contain: every limit mockrc enforces, its value and why, in one place.

A test harness is the one server that is *meant* to receive broken requests, so it must answer each
of them precisely and quickly, whatever its size or shape, and never with a 500. Each limit here
bounds the work and memory one request can cause and is checked before the expensive part (parsing,
validation, the PATCH engine), in time linear in the request's size. Past a limit the client gets
the status and error named in the limit's metadata, with a detail that says what was too large and
what the limit is; the violation is recorded in the journal under the rule ``limit.<name>``.

Where RingCentral states a limit it is used (the body sizes are its ``x-request-max-body-size``,
``startIndex`` and ``count`` are ``int32`` in its spec); where a standard recommends one it is used
(RFC 9110 §4.1 for URIs); the others are set far above anything a SCIM client sends and far below
what would hurt (Python's recursion limit of 1,000 frames, its 4,300-digit int conversion limit).

The README's "Limits" table lists every field; ``tests/unit/test_limits.py`` checks it against this
module, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

#: What a client gets past a limit: a SCIM ``scimType`` with 400, or what the status alone says.
ErrorName = Literal[
    "invalidSyntax",
    "invalidValue",
    "invalidFilter",
    "payload-too-large",
    "uri-too-long",
    "header-too-large",
    "listed-in-part",
]


def _limit(value: int, status: int | None, error: ErrorName, what: str) -> Any:
    """A limit field: its value, and the answer past it (``status`` None: the answer is unchanged)."""
    return field(default=value, metadata={"status": status, "error": error, "what": what})


@dataclass(frozen=True)
class Limits:
    """The limits of one fake (all fakes use :data:`LIMITS`; tests may build smaller ones)."""

    #: RingCentral's ``x-request-max-body-size: 10m`` on POST/PUT/PATCH /Users, applied app-wide.
    body_bytes: int = _limit(10 * 1024 * 1024, 413, "payload-too-large", "request body (bytes)")
    #: RingCentral's ``x-request-max-body-size: 1m`` on ``POST /Users/.search``.
    search_body_bytes: int = _limit(1024 * 1024, 413, "payload-too-large", "`.search` request body (bytes)")
    #: The request target (path and query string). RFC 9110 §4.1 recommends supporting at least
    #: 8,000 octets; beyond that, clients and proxies in the wild start to fail anyway.
    request_target_bytes: int = _limit(
        8 * 1024, 414, "uri-too-long", "request target: path and query (bytes)"
    )
    #: What waitress reads of a request line plus headers before answering 431 itself (plain text:
    #: the app never sees that request). Large enough that a 1 MiB query string reaches the app
    #: and gets the 414 above in RingCentral's or SCIM's shape; waitress's default is 256 KiB.
    server_head_bytes: int = _limit(
        1024 * 1024 + 64 * 1024, 431, "header-too-large", "request line and headers, live server (bytes)"
    )
    #: Nesting of arrays and objects in a JSON body. A SCIM User or PatchOp body is at most 6 deep;
    #: 64 is also the default MaxDepth of .NET's System.Text.Json.
    json_depth: int = _limit(64, 400, "invalidSyntax", "JSON nesting depth (levels)")
    #: Characters of one JSON number: int64 has 19 digits, a double needs at most 24 characters.
    number_length: int = _limit(32, 400, "invalidValue", "JSON number (characters)")
    #: Characters of one JSON string, key or value. Far above any SCIM attribute (an email address
    #: is at most 254, RFC 5321 §4.5.3.1), room for an X.509 certificate in base64.
    string_length: int = _limit(4096, 400, "invalidValue", "JSON string, key or value (characters)")
    #: Elements of one JSON array (emails, Operations, attributes…), and names in an ``attributes``
    #: or ``excludedAttributes`` query parameter. Also holds for a user after each PATCH operation.
    array_length: int = _limit(100, 400, "invalidValue", "JSON array (elements)")
    #: Elements of one JSON array in a body of mockrc's own control API (``/__mockrc``): the test's
    #: tooling, not the client under test, sends those, e.g. ``mockrc users seed 5000 --url``.
    control_array_length: int = _limit(
        100_000, 400, "invalidValue", "JSON array in a `/__mockrc` body (elements)"
    )
    #: Characters of a filter (query parameter or SearchRequest member).
    filter_length: int = _limit(2048, 400, "invalidFilter", "filter (characters)")
    #: Nesting of a filter: each ``(``, ``[``, ``not`` and each operand of an ``and``/``or`` chain.
    filter_depth: int = _limit(64, 400, "invalidFilter", "filter nesting depth (levels)")
    #: ``startIndex`` and ``count`` are ``int32`` in RingCentral's spec.
    paging_integer: int = _limit(2**31 - 1, 400, "invalidValue", "`startIndex` and `count` (largest value)")
    #: Violations recorded for one request (in the journal and in an error's detail); past it, one
    #: ``limit.violations`` entry counts the rest. Checking stops at the limit where it can.
    violations_per_request: int = _limit(100, None, "listed-in-part", "violations reported per request")

    def for_control_api(self) -> Limits:
        """The limits of a ``/__mockrc`` body: the same, with ``control_array_length`` for arrays."""
        return replace(self, array_length=self.control_array_length)


#: The limits every fake uses.
LIMITS = Limits()


def limit_fields() -> list[tuple[str, int, int | None, ErrorName, str]]:
    """(name, value, status, error, what) of every limit of :data:`LIMITS`, in declaration order."""
    return [
        (f.name, getattr(LIMITS, f.name), f.metadata["status"], f.metadata["error"], f.metadata["what"])
        for f in fields(Limits)
    ]
