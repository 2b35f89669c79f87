"""The syntax tree of SCIM filters and PATCH paths (RFC 7644 §3.4.2.2 and §3.5.2).

Shared by the parser (:mod:`mockrc.scim.filter_parser`), the evaluator
(:mod:`mockrc.scim.filter_eval`), the RingCentral filter policy (:mod:`mockrc.scim.filter_policy`)
and the PATCH engine (:mod:`mockrc.scim.patch`). Nodes are immutable and hold the text the client
wrote (names keep the client's case; comparison operators are lower-cased).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AttrPath:
    """``[URI ":"] ATTRNAME ["." subAttr]``, e.g. ``name.givenName`` or ``urn:…:User:department``."""

    attr: str
    sub_attr: str | None = None
    uri: str | None = None

    @property
    def dotted(self) -> str:
        """The path without its URI: ``attr`` or ``attr.sub``."""
        return f"{self.attr}.{self.sub_attr}" if self.sub_attr else self.attr

    def __str__(self) -> str:
        return f"{self.uri}:{self.dotted}" if self.uri else self.dotted


@dataclass(frozen=True)
class Comparison:
    """``attrPath compareOp compValue``; ``op`` is one of eq ne co sw ew gt ge lt le (lower case)."""

    path: AttrPath
    op: str
    value: Any  # str, int, float, bool or None (JSON literals)


@dataclass(frozen=True)
class Present:
    """``attrPath pr``."""

    path: AttrPath


@dataclass(frozen=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not:
    expr: Expr


@dataclass(frozen=True)
class ValueFilter:
    """``attrPath "[" valFilter "]"``: elements of a multi-valued attribute that match ``filter``.

    ``sub_attr`` is set for the form Entra documents, ``emails[type eq "work"].value eq "x"``,
    where the bracketed filter is followed by a sub-attribute and a comparison; then
    ``comparison`` holds that trailing comparison (with ``path`` naming the sub-attribute).
    """

    path: AttrPath
    filter: Expr
    sub_attr: str | None = None
    comparison: Comparison | Present | None = None


Expr = Comparison | Present | And | Or | Not | ValueFilter


@dataclass(frozen=True)
class PatchPath:
    """A PATCH ``path`` (RFC 7644 §3.5.2): ``attrPath`` or ``valuePath [subAttr]``.

    ``attr`` names the attribute (with its sub-attribute when there is no filter),
    ``value_filter`` selects elements of a multi-valued attribute, and ``sub_attr`` is the
    sub-attribute after the bracket (``addresses[type eq "work"].locality``).
    """

    attr: AttrPath
    value_filter: Expr | None = None
    sub_attr: str | None = None
