"""What the journal may show of a request: an allow-list of headers, and no secret value anywhere.

The journal, its file, ``/__mockrc/journal``, the dashboard and the contract reports all show
what clients sent, and clients send credentials. This module decides what is safe to keep:

- **Headers**: only the ones in :data:`SAFE_HEADERS` keep their value; ``Authorization`` and
  ``Proxy-Authorization`` keep their scheme (``Bearer [redacted]``); every other header (cookies,
  API keys, admin keys, anything custom) shows as ``[redacted]``. ``Location`` and ``Referer``
  keep their URL with the secret query parameters redacted.
- **Values named like secrets** (:func:`is_secret_name`: passwords, secrets, tokens, assertions,
  authorization codes and PKCE verifiers, keys, PINs) become ``[redacted]`` in JSON (after
  decoding, so ``"pass\\u0077ord"`` is a password), forms and query strings (after
  percent-decoding), text that is neither (a malformed body), and the ``value`` of a SCIM PATCH
  operation whose ``path`` names one (RFC 7644 §3.5.2).
- **Echoes**: the values redacted from a request are collected (:class:`Secrets`) so that a
  response or an error message that repeats one can be scrubbed too (:meth:`Secrets.scrub`).

Everything here is iterative and bounded: it runs on whatever a client sent, however deep.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"

#: Headers whose value is never a credential, and which say how a request was made (RFC 9110
#: representation and content negotiation, conditional requests, the client and host, request
#: ids for correlation, and the fake's own answer headers: rate limits, Retry-After, Allow).
SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "allow",
        "cache-control",
        "client-request-id",
        "connection",
        "content-encoding",
        "content-language",
        "content-length",
        "content-type",
        "date",
        "etag",
        "expect",
        "expires",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-unmodified-since",
        "last-modified",
        "location",
        "origin",
        "pragma",
        "referer",
        "retry-after",
        "server",
        "te",
        "transfer-encoding",
        "user-agent",
        "vary",
        "x-content-type-options",
        "x-correlation-id",
        "x-ms-client-request-id",
        "x-rate-limit-group",
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-window",
        "x-request-id",
        "x-user-agent",
    }
)
#: Headers that carry ``scheme credentials`` (RFC 9110 §11.6.2): the scheme is kept.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})
#: Headers whose value is a URL: kept, with the secret query parameters redacted.
_URL_HEADERS = frozenset({"location", "referer"})

#: A name is a secret's when, lower-cased and without punctuation, it contains one of these
#: (``password`` and its usual misspellings: a typo of the field still holds the password)...
_SECRET_PARTS = ("passw", "pasw", "pwd", "passphrase", "secret", "assertion", "credential", "privatekey")
#: ... or ends with one of these (``access_token``, ``apiKey``, ``code_verifier``) ...
_SECRET_ENDINGS = ("token", "tokens", "key", "keys", "verifier", "authcode", "authorizationcode")
#: ... or is one of these (OAuth's ``code``; ``pin`` and ``otp`` of RingCentral's other grants).
_SECRET_NAMES = frozenset(
    {"code", "pin", "otp", "pass", "pw", "cookie", "session", "sessionid", "signature", "ticket"}
)

#: JSON nested deeper than this is shown as text: rendering it again would recurse as deep.
JSON_DEPTH_LIMIT = 100
#: Characters of one parameter's value that are kept (a query string has no other bound in-process).
_VALUE_LIMIT = 64 * 1024
#: A value shorter than this is not scrubbed from echoes (``"x"`` would mangle every message).
_SCRUB_MIN = 4


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a field, parameter or member called ``name`` holds a credential."""
    folded = re.sub(r"[^0-9a-z]", "", name.lower())
    return (
        folded in _SECRET_NAMES
        or any(part in folded for part in _SECRET_PARTS)
        or folded.endswith(_SECRET_ENDINGS)
    )


@lru_cache(maxsize=1024)
def is_secret_path(path: str) -> bool:
    """Whether a SCIM attribute path (``password``, ``urn:…:User:password``, ``x.y``) names a secret."""
    without_filters = re.sub(r"\[[^\]]*\]?", "", path)
    return any(is_secret_name(part) for part in re.split(r"[:.]", without_filters) if part)


class Secrets:
    """The secret values one message carried, so that echoes of them can be scrubbed elsewhere."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, value: Any) -> None:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value).strip()
            if len(text) >= _SCRUB_MIN and text != REDACTED:
                self._values.add(text)

    def values(self) -> tuple[str, ...]:
        return tuple(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def scrub(self, text: str) -> str:
        """``text`` with every occurrence of a collected secret replaced by ``[redacted]``."""
        if not self._values:
            return text
        found = [v for v in self._values if v in text]
        if not found:
            return text
        pattern = "|".join(re.escape(v) for v in sorted(found, key=len, reverse=True))
        return re.sub(pattern, REDACTED, text)

    def scrub_json(self, value: Any) -> Any:
        """A JSON value (already redacted, so bounded in depth) with echoes scrubbed from its strings."""
        if not self._values:
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        return value


#: A SCIM filter comparison (RFC 7644 §3.4.2.2): ``attribute op value``.
_COMPARISON = re.compile(
    r"""(?<![\w:.$\[\]-])(?P<attr>[A-Za-z_][\w:.$-]*(?:\[[^\]]*\])?(?:\.[\w$-]+)?)\s+"""
    r"""(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+(?P<value>"(?:[^"\\]|\\.)*"?|[^\s)]+)""",
    re.IGNORECASE,
)


#: What a secret attribute's name has in it (a cheap test that spares most filters the parse).
_MAYBE_SECRET = re.compile(
    "pas|pw|secret|assertion|credential|key|token|verifier|code|pin|otp|session|cookie|signature|ticket"
)


def redact_filter(expression: str, found: Secrets | None = None) -> str:
    """A SCIM filter with the value compared to a secret attribute redacted (``password eq "…"``)."""
    if _MAYBE_SECRET.search(expression.lower()) is None:  # an ignore-case search costs 40 times more
        return expression

    def hide(match: re.Match[str]) -> str:
        if not is_secret_path(match["attr"]):
            return match.group()
        if found is not None:
            found.add(match["value"].strip('"'))
        start, end = match.span("value")
        whole = match.group()
        shown = f'"{REDACTED}"' if match["value"].startswith('"') else REDACTED
        return whole[: start - match.start()] + shown + whole[end - match.start() :]

    return _COMPARISON.sub(hide, expression)


# --- headers, parameters, URLs -------------------------------------------------------------------------


def redact_header(name: str, value: str, found: Secrets | None = None) -> str:
    """A header's value as the journal shows it: kept when :data:`SAFE_HEADERS` has it, else redacted."""
    lowered = name.lower()
    if lowered in _CREDENTIAL_HEADERS:
        scheme, _, credentials = value.strip().partition(" ")
        if found is not None:
            found.add(credentials.strip() or scheme)
        return f"{scheme} {REDACTED}" if credentials.strip() else REDACTED
    if lowered in _URL_HEADERS:
        return redact_url(value, found)
    if lowered in SAFE_HEADERS:
        return value
    if found is not None:
        found.add(value)
    return REDACTED


def redact_pairs(
    pairs: Iterable[tuple[str, str]], found: Secrets | None = None
) -> dict[str, str | list[str]]:
    """Parameters (already percent-decoded) as a dict, secrets redacted; a repeated name maps to its list.

    A ``filter`` keeps its expression, with what it compares to a secret attribute redacted. A
    value longer than 64 Ki characters keeps its start and says how long it was.
    """
    out: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if len(value) > _VALUE_LIMIT:
            value = f"{value[:_VALUE_LIMIT]}... [truncated: {len(value)} characters]"
        if is_secret_name(name):
            if found is not None:
                found.add(value)
            shown = REDACTED
        elif name == "filter":
            shown = redact_filter(value, found)
        else:
            shown = value
        if name not in out:
            out[name] = shown
        else:
            previous = out[name]
            out[name] = [*previous, shown] if isinstance(previous, list) else [previous, shown]
    return out


def redact_url(url: str, found: Secrets | None = None) -> str:
    """``url`` with the values of its secret query parameters redacted (``code``, ``token``...)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url, found)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(is_secret_name(name) for name, _ in pairs):
        return url
    kept = []
    for name, value in pairs:
        if is_secret_name(name):
            if found is not None:
                found.add(value)
            value = REDACTED
        kept.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(kept)))


# --- JSON ----------------------------------------------------------------------------------------------


class TooDeep(ValueError):
    """JSON nested deeper than :data:`JSON_DEPTH_LIMIT`."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:20]} is too large for a JSON reader")
    return number


def parse_json(text: str) -> Any:
    """``json.loads`` for what the journal keeps: ValueError for anything a JSON reader could not
    read back (NaN, Infinity, numbers too large for a float), RecursionError turned into ValueError."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except RecursionError:
        raise TooDeep(f"nested deeper than Python's JSON reader goes ({JSON_DEPTH_LIMIT}+ levels)") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate (``"\\ud800"`` in JSON) becomes U+FFFD."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def redact_json(value: Any, found: Secrets | None = None) -> Any:
    """A copy of a JSON value with every secret redacted; TooDeep past :data:`JSON_DEPTH_LIMIT` levels.

    A member named like a secret (:func:`is_secret_name`, after JSON decoding) is redacted whole,
    and so is the ``value`` of a PATCH operation whose ``path`` names a secret. Strings come out
    encodable as UTF-8. Iterative: no recursion, whatever the depth.
    """
    holder: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, holder, 0, 0)]
    while stack:
        item, parent, key, depth = stack.pop()
        if isinstance(item, dict):
            if depth >= JSON_DEPTH_LIMIT:
                raise TooDeep(f"nested deeper than {JSON_DEPTH_LIMIT} levels")
            path = item.get("path")
            secret_value = isinstance(path, str) and is_secret_path(path)
            out: dict[str, Any] = {}
            for name, member in item.items():
                shown_name = _clean(name)
                if member is not None and (
                    is_secret_name(name) or (secret_value and name.lower() == "value")
                ):
                    if found is not None:
                        _collect(member, found)
                    out[shown_name] = REDACTED
                elif isinstance(member, dict | list):
                    out[shown_name] = None
                    stack.append((member, out, shown_name, depth + 1))
                elif name == "filter" and isinstance(member, str):
                    out[shown_name] = _clean(redact_filter(member, found))
                else:
                    out[shown_name] = _clean(member) if isinstance(member, str) else member
            parent[key] = out
        elif isinstance(item, list):
            if depth >= JSON_DEPTH_LIMIT:
                raise TooDeep(f"nested deeper than {JSON_DEPTH_LIMIT} levels")
            copied: list[Any] = [None] * len(item)
            for index, member in enumerate(item):
                if isinstance(member, dict | list):
                    stack.append((member, copied, index, depth + 1))
                else:
                    copied[index] = _clean(member) if isinstance(member, str) else member
            parent[key] = copied
        else:
            parent[key] = _clean(item) if isinstance(item, str) else item
    return holder[0]


def _collect(value: Any, found: Secrets) -> None:
    """Every scalar inside a redacted value, so its echoes can be scrubbed (bounded: it was parsed)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            found.add(item)


# --- text ----------------------------------------------------------------------------------------------

#: ``name`` followed by ``:`` or ``=`` and a value: a JSON member (``"name": "value"``, the key
#: JSON-escaped), a form field (``name=value``, percent-encoded), a header-like or YAML-like line.
#: Only the name and separator are consumed, so a value is searched for names too; a name starts
#: only where a name cannot continue (and a quote only where it is not escaped), so the search
#: stays linear in the text's length whatever the text.
_NAMED_VALUE = re.compile(
    r"""(?<!\\)(?P<qname>"(?:[^"\\]|\\.)*")\s*:\s*"""
    r"""|(?<![A-Za-z0-9_.%+\-\[\]])(?P<name>[A-Za-z0-9_.%+\-\[\]]+)[ \t]*(?P<sep>=|:[ \t]*)(?!//)"""
)
#: A value after a name: a JSON string (its closing quote may have been cut off), or a bare token.
_JSON_VALUE = re.compile(r'"(?:[^"\\]|\\.)*"?|[^\s,}\]]+')
_BARE_VALUE = re.compile(r'"(?:[^"\\]|\\.)*"?|[^\s&,;"\'<>]*')
#: Credentials after an auth scheme anywhere in text (``Bearer eyJ…``, ``Basic bW9j…``).
_SCHEME_CREDENTIALS = re.compile(r"\b(?P<scheme>Bearer|Basic|Digest)[ \t]+(?P<value>[\w.~+/=-]{6,})", re.I)
#: An HTML form field with its value (``<input name="ticket" value="…">``): the value is a secret's
#: when the name is.
_HTML_FIELD = re.compile(
    r"""\bname\s*=\s*(?P<q1>["']?)(?P<name>[^"'\s>]+)(?P=q1)(?P<between>[^<>]{0,120}?)"""
    r"""\bvalue\s*=\s*(?P<q2>["']?)(?P<value>[^"'>]*)"""
)
#: A JSON member ``"path": "…password…"``: the text's PATCH ``value`` members are secrets too.
_PATH_MEMBER = re.compile(r'"path"\s*:\s*"(?P<path>(?:[^"\\]|\\.)*)"', re.I)


def _json_name(quoted: str) -> str:
    try:
        name = json.loads(quoted)
    except ValueError:
        return quoted.strip('"')
    return name if isinstance(name, str) else quoted


def redact_text(text: str, found: Secrets | None = None) -> str:
    """Text that is not structured data (a malformed or cut-off body, HTML), secrets redacted.

    Any ``name: value`` or ``name=value`` whose name, JSON- or percent-decoded, is a secret's has
    its value redacted, and so has every credential after an auth scheme and the value of an HTML
    form field named like a secret (``<input name="ticket" value="…">``). When the text has a PATCH
    ``"path"`` naming a secret, every ``"value"`` member is redacted: the text cannot say which
    operation is whose. Linear in the text's length.
    """
    secret_paths = any(is_secret_path(_json_name(f'"{m["path"]}"')) for m in _PATH_MEMBER.finditer(text))
    pieces: list[str] = []
    position = 0
    search_from = 0
    while True:
        match = _NAMED_VALUE.search(text, search_from)
        if match is None:
            break
        if match["qname"] is not None:
            name, values = _json_name(match["qname"]), _JSON_VALUE
        else:
            name, values = unquote_plus(match["name"]), _BARE_VALUE
        secret = is_secret_name(name) or (secret_paths and name.lower() == "value")
        value = values.match(text, match.end()) if secret else None
        if value is None or not value.group():
            search_from = match.end() if match.end() > match.start() else match.start() + 1
            continue
        if found is not None:
            found.add(value.group().strip('"'))
        quoted = value.group().startswith('"')
        pieces += [text[position : value.start()], f'"{REDACTED}"' if quoted else REDACTED]
        position = search_from = value.end()
    pieces.append(text[position:])
    redacted = "".join(pieces)

    def hide(match: re.Match[str]) -> str:
        if found is not None:
            found.add(match["value"])
        return f"{match['scheme']} {REDACTED}"

    def hide_field(match: re.Match[str]) -> str:
        if not match["value"] or not is_secret_name(match["name"]):
            return match.group()
        if found is not None:
            found.add(match["value"])
        return match.group()[: match.start("value") - match.start()] + REDACTED

    if "<" in redacted:
        redacted = _HTML_FIELD.sub(hide_field, redacted)
    return _clean(_SCHEME_CREDENTIALS.sub(hide, redacted))
