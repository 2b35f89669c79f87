"""Werkzeug's URL rule, with its URL builders compiled when first used rather than at start.

When a route is added, Werkzeug compiles two functions for the rule that build its URL (for
``url_for``): Python source assembled as an AST and passed to ``compile()``, ~0.13 ms each.
mockrc builds no URL from its routes, yet adding its ~50 routes cost ~14 ms of every
``create_app()``: 80% of it, at every start of ``mockrc serve`` and of every in-process fake.
:class:`DeferredBuilderRule` compiles each builder the first time a URL is built with it, with
Werkzeug's own ``Rule._compile_builder``: the same function, later (issue 12: nothing built
before it is needed). Matching a request to a route does not use the builders.

``_compile_builder`` is not Werkzeug's public API: :func:`rule_class` answers Werkzeug's own
:class:`~werkzeug.routing.Rule` when it no longer has the signature this was written against
(Werkzeug 3.1, https://github.com/pallets/werkzeug/blob/3.1.x/src/werkzeug/routing/rules.py).
``tests/unit/test_url_rules.py`` compares the URLs built both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule

#: The arguments of ``Rule._compile_builder`` this module defers the call of.
_COMPILE_BUILDER_ARGUMENTS = ("self", "append_unknown")


class DeferredBuilder:
    """Stands for one of a rule's URL builders: compiles it on the first call, then calls it.

    Two threads building a rule's first URL at once may both compile it: they make the same
    function, and either is kept.
    """

    __slots__ = ("_append_unknown", "_rule", "compiled")

    def __init__(self, rule: Rule, append_unknown: bool) -> None:
        self._rule = rule
        self._append_unknown = append_unknown
        #: Werkzeug's builder, once compiled (None until a URL is built with it).
        self.compiled: Callable[..., tuple[str, str]] | None = None

    def __get__(self, rule: Rule, owner: type | None = None) -> DeferredBuilder:
        """``Rule.compile`` binds the builder to its rule; this one knows its rule already."""
        return self

    def __call__(self, **values: Any) -> tuple[str, str]:
        if self.compiled is None:
            builder = Rule._compile_builder(self._rule, self._append_unknown)
            self.compiled = builder.__get__(self._rule, None)
        return self.compiled(**values)


class DeferredBuilderRule(Rule):
    """Werkzeug's :class:`~werkzeug.routing.Rule`, whose URL builders compile on first use."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        return DeferredBuilder(self, append_unknown)


def rule_class() -> type[Rule]:
    """:class:`DeferredBuilderRule` where Werkzeug's builder compiler is the one it defers, else
    Werkzeug's :class:`~werkzeug.routing.Rule` (slower to start, the same URLs)."""
    code = getattr(Rule.__dict__.get("_compile_builder"), "__code__", None)
    if code is None or code.co_varnames[: code.co_argcount] != _COMPILE_BUILDER_ARGUMENTS:
        return Rule
    return DeferredBuilderRule
