"""``parse_filter``'s shortcut for ``attr op "string"`` (issue 12) gives the parser's answer.

Filters are generated from the pieces the shortcut's pattern looks at (names, operators in any
case, quoted strings with escapes, spaces, tabs, newlines) and from characters that fold to
ASCII letters; for each, :func:`parse_filter` and the parser alone must give the same tree or
the same error at the same position.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockrc.limits import LIMITS, Limits
from mockrc.scim.filter_ast import AttrPath, Comparison
from mockrc.scim.filter_parser import FilterSyntaxError, _parse_filter, _simple_comparison, parse_filter

#: Characters that matter to the shortcut: separators, quotes, escapes, name characters, letters
#: that case-fold to ASCII (U+017F to s, U+212A to k), the lexer's word ends and a schema URI's colon.
TRICKY = ' \t\n"\\.:-_$[]()\u017f\u212aKaZz09é\u2028'
names = st.one_of(
    st.sampled_from(["userName", "emails", "name", "$ref", "a", "Z9-_", "9a", "\u017f", "urn:x:User"]),
    st.text(alphabet=TRICKY, max_size=6),
)
operators = st.one_of(
    st.sampled_from(
        ["eq", "EQ", "Ne", "co", "sw", "\u017fw", "ew", "gt", "ge", "lt", "le", "pr", "and", "x"]
    ),
    st.text(alphabet=TRICKY, max_size=3),
)
strings = st.one_of(
    st.text().map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.text(alphabet=TRICKY + "u0d8", max_size=10).map(lambda t: f'"{t}"'),
    st.sampled_from(['"\\ud800"', '"\\x"', '"\\"', '"a\\"', '"\\u00e9"', "true", "1", '"a"b"']),
)
spaces = st.text(alphabet=" \t\n", max_size=2)


@st.composite
def filters(draw: st.DrawFn) -> str:
    parts = [
        draw(spaces),
        draw(names),
        draw(st.sampled_from(["", ".value", ".\u017f", ".", ".a.b"])),
        draw(spaces),
        draw(operators),
        draw(spaces),
        draw(strings),
        draw(spaces),
    ]
    if draw(st.booleans()):
        parts.append(draw(st.text(alphabet=TRICKY + "and or", max_size=8)))
    return "".join(parts)


def outcome(parse: Any, text: str, limits: Limits) -> Any:
    try:
        return parse(text, limits)
    except FilterSyntaxError as exc:
        return type(exc), exc.position, exc.reason


@settings(max_examples=1000)
@given(text=st.one_of(filters(), st.text(max_size=30)))
@example(text='userName eq "a@example.com"')
@example(text='userName eq "x"\n')
@example(text='\u017f eq "x"')
@example(text='a \u017fw "x"')
@example(text='a eq "\\ud800"')
@example(text=' emails.value EQ"x\\"y"\t')
def test_the_shortcut_parses_as_the_parser_does(text: str) -> None:
    assert outcome(parse_filter, text, LIMITS) == outcome(_parse_filter, text, LIMITS)


@pytest.mark.parametrize("limits", [Limits(filter_length=10), Limits(filter_depth=0)])
def test_the_shortcut_keeps_the_limits(limits: Limits) -> None:
    text = 'userName eq "someone@example.com"'

    assert outcome(parse_filter, text, limits) == outcome(_parse_filter, text, limits)
    assert isinstance(outcome(parse_filter, text, limits), tuple)


def test_the_common_filters_take_the_shortcut() -> None:
    """Not only equal: the shortcut answers them (the parser would give the same tree)."""
    assert _simple_comparison('userName eq "a@example.com"') == Comparison(
        AttrPath("userName"), "eq", "a@example.com"
    )
    assert _simple_comparison('emails.value Eq "A@example.com"') == Comparison(
        AttrPath("emails", "value"), "eq", "A@example.com"
    )
