"""The SCIM filter and PATCH path parser: RFC 7644 §3.4.2.2 Figure 1, §3.5.2, and Entra ID's forms."""

from __future__ import annotations

import pytest

from mockrc.scim.filter_ast import And, AttrPath, Comparison, Not, Or, PatchPath, Present, ValueFilter
from mockrc.scim.filter_parser import FilterSyntaxError, parse_filter, parse_path

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def eq(attr: str, value: object, sub: str | None = None, uri: str | None = None) -> Comparison:
    return Comparison(AttrPath(attr, sub, uri), "eq", value)


class TestAttributePaths:
    @pytest.mark.parametrize(
        ("text", "path"),
        [
            ("userName", AttrPath("userName")),
            ("name.familyName", AttrPath("name", "familyName")),
            (f"{CORE}:userName", AttrPath("userName", None, CORE)),
            (f"{ENTERPRISE}:department", AttrPath("department", None, ENTERPRISE)),
            (f"{ENTERPRISE}:manager.value", AttrPath("manager", "value", ENTERPRISE)),
            ("members.$ref", AttrPath("members", "$ref")),
            ("x-custom_attr2", AttrPath("x-custom_attr2")),
        ],
    )
    def test_path_forms(self, text: str, path: AttrPath) -> None:
        assert parse_filter(f"{text} pr") == Present(path)

    def test_urn_version_dots_stay_in_the_uri(self) -> None:
        parsed = parse_filter(f'{ENTERPRISE}:department eq "Sales"')
        assert parsed == eq("department", "Sales", uri=ENTERPRISE)
        assert str(parsed.path) == f"{ENTERPRISE}:department"

    def test_names_keep_the_clients_spelling(self) -> None:
        assert parse_filter('USERNAME Eq "x"') == eq("USERNAME", "x")


class TestOperatorsAndValues:
    @pytest.mark.parametrize("op", ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"])
    def test_every_comparison_operator(self, op: str) -> None:
        assert parse_filter(f'title {op} "x"') == Comparison(AttrPath("title"), op, "x")

    @pytest.mark.parametrize("spelling", ["EQ", "Eq", "eQ"])
    def test_operators_in_any_case_are_lower_cased(self, spelling: str) -> None:
        assert parse_filter(f'userName {spelling} "x"') == eq("userName", "x")

    @pytest.mark.parametrize("spelling", ["pr", "PR", "Pr"])
    def test_present_in_any_case(self, spelling: str) -> None:
        assert parse_filter(f"title {spelling}") == Present(AttrPath("title"))

    @pytest.mark.parametrize(
        ("literal", "value"),
        [
            ('"bjensen"', "bjensen"),
            ('"O\'Malley"', "O'Malley"),
            ('""', ""),
            (r'"say \"hi\""', 'say "hi"'),
            (r'"back\\slash"', "back\\slash"),
            (r'"caf\u00e9"', "café"),
            (r'"tab\there"', "tab\there"),
            ('"a (b) [c] and or"', "a (b) [c] and or"),
            ("true", True),
            ("False", False),
            ("NULL", None),
            ("0", 0),
            ("42", 42),
            ("-7", -7),
            ("2.5", 2.5),
            ("-1.5e3", -1500.0),
            ("1E+2", 100.0),
        ],
    )
    def test_json_values(self, literal: str, value: object) -> None:
        parsed = parse_filter(f"x eq {literal}")
        assert isinstance(parsed, Comparison)
        assert parsed.value == value
        assert type(parsed.value) is type(value)


class TestLogicalOperators:
    a = eq("a", 1)
    b = eq("b", 2)
    c = eq("c", 3)

    def test_and_binds_tighter_than_or(self) -> None:
        assert parse_filter("a eq 1 or b eq 2 and c eq 3") == Or(self.a, And(self.b, self.c))
        assert parse_filter("a eq 1 and b eq 2 or c eq 3") == Or(And(self.a, self.b), self.c)

    def test_not_binds_tighter_than_and(self) -> None:
        assert parse_filter("not (a eq 1) and b eq 2") == And(Not(self.a), self.b)

    def test_left_associative(self) -> None:
        assert parse_filter("a eq 1 or b eq 2 or c eq 3") == Or(Or(self.a, self.b), self.c)
        assert parse_filter("a eq 1 and b eq 2 and c eq 3") == And(And(self.a, self.b), self.c)

    def test_parentheses_override_precedence(self) -> None:
        assert parse_filter("a eq 1 and (b eq 2 or c eq 3)") == And(self.a, Or(self.b, self.c))

    def test_redundant_parentheses(self) -> None:
        assert parse_filter("((a eq 1))") == self.a

    @pytest.mark.parametrize("text", ["not (a eq 1)", "not(a eq 1)", "NOT (a eq 1)", "Not\t(a eq 1)"])
    def test_not_spellings(self, text: str) -> None:
        assert parse_filter(text) == Not(self.a)

    @pytest.mark.parametrize("text", ["a eq 1 AND b eq 2", "a eq 1 And b eq 2"])
    def test_keywords_in_any_case(self, text: str) -> None:
        assert parse_filter(text) == And(self.a, self.b)

    @pytest.mark.parametrize(
        "text",
        ["a eq 1  and   b eq 2", "a\teq\t1\tand\tb\teq\t2", "  a eq 1 and b eq 2  ", "(a eq 1)and(b eq 2)"],
    )
    def test_whitespace(self, text: str) -> None:
        assert parse_filter(text) == And(self.a, self.b)


class TestValuePaths:
    def test_rfc_value_path(self) -> None:
        assert parse_filter('emails[type eq "work" and value co "@example.com"]') == ValueFilter(
            AttrPath("emails"),
            And(eq("type", "work"), Comparison(AttrPath("value"), "co", "@example.com")),
        )

    def test_value_path_combined_with_logic(self) -> None:
        parsed = parse_filter('userType eq "Employee" and not (emails[type eq "work"])')
        assert parsed == And(
            eq("userType", "Employee"), Not(ValueFilter(AttrPath("emails"), eq("type", "work")))
        )

    def test_logic_and_grouping_inside_brackets(self) -> None:
        parsed = parse_filter('emails[not (type eq "home") and (primary eq true or value pr)]')
        assert parsed == ValueFilter(
            AttrPath("emails"),
            And(Not(eq("type", "home")), Or(eq("primary", True), Present(AttrPath("value")))),
        )

    def test_entra_matching_form(self) -> None:
        # Microsoft's documented matching filter on emails (entra-provisioning.md §3).
        assert parse_filter('emails[type eq "work"].value eq "ryan@contoso.com"') == ValueFilter(
            AttrPath("emails"), eq("type", "work"), "value", eq("value", "ryan@contoso.com")
        )

    def test_entra_form_with_present_and_logic(self) -> None:
        parsed = parse_filter('Emails[Type Eq "work"].Value PR or userName eq "x"')
        assert parsed == Or(
            ValueFilter(AttrPath("Emails"), eq("Type", "work"), "Value", Present(AttrPath("Value"))),
            eq("userName", "x"),
        )

    def test_urn_qualified_value_path(self) -> None:
        assert parse_filter(f'{CORE}:emails[type eq "work"]') == ValueFilter(
            AttrPath("emails", None, CORE), eq("type", "work")
        )


def syntax_error(parse: object, text: str) -> FilterSyntaxError:
    with pytest.raises(FilterSyntaxError) as info:
        parse(text)  # type: ignore[operator]
    return info.value


class TestFilterErrors:
    @pytest.mark.parametrize(
        ("text", "position", "reason"),
        [
            ("", 0, "the filter is empty"),
            ("   ", 0, "the filter is empty"),
            (
                "userName eq john",
                12,
                'expected a value, found john: string values must be quoted JSON strings, e.g. "john"',
            ),
            ('userName eq "john', 12, "unterminated string: the closing '\"' is missing"),
            (r'userName eq "a\qb"', 14, "invalid JSON string: Invalid \\escape"),
            (
                'userName "john"',
                9,
                'expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or "pr", '
                'found the string "john"',
            ),
            (
                "userName",
                8,
                'expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or "pr", '
                "found the end of the filter",
            ),
            (
                'userName equals "john"',
                9,
                'unknown operator "equals": expected one of eq, ne, co, sw, ew, gt, ge, lt, le or "pr"',
            ),
            ('userName == "john"', 9, 'unknown operator "=="'),
            ('userName="john"', 8, 'invalid character "=" in attribute name "userName="'),
            ("userName eq", 11, "expected a value (a quoted JSON string, a number, true, false or null)"),
            ("(userName pr", 12, 'unbalanced parentheses: "(" at position 0 is never closed'),
            ("userName pr)", 11, 'unbalanced parentheses: ")" has no matching "("'),
            ("(a pr or (b pr)", 15, 'unbalanced parentheses: "(" at position 0 is never closed'),
            ("(a pr b pr)", 6, 'expected "and", "or" or ")" to close "(" at position 0, found "b"'),
            ("emails[type pr", 14, 'unbalanced brackets: "[" at position 6 is never closed'),
            ("emails[type pr)", 14, 'expected "and", "or" or "]" to close "[" at position 6, found ")"'),
            ("userName pr]", 11, 'unbalanced brackets: "]" has no matching "["'),
            (
                'emails[type[value eq "x"] pr]',
                11,
                'value filters cannot be nested: "[" at position 6 is still open',
            ),
            ("emails[(a pr or b[c pr])]", 17, "value filters cannot be nested"),
            (
                'userName eq "x" "y"',
                16,
                'expected "and", "or" or the end of the filter, found the string "y"',
            ),
            ('userName eq "x" garbage', 16, 'found "garbage"'),
            ('userName eq "x" and', 19, "expected an attribute path, found the end of the filter"),
            ('and userName eq "x"', 0, 'expected an attribute path, found "and"'),
            ('userName eq "x" or or b pr', 19, 'expected an attribute path, found "or"'),
            ('eq "x"', 0, 'expected an attribute path, found "eq"'),
            ("()", 1, 'expected an attribute path, found ")"'),
            ("emails[]", 7, 'expected an attribute path, found "]"'),
            ('"userName" eq "x"', 0, 'expected an attribute path, found the string "userName"'),
            ("not userName pr", 4, 'expected "(" after "not"'),
            ("1abc pr", 0, 'attribute names start with a letter, found "1"'),
            ("a.b.c pr", 3, "has more than one sub-attribute"),
            ("name. pr", 5, "expected an attribute name"),
            (":userName pr", 0, 'expected a schema URI before ":"'),
            (f"{CORE}: pr", len(CORE) + 1, "expected an attribute name"),
            ('emails[type eq "work"].value', 28, "expected a comparison operator"),
            ('emails[type eq "work"] .value eq "x"', 23, 'found ".value"'),
            ('emails[type eq "work"].1value eq "x"', 23, "attribute names start with a letter"),
        ],
    )
    def test_error_position_and_reason(self, text: str, position: int, reason: str) -> None:
        error = syntax_error(parse_filter, text)
        assert error.position == position
        assert reason in error.reason
        assert str(error) == f"at position {position}: {error.reason}"

    def test_is_a_value_error(self) -> None:
        assert isinstance(syntax_error(parse_filter, "x"), ValueError)

    def test_reports_the_first_error_in_reading_order(self) -> None:
        # The missing operator comes before the unterminated string, so it is reported.
        error = syntax_error(parse_filter, 'userName "x" and title eq "unterminated')
        assert error.position == 9

    def test_value_hint_quotes_the_clients_text(self) -> None:
        error = syntax_error(parse_filter, "userName eq john@example.com")
        assert error.reason.endswith('e.g. "john@example.com"')


class TestParsePath:
    @pytest.mark.parametrize(
        ("text", "path"),
        [
            ("active", PatchPath(AttrPath("active"))),
            ("name.givenName", PatchPath(AttrPath("name", "givenName"))),
            ('emails[type eq "work"].value', PatchPath(AttrPath("emails"), eq("type", "work"), "value")),
            (
                'addresses[type eq "work"].locality',
                PatchPath(AttrPath("addresses"), eq("type", "work"), "locality"),
            ),
            ('members[value eq "2819c223"]', PatchPath(AttrPath("members"), eq("value", "2819c223"))),
            (f"{ENTERPRISE}:department", PatchPath(AttrPath("department", None, ENTERPRISE))),
            (f"{ENTERPRISE}:manager.value", PatchPath(AttrPath("manager", "value", ENTERPRISE))),
            (
                'emails[type eq "work" and primary eq true]',
                PatchPath(AttrPath("emails"), And(eq("type", "work"), eq("primary", True))),
            ),
            ("  name.familyName\t", PatchPath(AttrPath("name", "familyName"))),
        ],
    )
    def test_rfc_and_entra_paths(self, text: str, path: PatchPath) -> None:
        assert parse_path(text) == path

    @pytest.mark.parametrize(
        ("text", "position", "reason"),
        [
            ("", 0, "the path is empty"),
            ('"name"', 0, 'expected an attribute path, found the string "name"'),
            ("name givenName", 5, 'expected "[" or the end of the path, found "givenName"'),
            ("name.", 5, "expected an attribute name"),
            (
                'emails[type eq "work"] value',
                23,
                'expected ".subAttribute" or the end of the path, found "value"',
            ),
            ('emails[type eq "work"].value eq "x"', 29, 'expected the end of the path, found "eq"'),
            ('emails[type eq "work"', 21, 'unbalanced brackets: "[" at position 6 is never closed'),
            ("emails[type eq work]", 15, "string values must be quoted JSON strings"),
            ('emails[type[value eq "x"] pr]', 11, "value filters cannot be nested"),
            ("name)", 4, 'unbalanced parentheses: ")" has no matching "("'),
        ],
    )
    def test_errors(self, text: str, position: int, reason: str) -> None:
        error = syntax_error(parse_path, text)
        assert error.position == position
        assert reason in error.reason
