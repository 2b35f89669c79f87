"""The C-speed conditions that let :mod:`mockrc.json_input` skip its walk never skip a breach.

``loads`` and ``check_value`` walk a value only when a sufficient condition (computed from the
text, or from the value's compact JSON) does not already show it within every limit. If that
condition ever held for a value the walk refuses, a breach would be silently accepted; so values
and texts are generated around small limits (strings, arrays, nesting and numbers just inside
and just past them, surrogates raw and escaped, exponents, non-JSON Python values), and each is
judged both ways: whenever the shortcut clears it, the walk finds nothing; and ``loads`` and
``check_value`` raise exactly what the walk alone names.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockrc.errors import ScimError
from mockrc.json_input import (
    _first_breach,
    _scan,
    _text_within_limits,
    _value_within_limits,
    check_value,
    loads,
)
from mockrc.limits import LIMITS, Limits
from tests.helpers import deterministic

SMALL = Limits(json_depth=4, number_length=12, string_length=6, array_length=4)
#: Room for a whole small value within the string limit, so the shortcut clears values that
#: are near the array and depth limits, or hold one string just past its limit.
MID = Limits(json_depth=3, number_length=12, string_length=40, array_length=5)
QUICK = deterministic(250)

STRINGS = st.one_of(
    st.text(max_size=9),
    st.sampled_from(["\ud800", "a\udfff", "\U0001f600", "é" * 6, "x" * 6, "x" * 7, "\\u", ",[{"]),
    st.sampled_from(["x" * 38, "y" * 39, "\n" * 20, "z" * 40, "w" * 41]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(),  # infinities and NaN included
    st.sampled_from([1e308, 1e-300, 1e21, 2.5]),
    STRINGS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(STRINGS, inner, max_size=5),
        st.tuples(inner),  # not JSON: the walk does not look inside, the shortcut must not clear it wrongly
        st.dictionaries(st.integers(0, 3), inner, max_size=2),
    ),
    max_leaves=20,
)


def walk_says(value: Any, limits: Limits) -> Any:
    return _first_breach(value, limits)


@pytest.mark.parametrize("limits", [SMALL, MID, LIMITS], ids=["small", "mid", "default"])
@given(value=VALUES)
@QUICK
def test_a_value_the_shortcut_clears_has_no_breach(limits: Limits, value: Any) -> None:
    if _value_within_limits(value, limits):
        assert walk_says(value, limits) is None


@pytest.mark.parametrize("limits", [SMALL, MID], ids=["small", "mid"])
@given(value=VALUES)
@QUICK
def test_check_value_raises_exactly_what_the_walk_names(limits: Limits, value: Any) -> None:
    breach = walk_says(value, limits)
    if breach is None:
        check_value(value, limits)
        return
    pointer, rule, _, error = breach
    with pytest.raises(error) as raised:
        check_value(value, limits)
    assert [(v.pointer, v.rule) for v in raised.value.violations] == [(pointer, rule)]


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """JSON text of a generated value, written compactly or spaced, with non-ASCII raw or as
    ``\\u`` escapes, sometimes with numbers in exponent form."""
    value = draw(VALUES.filter(lambda v: _json_writable(v)))
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 1])),
        allow_nan=False,
    )
    if draw(st.booleans()):
        text = text.replace("1e+21", "1E21").replace("0.0", "0e0")
    return text


def _json_writable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (ValueError, TypeError):
        return False
    return not isinstance(value, tuple)


@pytest.mark.parametrize("limits", [SMALL, MID, LIMITS], ids=["small", "mid", "default"])
@given(text=json_texts())
@QUICK
def test_a_text_the_shortcut_clears_has_no_breach(limits: Limits, text: str) -> None:
    try:
        structure = _scan(text, limits)
    except ScimError:
        return  # refused before parsing (depth, number length): the walk is not reached
    if _text_within_limits(text, structure, limits):
        assert walk_says(json.loads(text), limits) is None


@pytest.mark.parametrize("limits", [SMALL, MID], ids=["small", "mid"])
@given(text=json_texts())
@QUICK
def test_loads_raises_exactly_what_scan_and_walk_name(limits: Limits, text: str) -> None:
    try:
        _scan(text, limits)
    except ScimError:
        return
    breach = walk_says(json.loads(text), limits)
    if breach is None:
        loads(text, limits)
        return
    pointer, rule, _, error = breach
    with pytest.raises(error) as raised:
        loads(text, limits)
    assert [(v.pointer, v.rule) for v in raised.value.violations] == [(pointer, rule)]


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1e400}',
        '{"a": -1E400}',
        '["\\ud800"]',
        '{"\\udfff": 1}',
        '["\\ud83d\\ude00"]',
        "[" + ",".join(["1"] * 5) + "]",
        '{"a": "' + "x" * 7 + '"}',
        '{"' + "k" * 7 + '": 1}',
    ],
)
def test_texts_near_each_limit_are_walked(text: str) -> None:
    assert not _text_within_limits(text, _scan(text, SMALL), SMALL)


@pytest.mark.parametrize(
    "value",
    [
        {"a": float("inf")},
        ["\ud800"],
        [1, 2, 3, 4, 5],
        {"a": "x" * 7},
        [[[[[]]]]],
        ("x" * 100,),
    ],
)
def test_values_near_each_limit_are_walked(value: Any) -> None:
    assert not _value_within_limits(value, SMALL)
