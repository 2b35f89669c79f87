"""Profiles: loading, immutability, and discovery documents that tell the truth.

The facts checked here come from RFC 7643 (§5 ServiceProviderConfig, §6 ResourceType, §7 Schema,
§4.1/§4.3/§8.7.1 the User schemas) and RingCentral's published SCIM User schema. The cross-check
at the end keeps the two descriptions of a User (the SCIM schema documents served by /Schemas and
the JSON Schema the validator uses) from drifting apart.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pytest

from mockrc.profile import FrozenJson, FrozenList, Profile, ProfileRules, available_profiles, load_profile
from mockrc.scim.schema import CORE_USER, ENTERPRISE_USER, AttributeDef

PROFILES = available_profiles()

# RFC 7643 §7: the characteristics an attribute definition may carry, and their allowed values.
ATTRIBUTE_KEYS = {
    "name",
    "type",
    "subAttributes",
    "multiValued",
    "description",
    "required",
    "canonicalValues",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
    "referenceTypes",
}
TYPES = {"string", "boolean", "decimal", "integer", "dateTime", "reference", "binary", "complex"}
MUTABILITY = {"readOnly", "readWrite", "immutable", "writeOnly"}
RETURNED = {"always", "never", "default", "request"}
UNIQUENESS = {"none", "server", "global"}
# RFC 7643 §5: the members of a ServiceProviderConfig.
SPC_KEYS = {
    "schemas",
    "documentationUri",
    "patch",
    "bulk",
    "filter",
    "changePassword",
    "sort",
    "etag",
    "authenticationSchemes",
}


def all_attribute_docs(profile: Profile) -> list[tuple[str, Mapping[str, Any]]]:
    """Every attribute and sub-attribute document of every schema, with a dotted label."""
    found = []
    for schema in profile.schemas:
        for attr in schema["attributes"]:
            found.append((f"{schema['name']}.{attr['name']}", attr))
            for sub in attr.get("subAttributes", ()):
                found.append((f"{schema['name']}.{attr['name']}.{sub['name']}", sub))
    return found


def by_name(attrs: Any) -> dict[str, Any]:
    return {a["name"]: a for a in attrs}


def schema_doc(profile: Profile, uri: str) -> Mapping[str, Any]:
    return next(s for s in profile.schemas if s["id"] == uri)


# --- loading ---------------------------------------------------------------------------------


def test_the_shipped_profiles_are_ringcentral_and_scim() -> None:
    assert available_profiles() == ("ringcentral", "scim")


def test_a_profile_is_loaded_once_and_shared() -> None:
    assert load_profile("scim") is load_profile("scim")


@pytest.mark.parametrize("name", ["okta", "RingCentral", "../profiles/scim", ""])
def test_an_unknown_profile_is_refused_with_the_known_names(name: str) -> None:
    with pytest.raises(ValueError, match="known profiles: ringcentral, scim"):
        load_profile(name)


@pytest.mark.parametrize("name", PROFILES)
def test_profile_names_and_descriptions(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.description


# --- immutability ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILES)
def test_profile_documents_refuse_changes_at_every_level(name: str) -> None:
    profile = load_profile(name)
    spc = profile.service_provider_config
    user_attr = profile.schemas[0]["attributes"][0]
    with pytest.raises(TypeError):
        spc["patch"] = {"supported": False}
    with pytest.raises(TypeError):
        spc["filter"]["maxResults"] = 1
    with pytest.raises(TypeError):
        user_attr.update(required=False)
    with pytest.raises(TypeError):
        del profile.json_schemas["user"]["properties"]["userName"]
    with pytest.raises(TypeError):
        profile.resource_types[0]["schemaExtensions"][0].pop("required")
    with pytest.raises(TypeError):
        profile.schemas[0]["attributes"].append({"name": "nickName"})
    with pytest.raises(TypeError):
        profile.schemas[0]["attributes"][0] = {}


def test_frozen_documents_are_still_plain_json_and_copy_into_mutable_dicts() -> None:
    spc = load_profile("ringcentral").service_provider_config
    assert json.loads(json.dumps(spc)) == spc
    copied = copy.deepcopy(spc)
    copied["filter"]["maxResults"] = 5
    copied["authenticationSchemes"].append({})
    assert type(copied) is dict
    assert type(copied["authenticationSchemes"]) is list
    assert spc["filter"]["maxResults"] != 5
    assert len(spc["authenticationSchemes"]) == 1
    shallow = {**spc, "meta": {"resourceType": "ServiceProviderConfig"}}
    assert "meta" not in spc
    assert shallow["patch"] == {"supported": True}


def test_frozen_json_refuses_every_mutating_method() -> None:
    doc = FrozenJson({"a": 1})
    for change in (
        lambda: doc.__setitem__("b", 2),
        lambda: doc.__delitem__("a"),
        lambda: doc.clear(),
        lambda: doc.pop("a"),
        lambda: doc.popitem(),
        lambda: doc.setdefault("b", 2),
        lambda: doc.update(b=2),
        lambda: doc.__ior__({"b": 2}),
    ):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert doc == {"a": 1}


def test_frozen_list_refuses_every_mutating_method() -> None:
    items = FrozenList([2, 1])
    for change in (
        lambda: items.__setitem__(0, 3),
        lambda: items.__delitem__(0),
        lambda: items.__iadd__([3]),
        lambda: items.__imul__(2),
        lambda: items.append(3),
        lambda: items.extend([3]),
        lambda: items.insert(0, 3),
        lambda: items.pop(),
        lambda: items.remove(1),
        lambda: items.clear(),
        lambda: items.sort(),
        lambda: items.reverse(),
    ):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert items == [2, 1]


# --- rules -----------------------------------------------------------------------------------

GOOD_RULES = {
    "filter": "full",
    "userNameIsWorkEmail": False,
    "uniqueEmails": False,
    "oneElementPerType": [],
    "idStyle": "uuid",
    "activeDefault": None,
    "defaultCount": 100,
    "maxResults": 200,
    "attributesParameters": True,
    "rootSearch": False,
}


def test_rules_parse_into_typed_fields() -> None:
    rules = ProfileRules.from_json({**GOOD_RULES, "oneElementPerType": ["emails"]}, "x.json")
    assert rules == ProfileRules("full", False, False, ("emails",), "uuid", None, 100, 200, True, False)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"sortSupported": True}, "rules must have exactly"),
        ({"filter": "okta"}, "rules.filter"),
        ({"idStyle": "guid"}, "rules.idStyle"),
        ({"uniqueEmails": "yes"}, "booleans"),
        ({"rootSearch": "no"}, "booleans"),
        ({"activeDefault": "false"}, "activeDefault"),
        ({"maxResults": 0}, "positive integers"),
        ({"defaultCount": True}, "positive integers"),
        ({"defaultCount": 500}, "must not exceed"),
    ],
)
def test_a_bad_rules_object_fails_at_load(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ProfileRules.from_json({**GOOD_RULES, **change}, "x.json")


def test_a_missing_rule_fails_at_load() -> None:
    rules = dict(GOOD_RULES)
    del rules["maxResults"]
    with pytest.raises(ValueError, match="rules must have exactly"):
        ProfileRules.from_json(rules, "x.json")


def test_ringcentral_rules() -> None:
    rules = load_profile("ringcentral").rules
    assert rules == ProfileRules(
        filter="ringcentral",
        user_name_is_work_email=True,
        unique_emails=True,
        one_element_per_type=("emails", "phoneNumbers", "addresses"),
        id_style="extension",
        active_default=False,  # RingCentral's ScimUser: active "default: false"
        default_count=100,  # RingCentral's count parameter: "default: 100"
        max_results=rules.max_results,
        attributes_parameters=False,
        root_search=False,
    )


def test_scim_rules() -> None:
    rules = load_profile("scim").rules
    assert rules.filter == "full"
    assert not rules.user_name_is_work_email
    assert not rules.unique_emails
    assert rules.one_element_per_type == ()
    assert rules.id_style == "uuid"
    assert rules.active_default is None


# --- discovery documents: RFC 7643 shapes ----------------------------------------------------


@pytest.mark.parametrize("name", PROFILES)
def test_schema_documents_follow_rfc7643_section_7(name: str) -> None:
    profile = load_profile(name)
    assert [s["id"] for s in profile.schemas] == [CORE_USER, ENTERPRISE_USER]
    for schema in profile.schemas:
        assert schema["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:Schema"]
        assert schema["name"] and schema["description"]
    for label, attr in all_attribute_docs(profile):
        assert set(attr) <= ATTRIBUTE_KEYS, label
        assert attr["type"] in TYPES, label
        assert attr["mutability"] in MUTABILITY, label
        assert attr["returned"] in RETURNED, label
        assert attr["uniqueness"] in UNIQUENESS, label
        assert isinstance(attr["multiValued"], bool), label
        assert isinstance(attr["required"], bool), label
        assert attr["description"], label
        assert ("caseExact" in attr) == (attr["type"] in ("string", "reference", "binary")), label
        assert ("subAttributes" in attr) == (attr["type"] == "complex"), label
        assert ("referenceTypes" in attr) == (attr["type"] == "reference"), label


@pytest.mark.parametrize("name", PROFILES)
def test_the_user_resource_type_follows_rfc7643_section_6(name: str) -> None:
    (user,) = load_profile(name).resource_types
    assert user == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": user["description"],
        "schema": CORE_USER,
        "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": False}],
    }


@pytest.mark.parametrize("name", PROFILES)
def test_the_service_provider_config_says_what_the_fake_does(name: str) -> None:
    profile = load_profile(name)
    spc = profile.service_provider_config
    assert set(spc) <= SPC_KEYS
    assert spc["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    assert spc["patch"] == {"supported": True}
    # RingCentral declares x-request-max-body-size 10m on SCIM writes.
    assert spc["bulk"] == {"supported": False, "maxOperations": 0, "maxPayloadSize": 10 * 1024 * 1024}
    assert spc["filter"] == {"supported": True, "maxResults": profile.rules.max_results}
    for feature in ("changePassword", "sort", "etag"):
        assert spc[feature] == {"supported": False}
    (scheme,) = spc["authenticationSchemes"]
    assert scheme["type"] == "oauthbearertoken"
    assert scheme["primary"] is True
    assert scheme["name"] and scheme["description"] and scheme["specUri"]


# --- discovery documents: the facts ----------------------------------------------------------


def test_ringcentral_user_schema_matches_ringcentral_published_schema() -> None:
    profile = load_profile("ringcentral")
    core = by_name(schema_doc(profile, CORE_USER)["attributes"])
    assert set(core) == {
        "userName",
        "name",
        "emails",
        "phoneNumbers",
        "addresses",
        "photos",
        "title",
        "active",
    }
    assert {n for n, a in core.items() if a["required"]} == {"userName", "name", "emails"}
    user_name = core["userName"]
    assert (user_name["caseExact"], user_name["uniqueness"], user_name["type"]) == (False, "server", "string")
    name = by_name(core["name"]["subAttributes"])
    assert set(name) == {"givenName", "familyName"}
    assert all(a["required"] for a in name.values())
    emails = by_name(core["emails"]["subAttributes"])
    assert emails["type"]["canonicalValues"] == ["work"]
    assert emails["type"]["required"] and emails["value"]["required"]
    assert emails["value"]["uniqueness"] == "server"  # 409 "Duplicate email"
    phones = by_name(core["phoneNumbers"]["subAttributes"])
    assert phones["type"]["canonicalValues"] == ["work", "mobile", "other"]
    addresses = by_name(core["addresses"]["subAttributes"])
    assert set(addresses) == {"type", "streetAddress", "locality", "region", "postalCode", "country"}
    assert addresses["type"]["canonicalValues"] == ["work"]
    assert by_name(core["photos"]["subAttributes"])["type"]["canonicalValues"] == ["photo"]
    assert core["active"]["type"] == "boolean"
    enterprise = schema_doc(profile, ENTERPRISE_USER)["attributes"]
    assert [a["name"] for a in enterprise] == ["department"]


def test_scim_user_schema_has_every_rfc7643_attribute() -> None:
    profile = load_profile("scim")
    core = by_name(schema_doc(profile, CORE_USER)["attributes"])
    assert set(core) == {
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "password",
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "addresses",
        "groups",
        "entitlements",
        "roles",
        "x509Certificates",
    }
    assert [n for n, a in core.items() if a["required"]] == ["userName"]
    assert set(by_name(core["name"]["subAttributes"])) == {
        "formatted",
        "familyName",
        "givenName",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
    }
    password = core["password"]
    assert (password["mutability"], password["returned"]) == ("writeOnly", "never")
    groups = core["groups"]
    assert groups["mutability"] == "readOnly"
    assert all(sub["mutability"] == "readOnly" for sub in groups["subAttributes"])
    canonical = {
        attr: by_name(core[attr]["subAttributes"])["type"].get("canonicalValues")
        for attr in ("emails", "phoneNumbers", "ims", "photos", "addresses", "groups", "roles")
    }
    assert canonical == {
        "emails": ["work", "home", "other"],
        "phoneNumbers": ["work", "home", "mobile", "fax", "pager", "other"],
        "ims": ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        "photos": ["photo", "thumbnail"],
        "addresses": ["work", "home", "other"],
        "groups": ["direct", "indirect"],
        "roles": [],
    }
    assert {"formatted", "primary"} <= set(by_name(core["addresses"]["subAttributes"]))
    assert core["profileUrl"]["referenceTypes"] == ["external"]
    enterprise = by_name(schema_doc(profile, ENTERPRISE_USER)["attributes"])
    assert set(enterprise) == {
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
        "manager",
    }
    manager = by_name(enterprise["manager"]["subAttributes"])
    assert set(manager) == {"value", "$ref", "displayName"}
    assert manager["displayName"]["mutability"] == "readOnly"
    assert manager["$ref"]["referenceTypes"] == ["User"]


@pytest.mark.parametrize("name", PROFILES)
def test_user_name_is_server_unique_and_case_insensitive(name: str) -> None:
    user_name = load_profile(name).resource_schema.attribute("USERNAME")
    assert user_name is not None
    assert (user_name.name, user_name.uniqueness, user_name.case_exact) == ("userName", "server", False)


@pytest.mark.parametrize("name", PROFILES)
def test_discovery_agrees_with_the_rules(name: str) -> None:
    profile = load_profile(name)
    email_value = profile.resource_schema.resolve("emails.value")
    assert email_value is not None
    assert (email_value.target.uniqueness == "server") == profile.rules.unique_emails
    active = profile.resource_schema.attribute("active")
    assert active is not None and active.type == "boolean"
    for attr_name in profile.rules.one_element_per_type:
        attr = profile.resource_schema.attribute(attr_name)
        assert attr is not None and attr.multi_valued and attr.sub("type") is not None


@pytest.mark.parametrize("name", PROFILES)
def test_the_resource_schema_is_built_from_the_user_resource_type(name: str) -> None:
    schema = load_profile(name).resource_schema
    assert schema.schema_uris == (CORE_USER, ENTERPRISE_USER)
    resolved = schema.resolve("name.GIVENNAME")
    assert resolved is not None and resolved.target.name == "givenName"
    department = schema.resolve(f"{ENTERPRISE_USER.upper()}:Department")
    assert department is not None and department.target.name == "department"
    assert schema.attribute("id") is not None and schema.attribute("id").mutability == "readOnly"


# --- cross-check: SCIM schema documents == JSON Schema ---------------------------------------

JSON_TYPES = {
    "string": "string",
    "reference": "string",
    "binary": "string",
    "dateTime": "string",
    "boolean": "boolean",
    "integer": "integer",
    "decimal": "number",
    "complex": "object",
}


def writable(attrs: Mapping[str, AttributeDef]) -> dict[str, AttributeDef]:
    """What a client may send: read-only attributes are dropped by the normaliser before validation."""
    return {a.name: a for a in attrs.values() if a.mutability != "readOnly"}


def drift(profile: Profile, user_schema: Mapping[str, Any]) -> list[str]:
    """Every disagreement between the profile's SCIM schema documents and a User JSON Schema."""
    problems: list[str] = []
    schema = profile.resource_schema
    top = writable(schema.attributes())
    top.pop("schemas")  # the message envelope: JSON Schema-only rules (must contain the core URI)
    properties = dict(user_schema["properties"])
    if properties.pop("schemas", {}).get("contains") != {"const": CORE_USER}:
        problems.append("schemas must contain the core URI")
    if "schemas" not in user_schema.get("required", ()):
        problems.append("schemas must be required")
    for uri in schema.extension_uris:
        extension = properties.pop(uri, None)
        if extension is None:
            problems.append(f"{uri}: missing from the JSON Schema")
            continue
        compare_object(writable(schema.attributes(uri)), extension, uri, problems)
    required = {n for n in user_schema.get("required", ()) if n != "schemas"}
    compare_object(
        top, {**user_schema, "properties": properties, "required": sorted(required)}, "User", problems
    )
    return problems


def compare_object(
    attrs: Mapping[str, AttributeDef], js: Mapping[str, Any], where: str, problems: list[str]
) -> None:
    properties = js.get("properties", {})
    for name in sorted(set(attrs) ^ set(properties)):
        side = "SCIM schema" if name in attrs else "JSON Schema"
        problems.append(f"{where}.{name}: only in the {side}")
    if js.get("additionalProperties") is not False:
        problems.append(f"{where}: additionalProperties must be false")
    scim_required = {n for n, a in attrs.items() if a.required}
    if scim_required != set(js.get("required", ())):
        problems.append(f"{where}: required {sorted(scim_required)} != {sorted(js.get('required', ()))}")
    for name in sorted(set(attrs) & set(properties)):
        compare_attribute(attrs[name], properties[name], f"{where}.{name}", problems)


def compare_attribute(attr: AttributeDef, js: Mapping[str, Any], where: str, problems: list[str]) -> None:
    if attr.multi_valued:
        if js.get("type") != "array":
            problems.append(f"{where}: multi-valued, so the JSON Schema type must be array")
            return
        js = js["items"]
    if js.get("type") != JSON_TYPES[attr.type]:
        problems.append(f"{where}: type {attr.type} but JSON Schema type {js.get('type')}")
    enum = tuple(js.get("enum", ()))
    if enum != attr.canonical_values:
        problems.append(f"{where}: canonicalValues {attr.canonical_values} != enum {enum}")
    if attr.is_complex:
        compare_object(writable(attr.sub_attributes), js, where, problems)


@pytest.mark.parametrize("name", PROFILES)
def test_scim_schema_documents_and_json_schema_describe_the_same_user(name: str) -> None:
    profile = load_profile(name)
    assert drift(profile, profile.json_schemas["user"]) == []


def test_the_cross_check_notices_drift() -> None:
    profile = load_profile("ringcentral")
    user = copy.deepcopy(profile.json_schemas["user"])
    del user["properties"]["title"]
    user["properties"]["nickName"] = {"type": "string"}
    user["properties"]["emails"]["items"]["properties"]["type"]["enum"] = ["work", "home"]
    user["properties"]["name"]["required"] = ["givenName"]
    user["properties"]["active"]["type"] = "string"
    user["properties"]["phoneNumbers"]["items"]["additionalProperties"] = True
    assert sorted(drift(profile, user)) == [
        "User.active: type boolean but JSON Schema type string",
        "User.emails.type: canonicalValues ('work',) != enum ('work', 'home')",
        "User.name: required ['familyName', 'givenName'] != ['givenName']",
        "User.nickName: only in the JSON Schema",
        "User.phoneNumbers: additionalProperties must be false",
        "User.title: only in the SCIM schema",
    ]
