"""Payload validation: every violation, with a pointer, a stable rule id and a readable message."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockrc.profile import available_profiles, load_profile
from mockrc.resources import fixture, load_json_fixture
from mockrc.scim.schema import CORE_USER, ENTERPRISE_USER
from mockrc.validation import Validator
from mockrc.violations import Violation

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def ringcentral_user(**changes: Any) -> dict[str, Any]:
    """The smallest user RingCentral accepts, with ``changes`` applied."""
    user = {
        "schemas": [CORE_USER],
        "userName": "jane.doe@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"type": "work", "value": "jane.doe@example.com"}],
    }
    user.update(changes)
    return user


@pytest.fixture(scope="module")
def ringcentral() -> Validator:
    return Validator(load_profile("ringcentral"))


@pytest.fixture(scope="module")
def scim() -> Validator:
    return Validator(load_profile("scim"))


def where(violations: list[Violation]) -> list[tuple[str, str]]:
    return [(v.pointer, v.rule) for v in violations]


# --- users -------------------------------------------------------------------------------------


def test_the_smallest_ringcentral_user_is_valid(ringcentral: Validator) -> None:
    assert ringcentral.validate("user", ringcentral_user()) == []


def test_the_smallest_scim_user_is_valid(scim: Validator) -> None:
    # RFC 7643 §4.1: only userName is required (and schemas, §3).
    assert scim.validate("user", {"schemas": [CORE_USER], "userName": "bjensen"}) == []


def test_a_wrong_enum_value_names_the_value_and_the_allowed_ones(ringcentral: Validator) -> None:
    body = ringcentral_user(emails=[{"type": "home", "value": "jane@example.org"}])
    assert ringcentral.validate("user", body) == [
        Violation("/emails/0/type", "schema.enum", '"home" is not one of ["work"]', "error")
    ]


def test_a_missing_property_points_at_its_parent_and_names_it(ringcentral: Validator) -> None:
    body = ringcentral_user(name={"givenName": "Jane"})
    assert ringcentral.validate("user", body) == [
        Violation("/name", "schema.required", '"familyName" is required')
    ]


def test_each_missing_property_is_one_violation(ringcentral: Validator) -> None:
    violations = ringcentral.validate("user", {"schemas": [CORE_USER]})
    assert [(v.pointer, v.message) for v in violations] == [
        ("", '"emails" is required'),
        ("", '"name" is required'),
        ("", '"userName" is required'),
    ]


def test_each_unexpected_property_is_one_violation_at_its_own_pointer(ringcentral: Validator) -> None:
    body = ringcentral_user(
        emails=[{"type": "work", "value": "jane.doe@example.com", "primary": True, "x": 1}]
    )
    assert ringcentral.validate("user", body) == [
        Violation("/emails/0/primary", "schema.additionalProperties", '"primary" is not allowed here'),
        Violation("/emails/0/x", "schema.additionalProperties", '"x" is not allowed here'),
    ]


def test_a_value_of_the_wrong_type_is_shown_as_json(ringcentral: Validator) -> None:
    body = ringcentral_user(active="yes", title=None)
    assert ringcentral.validate("user", body) == [
        Violation("/active", "schema.type", '"yes" is not of type boolean'),
        Violation("/title", "schema.type", "null is not of type string"),
    ]


def test_empty_strings_are_refused_where_they_make_no_sense(ringcentral: Validator) -> None:
    body = ringcentral_user(userName="", name={"givenName": "", "familyName": "Doe"}, externalId="")
    assert where(ringcentral.validate("user", body)) == [
        ("/externalId", "schema.minLength"),
        ("/name/givenName", "schema.minLength"),
        ("/userName", "schema.minLength"),
    ]
    assert ringcentral.validate("user", body)[0].message == "must not be empty"


def test_every_violation_is_reported_sorted_by_path_with_numeric_indexes(scim: Validator) -> None:
    emails = [{"type": "work", "value": f"u{i}@example.com"} for i in range(12)]
    emails[2]["type"] = "school"
    emails[10]["type"] = "office"
    body = {"schemas": [CORE_USER], "userName": "u", "emails": emails, "active": 1, "ims": [{"type": "irc"}]}
    assert where(scim.validate("user", body)) == [
        ("/active", "schema.type"),
        ("/emails/2/type", "schema.enum"),
        ("/emails/10/type", "schema.enum"),
        ("/ims/0/type", "schema.enum"),
    ]


def test_schemas_must_contain_the_core_uri_and_nothing_unknown(ringcentral: Validator) -> None:
    body = ringcentral_user(schemas=[ENTERPRISE_USER, "urn:example:custom"])
    assert ringcentral.validate("user", body) == [
        Violation(
            "/schemas",
            "schema.contains",
            f'["{ENTERPRISE_USER}", "urn:example:custom"] must contain "{CORE_USER}"',
        ),
        Violation(
            "/schemas/1",
            "schema.enum",
            f'"urn:example:custom" is not one of ["{CORE_USER}", "{ENTERPRISE_USER}"]',
        ),
    ]


def test_the_enterprise_extension_is_checked_per_profile(ringcentral: Validator, scim: Validator) -> None:
    extension = {ENTERPRISE_USER: {"department": "Sales", "costCenter": "4130"}}
    body = ringcentral_user(schemas=[CORE_USER, ENTERPRISE_USER], **extension)
    assert where(ringcentral.validate("user", body)) == [
        (f"/{ENTERPRISE_USER}/costCenter", "schema.additionalProperties")
    ]
    assert scim.validate("user", body) == []


def test_long_values_are_shortened_in_messages(ringcentral: Validator) -> None:
    (violation,) = ringcentral.validate("user", ringcentral_user(title=["x" * 300]))
    assert violation.message == '["' + "x" * 115 + "... is not of type string"


def test_a_body_that_is_not_an_object(ringcentral: Validator) -> None:
    assert ringcentral.validate("user", ["userName"]) == [
        Violation("", "schema.type", '["userName"] is not of type object')
    ]


# --- PatchOp -----------------------------------------------------------------------------------


def patch(*operations: Any, schemas: Any = (PATCH_OP,)) -> dict[str, Any]:
    return {"schemas": list(schemas), "Operations": list(operations)}


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Replace", "path": "active", "value": "False"},  # Entra ID without aadOptscim062020
        {"op": "replace", "value": {"name.givenName": "Jane", "active": False}},  # path-less
        {"op": "remove", "path": 'emails[type eq "work"]'},
        {"op": "add", "path": "emails", "value": [{"type": "work", "value": "j@example.com"}]},
        {"op": "replace", "path": "title", "value": None},
    ],
)
def test_patch_operations_clients_really_send_pass_the_envelope_check(
    scim: Validator, operation: Any
) -> None:
    assert scim.validate("patch", patch(operation)) == []


def test_a_patch_needs_the_patchop_uri_and_at_least_one_operation(scim: Validator) -> None:
    assert scim.validate("patch", patch(schemas=[SEARCH_REQUEST])) == [
        Violation("/Operations", "schema.minItems", "must have at least 1 element"),
        Violation("/schemas", "schema.contains", f'["{SEARCH_REQUEST}"] must contain "{PATCH_OP}"'),
    ]


def test_each_operation_needs_a_string_op_and_no_other_keys(ringcentral: Validator) -> None:
    body = patch({"path": "title", "value": "x"}, {"op": 2}, {"op": "add", "from": "title", "path": ""})
    assert where(ringcentral.validate("patch", body)) == [
        ("/Operations/0", "schema.required"),
        ("/Operations/1/op", "schema.type"),
        ("/Operations/2/from", "schema.additionalProperties"),
        ("/Operations/2/path", "schema.minLength"),
    ]


def test_a_patch_body_without_operations(ringcentral: Validator) -> None:
    assert ringcentral.validate("patch", {"schemas": [PATCH_OP], "operations": []}) == [
        Violation("", "schema.required", '"Operations" is required'),
        Violation("/operations", "schema.additionalProperties", '"operations" is not allowed here'),
    ]


# --- SearchRequest -----------------------------------------------------------------------------


def test_an_empty_search_request_is_valid(ringcentral: Validator) -> None:
    # RingCentral's ScimSearchRequest has no required member.
    assert ringcentral.validate("search", {}) == []


def test_out_of_range_paging_is_left_to_the_engine(scim: Validator) -> None:
    # RFC 7644 §3.4.2.4: startIndex < 1 is read as 1 and a negative count as 0, not refused.
    assert scim.validate("search", {"schemas": [SEARCH_REQUEST], "startIndex": -5, "count": -1}) == []


def test_search_request_members_are_typed(scim: Validator) -> None:
    body = {
        "schemas": [SEARCH_REQUEST],
        "filter": 'userName eq "bjensen"',
        "startIndex": "1",
        "count": 2.5,
        "attributes": "userName",
        "sortOrder": "desc",
        "limit": 5,
    }
    assert scim.validate("search", body) == [
        Violation("/attributes", "schema.type", '"userName" is not of type array'),
        Violation("/count", "schema.type", "2.5 is not of type integer"),
        Violation("/limit", "schema.additionalProperties", '"limit" is not allowed here'),
        Violation("/sortOrder", "schema.enum", '"desc" is not one of ["ascending", "descending"]'),
        Violation("/startIndex", "schema.type", '"1" is not of type integer'),
    ]


# --- the schema files themselves ---------------------------------------------------------------


def schema_files() -> Iterator[tuple[str, Mapping[str, Any]]]:
    for folder in fixture("schemas").iterdir():
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.name.endswith(".schema.json"):
                    yield f"{folder.name}/{entry.name}", json.loads(entry.read_text(encoding="utf-8"))


def undescribed(schema: Mapping[str, Any], where: str) -> Iterator[str]:
    """Pointers of properties that have no description, at any depth."""
    for name, sub in schema.get("properties", {}).items():
        if "description" not in sub:
            yield f"{where}/{name}"
        yield from undescribed(sub, f"{where}/{name}")
        if "items" in sub:
            yield from undescribed(sub["items"], f"{where}/{name}/items")


@pytest.mark.parametrize(
    ("path", "document"), list(schema_files()), ids=lambda x: x if isinstance(x, str) else ""
)
def test_schema_files_are_valid_2020_12_schemas_with_id_title_and_descriptions(
    path: str, document: Mapping[str, Any]
) -> None:
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"].startswith("urn:mockrc:json-schema:")
    assert document["title"] and document["description"]
    assert list(undescribed(document, "")) == []


def test_every_schema_file_is_used_by_a_profile() -> None:
    used = {
        path
        for name in available_profiles()
        for path in load_json_fixture("profiles", f"{name}.json")["jsonSchemas"].values()
    }
    # fixtures/schemas/mockrc/ describes mockrc's own files (scenarios, journal, reports), not payloads.
    assert used == {path for path, _ in schema_files() if not path.startswith("mockrc/")}


def test_ringcentral_needs_at_least_one_email(ringcentral: Validator) -> None:
    assert ringcentral.validate("user", ringcentral_user(emails=[])) == [
        Violation("/emails", "schema.minItems", "must have at least 1 element")
    ]
