"""JSON a client sent, read within :mod:`mockrc.limits`: a refusal that says what and where, never a 500.

Python's :func:`json.loads` accepts what later costs a 500 or a stall: nesting deep enough to
exhaust the recursion limit (in the parser, or later in the validator, the PATCH engine, the
serialiser), integers past its 4,300-digit conversion limit (``ValueError``), ``NaN`` and
``Infinity`` (not JSON, RFC 8259 §6, and written back as invalid JSON), ``1e400`` (read as
infinity), lone surrogate escapes (``"\\ud800"``: not Unicode text, and a ``UnicodeEncodeError``
when the answer or the journal writes them out, RFC 8259 §8.2), and strings and arrays of any
size. So the text is checked in three steps, each linear in its length:

1. a scan of the text with its strings taken out (C-speed regular expressions and
   :func:`itertools.accumulate`) measures the nesting depth and the longest number, *before*
   the recursive parser runs;
2. :func:`json.loads`, refusing ``NaN`` and ``Infinity``, with the cyclic garbage collector
   paused (it otherwise makes parsing millions of small containers several times slower);
3. one iterative walk of the result checks the length of every string, key and array, that
   every number is finite and every string is Unicode text, and names the first breach with a
   JSON pointer.

:func:`check_value` is step 3 alone, for values built by mockrc itself (a user after a PATCH).

Most bodies are far inside every limit, and the walk was ~6 % of a write's time (issue 12), so
step 3 first asks a sufficient condition computed at C speed (:func:`_text_within_limits`:
what step 1's scan saw; :func:`_value_within_limits`: the value's compact JSON text): few
enough characters in strings, commas, brackets, no exponent or surrogate. When it holds no
limit can be broken and the walk is skipped; when it does not, the walk decides and names the
breach as before (``tests/unit/test_limits.py`` checks the condition never clears a value the
walk refuses).
"""

from __future__ import annotations

import codecs
import gc
import json
import math
import re
from functools import cache
from itertools import accumulate
from typing import Any

from mockrc.errors import InvalidSyntax, InvalidValue, ScimError
from mockrc.limits import LIMITS, Limits
from mockrc.violations import Violation, json_pointer

#: A JSON string from its opening quote, through its closing quote or, unterminated, the end of
#: the text (so an unclosed string cannot make the scan quadratic). Possessive: no backtracking.
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\Z)', re.DOTALL)
_DIGIT = re.compile("[0-9]")
#: Brackets as signed bytes (+1 opens, -1 closes) and every other byte deleted: one C-speed pass.
_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Text encodings a JSON body may declare: UTF-8 (RFC 8259 §8.1), the UTF-16 and UTF-32 that
#: RFC 7159 still allowed, and ASCII and Latin-1, which old clients declare for ASCII bodies.
#: Other codecs are refused: some decode in quadratic time (punycode), some are not text.
_CHARSETS = frozenset(
    {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
    | {"ascii", "latin-1", "iso8859-1"}
)


def decode(raw: bytes, charset: str | None) -> str:
    """The body as text in its declared charset (UTF-8 when none); InvalidSyntax if it is not."""
    name = (charset or "utf-8").strip().lower()
    try:
        # Most bodies declare no charset: UTF-8, without a codec registry lookup.
        codec = "utf-8" if charset is None else codecs.lookup(name).name
    except LookupError:
        codec = ""
    if codec not in _CHARSETS:
        message = f"charset [{_shorten(name)}] is not supported: send JSON as UTF-8 (RFC 8259 §8.1)"
        raise InvalidSyntax(
            f"Request body {message}", violations=[Violation("", "http.invalid-text", message)]
        )
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        message = f"the body is not valid {codec} text: byte {exc.start} cannot be decoded ({exc.reason})"
        raise InvalidSyntax(
            f"Request body is not valid text: {message}",
            violations=[Violation("", "http.invalid-text", message)],
        ) from None


def loads(text: str, limits: Limits = LIMITS) -> Any:
    """Parse JSON ``text`` within ``limits``; InvalidSyntax or InvalidValue naming the first breach."""
    structure = _scan(text, limits)
    try:
        value = _parse(text)
    except json.JSONDecodeError as exc:
        message = f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise InvalidSyntax(message, violations=[Violation("", "http.malformed-json", message)]) from None
    except _NotJson as exc:
        message = f"Malformed JSON: {exc} is not a JSON value (RFC 8259 §6 has no NaN or Infinity)"
        raise InvalidSyntax(message, violations=[Violation("", "http.malformed-json", message)]) from None
    except (RecursionError, ValueError) as exc:
        # Unreachable while the scan above agrees with the parser (it refuses deep nesting and long
        # numbers first); kept so that a disagreement is a 400, never a 500.
        message = f"JSON body could not be read: {exc}"
        raise InvalidSyntax(message, violations=[Violation("", "http.malformed-json", message)]) from None
    if not _text_within_limits(text, structure, limits):
        _raise_first_breach(value, limits, "")
    return value


def check_value(value: Any, limits: Limits = LIMITS, *, context: str = "") -> None:
    """Raise for the first string, key, array, number or nesting in ``value`` past ``limits``.

    Iterative (no recursion, whatever the depth) and linear in the size of ``value``.
    ``context`` prefixes the messages ("after the PATCH").
    """
    checked_text(value, limits, context=context)


def checked_text(value: Any, limits: Limits = LIMITS, *, context: str = "") -> str | None:
    """:func:`check_value`, returning the compact JSON text the check wrote of ``value`` when
    the text alone cleared it (most values), else None: a caller about to store the value as
    that text (:class:`~mockrc.store.UserStore`) need not encode it again (issue 12). The text is
    what ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` writes.
    """
    text = _compact_text(value)
    if text is not None and _compact_within_limits(text, limits):
        return text
    _raise_first_breach(value, limits, context)
    return None


def _raise_first_breach(value: Any, limits: Limits, context: str) -> None:
    breach = _first_breach(value, limits)
    if breach is None:
        return
    pointer, rule, message, error = breach
    shown = f"{context}, {message}" if context else message
    raise error(f"{pointer or '/'}: {shown}", violations=[Violation(pointer, rule, shown)])


def canonical(value: Any) -> Any:
    """A hashable form of a JSON value, equal exactly when JSON Schema calls two values equal:
    ``1 == 1.0``, ``true != 1``, objects compare without order. For linear duplicate checks
    (a set instead of comparing every pair). Recursive: callers pass values within the nesting limit.
    """
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, canonical(v)) for k, v in value.items()))
    return ("null", None)


# --- step 1: the scan ----------------------------------------------------------------------------


def _scan(text: str, limits: Limits) -> str:
    """Refuse nesting deeper than ``limits.json_depth`` and numbers longer than ``limits.number_length``;
    the text's structure (the text with its strings taken out)."""
    structure = _STRING.sub("", text)
    for run in _number_longer_than(limits.number_length).finditer(structure):
        if not _DIGIT.search(run.group()):
            continue  # not a number (malformed text such as "eeee…"): the parser says where
        message = (
            f"a number of {len(run.group()):,} characters; the limit is {limits.number_length} "
            "(an int64 has 19 digits, a double needs 24 characters)"
        )
        raise InvalidValue(
            f"JSON body has {message}", violations=[Violation("", "limit.number-length", message)]
        )
    signs = structure.encode("utf-8", "surrogatepass").translate(_SIGNS, _NOT_BRACKETS)
    if len(signs) <= 2 * limits.json_depth:
        return structure  # cannot nest deeper than half its brackets: every real SCIM body stops here
    # The running sum of the signs is the depth at each bracket: its maximum, at C speed (about
    # 50 ns a bracket), is the nesting depth (for unbalanced brackets, the parser reports them).
    depth = max(accumulate(memoryview(signs).cast("b")))
    if depth > limits.json_depth:
        message = f"arrays and objects nest {depth:,} levels deep; the limit is {limits.json_depth}"
        raise InvalidSyntax(f"JSON body {message}", violations=[Violation("", "limit.json-depth", message)])
    return structure


@cache
def _number_longer_than(length: int) -> re.Pattern[str]:
    """A run of number characters longer than ``length`` (strings already taken out of the text)."""
    return re.compile(f"[-+0-9.eE]{{{length + 1},}}")


def _parse(text: str) -> Any:
    """:func:`json.loads` with the cyclic garbage collector paused: parsing builds no cycles, but
    a body of millions of small arrays triggers a collection every few hundred allocations, each
    walking every container built so far (measured: 4.1 s instead of 0.7 s for 10 MB of ``[]``)."""
    if text.startswith("\ufeff"):  # json.loads refuses a BOM before decoding: so does this
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _decode(text)
    finally:
        if collecting:
            gc.enable()


class _NotJson(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity`` in the text: Python reads them, JSON has none."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(name)


#: What ``json.loads(text, parse_constant=_refuse_constant)`` builds for every call (~2 µs, with
#: its scanner), built once: a decoder keeps no state between calls (json.loads shares one).
_decode = json.JSONDecoder(parse_constant=_refuse_constant).decode


# --- step 3: the walk, and the conditions that make it unnecessary --------------------------------

#: A number with an exponent (strings already taken out; ``true`` and ``false`` do not match):
#: the only way a number within the length limit can overflow a double.
_EXPONENT = re.compile("[0-9.][eE]")
#: A ``\\u`` escape of a surrogate (in a pair or alone: the text does not say which, cheaply).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
#: Compact JSON that refuses what JSON has not (NaN, infinities) and keeps surrogates as they are.
_compact = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, check_circular=False, separators=(",", ":")
).encode


def _text_within_limits(text: str, structure: str, limits: Limits) -> bool:
    """A sufficient condition, at C speed, for the value parsed from ``text`` to break no limit
    of the walk (``structure``: the text without its strings, from :func:`_scan`, which also
    checked the depth): every string token, quotes and escapes included, is at least two
    characters longer than the string it reads as, and all of them together are within the
    length limit; an array of n elements has n - 1 commas, and there are fewer commas than
    the array limit; no exponent, so no number reads as infinity; no surrogate, raw or escaped.
    """
    return (
        len(text) - len(structure) <= limits.string_length + 2
        and structure.count(",") < limits.array_length
        and not _EXPONENT.search(structure)
        and ("\\u" not in text or not _SURROGATE_ESCAPE.search(text))
        and (text.isascii() or not _SURROGATE.search(text))
    )


def _value_within_limits(value: Any, limits: Limits) -> bool:
    """:func:`_text_within_limits` for a value: on its compact JSON text, which cannot be
    written for an infinite float (nor for what is not JSON: the walk then decides), and whose
    brackets count every container on any path of the value."""
    text = _compact_text(value)
    return text is not None and _compact_within_limits(text, limits)


def _compact_text(value: Any) -> str | None:
    """``value``'s compact JSON text; None for a value that has none (an infinite float, what
    is not JSON) or is too deep to write."""
    try:
        return _compact(value)
    except (TypeError, ValueError, RecursionError):
        return None


def _compact_within_limits(text: str, limits: Limits) -> bool:
    """:func:`_value_within_limits`, on the value's compact text."""
    return (
        len(text) <= limits.string_length + 2
        and text.count(",") < limits.array_length
        and text.count("[") + text.count("{") <= limits.json_depth
        and (text.isascii() or not _SURROGATE.search(text))
    )


Breach = tuple[str, str, str, type[ScimError]]
#: A node on the walk's stack: (value, depth, key in its parent, parent node). The parent link
#: rebuilds a breach's pointer without building one for every node.
_Node = tuple[Any, int, "str | int | None", "Any"]


def _first_breach(value: Any, limits: Limits) -> Breach | None:
    """Depth-first over the containers; the scalars of each are checked as it is visited, so
    only containers go on the stack (most of a large body is scalars)."""
    root: _Node = (value, 1, None, None)
    found = _scalar_breach(value, limits)
    if found:
        return ("", *found)
    stack = [root] if isinstance(value, dict | list) else []
    while stack:
        node = stack.pop()
        item, depth = node[0], node[1]
        if depth > limits.json_depth:
            message = f"arrays and objects nest deeper than {limits.json_depth} levels"
            return _pointer(node), "limit.json-depth", message, InvalidSyntax
        if isinstance(item, list):
            if len(item) > limits.array_length:
                message = f"an array of {len(item):,} elements; the limit is {limits.array_length}"
                return _pointer(node), "limit.array-length", message, InvalidValue
            children: Any = enumerate(item)
        else:
            for key in item:
                found = _string_breach(key, limits, "a member name") if isinstance(key, str) else None
                if found:
                    return (_pointer(node), *found)
            children = item.items()
        values = item if isinstance(item, list) else item.values()
        kinds = set(map(type, values))  # C speed: most containers hold no strings, floats or containers
        if kinds <= _INERT or (kinds == _STR and _short_text(values, limits)):
            continue
        for key, child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1, key, node))
            elif isinstance(child, str | float):
                found = _scalar_breach(child, limits)
                if found:
                    return (_pointer((child, depth + 1, key, node)), *found)
    return None


#: Value types that need no check, and strings, which need one.
_INERT = frozenset({int, bool, type(None)})
_STR = frozenset({str})


def _short_text(values: Any, limits: Limits) -> bool:
    """Whether every string of ``values`` (all strings) is within the length limit and ASCII:
    C-speed checks that let the common case skip the per-string loop."""
    return max(map(len, values), default=0) <= limits.string_length and all(map(str.isascii, values))


def _scalar_breach(value: Any, limits: Limits) -> tuple[str, str, type[ScimError]] | None:
    if isinstance(value, str):
        return _string_breach(value, limits, "a string")
    if isinstance(value, float) and not math.isfinite(value):
        message = "a number outside the range of a double (IEEE 754), read as infinity"
        return "limit.number-length", message, InvalidValue
    return None


def _string_breach(text: str, limits: Limits, what: str) -> tuple[str, str, type[ScimError]] | None:
    if len(text) > limits.string_length:
        message = f"{what} of {len(text):,} characters; the limit is {limits.string_length:,}"
        return "limit.string-length", message, InvalidValue
    if not text.isascii() and _SURROGATE.search(text):
        message = f"{what} with a lone surrogate (\\ud800-\\udfff): not Unicode text (RFC 8259 §8.2)"
        return "http.invalid-text", message, InvalidSyntax
    return None


def _pointer(node: _Node) -> str:
    parts: list[str | int] = []
    while node[3] is not None:
        key = node[2]
        assert key is not None  # only the root has no key, and the loop stops there
        parts.append(_shorten(key) if isinstance(key, str) else key)
        node = node[3]
    return json_pointer(tuple(reversed(parts)))


def _shorten(text: str, keep: int = 60) -> str:
    """``text`` for a message: long ones cut, so an error never echoes megabytes back."""
    return text if len(text) <= keep else f"{text[:keep]}…({len(text):,} characters)"
