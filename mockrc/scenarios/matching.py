"""Does a request match a step's ``when``? Plain Python over a small view of the request.

The HTTP layer builds a :class:`RequestView` (method, path, query, form, headers, JSON body and
the principal behind the bearer token) so that the engine never sees Flask, and tests can build
views by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockrc.permissions import grants
from mockrc.scenarios.model import PrincipalTest, StepMatch, ValueTest
from mockrc.tokens import Principal

#: A JSON body that is absent or not JSON: no pointer resolves in it.
NO_BODY: Any = object()


@dataclass(frozen=True)
class RequestView:
    """What the scenario engine may look at in one request."""

    method: str
    path: str
    #: Query and form parameters: every value of each name, in order.
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    form: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: Header names in lower case.
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The parsed JSON body, or :data:`NO_BODY`.
    json: Any = NO_BODY
    #: Who stands behind the bearer token, if the request carries a token the fake knows.
    principal: Principal | None = None


def matches(pattern: StepMatch, request: RequestView) -> bool:
    """Whether ``request`` satisfies every condition of ``pattern``."""
    if pattern.methods and request.method.upper() not in pattern.methods:
        return False
    if pattern.paths and not any(p.fullmatch(request.path) for p in pattern.paths):
        return False
    if not all(_test_values(test, request.query.get(name)) for name, test in pattern.query):
        return False
    if not all(_test_values(test, request.form.get(name)) for name, test in pattern.form):
        return False
    for name, test in pattern.headers:
        value = request.headers.get(name)
        if not _test_values(test, None if value is None else [value]):
            return False
    for pointer, test in pattern.json:
        found, value = resolve_pointer(request.json, pointer)
        if not _test_json(test, found, value):
            return False
    return pattern.principal is None or _test_principal(pattern.principal, request.principal)


def _test_values(test: ValueTest, values: Sequence[str] | None) -> bool:
    """Query, form and header values are text: a test passes if any value passes it."""
    if test.kind == "present":
        present: bool = test.expected
        return bool(values) == present
    return any(_test_text(test, value) for value in values or ())


def _test_text(test: ValueTest, value: str) -> bool:
    expected: str = test.expected  # matches: a compiled pattern
    if test.kind == "equals":
        return value == expected
    if test.kind == "contains":
        return expected in value
    return test.expected.fullmatch(value) is not None


def _test_json(test: ValueTest, found: bool, value: Any) -> bool:
    if test.kind == "present":
        present: bool = test.expected
        return found == present
    if not found:
        return False
    if test.kind == "equals":
        return same_json(value, test.expected)
    return isinstance(value, str) and _test_text(test, value)


def same_json(left: Any, right: Any) -> bool:
    """JSON equality: ``true`` is not ``1`` (Python's ``True == 1`` would say it is)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same_json(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def resolve_pointer(document: Any, pointer: str) -> tuple[bool, Any]:
    """``(found, value)`` of an RFC 6901 JSON pointer in ``document``."""
    if document is NO_BODY:
        return False, None
    node = document
    for raw in pointer.split("/")[1:] if pointer else ():
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and _is_index(token) and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


def _is_index(token: str) -> bool:
    """An array index as RFC 6901 writes it: digits, no leading zero."""
    return token == "0" or (token.isdigit() and not token.startswith("0"))


def _test_principal(test: PrincipalTest, principal: Principal | None) -> bool:
    if principal is None:
        return False
    return (
        (test.user is None or principal.owner_id == test.user)
        and (test.client_id is None or principal.client_id == test.client_id)
        and (test.admin is None or principal.is_admin == test.admin)
        and (test.permission is None or grants(principal.scopes, test.permission))
    )
