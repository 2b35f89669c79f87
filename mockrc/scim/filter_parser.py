"""Parser for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2).

A hand-written lexer and recursive-descent parser, because the point of a fake is to tell the
client *exactly* where its filter went wrong: every :class:`FilterSyntaxError` carries the 0-based
offset where parsing broke and what was expected there. Library parser generators report neither
in a form worth showing to someone debugging their SCIM client.

The grammar is RFC 7644 Figure 1::

    FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
    valuePath = attrPath "[" valFilter "]"
                ; FILTER uses sub-attributes of a parent attrPath
    valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
    attrExp   = (attrPath SP "pr") /
                (attrPath SP compareOp SP compValue)
    logExp    = FILTER SP ("and" / "or") SP FILTER
    compValue = false / null / true / number / string
                ; rules from JSON Data Interchange format ABNF (RFC 7159)
    compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
    attrPath  = [URI ":"] ATTRNAME *1subAttr
                ; SCIM attribute name; URI is SCIM "schema" URI
    ATTRNAME  = ALPHA *(nameChar)
    nameChar  = "-" / "_" / DIGIT / ALPHA
    subAttr   = "." ATTRNAME

and the PATCH path of RFC 7644 §3.5.2::

    PATH = attrPath / valuePath [subAttr]

How this parser reads the grammar where it leaves room:

- Precedence is ``not`` > ``and`` > ``or`` (RFC 7644 §3.4.2.2); ``and`` and ``or`` associate to
  the left. ``not`` must be followed by a parenthesised filter, as in the ABNF; ``not (`` and
  ``not(`` are both accepted (the ABNF has no SP there, the RFC's own examples do).
- Attribute names, operators and the keywords ``and or not pr true false null`` are
  case-insensitive (RFC 7644 §3.4.2.2); the AST keeps the client's spelling of names and
  lower-cases operators.
- One or more spaces or tabs separate tokens; no whitespace is needed next to ``( ) [ ]`` or
  a quoted string.
- A schema-URI prefix is everything up to the *last* colon of the path, so URNs with dots in
  their version (``…:enterprise:2.0:User:department``) split correctly.
- ``$ref`` is accepted as an attribute name: RFC 7643 §2.4 defines it although it does not fit
  ``ATTRNAME``.
- Brackets do not nest (RFC 7644 §3.4.2.2 defines them over sub-attributes only).
- Limits (:mod:`mockrc.limits`): a filter or path is at most ``filter_length`` characters and nests
  at most ``filter_depth`` levels (each ``(``, ``[``, ``not`` and each ``and``/``or`` of a chain is
  one), so neither this recursive parser nor the recursive evaluator can run out of stack; strings
  must be Unicode text (no lone surrogate escapes, RFC 8259 §8.2) and numbers as short and as
  finite as in a JSON body.
- Entra ID's matching filter ``emails[type eq "work"].value eq "x"`` — a valuePath followed by a
  sub-attribute and a comparison, which Figure 1 does not allow — is accepted as a
  :class:`~mockrc.scim.filter_ast.ValueFilter` with ``sub_attr`` and ``comparison`` set; the
  comparison's path is the bare sub-attribute (``value``). The ``.`` must follow ``]`` directly.

The parser checks syntax only. Whether the attributes exist and the operator suits their type is
:mod:`mockrc.scim.filter_eval`'s job (it needs the schema); what RingCentral accepts is
:mod:`mockrc.scim.filter_policy`'s.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from mockrc.limits import LIMITS, Limits
from mockrc.scim.filter_ast import (
    And,
    AttrPath,
    Comparison,
    Expr,
    Not,
    Or,
    PatchPath,
    Present,
    ValueFilter,
)

COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
_OPS_TEXT = ", ".join(COMPARE_OPS)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_SPACE = " \t"
_WORD_END = frozenset(_SPACE + '()[]"')
# Words that cannot start an attribute expression: seeing one there means an operand is missing.
_NOT_AN_ATTRIBUTE = frozenset(("and", "or", "pr", *COMPARE_OPS))
_SURROGATE = re.compile("[\ud800-\udfff]")


class FilterSyntaxError(ValueError):
    """A filter or PATCH path that does not follow the grammar.

    ``position`` is the 0-based offset in the text where parsing broke; ``reason`` says what was
    expected there. The caller maps it to ``invalidFilter`` or ``invalidPath``.
    """

    #: The violation rule a caller records it under.
    rule = "filter.syntax"

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"at position {position}: {reason}")
        self.position = position
        self.reason = reason


class FilterTooLong(FilterSyntaxError):
    """A filter or path longer than ``Limits.filter_length``."""

    rule = "limit.filter-length"


class FilterTooDeep(FilterSyntaxError):
    """A filter or path nested deeper than ``Limits.filter_depth``."""

    rule = "limit.filter-depth"


@dataclass(frozen=True)
class _Token:
    #: ``word`` (names, operators, keywords, numbers), ``string``, ``subattr`` (``.name`` right
    #: after ``]``), one of ``( ) [ ]``, or ``end``.
    kind: str
    text: str
    start: int
    value: Any = None  # the decoded JSON string of a ``string`` token


class _Parser:
    """Recursive descent over a lazily lexed token stream.

    Lexing is lazy so that the first error in reading order is the one reported: an
    unterminated string late in the text does not hide a missing operator before it.
    """

    def __init__(self, text: str, subject: str, limits: Limits) -> None:
        if len(text) > limits.filter_length:
            raise FilterTooLong(
                limits.filter_length,
                f"the {subject} is {len(text):,} characters long; the limit is {limits.filter_length:,}",
            )
        self.text = text
        self.subject = subject  # "filter" or "path", for messages
        self.pos = 0
        self.lookahead: _Token | None = None
        self.max_depth = limits.filter_depth
        self.number_length = limits.number_length
        #: ``(`` and ``[`` open at this point of the recursive descent.
        self.open_groups = 0

    # --- lexer -------------------------------------------------------------------------------

    def peek(self) -> _Token:
        if self.lookahead is None:
            self.lookahead = self._lex()
        return self.lookahead

    def advance(self) -> _Token:
        token = self.peek()
        self.lookahead = None
        return token

    def _lex(self) -> _Token:
        text, i = self.text, self.pos
        while i < len(text) and text[i] in _SPACE:
            i += 1
        if i == len(text):
            self.pos = i
            return _Token("end", "", i)
        ch = text[i]
        if ch in "()[]":
            self.pos = i + 1
            return _Token(ch, ch, i)
        if ch == '"':
            return self._lex_string(i)
        # "]" is always a token of its own, so a "." right after one starts ``.subAttr``.
        kind = "subattr" if ch == "." and i > 0 and text[i - 1] == "]" else "word"
        j = i + 1
        while j < len(text) and text[j] not in _WORD_END:
            j += 1
        self.pos = j
        return _Token(kind, text[i:j], i)

    def _lex_string(self, start: int) -> _Token:
        text, j = self.text, start + 1
        while j < len(text) and text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        if j >= len(text):
            raise FilterSyntaxError(start, "unterminated string: the closing '\"' is missing")
        raw = text[start : j + 1]
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise FilterSyntaxError(start + exc.pos, f"invalid JSON string: {exc.msg}") from None
        if not value.isascii() and _SURROGATE.search(value):
            raise FilterSyntaxError(
                start, "the string has a lone surrogate escape (\\ud800-\\udfff): not Unicode text"
            )
        self.pos = j + 1
        return _Token("string", raw, start, value)

    # --- errors ------------------------------------------------------------------------------

    def found(self, token: _Token) -> str:
        if token.kind == "end":
            return f"the end of the {self.subject}"
        if token.kind == "string":
            return f"the string {token.text}"
        return f'"{token.text}"'

    def fail(self, token: _Token, expected: str) -> FilterSyntaxError:
        return FilterSyntaxError(token.start, f"expected {expected}, found {self.found(token)}")

    # --- grammar -----------------------------------------------------------------------------

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token.kind == "word" and token.text.lower() == word:
            self.advance()
            return True
        return False

    def or_expr(self, bracket: _Token | None) -> Expr:
        """``bracket`` is the open ``[`` when parsing a valFilter, else None."""
        left = self.and_expr(bracket)
        while self.keyword("or"):
            left = Or(left, self.and_expr(bracket))
        return left

    def and_expr(self, bracket: _Token | None) -> Expr:
        left = self.unary(bracket)
        while self.keyword("and"):
            left = And(left, self.unary(bracket))
        return left

    def unary(self, bracket: _Token | None) -> Expr:
        if self.keyword("not"):
            if self.peek().kind != "(":
                raise self.fail(self.peek(), '"(" after "not" (negation is written not (...))')
            return Not(self.group(bracket))
        if self.peek().kind == "(":
            return self.group(bracket)
        return self.attr_expr(bracket)

    def enter(self, opening: _Token) -> None:
        """Count ``opening`` (a ``(`` or ``[`` just consumed) against the depth limit."""
        self.open_groups += 1
        if self.open_groups > self.max_depth:
            raise FilterTooDeep(
                opening.start,
                f'"{opening.text}" opens level {self.open_groups}: the {self.subject} nests too deep; '
                f"the limit is {self.max_depth} levels",
            )

    def group(self, bracket: _Token | None) -> Expr:
        opening = self.advance()
        self.enter(opening)
        expr = self.or_expr(bracket)
        self.open_groups -= 1
        closing = self.peek()
        if closing.kind == ")":
            self.advance()
            return expr
        if closing.kind == "end":
            raise FilterSyntaxError(
                closing.start, f'unbalanced parentheses: "(" at position {opening.start} is never closed'
            )
        raise self.fail(closing, f'"and", "or" or ")" to close "(" at position {opening.start}')

    def attr_expr(self, bracket: _Token | None) -> Expr:
        token = self.peek()
        if token.kind != "word" or token.text.lower() in _NOT_AN_ATTRIBUTE:
            raise self.fail(token, "an attribute path")
        path = self.attr_path(self.advance())
        if self.peek().kind != "[":
            return self.attr_exp_tail(path)
        opening = self.advance()
        if bracket is not None:
            raise FilterSyntaxError(
                opening.start,
                f'value filters cannot be nested: "[" at position {bracket.start} is still open',
            )
        inner = self.value_filter(opening)
        if self.peek().kind != "subattr":
            return ValueFilter(path, inner)
        sub_attr = self.sub_attr(self.advance())
        return ValueFilter(path, inner, sub_attr, self.attr_exp_tail(AttrPath(sub_attr)))

    def value_filter(self, opening: _Token) -> Expr:
        """The valFilter after ``opening`` (a consumed ``[``), through the closing ``]``."""
        self.enter(opening)
        inner = self.or_expr(opening)
        self.open_groups -= 1
        closing = self.peek()
        if closing.kind == "]":
            self.advance()
            return inner
        if closing.kind == "end":
            raise FilterSyntaxError(
                closing.start, f'unbalanced brackets: "[" at position {opening.start} is never closed'
            )
        raise self.fail(closing, f'"and", "or" or "]" to close "[" at position {opening.start}')

    def attr_exp_tail(self, path: AttrPath) -> Comparison | Present:
        """What follows an attribute path in an attrExp: ``pr`` or an operator and a value."""
        token = self.peek()
        if token.kind != "word":
            raise self.fail(token, f'a comparison operator ({_OPS_TEXT}) or "pr"')
        op = token.text.lower()
        if op == "pr":
            self.advance()
            return Present(path)
        if op not in COMPARE_OPS:
            raise FilterSyntaxError(
                token.start, f'unknown operator "{token.text}": expected one of {_OPS_TEXT} or "pr"'
            )
        self.advance()
        return Comparison(path, op, self.comp_value())

    def comp_value(self) -> Any:
        token = self.peek()
        if token.kind == "string":
            self.advance()
            return token.value
        if token.kind == "word":
            lowered = token.text.lower()
            if lowered in _LITERALS:
                self.advance()
                return _LITERALS[lowered]
            if _NUMBER.fullmatch(token.text):
                value = json.loads(token.text) if len(token.text) <= self.number_length else None
                if value is None or not math.isfinite(value):
                    raise FilterSyntaxError(
                        token.start,
                        f"the number {token.text[:40]}{'…' if len(token.text) > 40 else ''} is out of range: "
                        f"at most {self.number_length} characters, within a double's range",
                    )
                self.advance()
                return value
            raise FilterSyntaxError(
                token.start,
                f"expected a value, found {token.text}: string values must be quoted JSON strings, "
                f'e.g. "{token.text}"',
            )
        raise self.fail(token, "a value (a quoted JSON string, a number, true, false or null)")

    def attr_path(self, token: _Token) -> AttrPath:
        """Validate a word as ``[URI ":"] ATTRNAME ["." ATTRNAME]``."""
        uri, colon, rest = token.text.rpartition(":")
        if colon and not uri:
            raise FilterSyntaxError(token.start, 'expected a schema URI before ":"')
        start = token.start + len(uri) + len(colon)
        attr, dot, sub = rest.partition(".")
        _check_name(attr, start)
        if "." in sub:
            raise FilterSyntaxError(
                start + len(attr) + 1 + sub.index("."),
                f'"{rest}" has more than one sub-attribute: paths are attribute or attribute.subAttribute',
            )
        if dot:
            _check_name(sub, start + len(attr) + 1)
        return AttrPath(attr, sub if dot else None, uri if colon else None)

    def sub_attr(self, token: _Token) -> str:
        """Validate a ``subattr`` token (``.name``) and return the name."""
        _check_name(token.text[1:], token.start + 1)
        return token.text[1:]

    def expect_end(self, expected: str) -> None:
        token = self.peek()
        if token.kind == "end":
            return
        if token.kind == ")":
            raise FilterSyntaxError(token.start, 'unbalanced parentheses: ")" has no matching "("')
        if token.kind == "]":
            raise FilterSyntaxError(token.start, 'unbalanced brackets: "]" has no matching "["')
        raise self.fail(token, expected)


def _check_name(name: str, start: int) -> None:
    """Raise unless ``name`` is an ATTRNAME (or ``$ref``); ``start`` is its offset in the text."""
    if not name:
        raise FilterSyntaxError(start, "expected an attribute name")
    if name.lower() == "$ref":
        return
    if not ("a" <= name[0].lower() <= "z"):
        raise FilterSyntaxError(start, f'attribute names start with a letter, found "{name[0]}" in "{name}"')
    for offset, ch in enumerate(name):
        if not (ch.isascii() and (ch.isalnum() or ch in "-_")):
            raise FilterSyntaxError(start + offset, f'invalid character "{ch}" in attribute name "{name}"')


#: The filter nearly every provisioning client sends (``userName eq "x"``, Entra's matching
#: filter): an attribute path without a schema URI, an operator, a quoted string. The name
#: ends where the lexer ends a word and must be an ATTRNAME; the string is what the lexer takes
#: for one (a backslash escapes the next character); ``\Z``, as ``$`` would allow a newline.
_SIMPLE_COMPARISON = re.compile(
    r"[ \t]*([A-Za-z][A-Za-z0-9_-]*)(?:\.([A-Za-z][A-Za-z0-9_-]*))?[ \t]+"
    r"(eq|ne|co|sw|ew|gt|ge|lt|le)[ \t]*(\"(?:[^\"\\]|\\.)*\")[ \t]*\Z",
    re.IGNORECASE | re.ASCII | re.DOTALL,  # ASCII: U+017F and U+212A fold to s and k otherwise
)


def _simple_comparison(text: str) -> Comparison | None:
    """``text`` parsed without the parser where it is the common ``attr[.sub] op "string"``
    (issue 12: the parser was a fifth of a filtered query's CPU); None where the parser must
    decide, errors included. The same tree as the parser's (tests/property/test_filter_fast_path.py)."""
    match = _SIMPLE_COMPARISON.match(text)
    if match is None:
        return None
    attr, sub, op, raw = match.groups()
    if "\\" not in raw and raw.isprintable():
        value = raw[1:-1]  # what JSON decodes it to: no escape, no control character
    else:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return None
    if not value.isascii() and _SURROGATE.search(value):
        return None
    return Comparison(AttrPath(attr, sub), op.lower(), value)


def parse_filter(text: str, limits: Limits = LIMITS) -> Expr:
    """Parse a SCIM filter (the ``filter`` query parameter or SearchRequest member)."""
    if len(text) <= limits.filter_length and limits.filter_depth >= 1:
        simple = _simple_comparison(text)
        if simple is not None:
            return simple
    return _parse_filter(text, limits)


def _parse_filter(text: str, limits: Limits) -> Expr:
    """:func:`parse_filter` by the parser, whatever the filter."""
    parser = _Parser(text, "filter", limits)
    if parser.peek().kind == "end":
        raise FilterSyntaxError(0, "the filter is empty")
    expr = parser.or_expr(None)
    parser.expect_end('"and", "or" or the end of the filter')
    _check_depth(expr, "filter", limits)
    return expr


def _check_depth(expr: Expr, subject: str, limits: Limits) -> None:
    """Refuse a tree deeper than ``limits.filter_depth`` (long ``and``/``or`` chains nest to the
    left without recursion in the parser, but the evaluator recurses on them). Iterative."""
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.filter_depth:
            raise FilterTooDeep(
                0,
                f"the {subject} nests more than {limits.filter_depth} levels deep (each and, or, not and "
                f"value filter is one); the limit is {limits.filter_depth}",
            )
        if isinstance(node, And | Or):
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
        elif isinstance(node, Not):
            stack.append((node.expr, depth + 1))
        elif isinstance(node, ValueFilter):
            stack.append((node.filter, depth + 1))


def parse_path(text: str, limits: Limits = LIMITS) -> PatchPath:
    """Parse a PATCH operation ``path``: ``attrPath`` or ``valuePath [subAttr]``."""
    parser = _Parser(text, "path", limits)
    token = parser.peek()
    if token.kind == "end":
        raise FilterSyntaxError(0, "the path is empty")
    if token.kind != "word":
        raise parser.fail(token, "an attribute path")
    attr = parser.attr_path(parser.advance())
    if parser.peek().kind != "[":
        parser.expect_end('"[" or the end of the path')
        return PatchPath(attr)
    value_filter = parser.value_filter(parser.advance())
    sub_attr = parser.sub_attr(parser.advance()) if parser.peek().kind == "subattr" else None
    parser.expect_end("the end of the path" if sub_attr else '".subAttribute" or the end of the path')
    _check_depth(value_filter, "path", limits)
    return PatchPath(attr, value_filter, sub_attr)
