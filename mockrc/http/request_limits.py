"""What every request and every answer gets, whatever the route: the request-target checks and ``nosniff``.

- A path and query string longer than :attr:`~mockrc.limits.Limits.request_target_bytes` is
  answered 414 URI Too Long (RFC 9110 §15.5.15) before anything parses the query, in SCIM's
  error shape under ``/scim`` and RingCentral's REST shape elsewhere. 414 rather than 400: it
  says exactly what is wrong, and the query itself may well be valid. (The live server reads a
  request line up to :attr:`~mockrc.limits.Limits.server_head_bytes` so that such a request
  reaches the app; past that, waitress answers 431 in plain text.)
- A query string with raw bytes that are not UTF-8 (a client that sent Latin-1 unencoded; RFC 3986
  §2.5 has non-ASCII data percent-encoded, as UTF-8 for new schemes) is answered 400 naming the
  byte and where it is: Werkzeug decodes the query as UTF-8 when a parameter is first read, and
  would fail there (a 500) rather than say so.
- Every answer carries ``X-Content-Type-Options: nosniff``: a browser must take mockrc's JSON
  for JSON, never for a script or a page (the fake runs on developers' machines, next to their
  browser).

Both are steps of the app factory's hooks (:func:`mockrc.app.create_app`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from flask import Request, Response

from mockrc.errors import InvalidQueryEncoding, UriTooLong
from mockrc.limits import LIMITS, Limits
from mockrc.paths import is_scim_path
from mockrc.violations import Violation

#: The header every answer carries (see the module's docstring).
NOSNIFF: Final = ("X-Content-Type-Options", "nosniff")


def request_target_length(environ: Mapping[str, Any]) -> int:
    """The bytes of a request's path and query string, as :func:`check_request_target` counts them."""
    # PATH_INFO is the decoded path as a latin-1 str (one character per byte), QUERY_STRING
    # the raw query: their lengths are what the client sent, or very near it.
    query = environ.get("QUERY_STRING", "")
    return len(environ.get("PATH_INFO", "")) + (len(query) + 1 if query else 0)


def query_encoding_error(environ: Mapping[str, Any]) -> str | None:
    """What is wrong with the query string's encoding, or None when it is UTF-8 (the usual case:
    ASCII, checked at C speed)."""
    query: str = environ.get("QUERY_STRING", "")
    if query.isascii():
        return None
    raw = query.encode("latin-1", errors="replace")  # WSGI: one code point per byte received
    try:
        raw.decode()
    except UnicodeDecodeError as error:
        return (
            f"The query string is not UTF-8: byte 0x{raw[error.start]:02X} at byte {error.start + 1:,} "
            "of it cannot be decoded; percent-encode the parameter's UTF-8 bytes (%C3%A9 for é)"
        )
    return None


def check_request_target(request: Request, limits: Limits = LIMITS) -> None:
    """UriTooLong when the path and query string are longer than ``limits`` allow;
    InvalidQueryEncoding when the query string's bytes are not UTF-8."""
    length = request_target_length(request.environ)
    if length > limits.request_target_bytes:
        message = (
            f"Request URI is too long: {length:,} bytes of path and query; the limit is "
            f"{limits.request_target_bytes:,}"
        )
        if is_scim_path(request.path):
            message += " (a long filter fits in the body of POST /scim/v2/Users/.search)"
        raise UriTooLong(message, violations=[Violation("", "limit.request-target-bytes", message)])
    problem = query_encoding_error(request.environ)
    if problem is not None:
        raise InvalidQueryEncoding(problem, violations=[Violation("", "query.encoding", problem)])


def add_nosniff(response: Response) -> None:
    """A browser must not guess another media type than the one the answer declares."""
    name, value = NOSNIFF
    response.headers[name] = value
