"""The app's URL rules compile their URL builders on first use, and build the URLs Werkzeug's do.

Each rule of the app is compared with Werkzeug's own :class:`~werkzeug.routing.Rule` made from the
same route, on generated values for its variables (with and without extra values, which Werkzeug's
other builder appends as a query string).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import Map, Rule

from mockrc.app import create_app
from mockrc.http import url_rules
from mockrc.http.url_rules import DeferredBuilder, DeferredBuilderRule, rule_class
from tests.helpers import deterministic

APP = create_app()
RULES = [rule for rule in APP.url_map.iter_rules() if isinstance(rule, DeferredBuilderRule)]


def _werkzeug_s(rule: Rule) -> Rule:
    return Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods, defaults=rule.defaults)


def _builders(rule: Rule) -> tuple[DeferredBuilder, DeferredBuilder]:
    deferred = (rule._build, rule._build_unknown)  # type: ignore[attr-defined]
    assert all(isinstance(builder, DeferredBuilder) for builder in deferred)
    return deferred


def test_every_route_of_the_app_defers_its_builders_until_a_url_is_built() -> None:
    app = create_app()
    # Flask's static route is added by Flask's constructor, before the app says which rule class.
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    deferred = [rule for rule in rules if isinstance(rule, DeferredBuilderRule)]

    assert deferred == rules and len(rules) > 40
    assert all(builder.compiled is None for rule in deferred for builder in _builders(rule))
    # Matching requests does not compile them either.
    with app.test_client() as client:
        assert client.get("/__mockrc/health").status_code == 200
    assert all(builder.compiled is None for rule in deferred for builder in _builders(rule))


VALUE = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)


@deterministic(300)
@given(
    index=st.integers(0, len(RULES) - 1),
    values=st.lists(VALUE, min_size=8, max_size=8),
    extra=st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), VALUE, max_size=2),
)
def test_a_deferred_rule_builds_the_url_werkzeug_s_rule_builds(
    index: int, values: list[str], extra: dict[str, str]
) -> None:
    rule = RULES[index]
    theirs = _werkzeug_s(rule)
    Map([theirs], merge_slashes=False)
    arguments: dict[str, Any] = dict(zip(sorted(rule.arguments), values, strict=False))
    extra = {k: v for k, v in extra.items() if k not in rule.arguments}

    for append_unknown in (False, True):
        built = _outcome(rule, {**arguments, **extra}, append_unknown)
        assert built == _outcome(theirs, {**arguments, **extra}, append_unknown)
    assert all(builder.compiled is not None for builder in _builders(rule))


def _outcome(rule: Rule, values: dict[str, Any], append_unknown: bool) -> object:
    """The URL the rule builds, or the error it raises (an int converter given text)."""
    try:
        return rule.build(values, append_unknown=append_unknown)
    except ValueError as exc:
        return repr(exc)


def test_werkzeug_s_rule_when_its_builder_compiler_is_not_the_one_deferred(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert rule_class() is DeferredBuilderRule
    monkeypatch.setattr(Rule, "_compile_builder", lambda self, append_unknown, extra: None)
    assert rule_class() is Rule
    monkeypatch.delattr(Rule, "_compile_builder")
    assert url_rules.rule_class() is Rule
