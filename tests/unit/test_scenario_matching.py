"""Which requests a step's ``when`` takes: methods, path globs, query, form, headers, JSON body fields
and the principal behind the token."""

from __future__ import annotations

from textwrap import dedent
from typing import Any

import pytest

from mockrc.scenarios.loader import parse_scenario, read_document
from mockrc.scenarios.matching import NO_BODY, RequestView, matches, resolve_pointer
from mockrc.scenarios.model import StepMatch
from mockrc.tokens import Principal

ADMIN = Principal("100000001", "mockrc-client-id", frozenset({"EditAccounts"}), is_admin=True)
USER = Principal("100000002", "other-app", frozenset({"ReadAccounts"}), is_admin=False)


def when(text: str) -> StepMatch:
    """The ``when`` of a one-step scenario, written as YAML flow mapping."""
    document = read_document(dedent(f"name: t\nsteps:\n  - id: s\n    when: {text}\n"), "t.yaml")
    return parse_scenario(document, "t.yaml", None).steps[0].when


def view(method: str = "GET", path: str = "/scim/v2/Users", **parts: Any) -> RequestView:
    return RequestView(method, path, **parts)


def test_an_empty_when_takes_every_request() -> None:
    assert matches(when("{}"), view("DELETE", "/anything"))


@pytest.mark.parametrize(
    ("pattern", "method", "expected"),
    [
        ("{method: GET}", "GET", True),
        ("{method: GET}", "get", True),
        ("{method: GET}", "POST", False),
        ("{method: [PUT, PATCH]}", "PATCH", True),
        ("{method: [PUT, PATCH]}", "DELETE", False),
    ],
)
def test_methods(pattern: str, method: str, expected: bool) -> None:
    assert matches(when(pattern), view(method)) is expected


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("/scim/v2/Users", "/scim/v2/Users", True),
        ("/scim/v2/Users", "/scim/v2/Users/1", False),
        ("/scim/v2/Users/*", "/scim/v2/Users/255546004", True),
        ("/scim/v2/Users/*", "/scim/v2/Users/1/extra", False),
        ("/scim/v2/Users/*", "/scim/v2/Users/", True),
        ("/scim/**", "/scim/v2/Users/1", True),
        ("/scim/**", "/restapi/oauth/token", False),
        ("/scim/v2/Users/.search", "/scim/v2/Users/.search", True),
        ("/scim/v2/Users/.search", "/scim/v2/Users/Xsearch", False),  # the dot is literal
        ("/**/token", "/restapi/oauth/token", True),
    ],
)
def test_path_globs_star_within_a_segment_double_star_across(glob: str, path: str, expected: bool) -> None:
    assert matches(when(f"{{path: {glob!r}}}"), view(path=path)) is expected


def test_any_of_several_paths() -> None:
    pattern = when("{path: [/scim/v2/Users, /scim/v2/Users/.search]}")

    assert matches(pattern, view(path="/scim/v2/Users/.search"))
    assert not matches(pattern, view(path="/scim/v2/Schemas"))


FILTER = {"filter": ['externalId eq "42"']}


@pytest.mark.parametrize(
    ("test", "query", "expected"),
    [
        ("{filter: 'externalId eq \"42\"'}", FILTER, True),
        ("{filter: 'userName eq \"42\"'}", FILTER, False),
        ("{filter: {contains: externalId}}", FILTER, True),
        ("{filter: {contains: displayName}}", FILTER, False),
        ("{filter: {matches: '(?i)externalid .*'}}", FILTER, True),
        ("{filter: {matches: externalId}}", FILTER, False),  # the whole value must match
        ("{filter: {present: true}}", FILTER, True),
        ("{filter: {present: true}}", {}, False),
        ("{filter: {present: false}}", {}, True),
        ("{filter: {present: false}}", FILTER, False),
        ("{count: 10}", {"count": ["10"]}, True),  # YAML numbers compare as their text
        ("{active: true}", {"active": ["true"]}, True),
        ("{count: 10}", {"count": ["5", "10"]}, True),  # any value of a repeated parameter
        ("{count: 10}", {}, False),
    ],
)
def test_query_parameters(test: str, query: dict[str, list[str]], expected: bool) -> None:
    assert matches(when(f"{{query: {test}}}"), view(query=query)) is expected


def test_form_fields() -> None:
    pattern = when("{method: POST, form: {grant_type: refresh_token}}")

    assert matches(pattern, view("POST", form={"grant_type": ["refresh_token"]}))
    assert not matches(pattern, view("POST", form={"grant_type": ["password"]}))
    assert not matches(pattern, view("POST"))


def test_header_names_in_any_case() -> None:
    pattern = when("{headers: {User-Agent: {contains: Azure}}}")

    assert matches(pattern, view(headers={"user-agent": "Azure-SCIM-Client/1.0"}))
    assert not matches(pattern, view(headers={"user-agent": "python-requests"}))
    assert not matches(pattern, view())


@pytest.mark.parametrize(
    ("test", "body", "expected"),
    [
        ("{/userName: a@example.com}", {"userName": "a@example.com"}, True),
        ("{/userName: b@example.com}", {"userName": "a@example.com"}, False),
        ("{/active: true}", {"active": True}, True),
        ("{/active: true}", {"active": 1}, False),  # JSON true is not 1
        ("{/active: true}", {"active": "True"}, False),  # nor Entra's string
        ("{/count: 1}", {"count": 1.0}, True),
        ("{/emails/0/value: {contains: '@example.com'}}", {"emails": [{"value": "a@example.com"}]}, True),
        ("{/emails/1/value: {present: true}}", {"emails": [{"value": "a@example.com"}]}, False),
        ("{/a~1b: 1}", {"a/b": 1}, True),  # RFC 6901 escapes
        ("{/Operations/0/op: {matches: '(?i)replace'}}", {"Operations": [{"op": "Replace"}]}, True),
        ("{/name: {equals: {givenName: A}}}", {"name": {"givenName": "A"}}, True),
        ("{/filter: {present: false}}", NO_BODY, True),
        ("{/filter: {present: true}}", NO_BODY, False),
        ("{/roles: {equals: []}}", {"roles": []}, True),
    ],
)
def test_json_body_fields_by_pointer(test: str, body: Any, expected: bool) -> None:
    assert matches(when(f"{{json: {test}}}"), view("POST", json=body)) is expected


def test_pointers_resolve_as_rfc_6901_says() -> None:
    document = {"a": [{"b": 1}], "": {"x": 2}}

    assert resolve_pointer(document, "") == (True, document)
    assert resolve_pointer(document, "/a/0/b") == (True, 1)
    assert resolve_pointer(document, "/a/01/b") == (False, None)  # no leading zeros
    assert resolve_pointer(document, "//x") == (True, 2)
    assert resolve_pointer(NO_BODY, "") == (False, None)


@pytest.mark.parametrize(
    ("test", "principal", "expected"),
    [
        ("{admin: true}", ADMIN, True),
        ("{admin: true}", USER, False),
        ("{admin: false}", USER, True),
        ("{user: '100000002'}", USER, True),
        ("{client_id: mockrc-client-id}", USER, False),
        ("{permission: ReadAccounts}", ADMIN, True),  # EditAccounts includes ReadAccounts
        ("{permission: EditAccounts}", USER, False),
        ("{admin: true}", None, False),  # no known token: no principal condition holds
    ],
)
def test_the_principal_behind_the_token(test: str, principal: Principal | None, expected: bool) -> None:
    assert matches(when(f"{{principal: {test}}}"), view(principal=principal)) is expected


def test_every_condition_must_hold() -> None:
    pattern = when(
        "{method: POST, path: /scim/v2/Users, json: {/userName: {present: true}}, principal: {admin: true}}"
    )
    body = {"userName": "a@example.com"}

    assert matches(pattern, view("POST", json=body, principal=ADMIN))
    assert not matches(pattern, view("POST", json=body, principal=USER))
    assert not matches(pattern, view("PUT", json=body, principal=ADMIN))
