"""The PATCH engine against RFC 7644 §3.5.2's examples and Microsoft Entra ID's real request shapes.

The schema is built here from inline RFC 7643 §8.7.1-style schema documents (core User, the
enterprise extension, core Group), so these tests depend on the RFC and not on a profile.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mockrc.errors import InvalidPath, InvalidSyntax, InvalidValue, Mutability, NoTarget, ScimError
from mockrc.scim.patch import apply_patch
from mockrc.scim.schema import ResourceSchema
from mockrc.violations import ViolationLog

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
BADGE = "urn:example:params:scim:schemas:extension:badge:2.0:User"
BABS_ID = "2819c223-7f76-453a-919d-413861904646"
FRED_ID = "902c246b-6245-4190-8e05-00816be7344a"


def attr(name: str, type_: str = "string", **props: Any) -> dict[str, Any]:
    """An RFC 7643 §7 attribute document with the RFC's defaults spelled out."""
    doc = {
        "name": name,
        "type": type_,
        "multiValued": False,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    }
    doc.update(props)
    return doc


def multi_complex(name: str, *subs: dict[str, Any], **props: Any) -> dict[str, Any]:
    return attr(name, "complex", multiValued=True, subAttributes=list(subs), **props)


def typed_values(name: str, value_type: str = "string") -> dict[str, Any]:
    """emails, phoneNumbers, ims, photos: value, display, type, primary (RFC 7643 §4.1.2)."""
    return multi_complex(
        name, attr("value", value_type), attr("display"), attr("type"), attr("primary", "boolean")
    )


def user_schema_doc(*, given_name_required: bool = False) -> dict[str, Any]:
    """The core User schema of RFC 7643 §8.7.1 (the attributes these tests use)."""
    name_subs = [
        attr("formatted"),
        attr("familyName"),
        attr("givenName", required=given_name_required),
        attr("middleName"),
    ]
    return {
        "id": CORE_USER,
        "name": "User",
        "attributes": [
            attr("userName", required=True, uniqueness="server"),
            attr("name", "complex", subAttributes=name_subs),
            attr("displayName"),
            attr("nickName"),
            attr("title"),
            attr("active", "boolean"),
            typed_values("emails"),
            typed_values("phoneNumbers"),
            typed_values("ims"),
            typed_values("photos", "reference"),
            multi_complex(
                "addresses",
                *(attr(n) for n in ("formatted", "streetAddress", "locality", "region", "postalCode")),
                attr("country"),
                attr("type"),
                attr("primary", "boolean"),
            ),
            multi_complex(
                "groups",
                *(attr(n, mutability="readOnly") for n in ("value", "$ref", "display", "type")),
                mutability="readOnly",
            ),
        ],
    }


ENTERPRISE_DOC: dict[str, Any] = {
    "id": ENTERPRISE,
    "name": "EnterpriseUser",
    "attributes": [
        *(attr(n) for n in ("employeeNumber", "costCenter", "organization", "division", "department")),
        attr(
            "manager",
            "complex",
            subAttributes=[
                attr("value"),
                attr("$ref", "reference"),
                attr("displayName", mutability="readOnly"),
            ],
        ),
    ],
}

#: A made-up extension for the rules RFC 7643's User schemas never need: an immutable attribute
#: and numbers.
BADGE_DOC: dict[str, Any] = {
    "id": BADGE,
    "name": "Badge",
    "attributes": [
        attr("badgeId", mutability="immutable"),
        attr("floor", "integer"),
        attr("ratio", "decimal"),
    ],
}

GROUP_DOC: dict[str, Any] = {
    "id": CORE_GROUP,
    "name": "Group",
    "attributes": [
        attr("displayName", required=True),
        multi_complex(
            "members",
            attr("value", mutability="immutable"),
            attr("$ref", "reference", mutability="immutable"),
            attr("display", mutability="immutable"),
            attr("type", mutability="immutable", canonicalValues=["User", "Group"]),
        ),
    ],
}


@pytest.fixture
def users() -> ResourceSchema:
    return ResourceSchema(user_schema_doc(), [ENTERPRISE_DOC, BADGE_DOC])


@pytest.fixture
def groups() -> ResourceSchema:
    return ResourceSchema(GROUP_DOC)


def babs() -> dict[str, Any]:
    """RFC 7643 §8.2's Babs Jensen, trimmed, as the store keeps a user."""
    return {
        "id": BABS_ID,
        "schemas": [CORE_USER, ENTERPRISE],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
        "userName": "bjensen@example.com",
        "externalId": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "active": True,
        "title": "Tour Guide",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
        "addresses": [
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "country": "USA"}
        ],
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
    }


def group() -> dict[str, Any]:
    return {
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": BABS_ID, "$ref": f"https://example.com/v2/Users/{BABS_ID}", "display": "Babs Jensen"}
        ],
    }


def patch(
    resource: dict[str, Any], schema: ResourceSchema, *ops: dict[str, Any]
) -> tuple[dict[str, Any], ViolationLog]:
    log = ViolationLog()
    return apply_patch(resource, list(ops), schema, log), log


def rules(log: ViolationLog) -> list[tuple[str, str]]:
    return [(v.pointer, v.rule) for v in log]


# --- RFC 7644 §3.5.2 examples ------------------------------------------------------------------


def test_rfc_add_member_appends_to_members(groups: ResourceSchema) -> None:
    fred = {"display": "Fred Smith", "$ref": f"https://example.com/v2/Users/{FRED_ID}", "value": FRED_ID}
    result, log = patch(group(), groups, {"op": "add", "path": "members", "value": [fred]})
    assert result["members"] == [*group()["members"], fred]
    assert list(log) == []


def test_rfc_add_existing_member_changes_nothing(groups: ResourceSchema) -> None:
    """§3.5.2.1: "If the target location already contains the value specified, no changes"."""
    result, _ = patch(group(), groups, {"op": "add", "path": "members", "value": group()["members"]})
    assert result == group()


def test_rfc_add_without_path_adds_each_attribute(users: ResourceSchema) -> None:
    """§3.5.2.1's example; "nickname" is in the client's case and stored canonically."""
    result, _ = patch(
        babs(),
        users,
        {
            "op": "add",
            "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"},
        },
    )
    assert result["nickName"] == "Babs"
    assert "nickname" not in result
    assert result["emails"] == babs()["emails"]  # the home address was there already


def test_rfc_remove_all_members(groups: ResourceSchema) -> None:
    result, _ = patch(group(), groups, {"op": "remove", "path": "members"})
    assert "members" not in result


def test_rfc_remove_one_member_by_filter(groups: ResourceSchema) -> None:
    resource = group()
    resource["members"].append({"value": FRED_ID, "display": "Fred Smith"})
    result, _ = patch(resource, groups, {"op": "remove", "path": f'members[value eq "{BABS_ID}"]'})
    assert result["members"] == [{"value": FRED_ID, "display": "Fred Smith"}]


def test_rfc_remove_by_complex_filter(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(), users, {"op": "remove", "path": 'emails[type eq "work" and value ew "example.com"]'}
    )
    assert result["emails"] == [{"value": "babs@jensen.org", "type": "home"}]


def test_rfc_remove_all_members_then_add_new_ones(groups: ResourceSchema) -> None:
    new = [{"value": FRED_ID, "display": "Fred Smith"}, {"value": "a1b2", "display": "Ann"}]
    result, _ = patch(
        group(), groups, {"op": "remove", "path": "members"}, {"op": "add", "path": "members", "value": new}
    )
    assert result["members"] == new


def test_rfc_replace_all_members(groups: ResourceSchema) -> None:
    new = [{"value": FRED_ID, "display": "Fred Smith"}]
    result, _ = patch(group(), groups, {"op": "replace", "path": "members", "value": new})
    assert result["members"] == new


def test_rfc_replace_filtered_element_with_object(users: ResourceSchema) -> None:
    resource = babs()
    resource["addresses"].append(
        {"type": "work", "streetAddress": "100 Universal City Plaza", "region": "CA"}
    )
    value = {
        "type": "work",
        "streetAddress": "911 Universal City Plaza",
        "locality": "Hollywood",
        "postalCode": "91608",
        "country": "US",
        "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
        "primary": True,
    }
    result, _ = patch(resource, users, {"op": "replace", "path": 'addresses[type eq "work"]', "value": value})
    assert result["addresses"] == [babs()["addresses"][0], {**value, "region": "CA"}]


def test_rfc_replace_sub_attribute_of_filtered_element(users: ResourceSchema) -> None:
    resource = babs()
    resource["addresses"].append({"type": "work", "streetAddress": "100 Universal City Plaza"})
    result, _ = patch(
        resource,
        users,
        {"op": "replace", "path": 'addresses[type eq "work"].streetAddress', "value": "1010 Broadway Ave"},
    )
    assert result["addresses"][1] == {"type": "work", "streetAddress": "1010 Broadway Ave"}
    assert result["addresses"][0] == babs()["addresses"][0]


def test_rfc_replace_without_path(users: ResourceSchema) -> None:
    emails = [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "b@j.org", "type": "home"},
    ]
    result, _ = patch(babs(), users, {"op": "replace", "value": {"emails": emails, "nickname": "Babs"}})
    assert result["emails"] == emails
    assert result["nickName"] == "Babs"


def test_replace_complex_attribute_keeps_sub_attributes_not_sent(users: ResourceSchema) -> None:
    """§3.5.2.3: "Sub-attributes that are not specified in the value parameter are left unchanged"."""
    result, _ = patch(babs(), users, {"op": "replace", "path": "name", "value": {"givenName": "Babs"}})
    assert result["name"] == {"familyName": "Jensen", "givenName": "Babs"}


def test_add_to_single_valued_attribute_replaces_it(users: ResourceSchema) -> None:
    result, _ = patch(babs(), users, {"op": "add", "path": "title", "value": "Chief Guide"})
    assert result["title"] == "Chief Guide"


def test_add_single_object_to_multi_valued_attribute(users: ResourceSchema) -> None:
    result, _ = patch(babs(), users, {"op": "add", "path": "ims", "value": {"value": "babs", "type": "xmpp"}})
    assert result["ims"] == [{"value": "babs", "type": "xmpp"}]


def test_remove_sub_attribute_of_filtered_element(users: ResourceSchema) -> None:
    result, _ = patch(babs(), users, {"op": "remove", "path": 'addresses[type eq "home"].locality'})
    assert result["addresses"] == [{"type": "home", "streetAddress": "456 Hollywood Blvd", "country": "USA"}]


def test_remove_single_valued_and_sub_attributes(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(),
        users,
        {"op": "remove", "path": "title"},
        {"op": "remove", "path": "name.givenName"},
        {"op": "remove", "path": f"{ENTERPRISE}:department"},
    )
    assert "title" not in result
    assert result["name"] == {"familyName": "Jensen"}
    assert result[ENTERPRISE] == {"employeeNumber": "701984"}


def test_remove_last_extension_attribute_drops_the_extension(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(),
        users,
        {"op": "remove", "path": f"{ENTERPRISE}:department"},
        {"op": "remove", "path": ENTERPRISE + ":employeeNumber"},
    )
    assert ENTERPRISE not in result


def test_remove_whole_extension_by_its_uri(users: ResourceSchema) -> None:
    result, _ = patch(babs(), users, {"op": "remove", "path": ENTERPRISE})
    assert ENTERPRISE not in result


def test_add_extension_object_by_its_uri(users: ResourceSchema) -> None:
    resource = babs()
    del resource[ENTERPRISE]
    result, _ = patch(resource, users, {"op": "add", "path": ENTERPRISE, "value": {"Department": "Sales"}})
    assert result[ENTERPRISE] == {"department": "Sales"}


def test_remove_of_an_absent_attribute_is_a_no_op(users: ResourceSchema) -> None:
    """Decision: idempotent, so that a retried PATCH succeeds (RFC 7644 is silent)."""
    result, log = patch(
        babs(),
        users,
        {"op": "remove", "path": "nickName"},
        {"op": "remove", "path": "ims"},
        {"op": "remove", "path": "name.middleName"},
    )
    assert result == babs()
    assert list(log) == []


def test_remove_filtered_element_keeps_others_and_unassigns_when_last(users: ResourceSchema) -> None:
    result, _ = patch(babs(), users, {"op": "remove", "path": 'phoneNumbers[type eq "work"]'})
    assert "phoneNumbers" not in result


def test_null_value_unassigns(users: ResourceSchema) -> None:
    """RFC 7643 §2.5: null is the same state as unassigned."""
    result, _ = patch(
        babs(),
        users,
        {"op": "replace", "path": "title", "value": None},
        {"op": "replace", "path": "name", "value": {"givenName": None}},
    )
    assert "title" not in result
    assert result["name"] == {"familyName": "Jensen"}


def test_setting_primary_clears_it_elsewhere(users: ResourceSchema) -> None:
    """RFC 7644 §3.5.2: a new primary value makes the server set the others to false."""
    result, _ = patch(
        babs(), users, {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True}
    )
    assert result["emails"] == [
        {"value": "bjensen@example.com", "type": "work", "primary": False},
        {"value": "babs@jensen.org", "type": "home", "primary": True},
    ]


def test_numbers_and_immutable_attribute_can_be_set_once(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(),
        users,
        {"op": "add", "value": {f"{BADGE}:badgeId": "B-1", f"{BADGE}:floor": 3, f"{BADGE}:ratio": 0.5}},
    )
    assert result[BADGE] == {"badgeId": "B-1", "floor": 3, "ratio": 0.5}
    again, _ = patch(result, users, {"op": "replace", "path": f"{BADGE}:badgeId", "value": "B-1"})
    assert again == result  # the same value is not a change


def test_names_in_any_case_are_stored_canonically(users: ResourceSchema) -> None:
    """RFC 7643 §2.1: attribute names and schema URIs are case-insensitive."""
    result, _ = patch(
        babs(),
        users,
        {"op": "replace", "path": "NAME.givenname", "value": "Babs"},
        {"op": "replace", "path": f"{ENTERPRISE.upper()}:Department", "value": "Guides"},
        {"op": "add", "path": "IMS", "value": [{"Value": "babs", "TYPE": "xmpp"}]},
        {"op": "replace", "value": {"DisplayName": "Babs", "name.FamilyName": "J"}},
    )
    assert result["name"] == {"givenName": "Babs", "familyName": "J"}
    assert result[ENTERPRISE]["department"] == "Guides"
    assert result["ims"] == [{"value": "babs", "type": "xmpp"}]
    assert result["displayName"] == "Babs"


def test_filters_follow_case_exactness_and_logic(users: ResourceSchema) -> None:
    """type is caseExact false, so "WORK" selects the work email; not/or work as in any filter."""
    result, _ = patch(
        babs(),
        users,
        {"op": "replace", "path": 'emails[type eq "WORK"].display', "value": "Work"},
        {"op": "remove", "path": 'addresses[not (type eq "home") or country eq "usa"].locality'},
    )
    assert result["emails"][0]["display"] == "Work"
    assert "display" not in result["emails"][1]
    assert "locality" not in result["addresses"][0]


def test_replace_creates_element_from_every_eq_of_an_and_filter(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(),
        users,
        {"op": "replace", "path": 'ims[type eq "xmpp" and primary eq true].value', "value": "babs"},
    )
    assert result["ims"] == [{"type": "xmpp", "primary": True, "value": "babs"}]


# --- Microsoft Entra ID's shapes ---------------------------------------------------------------


def test_entra_disable_user_with_capitalised_op_and_string_boolean(users: ResourceSchema) -> None:
    result, log = patch(babs(), users, {"op": "Replace", "path": "active", "value": "False"})
    assert result["active"] is False
    assert rules(log) == [
        ("/Operations/0/op", "compat.op-case"),
        ("/Operations/0/value", "compat.string-boolean"),
    ]
    assert all(v.severity == "warning" for v in log)


@pytest.mark.parametrize(
    ("sent", "stored"), [("True", True), ("true", True), ("false", False), (False, False)]
)
def test_string_booleans_become_booleans(users: ResourceSchema, sent: Any, stored: bool) -> None:
    resource = babs()
    resource["active"] = not stored
    result, _ = patch(resource, users, {"op": "replace", "path": "active", "value": sent})
    assert result["active"] is stored


def test_string_boolean_in_path_less_value_is_warned_at_its_key(users: ResourceSchema) -> None:
    _, log = patch(babs(), users, {"op": "replace", "value": {"active": "True"}})
    assert rules(log) == [("/Operations/0/value/active", "compat.string-boolean")]


def test_entra_one_replace_per_attribute(users: ResourceSchema) -> None:
    result, log = patch(
        babs(),
        users,
        {"op": "Replace", "path": "name.givenName", "value": "Babs"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "Babs.Jensen@Example.com"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Guides"},
        {"op": "Replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 (555) 555-5556"},
    )
    assert result["name"]["givenName"] == "Babs"
    assert result["emails"][0] == {"value": "Babs.Jensen@Example.com", "type": "work", "primary": True}
    assert result[ENTERPRISE]["department"] == "Guides"
    assert result["phoneNumbers"] == [{"value": "+1 (555) 555-5556", "type": "work"}]  # as sent
    assert rules(log) == [(f"/Operations/{i}/op", "compat.op-case") for i in range(4)]


def test_entra_path_less_replace_with_dotted_and_urn_keys(users: ResourceSchema) -> None:
    """aadOptscim062020's path-less replace; the literal key "name.givenName" must never be stored."""
    result, _ = patch(
        babs(),
        users,
        {
            "op": "replace",
            "value": {
                "displayName": "Babs Jensen",
                "name.givenName": "Babs",
                "name.familyName": "Jensen-Smith",
                f"{ENTERPRISE}:employeeNumber": "42",
                'emails[type eq "work"].value': "babs@example.com",
            },
        },
    )
    assert result["name"] == {"givenName": "Babs", "familyName": "Jensen-Smith"}
    assert result["displayName"] == "Babs Jensen"
    assert result[ENTERPRISE] == {"employeeNumber": "42", "department": "Tour Operations"}
    assert result["emails"][0]["value"] == "babs@example.com"
    assert set(result) == {*babs(), "displayName"}  # no literal "name.givenName" or URN keys


def test_entra_add_on_existing_filtered_email_replaces_its_value(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(), users, {"op": "Add", "path": 'emails[type eq "work"].value', "value": "new@example.com"}
    )
    assert [e["value"] for e in result["emails"]] == ["new@example.com", "babs@jensen.org"]


def test_entra_adds_build_one_work_address(users: ResourceSchema) -> None:
    subs = {
        "streetAddress": "20 Davis Drive",
        "locality": "Belmont",
        "region": "CA",
        "postalCode": "94002",
        "country": "US",
    }
    ops = [
        {"op": "Add", "path": f'addresses[type eq "work"].{sub}', "value": value}
        for sub, value in subs.items()
    ]
    result, log = patch(babs(), users, *ops)
    assert result["addresses"] == [babs()["addresses"][0], {"type": "work", **subs}]
    assert {rule for _, rule in rules(log)} == {"compat.op-case"}  # an add may create


def test_entra_replace_on_missing_filtered_element_creates_it(users: ResourceSchema) -> None:
    result, log = patch(
        babs(),
        users,
        {"op": "Replace", "path": 'addresses[type eq "work"].locality', "value": "Belmont"},
        {"op": "Replace", "path": 'addresses[type eq "work"].postalCode', "value": "94002"},
        {"op": "Replace", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 650 555 0100"},
    )
    assert result["addresses"][1] == {"type": "work", "locality": "Belmont", "postalCode": "94002"}
    assert result["phoneNumbers"][1] == {"type": "mobile", "value": "+1 650 555 0100"}
    assert ("/Operations/0/path", "compat.replace-creates") in rules(log)
    assert ("/Operations/1/path", "compat.replace-creates") not in rules(log)  # it exists by then
    assert ("/Operations/2/path", "compat.replace-creates") in rules(log)


def test_entra_add_email_of_an_existing_type_merges_into_it(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(),
        users,
        {"op": "Add", "path": "emails", "value": [{"type": "Work", "value": "other@example.com"}]},
    )
    assert result["emails"] == [
        {"value": "other@example.com", "type": "Work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ]


def test_entra_remove_of_a_filtered_element(users: ResourceSchema) -> None:
    result, _ = patch(babs(), users, {"op": "Remove", "path": 'emails[type eq "home"]'})
    assert result["emails"] == [babs()["emails"][0]]


def test_entra_remove_member_by_value(groups: ResourceSchema) -> None:
    resource = group()
    resource["members"].append({"value": FRED_ID})
    result, _ = patch(
        resource,
        groups,
        {"op": "Remove", "path": "members", "value": [{"value": BABS_ID, "$ref": None}, {"value": "gone"}]},
    )
    assert result["members"] == [{"value": FRED_ID}]


def test_entra_remove_member_with_filter_path(groups: ResourceSchema) -> None:
    result, _ = patch(group(), groups, {"op": "remove", "path": f'members[value eq "{BABS_ID}"]'})
    assert "members" not in result


def test_entra_add_members_with_null_ref(groups: ResourceSchema) -> None:
    result, _ = patch(
        group(),
        groups,
        {"op": "Add", "path": "members", "value": [{"value": FRED_ID, "$ref": None}, {"value": BABS_ID}]},
    )
    assert result["members"][1:] == [{"value": FRED_ID}, {"value": BABS_ID}]


def test_values_are_kept_exactly_as_sent(users: ResourceSchema) -> None:
    result, _ = patch(
        babs(),
        users,
        {"op": "replace", "path": "userName", "value": "BJensen@Example.COM"},
        {"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 (555) 555-5555 ext. 1"},
    )
    assert result["userName"] == "BJensen@Example.COM"
    assert result["phoneNumbers"][0]["value"] == "+1 (555) 555-5555 ext. 1"


def test_number_for_string_attribute_is_kept_and_warned(users: ResourceSchema) -> None:
    result, log = patch(
        babs(), users, {"op": "replace", "path": f"{ENTERPRISE}:employeeNumber", "value": 701985}
    )
    assert result[ENTERPRISE]["employeeNumber"] == 701985
    assert rules(log) == [("/Operations/0/value", "compat.non-string-value")]


def test_empty_operations_change_nothing_and_are_warned(users: ResourceSchema) -> None:
    result, log = patch(babs(), users)
    assert result == babs()
    assert rules(log) == [("/Operations", "compat.empty-operations")]


# --- errors ------------------------------------------------------------------------------------

ERRORS: list[tuple[str, list[dict[str, Any]], type[ScimError], str]] = [
    # op
    (
        "unknown op",
        [{"op": "merge", "path": "title", "value": "x"}],
        InvalidSyntax,
        'Operations[0]: op "merge"',
    ),
    # noTarget
    ("remove without path", [{"op": "remove"}], NoTarget, "Operations[0]: no path"),
    (
        "remove filter selects nothing",
        [{"op": "remove", "path": 'emails[type eq "other"]'}],
        NoTarget,
        'Operations[0]: path "emails[type eq \\"other\\"]"',
    ),
    ("remove filter on absent attribute", [{"op": "remove", "path": 'ims[type eq "aim"]'}], NoTarget, "ims"),
    (
        "replace with a filter that cannot describe a new element",
        [{"op": "replace", "path": 'emails[value co "nowhere"].type', "value": "other"}],
        NoTarget,
        "matches no element",
    ),
    (
        "sub-attribute of multi-valued attribute without elements",
        [{"op": "replace", "path": "ims.value", "value": "babs"}],
        NoTarget,
        '"ims" has no elements',
    ),
    # invalidPath
    (
        "unknown attribute",
        [{"op": "add", "path": "foo.bar", "value": 1}],
        InvalidPath,
        'attribute "foo" is not defined',
    ),
    ("unknown sub-attribute", [{"op": "add", "path": "name.nick", "value": "x"}], InvalidPath, '"name.nick"'),
    (
        "sub-attribute of a simple one",
        [{"op": "add", "path": "title.x", "value": "x"}],
        InvalidPath,
        "not complex",
    ),
    ("syntax", [{"op": "remove", "path": "emails[type eq work]"}], InvalidPath, "position 15"),
    (
        "filter on single-valued",
        [{"op": "remove", "path": 'name[givenName eq "B"]'}],
        InvalidPath,
        "no value filter",
    ),
    (
        "unknown name in filter",
        [{"op": "remove", "path": 'emails[kind eq "work"]'}],
        InvalidPath,
        "emails.kind",
    ),
    (
        "unknown schema",
        [{"op": "add", "path": "urn:example:nope:dept", "value": "x"}],
        InvalidPath,
        "urn:example:nope",
    ),
    (
        "bare extension attribute",
        [{"op": "add", "path": "department", "value": "x"}],
        InvalidPath,
        f'need their schema URI: "{ENTERPRISE}:department"',
    ),
    (
        "unknown key",
        [{"op": "replace", "value": {"title": "x", "name.nick": "y"}}],
        InvalidPath,
        'value key "name.nick"',
    ),
    (
        "unknown sub in value",
        [{"op": "add", "path": "name", "value": {"nick": "y"}}],
        InvalidPath,
        '"name.nick"',
    ),
    # invalidValue
    (
        "add without value",
        [{"op": "add", "path": "title"}],
        InvalidValue,
        'path "title": add needs a "value"',
    ),
    (
        "object for a string",
        [{"op": "replace", "path": "title", "value": {"v": 1}}],
        InvalidValue,
        "not an object",
    ),
    (
        "array for a string",
        [{"op": "replace", "path": "name.givenName", "value": ["B"]}],
        InvalidValue,
        '"name.givenName" takes a single string value, not an array',
    ),
    (
        "scalar for multi-valued",
        [{"op": "add", "path": "emails", "value": "b@j.org"}],
        InvalidValue,
        "multi-valued",
    ),
    (
        "not a boolean",
        [{"op": "replace", "path": "active", "value": "yes"}],
        InvalidValue,
        '"active" must be a boolean',
    ),
    ("number for a boolean", [{"op": "replace", "path": "active", "value": 0}], InvalidValue, "boolean"),
    (
        "string for an integer",
        [{"op": "add", "path": f"{BADGE}:floor", "value": "3"}],
        InvalidValue,
        "integer",
    ),
    ("path-less needs an object", [{"op": "replace", "value": [{"title": "x"}]}], InvalidValue, "no path"),
    ("scalar for complex", [{"op": "replace", "path": "name", "value": "Babs"}], InvalidValue, "complex"),
    # mutability
    (
        "readOnly id",
        [{"op": "replace", "path": "id", "value": "x"}],
        Mutability,
        'attribute "id" is readOnly',
    ),
    ("readOnly id in value", [{"op": "replace", "value": {"id": BABS_ID}}], Mutability, 'value key "id"'),
    ("readOnly meta sub", [{"op": "remove", "path": "meta.created"}], Mutability, '"meta" is readOnly'),
    ("readOnly groups", [{"op": "add", "path": "groups", "value": [{"value": "g"}]}], Mutability, "groups"),
    (
        "readOnly manager sub",
        [{"op": "add", "path": f"{ENTERPRISE}:manager.displayName", "value": "B"}],
        Mutability,
        "manager.displayName",
    ),
    ("schemas", [{"op": "add", "path": "schemas", "value": [CORE_USER]}], Mutability, '"schemas"'),
    ("required userName", [{"op": "remove", "path": "userName"}], Mutability, '"userName" is required'),
    ("required userName as null", [{"op": "replace", "value": {"userName": None}}], Mutability, "required"),
]


@pytest.mark.parametrize(
    ("operations", "error", "detail"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_errors(
    users: ResourceSchema, operations: list[dict[str, Any]], error: type[ScimError], detail: str
) -> None:
    # A harmless first operation shows that the index counts from the list's start.
    ops = [{"op": "add", "path": "nickName", "value": "Babs"}, *operations]
    resource = babs()
    with pytest.raises(error) as caught:
        apply_patch(resource, ops, users, ViolationLog())
    assert type(caught.value) is error
    assert caught.value.detail.startswith("Operations[1]: ")
    assert detail.replace("Operations[0]", "Operations[1]") in caught.value.detail
    assert resource == babs()  # the input is never touched, not even by the op that succeeded


def test_error_names_index_path_and_attribute(users: ResourceSchema) -> None:
    ops = [
        {"op": "replace", "path": "title", "value": "x"},
        {"op": "replace", "path": "title", "value": "y"},
        {"op": "add", "path": "foo.bar", "value": 1},
    ]
    with pytest.raises(InvalidPath) as caught:
        apply_patch(babs(), ops, users, ViolationLog())
    assert caught.value.detail == 'Operations[2]: path "foo.bar": attribute "foo" is not defined'


def test_syntax_error_carries_the_parsers_position_and_reason(users: ResourceSchema) -> None:
    with pytest.raises(InvalidPath) as caught:
        apply_patch(babs(), [{"op": "remove", "path": 'emails[type eq "work"'}], users, ViolationLog())
    assert caught.value.detail.startswith(
        'Operations[0]: path "emails[type eq \\"work\\"": unbalanced brackets'
    )
    assert "(at position 21)" in caught.value.detail


def test_immutable_attribute_cannot_change_once_set(users: ResourceSchema) -> None:
    resource = {**babs(), BADGE: {"badgeId": "B-1"}}
    for op in (
        {"op": "replace", "path": f"{BADGE}:badgeId", "value": "B-2"},
        {"op": "remove", "path": f"{BADGE}:badgeId"},
    ):
        with pytest.raises(Mutability, match=r"badgeId.*immutable"):
            apply_patch(resource, [op], users, ViolationLog())


def test_required_sub_attribute_cannot_be_removed() -> None:
    """RingCentral's profile requires name.givenName; RFC 7644 §3.5.2.2 answers mutability."""
    schema = ResourceSchema(user_schema_doc(given_name_required=True))
    with pytest.raises(Mutability, match=r'"name\.givenName" is required'):
        apply_patch(babs(), [{"op": "remove", "path": "name.givenName"}], schema, ViolationLog())


def test_input_is_not_mutated_by_a_successful_patch(users: ResourceSchema) -> None:
    resource = babs()
    snapshot = copy.deepcopy(resource)
    result, _ = patch(
        resource,
        users,
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "x@example.com"},
        {"op": "add", "path": 'addresses[type eq "work"].locality', "value": "Belmont"},
        {"op": "remove", "path": f"{ENTERPRISE}:department"},
    )
    assert resource == snapshot
    assert result != snapshot


def test_warnings_before_a_failure_stay_in_the_log(users: ResourceSchema) -> None:
    log = ViolationLog()
    with pytest.raises(InvalidPath):
        apply_patch(
            babs(),
            [
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "add", "path": "nope", "value": 1},
            ],
            users,
            log,
        )
    assert rules(log) == [
        ("/Operations/0/op", "compat.op-case"),
        ("/Operations/0/value", "compat.string-boolean"),
    ]


def test_in_place_patches_the_resource_itself_to_the_same_result_as_a_copy(users: ResourceSchema) -> None:
    # The Users service patches the user it just decoded (its own copy) in place; other callers
    # get a copy. Both must come out the same, warnings included.
    schema = users
    ops = [
        {"op": "Replace", "path": "name.givenName", "value": "Barbara"},
        {"op": "add", "path": 'emails[type eq "home"].value', "value": "babs@home.example.com"},
        {"op": "replace", "value": {"active": "False", "title": "Tour Guide"}},
        {"op": "remove", "path": "nickName"},
    ]
    original = babs()
    copied_log, in_place_log = ViolationLog(), ViolationLog()
    copied = apply_patch(original, ops, schema, copied_log)
    assert original == babs()

    resource = babs()
    patched = apply_patch(resource, ops, schema, in_place_log, in_place=True)

    assert patched is resource
    assert patched == copied
    assert list(in_place_log) == list(copied_log)
