"""The request generators of ``tests/property/strategies.py`` bound a repetition *before* building it.

A repetition of copies of one value (an ``Operations`` list repeated, then a 1 MB string put into
the shared copy) used to be written out whole, gigabytes of text, before the body was cut to
:data:`MAX_BODY_BYTES`; a long filter of 20,000 copies of a 10,000-character comparison was 200 MB.
The fuzz run's client spent minutes on those, and its other threads' requests were timed late.
"""

from __future__ import annotations

import json
import random

from tests.property.strategies import (
    MAX_BODY_BYTES,
    MAX_QUERY_CHARS,
    Pairs,
    RandomDraw,
    Raw,
    any_request,
    body_bytes,
    hostile_filter,
    to_json,
)


def test_a_budget_cuts_the_text_where_the_whole_text_would_be_cut() -> None:
    value = {"a": [1, "x" * 50, Raw("[[1]]"), Pairs((("k", None), ("k", True)))], "b": {"c": 1.5}}
    whole = to_json(value)
    assert json.loads(whole.replace('"k":null,', ""))  # well-formed apart from the repeated name
    for budget in (1, 7, 30, len(whole) - 1, len(whole), len(whole) + 10):
        assert to_json(value, budget) == whole[:budget]


def test_a_repetition_of_a_shared_huge_value_is_cut_at_the_body_limit() -> None:
    shared = {"op": "replace", "path": "title", "value": "x" * 1_100_000}
    body = {"Operations": [shared] * 5_000}  # 5.5 GB written out whole
    sent = [body_bytes(RandomDraw(random.Random(seed)), body) for seed in range(10)]
    assert all(len(text) <= MAX_BODY_BYTES + 3 for text in sent)  # a BOM or a byte of junk more
    assert any(text.count(b'"op":"replace"') >= 10 for text in sent)  # still a repetition


def test_a_long_filter_stays_within_the_query_bound() -> None:
    for seed in range(2_000):
        assert len(hostile_filter(RandomDraw(random.Random(seed)))) <= MAX_QUERY_CHARS + 30_000


def test_generated_requests_stay_within_their_bounds() -> None:
    draw = RandomDraw(random.Random("bounds"))
    for _ in range(2_000):
        request = any_request(draw)
        assert request.body is None or len(request.body) <= MAX_BODY_BYTES + 3
        assert len(request.path) <= 3 * (MAX_QUERY_CHARS + 30_000) + 10_000
