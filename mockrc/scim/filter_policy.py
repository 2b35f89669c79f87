"""Which filters RingCentral answers, which the store can answer from an index, and filter text.

RingCentral documents one sentence about ``GET /scim/v2/Users?filter=`` and ``/Users/.search``:
"Only support 'userName' or 'email' filter expressions for now". The shapes the ``ringcentral``
profile accepts are the ones there is evidence for:

- ``userName eq "…"`` and ``email eq "…"`` (the documentation and its StackOverflow answer);
- ``emails eq "…"`` (RingCentral's own .NET SDK tests) and ``emails.value eq "…"``;
- ``emails[type eq "work"].value eq "…"`` (what Microsoft Entra ID sends when it matches on email).

Names, operators and keywords may be in any case, and ``userName``/``emails`` may carry the core
User schema URI. Everything else that parses is refused with ``invalidFilter`` and a detail that
says exactly which part RingCentral does not support. What the real service answers to an
unsupported filter is undocumented; 400 ``invalidFilter`` is RFC 7644's answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from mockrc.errors import InvalidFilter
from mockrc.scim.filter_ast import And, AttrPath, Comparison, Expr, Not, Or, Present, ValueFilter
from mockrc.scim.schema import CORE_USER

_UNSUPPORTED = "RingCentral supports only 'userName eq' and 'email eq' filters: "
_ENTRA_FORM = 'emails[type eq "work"].value eq "…"'


@dataclass(frozen=True)
class Lookup:
    """Find users by one indexed key: their userName or one of their email addresses."""

    kind: Literal["userName", "email"]
    value: str


def ringcentral_lookup(expr: Expr) -> Lookup:
    """The lookup a filter asks RingCentral for; InvalidFilter if RingCentral does not support it."""
    if isinstance(expr, And | Or | Not):
        word = {And: "and", Or: "or", Not: "not"}[type(expr)]
        raise _refuse(f'logical operator "{word}" is not supported')
    if isinstance(expr, ValueFilter):
        return _entra_email_lookup(expr)
    kind = _attribute(expr.path)
    if kind is None:
        raise _refuse(f'attribute "{expr.path}" is not supported')
    if isinstance(expr, Present):
        raise _refuse('operator "pr" is not supported')
    if expr.op != "eq":
        raise _refuse(f'operator "{expr.op}" is not supported')
    if not isinstance(expr.value, str):
        raise _refuse(f"the value must be a quoted string, not {json.dumps(expr.value)}")
    return Lookup("userName" if kind == "userName" else "email", expr.value)


def index_plan(expr: Expr) -> Lookup | None:
    """The index lookup that answers ``expr`` exactly, for the full-filter ``scim`` profile; else None.

    Recognised: ``userName eq "v"``, ``emails eq "v"`` and ``emails.value eq "v"`` (any case,
    optionally URI-qualified), with a non-empty string ``v``. For these the lookup returns
    precisely the users :func:`mockrc.scim.filter_eval.matches` would: userName and emails.value
    are ``caseExact: false`` in the core User schema (RFC 7643 §4.1), so evaluation compares
    case-folded strings, and the store's userName and email indexes are keyed by the same
    ``str.casefold``. Empty values are left to evaluation because the store does not index empty
    addresses. (This relies on both attributes staying caseExact=false in the profile's schema.)

    Not recognised, although RingCentral accepts them: ``email eq`` (not a SCIM attribute, so the
    scim profile refuses it) and ``emails[type eq "work"].value eq`` (the index ignores the email
    type, so it would also find a home address). Those, and everything else, return None: the
    store then evaluates the filter on every user.
    """
    if (
        not isinstance(expr, Comparison)
        or expr.op != "eq"
        or not isinstance(expr.value, str)
        or not expr.value
    ):
        return None
    kind = _attribute(expr.path)
    if kind == "userName":
        return Lookup("userName", expr.value)
    if kind == "emails":
        return Lookup("email", expr.value)
    return None


def describe(expr: Expr) -> str:
    """Render ``expr`` as canonical filter text: single spaces, lower-case operators, JSON values.

    Parentheses appear only where precedence needs them, and ``parse_filter(describe(e)) == e``.
    """
    return _describe(expr, 0)


# --- helpers -------------------------------------------------------------------------------------


def _refuse(reason: str) -> InvalidFilter:
    return InvalidFilter(_UNSUPPORTED + reason)


def _attribute(path: AttrPath) -> Literal["userName", "email", "emails"] | None:
    """Which of RingCentral's filterable attributes ``path`` names, in any case; None for others.

    ``emails`` stands for ``emails`` and ``emails.value``; ``email`` is RingCentral's bare
    spelling, which has no schema URI.
    """
    core = path.uri is None or path.uri.lower() == CORE_USER.lower()
    attr, sub = path.attr.lower(), (path.sub_attr or "").lower()
    if core and attr == "username" and not sub:
        return "userName"
    if core and attr == "emails" and sub in ("", "value"):
        return "emails"
    if path.uri is None and attr == "email" and not sub:
        return "email"
    return None


def _entra_email_lookup(expr: ValueFilter) -> Lookup:
    if _attribute(expr.path) != "emails" or expr.path.sub_attr:
        raise _refuse(f'attribute "{expr.path}" is not supported')
    selector = expr.filter
    is_work = (
        isinstance(selector, Comparison)
        and selector.path.uri is None
        and selector.path.sub_attr is None
        and selector.path.attr.lower() == "type"
        and selector.op == "eq"
        and isinstance(selector.value, str)
        and selector.value.lower() == "work"
    )
    if not is_work or expr.comparison is None or (expr.sub_attr or "").lower() != "value":
        raise _refuse(f"value filter {describe(expr)} is not supported; the one supported is {_ENTRA_FORM}")
    tail = expr.comparison
    if isinstance(tail, Present):
        raise _refuse('operator "pr" is not supported')
    if tail.op != "eq":
        raise _refuse(f'operator "{tail.op}" is not supported')
    if not isinstance(tail.value, str):
        raise _refuse(f"the value must be a quoted string, not {json.dumps(tail.value)}")
    return Lookup("email", tail.value)


def _level(expr: Expr) -> int:
    """Binding strength: or < and < everything else (RFC 7644 §3.4.2.2)."""
    return 1 if isinstance(expr, Or) else 2 if isinstance(expr, And) else 3


def _describe(expr: Expr, minimum: int) -> str:
    """Render ``expr``, parenthesised if it binds more loosely than ``minimum`` requires."""
    if isinstance(expr, Or):
        text = f"{_describe(expr.left, 1)} or {_describe(expr.right, 2)}"
    elif isinstance(expr, And):
        text = f"{_describe(expr.left, 2)} and {_describe(expr.right, 3)}"
    elif isinstance(expr, Not):
        text = f"not ({_describe(expr.expr, 0)})"
    elif isinstance(expr, ValueFilter):
        text = f"{expr.path}[{_describe(expr.filter, 0)}]"
        if expr.comparison is not None:
            text += f".{expr.sub_attr} {_operation(expr.comparison)}"
    else:
        text = f"{expr.path} {_operation(expr)}"
    return f"({text})" if _level(expr) < minimum else text


def _operation(expr: Comparison | Present) -> str:
    """The part of an attrExp after the path: ``pr`` or ``op value``."""
    if isinstance(expr, Present):
        return "pr"
    return f"{expr.op} {json.dumps(expr.value, ensure_ascii=False)}"
