"""Generated requests for the property tests and the fuzz benchmark: valid ones and hostile ones.

Every generator here is a plain function of a :class:`Draw`, a handful of primitive choices
(an integer in a range, one of some options, a text). Two implementations serve them:

- :class:`HypothesisDraw` routes each choice through hypothesis, so the property tests
  (``tests/property/test_*.py``) get hypothesis's search and shrinking; :func:`requests_of` turns
  a generator into a strategy;
- :class:`RandomDraw` routes them through a seeded :class:`random.Random`, so
  ``benchmarks/fuzz.py`` can produce 100,000 requests quickly and repeatably, from the same code.

What is generated (the families of :data:`FAMILIES`):

- SCIM User bodies from the project's JSON Schemas (``fixtures/schemas/``: a small generator
  that reads the subset of JSON Schema those files use), valid RingCentral users (userName equal
  to the work email, which no schema can say), the request samples (``tests/samples/``), and
  mutations of all of them: members dropped, duplicated (repeated JSON keys) or retyped, deep
  nesting, huge numbers, ``NaN``/``Infinity``, long strings and arrays, unicode including lone
  surrogates written as JSON escapes, bodies that are not objects or not JSON at all;
- PATCH bodies (RFC 7644 §3.5.2 and the shapes Entra ID sends: capitalised ops, ``"False"`` as
  a string, pathless values with dotted keys, filtered paths), and mutations;
- filters (RFC 7644 §3.4.2.2 grammar, then mutations: unbalanced parentheses, deep nesting,
  odd operators, long literals, truncation), query parameters (``startIndex``, ``count``,
  ``attributes``, ``filter``; huge, negative and non-numeric integers; repeats) and ``.search``
  bodies;
- OAuth token, revoke and introspect forms (every grant type; missing, repeated and odd fields;
  good and broken HTTP Basic headers; the wrong content types);
- raw byte bodies with odd content types, to every endpoint that takes a body;
- a few control-plane calls (journal find/count, clock) with junk.

A generated :class:`Request` names the user it targets by role (``{user}`` in its path: an
existing user, a missing one, an odd id) and its credentials by role (``auth``), because the ids
and tokens only exist once a fake runs: :meth:`Request.resolve` fills them in.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "fixtures" / "schemas"
SAMPLES = ROOT / "tests" / "samples"

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

#: The default account's credentials (fixtures/accounts/default.json): valid requests need them.
CLIENT_ID = "mockrc-client-id"
CLIENT_SECRET = "mockrc-client-secret"
USERNAMES = ("admin@mockrc.test", "101", "+16505550101", "user@mockrc.test")
PASSWORDS = ("mockrc-admin-password", "mockrc-user-password")
JWTS = ("mockrc-admin-jwt", "mockrc-user-jwt")
REDIRECT_URI = "http://localhost:8080/callback"

# --- drawing ----------------------------------------------------------------------------------------


class Draw(Protocol):
    """The primitive choices every generator is made of."""

    def integer(self, low: int, high: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def text(self, alphabet: str, max_size: int, min_size: int = 0) -> str: ...


class RandomDraw:
    """Choices from a seeded :class:`random.Random` (the fuzz benchmark: fast, repeatable)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._rng.randrange(len(options))]

    def text(self, alphabet: str, max_size: int, min_size: int = 0) -> str:
        size = self._rng.randint(min_size, max_size)
        return "".join(self._rng.choices(alphabet, k=size))


class HypothesisDraw:
    """Choices drawn by hypothesis (the property tests: searched and shrunk)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw

    def integer(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options))

    def text(self, alphabet: str, max_size: int, min_size: int = 0) -> str:
        return self._draw(st.text(alphabet=alphabet, min_size=min_size, max_size=max_size))


def chance(d: Draw, percent: int) -> bool:
    """True ``percent`` times in 100 (hypothesis shrinks towards False)."""
    return d.integer(0, 99) >= 100 - percent


def weighted(d: Draw, table: Sequence[tuple[int, T]]) -> T:
    """One of ``table``'s values, with the given weights (shrinks towards the first)."""
    pick = d.integer(0, sum(w for w, _ in table) - 1)
    for weight, value in table:
        if pick < weight:
            return value
        pick -= weight
    raise AssertionError("unreachable")


NAME_CHARS = string.ascii_letters + string.digits
ASCII = string.printable
#: Text that breaks naive code: quotes, backslashes, markup, controls, NUL, bidi and zero-width
#: marks, line separators, combining marks, astral characters, full-width digits.
UNICODE = (
    "aZ09 .-_@+'\"\\/<>&%{}[]()\t\n\r\x00\x07\x7f"
    "éßüñÅ中文字😀🧪\u200b\u200d\u202e\u2028\u2029\u0301\ufeff\uffff\uff11\uff12"
)

#: Lengths of long strings and arrays: small, about the size limits a server should state, past them.
LONG_LENGTHS = (0, 1, 100, 1_000, 5_000)
STRING_LENGTHS = (0, 1, 255, 10_000, 100_000, 1_100_000)
NESTING_DEPTHS = (2, 50, 600, 1_100, 5_000)
NUMBER_DIGITS = (1, 19, 20, 400, 4_301, 10_000)


def short_text(d: Draw, alphabet: str = NAME_CHARS, max_size: int = 12) -> str:
    return d.text(alphabet, max_size)


def word(d: Draw) -> str:
    return d.text(string.ascii_lowercase, 10, min_size=1)


# --- JSON with what json.dumps cannot write -----------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is: lone surrogates, huge numbers, NaN, deep nesting, broken syntax."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """A JSON object whose members may repeat (RFC 8259 §4 leaves repeated names undefined)."""

    items: tuple[tuple[str, Any], ...]


class _Full(Exception):
    """The text being written reached its budget: the rest would be cut off anyway."""


def to_json(value: Any, budget: int | None = None) -> str:
    """``value`` as JSON text; :class:`Raw` and :class:`Pairs` as they say.

    With a ``budget``, writing stops once the text holds at least ``budget`` characters, and the
    text is cut there: a body is cut to :data:`MAX_BODY_BYTES` before it is sent, and a value
    repeated thousands of times inside a repetition (a list of copies of one object, which a later
    mutation gives a 1 MB string) would otherwise be written out whole first, taking minutes and
    gigabytes for bytes nobody sends. The first ``budget`` characters are the same either way.
    Generated values are shallow (deep nesting only ever comes as :class:`Raw` text), so the
    recursion is bounded."""
    parts: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)
        if budget is not None and size >= budget:
            raise _Full

    def write(item: Any) -> None:
        if isinstance(item, Raw):
            put(item.text)
        elif isinstance(item, Pairs | dict):
            put("{")
            for index, (key, sub) in enumerate(item.items if isinstance(item, Pairs) else item.items()):
                put(("," if index else "") + json.dumps(key) + ":")
                write(sub)
            put("}")
        elif isinstance(item, list | tuple):
            put("[")
            for index, sub in enumerate(item):
                if index:
                    put(",")
                write(sub)
            put("]")
        else:
            put(json.dumps(item))

    try:
        write(value)
    except _Full:
        return "".join(parts)[:budget]
    return "".join(parts)


def nested(depth: int, kind: str = "array") -> Raw:
    """A value nested ``depth`` levels deep (arrays, objects or both), built as text."""
    if kind == "array":
        return Raw("[" * depth + "1" + "]" * depth)
    if kind == "object":
        return Raw('{"a":' * depth + "1" + "}" * depth)
    return Raw('[{"a":' * (depth // 2) + "1" + "}]" * (depth // 2))


def huge_number(d: Draw) -> Raw:
    digits = d.choice(NUMBER_DIGITS)
    form = d.choice(("int", "negative", "float", "exponent", "special"))
    if form == "special":
        return Raw(d.choice(("NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "-0")))
    body = "9" * digits
    if form == "negative":
        return Raw("-" + body)
    if form == "float":
        return Raw(body + "." + "1" * digits)
    if form == "exponent":
        return Raw(f"1e{body[:6]}")
    return Raw(body)


def odd_string(d: Draw) -> Any:
    """A string value nobody expects: long, unicode, escaped lone surrogates, empty."""
    form = d.choice(("unicode", "long", "surrogate", "empty", "escapes", "spaces"))
    if form == "unicode":
        return d.text(UNICODE, 40, min_size=1)
    if form == "long":
        return "x" * d.choice(STRING_LENGTHS)
    if form == "surrogate":
        return Raw(d.choice(('"\\ud800"', '"a\\udfff"', '"\\udc00\\ud800"', '"\\ud83d"', '"\\u0000"')))
    if form == "escapes":
        return Raw('"' + "\\" + d.choice(("x41", "u12", "q", "")) + '"')
    if form == "spaces":
        return d.choice((" ", "\t", "\u00a0", "  a  "))
    return ""


def junk_value(d: Draw, depth: int = 0) -> Any:
    """Any JSON value, shallow, of any type."""
    kinds: list[tuple[int, str]] = [
        (3, "string"),
        (2, "int"),
        (1, "float"),
        (2, "bool"),
        (1, "null"),
        (1, "odd-string"),
        (1, "huge"),
    ]
    if depth < 2:
        kinds += [(1, "list"), (1, "object")]
    kind = weighted(d, kinds)
    if kind == "string":
        return short_text(d, ASCII, 16)
    if kind == "int":
        return d.choice((0, 1, -1, 42, 2**31, 2**63, -(2**63) - 1))
    if kind == "float":
        return d.choice((0.5, -1.5, 1e300, 3.0))
    if kind == "bool":
        return d.choice((True, False))
    if kind == "null":
        return None
    if kind == "odd-string":
        return odd_string(d)
    if kind == "huge":
        return huge_number(d)
    if kind == "list":
        return [junk_value(d, depth + 1) for _ in range(d.integer(0, 3))]
    return {short_text(d, NAME_CHARS, 8): junk_value(d, depth + 1) for _ in range(d.integer(0, 3))}


# --- from the JSON Schemas ----------------------------------------------------------------------------


def load_schema(relative: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / relative).read_text(encoding="utf-8"))


RINGCENTRAL_USER = load_schema("ringcentral/user.schema.json")
SCIM_USER = load_schema("scim/user.schema.json")
SEARCH_SCHEMA = load_schema("common/search-request.schema.json")
PATCH_SCHEMA = load_schema("common/patch-op.schema.json")


def from_schema(d: Draw, schema: dict[str, Any], depth: int = 0) -> Any:
    """A value shaped by ``schema``: the subset of JSON Schema the project's schemas use
    (type, const, enum, properties, required, items, minItems, contains, minLength). Optional
    members are included at random; refs and patterns are not followed (such values are junk)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return d.choice(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = d.choice(kind)
    if kind == "object" or "properties" in schema:
        out: dict[str, Any] = {}
        required = set(schema.get("required", ()))
        for name, sub in schema.get("properties", {}).items():
            if name in required or (depth < 3 and chance(d, 50)):
                out[name] = from_schema(d, sub, depth + 1)
        return out
    if kind == "array":
        items = schema.get("items", {})
        size = d.integer(schema.get("minItems", 0), max(schema.get("minItems", 0), 2))
        values = [from_schema(d, items, depth + 1) for _ in range(size)]
        if "contains" in schema:
            values.insert(0, from_schema(d, schema["contains"], depth + 1))
        return values
    if kind == "string":
        return d.text(NAME_CHARS + "@.", 16, min_size=schema.get("minLength", 0))
    if kind == "boolean":
        return d.choice((True, False))
    if kind == "integer":
        return d.integer(-5, 1_000)
    if kind == "number":
        return d.choice((0, 1.5, -3))
    return junk_value(d, depth)


# --- SCIM Users -----------------------------------------------------------------------------------------


def _load_samples() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(SAMPLES.glob("*.json")):
        if path.name == "expectations.json":
            continue
        found[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return found


SAMPLE_BODIES = _load_samples()
assert SAMPLE_BODIES, f"no request samples in {SAMPLES}"
USER_SAMPLES = tuple(body for body in SAMPLE_BODIES.values() if "userName" in body or "name" in body)
PATCH_SAMPLES = tuple(body for body in SAMPLE_BODIES.values() if "Operations" in body)
SEARCH_SAMPLES = tuple(
    body for body in SAMPLE_BODIES.values() if SEARCH_REQUEST in body.get("schemas", ()) or "filter" in body
)


def valid_user(d: Draw) -> dict[str, Any]:
    """A body RingCentral accepts: userName is the one work email, both name parts present."""
    local = word(d) + str(d.integer(0, 10**6))
    email = f"{local}@{d.choice(('example.com', 'contoso.com', 'mockrc.test'))}"
    body: dict[str, Any] = {
        "schemas": [CORE],
        "userName": email,
        "name": {"givenName": word(d).title(), "familyName": word(d).title()},
        "emails": [{"type": "work", "value": email}],
    }
    if chance(d, 40):
        body["externalId"] = local
    if chance(d, 40):
        body["active"] = d.choice((True, False))
    if chance(d, 40):
        body["title"] = d.text(NAME_CHARS + " ", 20, min_size=1)
    if chance(d, 30):
        body["phoneNumbers"] = [{"type": "mobile", "value": f"+1 425 555 {d.integer(1000, 9999)}"}]
    if chance(d, 10):
        body["password"] = d.choice(PASSWORDS)  # RFC 7643 §4.1.1: write-only, never returned
    if chance(d, 30):
        body["schemas"].append(ENTERPRISE)
        body[ENTERPRISE] = {"department": word(d)}
    return body


def user_body(d: Draw) -> Any:
    """A User body: valid, a sample, from a schema, each mutated or not."""
    source = weighted(d, [(5, "valid"), (2, "sample"), (2, "ringcentral-schema"), (1, "scim-schema")])
    if source == "valid":
        body: Any = valid_user(d)
    elif source == "sample":
        body = copy.deepcopy(d.choice(USER_SAMPLES))
    elif source == "ringcentral-schema":
        body = from_schema(d, RINGCENTRAL_USER)
    else:
        body = from_schema(d, SCIM_USER)
    if chance(d, 65):
        body = mutate(d, body)
    return body


# --- mutations ------------------------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def _containers(value: Any, path: Path_ = (), out: list[Path_] | None = None) -> list[Path_]:
    """Paths to every dict and list inside ``value`` (shallow generated values: bounded)."""
    out = [] if out is None else out
    if isinstance(value, dict):
        out.append(path)
        for key, sub in value.items():
            _containers(sub, (*path, key), out)
    elif isinstance(value, list):
        out.append(path)
        for index, sub in enumerate(value[:20]):
            _containers(sub, (*path, index), out)
    return out


def _at(value: Any, path: Path_) -> Any:
    for step in path:
        value = value[step]
    return value


def _retyped(d: Draw, old: Any) -> Any:
    """A value of another JSON type than ``old``."""
    for _ in range(4):
        new = junk_value(d)
        if type(new) is not type(old):
            return new
    return None if old is not None else "null"


def mutate(d: Draw, body: Any) -> Any:
    """``body`` with one to three things wrong with it (a deep copy; ``body`` is not changed)."""
    body = copy.deepcopy(body)
    for _ in range(d.integer(1, 3)):
        body = _mutate_once(d, body)
    return body


def _mutate_once(d: Draw, body: Any) -> Any:
    paths = _containers(body)
    if not paths:
        return junk_value(d)
    target_path = d.choice(paths)
    target = _at(body, target_path)
    kind = weighted(
        d,
        [
            (3, "retype"),
            (2, "drop"),
            (2, "duplicate"),
            (1, "nest"),
            (2, "huge-number"),
            (2, "odd-string"),
            (2, "long-array"),
            (1, "odd-key"),
            (1, "case"),
            (1, "replace-whole"),
        ],
    )
    if isinstance(target, list):
        if not target or kind in ("drop", "case", "odd-key"):
            target.append(junk_value(d))
        elif kind == "long-array":
            filler = d.choice((target[0], junk_value(d), 1))
            target.extend([filler] * _repeats(d, filler))
        else:
            index = d.integer(0, len(target) - 1)
            target[index] = _replacement(d, kind, target[index])
        return body
    # A dict.
    keys = list(target)
    if not keys or kind == "odd-key":
        target[d.choice(("", " ", "__proto__", "userName ", "USERNAME", "a" * 10_000, "\u00e9", "$ref"))] = (
            junk_value(d)
        )
        return body
    key = d.choice(keys)
    if kind == "drop":
        del target[key]
        return body
    if kind == "duplicate":
        items = [(k, v) for k, v in target.items()]
        items.insert(d.integer(0, len(items)), (key, _retyped(d, target[key])))
        return _replace_node(body, target_path, Pairs(tuple(items)))
    if kind == "case":
        value = target.pop(key)
        target[d.choice((key.upper(), key.lower(), key.swapcase()))] = value
        return body
    if kind == "long-array":
        target[key] = [target[key]] * _repeats(d, target[key])
        return body
    target[key] = _replacement(d, kind, target[key])
    return body


#: The largest body a repetition may build: past RingCentral's 10 MB limit (a 413 is worth
#: asking for), not so far past it that building the text costs the client gigabytes.
MAX_BODY_BYTES = 12 * 1024 * 1024


def _repeats(d: Draw, value: Any) -> int:
    """How many copies of ``value`` a long array gets: one of :data:`LONG_LENGTHS`, within
    :data:`MAX_BODY_BYTES` (a copy of a 1 MB string is 1 MB of body)."""
    size = len(to_json(value, MAX_BODY_BYTES)) + 1
    return min(d.choice(LONG_LENGTHS), MAX_BODY_BYTES // size)


def _replacement(d: Draw, kind: str, old: Any) -> Any:
    if kind == "nest":
        return nested(d.choice(NESTING_DEPTHS), d.choice(("array", "object", "mixed")))
    if kind == "huge-number":
        return huge_number(d)
    if kind == "odd-string":
        return odd_string(d)
    if kind == "replace-whole":
        return junk_value(d)
    return _retyped(d, old)


def _replace_node(body: Any, path: Path_, new: Any) -> Any:
    if not path:
        return new
    parent = _at(body, path[:-1])
    parent[path[-1]] = new
    return body


def body_bytes(d: Draw, value: Any) -> bytes:
    """``value`` as JSON bytes, sometimes spoilt as text: truncated, trailing junk, a BOM, or the
    whole body replaced by a top-level non-object or nested thousands deep."""
    spoil = weighted(
        d,
        [
            (12, "none"),
            (1, "truncate"),
            (1, "trailing"),
            (1, "bom"),
            (1, "top-level"),
            (1, "deep"),
            (1, "empty"),
        ],
    )
    if spoil == "top-level":
        value = d.choice(([], "text", 1, None, [{"schemas": [CORE]}], Raw("1" * 5000)))
    if spoil == "deep":
        return to_json(nested(d.choice(NESTING_DEPTHS), d.choice(("array", "object", "mixed")))).encode()
    if spoil == "empty":
        return d.choice((b"", b" ", b"\n"))
    # Characters, then bytes: the first MAX_BODY_BYTES characters encode to at least as many bytes.
    text = to_json(value, MAX_BODY_BYTES).encode("utf-8", "surrogatepass")[:MAX_BODY_BYTES]
    if b'"password"' in text and chance(d, 30):
        text = text.replace(b'"password"', b'"pass\\u0077ord"')  # the same name, escaped
    if spoil == "truncate" and text:
        return text[: d.integer(0, len(text) - 1)]
    if spoil == "trailing":
        return text + d.choice((b"x", b"}", b"\x00", b" {}", b"\xff"))
    if spoil == "bom":
        return b"\xef\xbb\xbf" + text
    return text


# --- requests -----------------------------------------------------------------------------------------

#: Roles a ``{user}`` placeholder in a path resolves to.
USER_ROLES = ("existing", "missing", "odd")
SCIM_JSON = "application/scim+json"


@dataclass
class Request:
    """One generated HTTP request; ``{user}`` in ``path`` and ``auth`` resolve against a running fake.

    ``auth`` is ``"admin"`` (a valid admin bearer token, the default), ``"none"`` (no
    Authorization header) or ``"given"`` (``headers`` already holds the one to send).
    """

    family: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    auth: str = "admin"
    user_role: str = "existing"
    odd_user: str = ""

    @property
    def is_control(self) -> bool:
        return self.path.startswith("/__mockrc")

    def resolve(self, token: str, existing_user: str | None) -> tuple[str, dict[str, str]]:
        """The path and headers to send, given the fake's admin token and one of its user ids."""
        if self.user_role == "existing" and existing_user:
            user = quote(existing_user, safe="")
        elif self.user_role == "odd":
            user = self.odd_user
        else:
            user = "4000000000000000099"
        headers = dict(self.headers)
        if self.auth == "admin":
            headers["Authorization"] = f"Bearer {token}"
        return self.path.replace("{user}", user), headers

    def describe(self) -> str:
        """What to paste into a bug report: method, path, headers and the body, long parts cut."""
        body = b"" if self.body is None else self.body
        shown = body[:300] + (f"... ({len(body):,} bytes)".encode() if len(body) > 300 else b"")
        path = self.path if len(self.path) <= 300 else f"{self.path[:300]}... ({len(self.path):,} characters)"
        headers = {k: v if len(v) <= 200 else f"{v[:200]}... ({len(v):,})" for k, v in self.headers.items()}
        user = f" (user: {self.user_role} {self.odd_user[:60]!r})" if "{user}" in self.path else ""
        return f"{self.method} {path}{user} auth={self.auth} headers={headers} body={shown!r}"

    def __repr__(self) -> str:
        # Hypothesis prints falsifying examples with repr: a megabyte body would drown the report.
        return f"<Request {self.describe()}>"


def _json_request(
    d: Draw, family: str, method: str, path: str, value: Any, *, content_types: Sequence[str] = ()
) -> Request:
    content_type = weighted(
        d,
        [
            (10, SCIM_JSON),
            (4, "application/json"),
            (1, "application/json; charset=utf-8"),
            (1, d.choice((*content_types, "text/plain", "application/scim+json; charset=latin-1"))),
        ],
    )
    return Request(family, method, path, {"Content-Type": content_type}, body_bytes(d, value))


def _user_role(d: Draw, request: Request) -> Request:
    request.user_role = weighted(d, [(8, "existing"), (1, "missing"), (1, "odd")])
    if request.user_role == "odd":
        request.odd_user = d.choice(
            (
                "%00",
                "..",
                "%2F",
                "a" * 5_000,
                quote("é😀", safe=""),
                "-1",
                "9" * 400,
                "%25",
                "%ff",
                quote(d.text(UNICODE, 10, min_size=1).replace("\x00", ""), safe=""),
            )
        )
    return request


def create_user(d: Draw) -> Request:
    return _json_request(d, "scim.create", "POST", "/scim/v2/Users", user_body(d))


def replace_user(d: Draw) -> Request:
    return _user_role(d, _json_request(d, "scim.replace", "PUT", "/scim/v2/Users/{user}", user_body(d)))


# --- PATCH ------------------------------------------------------------------------------------------------

PATCH_PATHS = (
    "title",
    "active",
    "name.givenName",
    "name.familyName",
    "userName",
    "externalId",
    "displayName",
    'emails[type eq "work"].value',
    'phoneNumbers[type eq "mobile"].value',
    'addresses[type eq "work"].locality',
    "phoneNumbers",
    "emails",
    "addresses",
    f"{ENTERPRISE}:department",
    f"{ENTERPRISE}:manager",
    f"{CORE}:title",
    "members",
    'members[value eq "271"]',
    "meta.lastModified",
    "id",
    "password",
    "name",
    "nonexistent",
    "emails[",
    'emails[value co "@"]',
    "name.givenName.x",
)


def patch_value(d: Draw, path: str | None) -> Any:
    if path is None:
        return d.choice(
            (
                {"title": word(d), "name.familyName": word(d)},
                {"active": d.choice((False, "False", "true"))},
                {f"{ENTERPRISE}:department": word(d)},
                {"userName": f"{word(d)}@example.com"},
                {"emails": [{"type": "work", "value": f"{word(d)}@example.com"}]},
                junk_value(d),
            )
        )
    if path == "password":
        return d.choice(PASSWORDS)
    if path == "active":
        return d.choice((False, True, "False", "True", "false", "yes", 0))
    if path in ("emails", "phoneNumbers", "addresses", "members"):
        return d.choice(
            (
                [{"type": "work", "value": f"{word(d)}@example.com"}],
                [{"type": "mobile", "value": "+1 425 555 0100"}],
                [{"value": "271", "$ref": None}],
                [],
            )
        )
    if chance(d, 70):
        return d.text(NAME_CHARS + " @.", 20, min_size=1)
    return junk_value(d)


def patch_operation(d: Draw) -> dict[str, Any]:
    op = weighted(
        d,
        [
            (4, "replace"),
            (3, "add"),
            (2, "remove"),
            (1, "Replace"),
            (1, "Add"),
            (1, "Remove"),
            (1, d.choice(("REPLACE", "delete", "", "move", "copy", "test"))),
        ],
    )
    operation: dict[str, Any] = {"op": op}
    path: str | None = None
    if chance(d, 80):
        path = d.choice(PATCH_PATHS) if chance(d, 85) else filter_text(d)
        operation["path"] = path
    if not op.lower().startswith("remove") or chance(d, 20):
        operation["value"] = patch_value(d, path)
    return operation


def patch_body(d: Draw) -> Any:
    if chance(d, 15):
        body: Any = copy.deepcopy(d.choice(PATCH_SAMPLES))
    else:
        body = {"schemas": [PATCH_OP], "Operations": [patch_operation(d) for _ in range(d.integer(1, 4))]}
    if chance(d, 5):
        body["Operations"] = body["Operations"] * _repeats(d, body["Operations"])
    if chance(d, 35):
        body = mutate(d, body)
    return body


def patch_user(d: Draw) -> Request:
    return _user_role(d, _json_request(d, "scim.patch", "PATCH", "/scim/v2/Users/{user}", patch_body(d)))


# --- filters ----------------------------------------------------------------------------------------------

FILTER_ATTRIBUTES = (
    "userName",
    "emails.value",
    'emails[type eq "work"].value',
    "name.givenName",
    "name.familyName",
    "externalId",
    "id",
    "active",
    "title",
    "displayName",
    "meta.lastModified",
    "meta.created",
    f"{CORE}:userName",
    f"{ENTERPRISE}:department",
    "emails",
    "phoneNumbers.value",
    "unknownAttribute",
    "$ref",
    "name",
)
OPERATORS = ("eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "EQ", "Eq")
ODD_OPERATORS = ("==", "like", "in", "", "eqq", "!=", "pr pr", "~")


def filter_value(d: Draw) -> str:
    kind = weighted(d, [(6, "string"), (1, "bool"), (1, "null"), (1, "number"), (1, "date"), (1, "odd")])
    if kind == "string":
        return json.dumps(d.text(NAME_CHARS + "@. ", 16), ensure_ascii=d.choice((True, False)))
    if kind == "bool":
        return d.choice(("true", "false", "True", "FALSE"))
    if kind == "null":
        return "null"
    if kind == "number":
        return d.choice(("0", "-1", "1.5", "1e3", "9" * d.choice(NUMBER_DIGITS)))
    if kind == "date":
        return '"2011-05-13T04:42:34Z"'
    return d.choice(('"unterminated', "'single'", '"a\\"b"', '"\\ud800"', "bare", '"' + "x" * 10_000 + '"'))


def filter_text(d: Draw, depth: int = 0) -> str:
    """A filter in RFC 7644's grammar (most of the time: the operators and values stray)."""
    kinds: list[tuple[int, str]] = [(6, "compare"), (1, "present")]
    if depth < 3:
        kinds += [(2, "and-or"), (1, "not"), (1, "value-path"), (1, "paren")]
    kind = weighted(d, kinds)
    attribute = d.choice(FILTER_ATTRIBUTES)
    if kind == "compare":
        op = d.choice(OPERATORS) if chance(d, 90) else d.choice(ODD_OPERATORS)
        return f"{attribute} {op} {filter_value(d)}"
    if kind == "present":
        return f"{attribute} pr"
    if kind == "and-or":
        joiner = d.choice(("and", "or", "AND", "Or"))
        return f"{filter_text(d, depth + 1)} {joiner} {filter_text(d, depth + 1)}"
    if kind == "not":
        return f"not ({filter_text(d, depth + 1)})"
    if kind == "value-path":
        return f"{d.choice(('emails', 'phoneNumbers', 'addresses'))}[{filter_text(d, depth + 1)}]"
    return f"({filter_text(d, depth + 1)})"


#: The longest filter a repetition may build: past the live server's request-line limit
#: (``mockrc.limits.Limits.server_head_bytes``, so waitress's own 431 is still asked for), not so
#: far past it that building and quoting the text costs the client more than sending it.
MAX_QUERY_CHARS = 1_200_000


def hostile_filter(d: Draw) -> str:
    """A filter, often mutated: unbalanced or deeply nested parentheses, truncation, junk."""
    text = filter_text(d)
    kind = weighted(
        d,
        [
            (5, "none"),
            (1, "unbalance"),
            (2, "deep"),
            (1, "truncate"),
            (1, "junk"),
            (1, "long"),
            (1, "empty"),
        ],
    )
    if kind == "unbalance":
        return d.choice(("(" + text, text + ")", text.replace("(", "", 1), "((" + text + ")"))
    if kind == "deep":
        depth = d.choice((10, 100, 250, 1_000, 10_000))
        opener = d.choice(("(", "not (", "not(", "emails["))
        return opener * depth + text + (")" if opener != "emails[" else "]") * depth
    if kind == "truncate" and text:
        return text[: d.integer(0, len(text) - 1)]
    if kind == "junk":
        at = d.integer(0, len(text))
        return text[:at] + d.text(UNICODE + "()[]\"'", 6, min_size=1) + text[at:]
    if kind == "long":
        joiner = d.choice((" or ", " and "))
        # Bounded before it is built: 20,000 copies of a filter holding a 10,000-character value
        # would be 200 MB of text (seconds of the client's time) for a request cut at far less.
        copies = min(d.choice((10, 1_000, 20_000)), MAX_QUERY_CHARS // (len(text) + len(joiner)))
        return joiner.join([text] * max(copies, 1))
    if kind == "empty":
        return d.choice(("", " ", "\t"))
    return text


INTEGERS = (
    "1",
    "0",
    "-1",
    "10",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 400,
    "9" * 5_000,
    "abc",
    "1.5",
    " 3 ",
    "",
    "0x10",
    "\uff11",
    "1e3",
    "+5",
    "\u0663",
    "1_000",
    "NaN",
)


def attribute_list(d: Draw) -> str:
    kind = weighted(d, [(4, "normal"), (1, "long"), (1, "odd")])
    if kind == "normal":
        return ",".join(d.choice(FILTER_ATTRIBUTES) for _ in range(d.integer(1, 3)))
    if kind == "long":
        return ",".join(["userName"] * d.choice(LONG_LENGTHS) + ["emails"])
    return d.choice(("", ",", ",,,", "a" * 10_000, "userName,", "name.givenName.x", 'emails[type eq "work"]'))


def query_parameters(d: Draw) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if chance(d, 60):
        params.append(("filter", hostile_filter(d)))
    for name in ("startIndex", "count"):
        if chance(d, 50):
            params.append((name, d.choice(INTEGERS) if chance(d, 70) else str(d.integer(-5, 200))))
    if chance(d, 25):
        params.append((d.choice(("attributes", "excludedAttributes")), attribute_list(d)))
    if chance(d, 10):
        params.append((d.choice(("sortBy", "sortOrder", "unknown", "", "filter")), short_text(d, ASCII)))
    if params and chance(d, 10):
        params.append(d.choice(params))  # a repeated parameter
    return params


def list_users(d: Draw) -> Request:
    params = query_parameters(d)
    query = urlencode(params, quote_via=quote) if params else ""
    return Request("scim.list", "GET", "/scim/v2/Users" + (f"?{query}" if query else ""))


def search_body(d: Draw) -> Any:
    source = weighted(d, [(4, "built"), (1, "sample"), (1, "schema")])
    if source == "sample":
        body: Any = copy.deepcopy(d.choice(SEARCH_SAMPLES))
    elif source == "schema":
        body = from_schema(d, SEARCH_SCHEMA)
    else:
        body = {"schemas": [SEARCH_REQUEST]}
        if chance(d, 70):
            body["filter"] = hostile_filter(d)
        for name in ("startIndex", "count"):
            if chance(d, 40):
                raw = d.choice(INTEGERS)
                body[name] = int(raw) if raw.lstrip("-").isdigit() and len(raw) < 30 else raw
        if chance(d, 30):
            body[d.choice(("attributes", "excludedAttributes"))] = attribute_list(d).split(",")
    if chance(d, 35):
        body = mutate(d, body)
    return body


def search_users(d: Draw) -> Request:
    path = "/scim/v2/Users/.search" if chance(d, 85) else "/scim/v2/.search"
    return _json_request(d, "scim.search", "POST", path, search_body(d))


def read_user(d: Draw) -> Request:
    method = weighted(d, [(5, "GET"), (1, "DELETE"), (1, d.choice(("HEAD", "OPTIONS", "POST")))])
    path = "/scim/v2/Users/{user}"
    if chance(d, 20):
        path += "?" + urlencode(query_parameters(d), quote_via=quote)
    return _user_role(d, Request("scim.read", method, path))


def discovery(d: Draw) -> Request:
    path = d.choice(
        (
            "/scim/v2/ServiceProviderConfig",
            "/scim/v2/ResourceTypes",
            "/scim/v2/ResourceTypes/User",
            "/scim/v2/Schemas",
            f"/scim/v2/Schemas/{CORE}",
            "/scim/v2/Schemas/urn:nope",
            "/scim/v2/Groups",
            "/scim/v2",
            "/scim/v2/Users/a/b",
            "/scim/v2/Schemas?filter=" + quote(hostile_filter(d), safe=""),
        )
    )
    return Request("scim.discovery", d.choice(("GET", "GET", "GET", "PUT")), path)


# --- credentials ----------------------------------------------------------------------------------------


def bad_authorization(d: Draw) -> str:
    """An Authorization header that should be refused, never crash anything."""
    return d.choice(
        (
            "Bearer",
            "Bearer ",
            "Bearer not-a-token",
            "bearer " + "x" * 10_000,
            "Basic",
            "Basic !!!",
            "Basic " + base64.b64encode(b"no-colon").decode(),
            "Basic " + base64.b64encode(b":").decode(),
            "Basic " + base64.b64encode("é:ü".encode()).decode(),
            "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode(),
            "Basic " + base64.b64encode(f"{CLIENT_ID}:wrong".encode()).decode(),
            "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode() + "===",
            "Digest username=x",
            "Token abc",
            "Bearer a b c",
            "Bearer \u00e9\u00ff",
            "Bearer\tx",
        )
    )


def scim_auth(d: Draw, request: Request) -> Request:
    """Most SCIM requests carry the admin token; some none, some a broken header."""
    auth = weighted(d, [(12, "admin"), (1, "none"), (1, "given")])
    request.auth = auth
    if auth == "given":
        request.headers["Authorization"] = bad_authorization(d)
    return request


# --- OAuth ----------------------------------------------------------------------------------------------

GRANT_TYPES = (
    "password",
    "client_credentials",
    "refresh_token",
    "authorization_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:device_code",
    "implicit",
    "",
    "PASSWORD",
)


def _grant_fields(d: Draw, grant: str) -> list[tuple[str, str]]:
    if grant == "password":
        return [("username", d.choice(USERNAMES)), ("password", d.choice((*PASSWORDS, "wrong", "")))]
    if grant == "refresh_token":
        return [("refresh_token", d.choice(("junk", "", "x" * 5_000)))]
    if grant == "authorization_code":
        fields = [
            ("code", d.choice(("junk", "", "U0pDMTFQMDFQQVMwMHxBQUFVU1VsVUNzVlJNNnd4"))),
        ]
        fields.append(("redirect_uri", d.choice((REDIRECT_URI, "http://evil.example/", "not a uri", ""))))
        if chance(d, 50):
            fields.append(("code_verifier", d.choice(("a" * 43, "short", "a" * 129, "é" * 50, ""))))
        return fields
    if grant.endswith("jwt-bearer"):
        return [("assertion", d.choice((*JWTS, "junk", "", "a.b.c")))]
    return []


def oauth_form(d: Draw) -> list[tuple[str, str]]:
    grant = d.choice(GRANT_TYPES)
    form = [("grant_type", grant)] if chance(d, 92) else []
    form += _grant_fields(d, grant)
    optional = {
        "scope": ("ReadAccounts", "ReadAccounts EditAccounts", "Nope", "", "Read Accounts ", "a" * 1000),
        "access_token_ttl": ("3600", "0", "-1", "99999999999999999999", "abc", "1e3", "9" * 5000),
        "refresh_token_ttl": ("604800", "0", "-5", "abc", "9" * 5000),
        "endpoint_id": ("abc", "", "é", "a" * 200),
        "client_id": (CLIENT_ID, "nope", ""),
        "client_secret": (CLIENT_SECRET, "wrong", ""),
        "client_assertion_type": ("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "x"),
        "extension": ("101", "", "abc"),
        # Credentials of another grant: refused as unsupported, and their values must not be echoed.
        "password": PASSWORDS,
        "assertion": JWTS,
        d.text(NAME_CHARS + "_[]", 10): ("x", ""),
    }
    for name, values in optional.items():
        if chance(d, 12):
            form.append((name, d.choice(values)))
    if form and chance(d, 15):
        form.append((form[d.integer(0, len(form) - 1)][0], d.choice(("x", "", "password"))))  # a repeat
    if form and chance(d, 10):
        del form[d.integer(0, len(form) - 1)]
    return form


def _client_authorization(d: Draw, request: Request) -> Request:
    kind = weighted(d, [(6, "basic"), (2, "none"), (2, "bad"), (1, "bearer")])
    # "bearer": the admin's access token where client credentials belong (its echo is a leak).
    request.auth = {"none": "none", "bearer": "admin"}.get(kind, "given")
    if kind == "basic":
        request.headers["Authorization"] = (
            "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        )
    elif kind == "bad":
        request.headers["Authorization"] = bad_authorization(d)
    return request


FORM = "application/x-www-form-urlencoded"


def _form_request(d: Draw, family: str, path: str, form: list[tuple[str, str]]) -> Request:
    content_type = weighted(
        d,
        [
            (10, FORM),
            (1, FORM + "; charset=utf-8"),
            (1, d.choice(("application/json", "multipart/form-data; boundary=x", "text/plain", ""))),
            (1, FORM + "; charset=utf-16"),
        ],
    )
    body = urlencode(form).encode()
    if chance(d, 5):
        body = d.choice((b"%", b"a=%zz", b"&&&=", b"\xff\xfe=1", b"a" * 100_000, b"=x"))
    headers = {"Content-Type": content_type} if content_type else {}
    return _client_authorization(d, Request(family, "POST", path, headers, body))


def token_request(d: Draw) -> Request:
    return _form_request(d, "oauth.token", "/restapi/oauth/token", oauth_form(d))


def revoke_request(d: Draw) -> Request:
    form: list[tuple[str, str]] = []
    if chance(d, 85):
        form.append(("token", d.choice(("junk", "", "x" * 5_000, "mockrc-nope"))))
    if chance(d, 30):
        form.append(("token_type_hint", d.choice(("access_token", "refresh_token", "nope"))))
    if form and chance(d, 15):
        form.append(form[0])
    path = d.choice(("/restapi/oauth/revoke", "/restapi/oauth/introspect"))
    if chance(d, 15):
        path += "?" + urlencode({"token": d.choice(("junk", "other", ""))})
    return _form_request(d, "oauth.revoke", path, form)


def userinfo_request(d: Draw) -> Request:
    request = Request("oauth.userinfo", "GET", "/restapi/oauth/userinfo")
    return scim_auth(d, request)


# --- raw bodies, control plane ----------------------------------------------------------------------

BODY_PATHS = (
    ("POST", "/scim/v2/Users"),
    ("PUT", "/scim/v2/Users/{user}"),
    ("PATCH", "/scim/v2/Users/{user}"),
    ("POST", "/scim/v2/Users/.search"),
    ("POST", "/restapi/oauth/token"),
    ("POST", "/restapi/oauth/revoke"),
    ("POST", "/restapi/oauth/introspect"),
)
ODD_CONTENT_TYPES = (
    "application/json",
    "application/scim+json",
    "application/scim+json; charset=utf-16",
    "application/json; charset=bogus",
    "application/json; charset=latin-1",
    "text/plain",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    FORM,
    "",
    "a/b/c",
    "application/" + "x" * 5_000,
    "application/json;;;",
)


def raw_body(d: Draw) -> Request:
    method, path = d.choice(BODY_PATHS)
    kind = d.choice(("bytes", "latin1", "utf16", "nul", "form-ish", "huge"))
    if kind == "bytes":
        body = bytes(d.integer(0, 255) for _ in range(d.integer(0, 40)))
    elif kind == "latin1":
        body = '{"userName":"\xe9"}'.encode("latin-1")
    elif kind == "utf16":
        body = '{"schemas":[]}'.encode("utf-16")
    elif kind == "nul":
        body = b"\x00" * d.integer(1, 100)
    elif kind == "form-ish":
        body = b"grant_type=password&username=%ff%fe&password=\xff"
    else:
        body = b"[" * d.choice((1_000, 100_000))
    content_type = d.choice(ODD_CONTENT_TYPES)
    headers = {"Content-Type": content_type} if content_type else {}
    request = Request("raw", method, path, headers, body)
    if path.startswith("/scim"):
        _user_role(d, request)
        return scim_auth(d, request)
    return _client_authorization(d, request)


def control_request(d: Draw) -> Request:
    """Control-plane reads and verifications with junk (not journaled; never reset)."""
    kind = d.choice(("find", "count", "list", "violations", "advance", "report"))
    if kind in ("find", "count"):
        if chance(d, 50):
            params = urlencode({d.choice(("method", "path", "status", "route", "x")): short_text(d, ASCII)})
            return Request("control", "GET", f"/__mockrc/journal/{kind}?{params}", auth="none")
        request = _json_request(
            d, "control", "POST", f"/__mockrc/journal/{kind}", mutate(d, {"method": "GET"})
        )
        request.auth = "none"
        return request
    if kind == "list":
        return Request("control", "GET", "/__mockrc/journal?limit=" + quote(d.choice(INTEGERS)), auth="none")
    if kind == "violations":
        return Request(
            "control", "GET", "/__mockrc/violations?severity=" + quote(short_text(d, ASCII)), auth="none"
        )
    if kind == "report":
        form = d.choice(("json", "junit", "markdown", "xml", ""))
        return Request("control", "GET", f"/__mockrc/report?format={form}&strict_warnings=x", auth="none")
    request = _json_request(
        d, "control", "POST", "/__mockrc/clock/advance", {"seconds": junk_value(d) if chance(d, 70) else 1}
    )
    request.auth = "none"
    return request


#: Every family of generated requests, with its share of a mixed run (the fuzz benchmark's).
FAMILIES: dict[str, tuple[int, Callable[[Draw], Request]]] = {
    "scim.create": (6, create_user),
    "scim.replace": (3, replace_user),
    "scim.patch": (6, patch_user),
    "scim.list": (5, list_users),
    "scim.search": (4, search_users),
    "scim.read": (3, read_user),
    "scim.discovery": (1, discovery),
    "oauth.token": (4, token_request),
    "oauth.revoke": (2, revoke_request),
    "oauth.userinfo": (1, userinfo_request),
    "raw": (2, raw_body),
    "control": (1, control_request),
}


def any_request(d: Draw) -> Request:
    """One request of any family, weighted as :data:`FAMILIES` says; SCIM ones get their credentials."""
    family = weighted(d, [(weight, name) for name, (weight, _) in FAMILIES.items()])
    request = FAMILIES[family][1](d)
    if request.path.startswith("/scim") and request.auth == "admin":
        scim_auth(d, request)
    return request


def requests_of(generator: Callable[[Draw], Request]) -> st.SearchStrategy[Request]:
    """A hypothesis strategy of the requests ``generator`` makes; SCIM ones get their credentials."""

    @st.composite
    def strategy(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Request:
        d = HypothesisDraw(draw)
        request = generator(d)
        if request.path.startswith("/scim") and request.auth == "admin":
            scim_auth(d, request)
        return request

    return strategy()
