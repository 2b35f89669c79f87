"""Filter evaluation (RFC 7644 §3.4.2.2) against a small core-User-like schema and inline resources."""

from __future__ import annotations

from typing import Any

import pytest

from mockrc.errors import InvalidFilter
from mockrc.scim.filter_ast import AttrPath, Comparison
from mockrc.scim.filter_eval import compile_filter, matches
from mockrc.scim.filter_parser import parse_filter
from mockrc.scim.schema import ResourceSchema

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
TEST_EXT = "urn:example:params:scim:schemas:extension:test:1.0:User"


def _multi(name: str, *subs: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": "complex", "multiValued": True, "subAttributes": list(subs)}


# A subset of RFC 7643 §8.7.1 (core User) and §8.7.2 (enterprise User), in RFC 7643 §7 form.
CORE_USER_SCHEMA = {
    "id": CORE,
    "name": "User",
    "attributes": [
        {"name": "userName", "type": "string", "caseExact": False, "uniqueness": "server", "required": True},
        {
            "name": "name",
            "type": "complex",
            "subAttributes": [
                {"name": "formatted", "type": "string"},
                {"name": "familyName", "type": "string"},
                {"name": "givenName", "type": "string"},
            ],
        },
        {"name": "displayName", "type": "string"},
        {"name": "title", "type": "string"},
        {"name": "userType", "type": "string"},
        {"name": "profileUrl", "type": "reference", "caseExact": False},
        {"name": "active", "type": "boolean"},
        _multi(
            "emails",
            {"name": "value", "type": "string"},
            {"name": "type", "type": "string", "canonicalValues": ["work", "home", "other"]},
            {"name": "primary", "type": "boolean"},
        ),
        _multi("ims", {"name": "value", "type": "string"}, {"name": "type", "type": "string"}),
        _multi("x509Certificates", {"name": "value", "type": "binary", "caseExact": True}),
    ],
}
ENTERPRISE_SCHEMA = {
    "id": ENTERPRISE,
    "name": "EnterpriseUser",
    "attributes": [
        {"name": "employeeNumber", "type": "string"},
        {"name": "department", "type": "string"},
        {
            "name": "manager",
            "type": "complex",
            "subAttributes": [
                {"name": "value", "type": "string"},
                {"name": "$ref", "type": "reference"},
                {"name": "displayName", "type": "string"},
            ],
        },
    ],
}
# Made-up extension for the types the core User lacks (integer, decimal, dateTime, case-exact lists).
TEST_SCHEMA = {
    "id": TEST_EXT,
    "attributes": [
        {"name": "level", "type": "integer"},
        {"name": "score", "type": "decimal"},
        {"name": "hiredAt", "type": "dateTime"},
        {"name": "codes", "type": "string", "multiValued": True, "caseExact": True},
    ],
}
SCHEMA = ResourceSchema(CORE_USER_SCHEMA, [ENTERPRISE_SCHEMA, TEST_SCHEMA])


def match(text: str, resource: dict[str, Any]) -> bool:
    return matches(parse_filter(text), resource, SCHEMA)


def refusal(text: str) -> str:
    with pytest.raises(InvalidFilter) as info:
        compile_filter(parse_filter(text), SCHEMA)
    return info.value.detail


# --- RFC 7644 §3.4.2.2 examples ----------------------------------------------------------------

POPULATION: dict[str, dict[str, Any]] = {
    "bjensen": {
        "schemas": [CORE, ENTERPRISE],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "title": "Tour Guide",
        "userType": "Employee",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "meta": {"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"},
        ENTERPRISE: {"department": "Tour Operations"},
    },
    "jsmith": {
        "schemas": [CORE],
        "userName": "JSmith",
        "name": {"familyName": "Smith"},
        "userType": "Intern",
        "emails": [{"value": "jsmith@example.org", "type": "home"}],
        "ims": [{"value": "jsmith@FOO.com", "type": "xmpp"}],
        "meta": {"lastModified": "2012-01-01T00:00:00Z"},
    },
    "omalley": {
        "schemas": [CORE],
        "userName": "jomalley",
        "name": {"familyName": "O'Malley"},
        "title": "Manager",
        "userType": "Employee",
        "emails": [
            {"value": "pat@omalley.net", "type": "work"},
            {"value": "Pat@EXAMPLE.com", "type": "home"},
        ],
        # The same instant as bjensen's, written with an offset.
        "meta": {"lastModified": "2011-05-13T06:42:34+02:00"},
    },
    "zed": {"schemas": [CORE], "userName": "zed", "meta": {"lastModified": "2009-12-31T23:59:59Z"}},
}


class TestRFCExamples:
    """Every example filter of RFC 7644 §3.4.2.2, and who in POPULATION it matches."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('userName eq "bjensen"', {"bjensen"}),
            ('name.familyName co "O\'Malley"', {"omalley"}),
            ('userName sw "J"', {"jsmith", "omalley"}),
            (f'{CORE}:userName sw "J"', {"jsmith", "omalley"}),
            ("title pr", {"bjensen", "omalley"}),
            ('meta.lastModified gt "2011-05-13T04:42:34Z"', {"jsmith"}),
            ('meta.lastModified ge "2011-05-13T04:42:34Z"', {"bjensen", "jsmith", "omalley"}),
            ('meta.lastModified lt "2011-05-13T04:42:34Z"', {"zed"}),
            ('meta.lastModified le "2011-05-13T04:42:34Z"', {"bjensen", "omalley", "zed"}),
            ('title pr and userType eq "Employee"', {"bjensen", "omalley"}),
            ('title pr or userType eq "Intern"', {"bjensen", "jsmith", "omalley"}),
            (f'schemas eq "{ENTERPRISE}"', {"bjensen"}),
            (
                'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
                {"bjensen", "omalley"},
            ),
            (
                'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
                {"zed"},
            ),
            ('userType eq "Employee" and (emails.type eq "work")', {"bjensen", "omalley"}),
            ('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', {"bjensen"}),
            (
                'emails[type eq "work" and value co "@example.com"] or '
                'ims[type eq "xmpp" and value co "@foo.com"]',
                {"bjensen", "jsmith"},
            ),
        ],
    )
    def test_example(self, text: str, expected: set[str]) -> None:
        predicate = compile_filter(parse_filter(text), SCHEMA)
        assert {name for name, user in POPULATION.items() if predicate(user)} == expected


# --- strings -------------------------------------------------------------------------------------


class TestStrings:
    def test_case_insensitive_when_case_exact_is_false(self) -> None:
        assert match('userName eq "BJENSEN"', {"userName": "bjensen"})
        assert match('userName co "JEN"', {"userName": "bjensen"})

    def test_case_sensitive_when_case_exact_is_true(self) -> None:
        # externalId is caseExact=true (RFC 7643 §3.1).
        assert match('externalId eq "AbC"', {"externalId": "AbC"})
        assert not match('externalId eq "abc"', {"externalId": "AbC"})

    def test_case_exact_multi_valued_string(self) -> None:
        resource = {TEST_EXT: {"codes": ["A1", "b2"]}}
        assert match(f'{TEST_EXT}:codes eq "b2"', resource)
        assert not match(f'{TEST_EXT}:codes eq "B2"', resource)

    def test_full_case_folding(self) -> None:
        assert match('userName eq "STRASSE"', {"userName": "straße"})

    @pytest.mark.parametrize(
        ("op", "operand", "expected"),
        [
            ("sw", "bje", True),
            ("sw", "jen", False),
            ("ew", "SEN", True),
            ("ew", "bje", False),
            ("co", "jens", True),
            ("co", "x", False),
            ("sw", "bjensen", True),  # "satisfied if the two strings are identical"
            ("gt", "a", True),
            ("gt", "bjensen", False),
            ("ge", "BJENSEN", True),
            ("lt", "c", True),
            ("le", "b", False),
        ],
    )
    def test_substring_and_ordering(self, op: str, operand: str, expected: bool) -> None:
        assert match(f'userName {op} "{operand}"', {"userName": "bjensen"}) is expected

    def test_reference_attribute_compares_as_string(self) -> None:
        assert match('profileUrl sw "HTTPS://"', {"profileUrl": "https://example.com/bjensen"})

    def test_binary_is_case_exact_and_takes_only_eq_ne(self) -> None:
        resource = {"x509Certificates": [{"value": "MIIDQzCCAqy"}]}
        assert match('x509Certificates.value eq "MIIDQzCCAqy"', resource)
        assert not match('x509Certificates.value eq "miidqzccaqy"', resource)
        assert 'operator "gt" is not allowed on the binary attribute' in refusal(
            'x509Certificates.value gt "M"'
        )
        assert 'operator "co" is not allowed on the binary attribute' in refusal(
            'x509Certificates.value co "M"'
        )

    def test_stored_value_of_another_type_does_not_match(self) -> None:
        assert not match('userName eq "5"', {"userName": 5})


# --- other types ---------------------------------------------------------------------------------


class TestBooleans:
    def test_eq_and_ne(self) -> None:
        assert match("active eq true", {"active": True})
        assert not match("active eq false", {"active": True})
        assert match("active ne false", {"active": True})

    def test_keywords_in_any_case(self) -> None:
        assert match("active eq TRUE", {"active": True})

    def test_string_stored_booleans_do_not_match(self) -> None:
        # Entra sends "False" (a string) without aadOptscim062020; the filter does not coerce it.
        assert not match("active eq false", {"active": "False"})

    @pytest.mark.parametrize("op", ["gt", "ge", "lt", "le", "co", "sw", "ew"])
    def test_other_operators_are_refused(self, op: str) -> None:
        detail = refusal(f"active {op} true")
        assert f'operator "{op}"' in detail
        assert '"active"' in detail

    def test_string_value_is_refused(self) -> None:
        assert refusal('active eq "true"') == '"active" is boolean: compare it with true or false, not "true"'


class TestNumbers:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("level eq 3", True),
            ("level eq 3.0", True),
            ("level gt 2", True),
            ("level gt 3", False),
            ("level ge 3", True),
            ("level lt 3.5", True),
            ("level le 2", False),
            ("score gt 2.49", True),
            ("score le 2.5", True),
            ("score lt -1e3", False),
            ("level ne 4", True),
        ],
    )
    def test_numeric_comparison(self, text: str, expected: bool) -> None:
        attr, rest = text.split(" ", 1)
        assert match(f"{TEST_EXT}:{attr} {rest}", {TEST_EXT: {"level": 3, "score": 2.5}}) is expected

    def test_string_value_is_refused(self) -> None:
        assert 'is integer: compare it with a JSON number, not "3"' in refusal(f'{TEST_EXT}:level eq "3"')

    def test_boolean_value_is_refused(self) -> None:
        assert "compare it with a JSON number, not true" in refusal(f"{TEST_EXT}:level eq true")

    def test_substring_operators_are_refused(self) -> None:
        assert refusal(f"{TEST_EXT}:level co 3") == (
            f'operator "co" applies to strings, and "{TEST_EXT}:level" is integer'
        )

    def test_stored_boolean_is_not_a_number(self) -> None:
        assert not match(f"{TEST_EXT}:level eq 1", {TEST_EXT: {"level": True}})


class TestDateTimes:
    def test_chronological_not_textual(self) -> None:
        resource = {"meta": {"created": "2011-05-13T06:42:34+02:00"}}
        assert match('meta.created eq "2011-05-13T04:42:34Z"', resource)
        assert not match('meta.created gt "2011-05-13T04:42:34Z"', resource)
        assert match('meta.created lt "2011-05-13T05:00:00Z"', resource)

    def test_fractional_seconds(self) -> None:
        resource = {"meta": {"lastModified": "2024-03-01T10:00:00.500Z"}}
        assert match('meta.lastModified gt "2024-03-01T10:00:00Z"', resource)

    def test_value_without_offset_is_utc(self) -> None:
        assert match('meta.created eq "2011-05-13T04:42:34"', {"meta": {"created": "2011-05-13T04:42:34Z"}})

    def test_unparseable_stored_value_does_not_match(self) -> None:
        assert not match('meta.created lt "2100-01-01T00:00:00Z"', {"meta": {"created": "yesterday"}})

    def test_extension_date_time(self) -> None:
        assert match(
            f'{TEST_EXT}:hiredAt ge "2020-01-01T00:00:00Z"', {TEST_EXT: {"hiredAt": "2021-06-01T00:00:00Z"}}
        )

    def test_invalid_operand_is_refused(self) -> None:
        assert refusal('meta.lastModified gt "last week"') == (
            '"meta.lastModified" is dateTime: compare it with a quoted ISO 8601 date-time '
            'such as "2011-05-13T04:42:34Z", not "last week"'
        )

    @pytest.mark.parametrize("op", ["co", "sw", "ew"])
    def test_substring_operators_are_refused(self, op: str) -> None:
        assert f'operator "{op}" applies to strings' in refusal(f'meta.created {op} "2011"')


# --- presence, absence and null ---------------------------------------------------------------


class TestPresence:
    @pytest.mark.parametrize(
        ("resource", "expected"),
        [
            ({"title": "Tour Guide"}, True),
            ({}, False),
            ({"title": None}, False),
            ({"title": ""}, False),
        ],
    )
    def test_simple(self, resource: dict[str, Any], expected: bool) -> None:
        assert match("title pr", resource) is expected

    def test_false_is_a_value(self) -> None:
        assert match("active pr", {"active": False})

    @pytest.mark.parametrize(
        ("emails", "expected"),
        [
            ([{"value": "a@example.com"}], True),
            ([], False),
            ([{}], False),
            ([{"value": "", "type": None}], False),
            ([{}, {"type": "work"}], True),
        ],
    )
    def test_multi_valued_complex(self, emails: list[Any], expected: bool) -> None:
        assert match("emails pr", {"emails": emails}) is expected

    def test_single_complex_needs_a_non_empty_node(self) -> None:
        assert match("name pr", {"name": {"givenName": "Barbara"}})
        assert not match("name pr", {"name": {"givenName": ""}})

    def test_sub_attribute_of_multi_valued(self) -> None:
        assert match("emails.type pr", {"emails": [{"value": "a"}, {"value": "b", "type": "home"}]})
        assert not match("emails.type pr", {"emails": [{"value": "a"}]})

    def test_eq_null_means_absent(self) -> None:
        assert match("title eq null", {})
        assert match("title eq null", {"title": ""})
        assert not match("title eq null", {"title": "x"})

    def test_ne_null_means_present(self) -> None:
        assert match("title ne NULL", {"title": "x"})
        assert not match("title ne null", {})

    def test_other_operators_with_null_are_refused(self) -> None:
        assert (
            refusal("title gt null") == 'operator "gt" cannot compare "title" with null; only eq and ne can'
        )

    def test_ne_on_absent_attribute_is_true(self) -> None:
        assert match('title ne "Boss"', {})
        assert match('name.givenName ne "Boss"', {})
        assert match('emails.value ne "a@example.com"', {"emails": []})

    def test_eq_on_absent_attribute_is_false(self) -> None:
        assert not match('title eq "Boss"', {})
        assert not match('title lt "zzz"', {})


# --- multi-valued and complex attributes -------------------------------------------------------


TWO_EMAILS = {
    "emails": [
        {"value": "work@example.com", "type": "work", "primary": True},
        {"value": "home@example.org", "type": "home"},
    ]
}


class TestMultiValued:
    def test_any_element_matches(self) -> None:
        assert match('emails.value eq "home@example.org"', TWO_EMAILS)
        assert match('emails.type eq "work"', TWO_EMAILS)
        assert not match('emails.type eq "other"', TWO_EMAILS)

    def test_complex_without_sub_attribute_compares_value(self) -> None:
        assert match('emails eq "HOME@example.org"', TWO_EMAILS)
        assert match('emails ew ".org"', TWO_EMAILS)
        assert not match('emails eq "work"', TWO_EMAILS)

    def test_single_valued_complex_with_value_compares_value(self) -> None:
        resource = {ENTERPRISE: {"manager": {"value": "26118915", "displayName": "John Smith"}}}
        assert match(f'{ENTERPRISE}:manager eq "26118915"', resource)
        assert match(f'{ENTERPRISE}:manager.displayName sw "john"', resource)

    def test_ne_matches_when_some_element_differs(self) -> None:
        assert match('emails.type ne "work"', TWO_EMAILS)
        assert not match('emails.type ne "work"', {"emails": [{"type": "work"}]})

    def test_element_without_the_sub_attribute_differs(self) -> None:
        assert match('emails.type ne "work"', {"emails": [{"type": "work"}, {"value": "x"}]})

    def test_not_of_eq_is_none_match(self) -> None:
        assert not match('not (emails.type eq "work")', TWO_EMAILS)

    def test_complex_without_value_sub_attribute_is_refused(self) -> None:
        detail = refusal('name eq "Barbara"')
        assert detail.startswith('operator "eq" cannot compare the complex attribute "name"')
        assert '"name.givenName"' in detail


class TestValuePaths:
    def test_conditions_apply_to_the_same_element(self) -> None:
        assert match('emails[type eq "work" and value ew ".com"]', TWO_EMAILS)
        # work@… is .com and home@… is .org: no single element satisfies both.
        assert not match('emails[type eq "home" and value ew ".com"]', TWO_EMAILS)

    def test_entra_form_needs_one_element_for_both(self) -> None:
        assert match('emails[type eq "work"].value eq "WORK@example.com"', TWO_EMAILS)
        assert not match('emails[type eq "work"].value eq "home@example.org"', TWO_EMAILS)
        assert match('emails[type eq "home"].value pr', TWO_EMAILS)
        assert not match('emails[type eq "other"].value pr', TWO_EMAILS)

    def test_boolean_sub_attribute_in_brackets(self) -> None:
        assert match('emails[primary eq true].value sw "work"', TWO_EMAILS)

    def test_not_and_grouping_inside_brackets(self) -> None:
        assert match('emails[not (type eq "work") and (value co "home" or value co "x")]', TWO_EMAILS)

    def test_absent_parent_matches_nothing(self) -> None:
        assert not match('emails[type eq "work"]', {})

    def test_single_valued_complex(self) -> None:
        assert match('name[givenName eq "barbara" and familyName pr]', POPULATION["bjensen"])

    def test_unknown_sub_attribute_inside_brackets(self) -> None:
        assert refusal('emails[kind eq "work"]') == (
            'unknown attribute "emails.kind": "emails" has the sub-attributes value, type, primary'
        )

    def test_qualified_name_inside_brackets_is_refused(self) -> None:
        assert 'inside "emails[...]" must be a sub-attribute name of "emails"' in refusal(
            'emails[emails.type eq "work"]'
        )

    def test_simple_parent_is_refused(self) -> None:
        assert refusal('userName[value eq "x"]') == (
            '"userName[...]": only complex attributes take a value filter, and "userName" is string'
        )

    def test_trailing_sub_attribute_must_exist(self) -> None:
        assert 'unknown attribute "emails.address"' in refusal('emails[type eq "work"].address eq "x"')


# --- names ---------------------------------------------------------------------------------------


class TestNames:
    def test_attribute_names_are_case_insensitive(self) -> None:
        assert match('USERNAME eq "bjensen"', {"userName": "bjensen"})
        assert match('NAME.GIVENNAME eq "Barbara"', {"name": {"givenName": "Barbara"}})

    def test_schema_uri_is_case_insensitive(self) -> None:
        assert match(f'{ENTERPRISE.upper()}:Department eq "sales"', {ENTERPRISE: {"department": "Sales"}})

    def test_core_uri_reads_top_level(self) -> None:
        assert match(f'{CORE}:name.familyName eq "Jensen"', POPULATION["bjensen"])

    def test_extension_attribute_reads_under_its_uri(self) -> None:
        assert not match(f'{ENTERPRISE}:department eq "Sales"', {"department": "Sales"})

    def test_common_attributes(self) -> None:
        resource = {"id": "abc", "meta": {"resourceType": "User"}}
        assert match('id eq "abc"', resource)
        assert not match('id eq "ABC"', resource)
        assert match('meta.resourceType eq "User"', resource)

    def test_unknown_attribute_is_refused_by_name(self) -> None:
        assert refusal('nickname eq "x"') == 'unknown attribute "nickname"'

    def test_bare_extension_attribute_gets_a_hint(self) -> None:
        assert refusal('department eq "x"') == (
            'unknown attribute "department": extension attributes need their schema URI, '
            f'e.g. "{ENTERPRISE}:department"'
        )

    def test_unknown_sub_attribute(self) -> None:
        assert refusal('name.middle eq "x"') == (
            'unknown attribute "name.middle": "name" has the sub-attributes formatted, familyName, givenName'
        )

    def test_sub_attribute_of_simple_attribute(self) -> None:
        assert refusal('userName.value eq "x"') == (
            'unknown attribute "userName.value": "userName" is not complex, it has no sub-attributes'
        )

    def test_unknown_schema_uri(self) -> None:
        detail = refusal('urn:example:nope:userName eq "x"')
        assert detail.startswith('unknown schema URI "urn:example:nope" in "urn:example:nope:userName"')

    def test_attribute_of_the_wrong_schema(self) -> None:
        assert refusal(f'{ENTERPRISE}:userName eq "x"') == f'unknown attribute "{ENTERPRISE}:userName"'


class TestCompile:
    def test_every_branch_is_checked_up_front(self) -> None:
        # "title pr" alone would decide every resource here; the bad right side is still refused.
        assert refusal('title pr or bogus eq "x"') == 'unknown attribute "bogus"'

    def test_compiled_predicate_is_reusable(self) -> None:
        predicate = compile_filter(parse_filter('userType eq "Employee"'), SCHEMA)
        assert [name for name, user in POPULATION.items() if predicate(user)] == ["bjensen", "omalley"]
        assert predicate({"userType": "employee"})

    def test_logic(self) -> None:
        resource = {"userName": "a", "title": "t"}
        assert match('userName eq "a" and not (title eq "x")', resource)
        assert not match('userName eq "b" or (title pr and not (title pr))', resource)

    def test_unknown_operator_in_a_built_tree(self) -> None:
        with pytest.raises(InvalidFilter, match='unknown operator "like"'):
            compile_filter(Comparison(AttrPath("userName"), "like", "x"), SCHEMA)

    @pytest.mark.parametrize(
        "text",
        [
            "userName eq 5",
            "userName eq true",
            "name.givenName sw 1",
        ],
    )
    def test_string_attributes_need_string_values(self, text: str) -> None:
        assert "compare it with a quoted string" in refusal(text)
