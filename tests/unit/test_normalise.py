"""Normalising User bodies: canonical names, read-only and unknown attributes dropped with a warning.

The request shapes are Entra ID's (``meta``, ``roles: []``, ``primary`` on emails, ``"False"``
strings) and RFC 7643's (§2.1 case-insensitive names, §2.2 read-only attributes ignored on input,
§2.5 null equals unassigned).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mockrc.errors import InvalidSyntax
from mockrc.profile import Profile, load_profile
from mockrc.scim.normalise import normalise_user
from mockrc.scim.schema import CORE_USER, ENTERPRISE_USER
from mockrc.violations import Violation, ViolationLog


@pytest.fixture(scope="module")
def ringcentral() -> Profile:
    return load_profile("ringcentral")


@pytest.fixture(scope="module")
def scim() -> Profile:
    return load_profile("scim")


def normalise(body: Any, profile: Profile) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """The normalised body and the log as (severity, rule, pointer) triples."""
    log = ViolationLog()
    result = normalise_user(body, profile, log)
    return result, [(v.severity, v.rule, v.pointer) for v in log]


def test_names_take_the_schema_spelling_without_a_warning(ringcentral: Profile) -> None:
    body = {
        "SCHEMAS": [CORE_USER, ENTERPRISE_USER],
        "username": "Jane.Doe@Example.com",
        "Name": {"GIVENNAME": "Jane", "familyname": "Doe"},
        "EMAILS": [{"Value": "Jane.Doe@Example.com", "TYPE": "work"}],
        "PhoneNumbers": [{"type": "mobile", "value": "+1 (425) 555-0100"}],
        ENTERPRISE_USER.upper(): {"DEPARTMENT": "Sales"},
        "Active": True,
    }
    result, log = normalise(body, ringcentral)
    assert log == []
    assert result == {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "userName": "Jane.Doe@Example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": "Jane.Doe@Example.com", "type": "work"}],
        "phoneNumbers": [{"type": "mobile", "value": "+1 (425) 555-0100"}],
        ENTERPRISE_USER: {"department": "Sales"},
        "active": True,
    }


def test_values_are_kept_exactly_as_sent(scim: Profile) -> None:
    # Entra compares what it reads back with what it sent: any reformatting means a PATCH per cycle.
    body = {
        "userName": "  MixedCase@Example.COM ",
        "phoneNumbers": [{"type": "work", "value": "tel:+1-201-555-0123"}],
        "emails": [{"type": "Work", "value": "A@B.C"}],
        "title": "",
        "externalId": "00Q5",
    }
    result, log = normalise(body, scim)
    assert log == []
    assert result == body


def test_the_body_sent_is_not_changed(ringcentral: Profile) -> None:
    body = {
        "meta": {"resourceType": "User"},
        "Emails": [{"type": "work", "value": "j@example.com", "primary": True}],
        "active": "True",
    }
    sent = copy.deepcopy(body)
    normalise(body, ringcentral)
    assert body == sent


def test_entra_meta_and_id_are_read_only_and_ignored_with_a_warning(ringcentral: Profile) -> None:
    body = {"id": "12345", "userName": "j@example.com", "meta": {"resourceType": "User"}}
    result, log = normalise(body, ringcentral)
    assert result == {"userName": "j@example.com"}
    assert log == [
        ("warning", "schema.read-only-ignored", "/id"),
        ("warning", "schema.read-only-ignored", "/meta"),
    ]


def test_read_only_attributes_of_the_scim_profile(scim: Profile) -> None:
    body = {
        "userName": "bjensen",
        "groups": [{"value": "e9e30dba", "display": "Tour Guides"}],
        ENTERPRISE_USER: {"manager": {"value": "26118915", "displayName": "John Smith"}},
    }
    result, log = normalise(body, scim)
    assert result == {"userName": "bjensen", ENTERPRISE_USER: {"manager": {"value": "26118915"}}}
    assert log == [
        ("warning", "schema.read-only-ignored", "/groups"),
        ("warning", "schema.read-only-ignored", f"/{ENTERPRISE_USER}/manager/displayName"),
    ]


def test_unknown_attributes_are_dropped_with_a_warning_never_silently(ringcentral: Profile) -> None:
    body = {
        "userName": "j@example.com",
        "roles": [],
        "displayName": "Jane Doe",
        "Emails": [{"type": "work", "value": "j@example.com", "Primary": True}],
        "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
        ENTERPRISE_USER: {"department": "Sales", "employeeNumber": "42"},
        "urn:example:custom:2.0:User": {"badge": "7"},
    }
    result, log = normalise(body, ringcentral)
    assert result == {
        "userName": "j@example.com",
        "emails": [{"type": "work", "value": "j@example.com"}],
        "name": {"givenName": "Jane", "familyName": "Doe"},
        ENTERPRISE_USER: {"department": "Sales"},
    }
    assert log == [
        ("warning", "schema.unknown-attribute", "/roles"),
        ("warning", "schema.unknown-attribute", "/displayName"),
        ("warning", "schema.unknown-attribute", "/Emails/0/Primary"),
        ("warning", "schema.unknown-attribute", "/name/formatted"),
        ("warning", "schema.unknown-attribute", f"/{ENTERPRISE_USER}/employeeNumber"),
        ("warning", "schema.unknown-attribute", "/urn:example:custom:2.0:User"),
    ]


def test_the_unknown_attribute_warning_names_the_attribute_and_the_profile(ringcentral: Profile) -> None:
    log = ViolationLog()
    normalise_user({"emails": [{"primary": True}]}, ringcentral, log)
    assert log == [
        Violation(
            "/emails/0/primary",
            "schema.unknown-attribute",
            '"primary" is not an attribute of emails in the ringcentral profile; it was ignored',
            "warning",
        )
    ]


def test_what_one_profile_drops_the_other_keeps(scim: Profile) -> None:
    body = {"roles": [], "emails": [{"type": "work", "value": "j@example.com", "primary": True}]}
    result, log = normalise(body, scim)
    assert log == []
    assert result == body


@pytest.mark.parametrize(
    ("sent", "read"), [("True", True), ("False", False), ("false", False), ("TRUE", True)]
)
def test_string_booleans_become_booleans_with_a_warning(ringcentral: Profile, sent: str, read: bool) -> None:
    log = ViolationLog()
    result = normalise_user({"active": sent}, ringcentral, log)
    assert result == {"active": read}
    assert log == [
        Violation(
            "/active",
            "compat.string-boolean",
            f'"active" is a boolean, but the string "{sent}" was sent; read as {str(read).lower()}',
            "warning",
        )
    ]


def test_string_booleans_in_sub_attributes(scim: Profile) -> None:
    result, log = normalise({"emails": [{"value": "j@example.com", "primary": "true"}]}, scim)
    assert result == {"emails": [{"value": "j@example.com", "primary": True}]}
    assert log == [("warning", "compat.string-boolean", "/emails/0/primary")]


@pytest.mark.parametrize("body", [{"active": "yes"}, {"active": "0"}, {"title": "True"}, {"active": 1}])
def test_other_values_are_left_for_validation(ringcentral: Profile, body: dict[str, Any]) -> None:
    result, log = normalise(body, ringcentral)
    assert result == body
    assert log == []


def test_null_means_unassigned_and_is_dropped(scim: Profile) -> None:
    # RFC 7643 §2.5: null is equivalent to "unassigned"; the server must not echo nulls back.
    body = {"userName": "bjensen", "nickName": None, "name": {"givenName": "Barbara", "middleName": None}}
    result, log = normalise(body, scim)
    assert result == {"userName": "bjensen", "name": {"givenName": "Barbara"}}
    assert log == []


def test_the_same_attribute_twice_in_different_case_is_an_error(ringcentral: Profile) -> None:
    body = {
        "userName": "a@example.com",
        "name": {"givenName": "A", "GivenName": "B"},
        "USERNAME": "b@example.com",
    }
    result, log = normalise(body, ringcentral)
    assert result == {"userName": "a@example.com", "name": {"givenName": "A"}}
    assert log == [
        ("error", "schema.duplicate-attribute", "/name/GivenName"),
        ("error", "schema.duplicate-attribute", "/USERNAME"),
    ]


def test_a_null_first_spelling_still_makes_the_second_a_duplicate(ringcentral: Profile) -> None:
    result, log = normalise({"title": None, "Title": "CEO"}, ringcentral)
    assert result == {}
    assert log == [("error", "schema.duplicate-attribute", "/Title")]


def test_pointers_escape_slashes_and_tildes(ringcentral: Profile) -> None:
    _, log = normalise({"a/b": 1, "c~d": 2}, ringcentral)
    assert [pointer for _, _, pointer in log] == ["/a~1b", "/c~0d"]


@pytest.mark.parametrize("value", ["not a list", [1, "x"], {"type": "work"}])
def test_badly_shaped_complex_values_are_left_for_validation(ringcentral: Profile, value: Any) -> None:
    result, log = normalise({"emails": value, "name": "Jane Doe"}, ringcentral)
    assert result == {"emails": value, "name": "Jane Doe"}
    assert log == []


def test_a_body_that_is_not_an_object_is_invalid_syntax(ringcentral: Profile) -> None:
    with pytest.raises(InvalidSyntax) as raised:
        normalise_user(["userName"], ringcentral, ViolationLog())  # type: ignore[arg-type]
    assert [v.rule for v in raised.value.violations] == ["schema.type"]
