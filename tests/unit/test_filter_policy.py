"""RingCentral's filter restrictions, the index plan of the scim profile, and filter rendering."""

from __future__ import annotations

from typing import Any

import pytest

from mockrc.errors import InvalidFilter
from mockrc.scim.filter_eval import compile_filter
from mockrc.scim.filter_parser import parse_filter
from mockrc.scim.filter_policy import Lookup, describe, index_plan, ringcentral_lookup
from mockrc.scim.schema import ResourceSchema

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
UNSUPPORTED = "RingCentral supports only 'userName eq' and 'email eq' filters: "


def rc(text: str) -> Lookup:
    return ringcentral_lookup(parse_filter(text))


class TestRingCentralAccepts:
    @pytest.mark.parametrize(
        ("text", "lookup"),
        [
            # RingCentral's documentation and the StackOverflow answer it links to.
            ('userName eq "john@example.com"', Lookup("userName", "john@example.com")),
            ('email eq "john@example.com"', Lookup("email", "john@example.com")),
            # RingCentral.Net's ScimTest.cs.
            ('emails eq "test.user@example.com"', Lookup("email", "test.user@example.com")),
            ('emails.value eq "a@example.com"', Lookup("email", "a@example.com")),
            # What Entra ID sends when it matches on email.
            ('emails[type eq "work"].value eq "a@example.com"', Lookup("email", "a@example.com")),
            # Entra's Test Connection: a random GUID.
            (
                'userName eq "0f5c2a4e-6d4b-4c57-9a2e-1e4b1c1d2e3f"',
                Lookup("userName", "0f5c2a4e-6d4b-4c57-9a2e-1e4b1c1d2e3f"),
            ),
        ],
    )
    def test_documented_shapes(self, text: str, lookup: Lookup) -> None:
        assert rc(text) == lookup

    @pytest.mark.parametrize(
        ("text", "lookup"),
        [
            ('USERNAME EQ "X@Example.com"', Lookup("userName", "X@Example.com")),
            ('Email Eq "x"', Lookup("email", "x")),
            ('EMAILS.VALUE eq "x"', Lookup("email", "x")),
            ('Emails[TYPE EQ "WORK"].Value eQ "x"', Lookup("email", "x")),
            (f'{CORE}:userName eq "x"', Lookup("userName", "x")),
            (f'{CORE.upper()}:USERNAME eq "x"', Lookup("userName", "x")),
            (f'{CORE}:emails.value eq "x"', Lookup("email", "x")),
            (f'{CORE}:emails[type eq "work"].value eq "x"', Lookup("email", "x")),
            ('(userName eq "x")', Lookup("userName", "x")),
        ],
    )
    def test_any_case_and_qualified_spellings(self, text: str, lookup: Lookup) -> None:
        assert rc(text) == lookup

    def test_value_keeps_the_clients_case(self) -> None:
        assert rc('userName eq "Bob@Example.COM"').value == "Bob@Example.COM"


class TestRingCentralRefuses:
    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ('externalId eq "x"', 'attribute "externalId" is not supported'),
            ('name.givenName eq "x"', 'attribute "name.givenName" is not supported'),
            ('emails.type eq "work"', 'attribute "emails.type" is not supported'),
            ('email.value eq "x"', 'attribute "email.value" is not supported'),
            (f'{CORE}:email eq "x"', f'attribute "{CORE}:email" is not supported'),
            (f'{ENTERPRISE}:userName eq "x"', f'attribute "{ENTERPRISE}:userName" is not supported'),
            ("externalId pr", 'attribute "externalId" is not supported'),
            ('userName co "x"', 'operator "co" is not supported'),
            ('email sw "x"', 'operator "sw" is not supported'),
            ('userName ne "x"', 'operator "ne" is not supported'),
            ("userName pr", 'operator "pr" is not supported'),
            ('userName eq "a" or userName eq "b"', 'logical operator "or" is not supported'),
            ('userName eq "a" and email eq "b"', 'logical operator "and" is not supported'),
            ('not (userName eq "a")', 'logical operator "not" is not supported'),
            ("userName eq null", "the value must be a quoted string, not null"),
            ("userName eq 42", "the value must be a quoted string, not 42"),
            ('emails[type eq "work"].value co "x"', 'operator "co" is not supported'),
            ('emails[type eq "work"].value pr', 'operator "pr" is not supported'),
            ('emails[type eq "work"].value eq true', "the value must be a quoted string, not true"),
            ('addresses[type eq "work"].locality eq "x"', 'attribute "addresses" is not supported'),
            (
                'emails[type eq "home"].value eq "x"',
                'value filter emails[type eq "home"].value eq "x" is not supported; '
                'the one supported is emails[type eq "work"].value eq "…"',
            ),
            (
                'emails[type eq "work"]',
                'value filter emails[type eq "work"] is not supported; '
                'the one supported is emails[type eq "work"].value eq "…"',
            ),
            (
                'emails[type eq "work"].type eq "x"',
                'value filter emails[type eq "work"].type eq "x" is not supported',
            ),
            (
                'emails[type eq "work" and primary eq true].value eq "x"',
                'value filter emails[type eq "work" and primary eq true].value eq "x" is not supported',
            ),
            (
                'emails[value eq "x"].value eq "x"',
                'value filter emails[value eq "x"].value eq "x" is not supported',
            ),
        ],
    )
    def test_detail_says_what_is_unsupported(self, text: str, reason: str) -> None:
        with pytest.raises(InvalidFilter) as info:
            rc(text)
        assert info.value.detail.startswith(UNSUPPORTED + reason)
        assert info.value.scim_type == "invalidFilter"


# --- index plan --------------------------------------------------------------------------------

SCHEMA = ResourceSchema(
    {
        "id": CORE,
        "attributes": [
            {"name": "userName", "type": "string", "caseExact": False},
            {
                "name": "emails",
                "type": "complex",
                "multiValued": True,
                "subAttributes": [
                    {"name": "value", "type": "string", "caseExact": False},
                    {"name": "type", "type": "string", "caseExact": False},
                ],
            },
        ],
    }
)

USERS: list[dict[str, Any]] = [
    {"userName": "Ann@Example.com", "emails": [{"value": "ann@example.com", "type": "work"}]},
    {
        "userName": "bob",
        "emails": [{"value": "BOB@example.org", "type": "home"}, {"value": "", "type": "other"}],
    },
    {"userName": "straße", "emails": [{"value": "Straße@example.net", "type": "work"}]},
    {"userName": "nomail"},
]


def index_answer(lookup: Lookup) -> list[int]:
    """What a store with casefold-keyed userName and (non-empty) email indexes answers."""
    key = lookup.value.casefold()
    if lookup.kind == "userName":
        return [i for i, u in enumerate(USERS) if u["userName"].casefold() == key]
    return [
        i
        for i, u in enumerate(USERS)
        if key in {e["value"].casefold() for e in u.get("emails", ()) if e["value"]}
    ]


class TestIndexPlan:
    @pytest.mark.parametrize(
        ("text", "lookup"),
        [
            ('userName eq "ann@example.com"', Lookup("userName", "ann@example.com")),
            ('USERNAME eq "x"', Lookup("userName", "x")),
            (f'{CORE}:userName eq "x"', Lookup("userName", "x")),
            ('emails eq "x"', Lookup("email", "x")),
            ('emails.value eq "x"', Lookup("email", "x")),
            (f'{CORE}:Emails.Value eq "x"', Lookup("email", "x")),
        ],
    )
    def test_recognised(self, text: str, lookup: Lookup) -> None:
        assert index_plan(parse_filter(text)) == lookup

    @pytest.mark.parametrize(
        "text",
        [
            'email eq "x"',  # RingCentral's spelling, not a SCIM attribute: evaluation refuses it
            'emails[type eq "work"].value eq "x"',  # the index ignores the type
            'userName eq ""',  # empty values are not indexed
            "userName eq null",
            "userName eq 1",
            'userName ne "x"',
            'userName co "x"',
            "userName pr",
            'userName eq "x" or userName eq "y"',
            'userName eq "x" and emails eq "y"',
            '(userName eq "x") and (userName eq "x")',
            'not (userName eq "x")',
            'externalId eq "x"',
            'emails.type eq "work"',
            f'{ENTERPRISE}:userName eq "x"',
        ],
    )
    def test_everything_else_is_scanned(self, text: str) -> None:
        assert index_plan(parse_filter(text)) is None

    @pytest.mark.parametrize(
        "text",
        [
            'userName eq "ANN@example.COM"',
            'userName eq "Bob"',
            'userName eq "STRASSE"',
            'userName eq "nobody"',
            'emails eq "bob@EXAMPLE.org"',
            'emails.value eq "ann@example.com"',
            'emails.value eq "strasse@example.net"',
            'emails.value eq "nomail"',
        ],
    )
    def test_lookup_equals_evaluation(self, text: str) -> None:
        expr = parse_filter(text)
        plan = index_plan(expr)
        assert plan is not None
        predicate = compile_filter(expr, SCHEMA)
        assert index_answer(plan) == [i for i, user in enumerate(USERS) if predicate(user)]

    def test_typed_email_form_would_not_be_exact(self) -> None:
        # Why the Entra form is scanned in the scim profile: bob's address is a home one.
        expr = parse_filter('emails[type eq "work"].value eq "bob@example.org"')
        assert not any(compile_filter(expr, SCHEMA)(user) for user in USERS)
        assert index_answer(Lookup("email", "bob@example.org")) == [1]


# --- describe ------------------------------------------------------------------------------------

RFC_EXAMPLES = [
    'userName eq "bjensen"',
    'name.familyName co "O\'Malley"',
    'userName sw "J"',
    f'{CORE}:userName sw "J"',
    "title pr",
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'meta.lastModified ge "2011-05-13T04:42:34Z"',
    'meta.lastModified lt "2011-05-13T04:42:34Z"',
    'meta.lastModified le "2011-05-13T04:42:34Z"',
    'title pr and userType eq "Employee"',
    'title pr or userType eq "Intern"',
    f'schemas eq "{ENTERPRISE}"',
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    'userType eq "Employee" and (emails.type eq "work")',
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
]


class TestDescribe:
    @pytest.mark.parametrize(
        ("text", "canonical"),
        [
            ('USERNAME   Eq\t"x"', 'USERNAME eq "x"'),
            ("a PR", "a pr"),
            ("x eq TRUE", "x eq true"),
            ("x eq Null", "x eq null"),
            ("x eq -1.5E3", "x eq -1500.0"),
            (r'x eq "quote \" back \\ caf\u00e9"', r'x eq "quote \" back \\ café"'),
            ("((a pr))", "a pr"),
            ("a pr or b pr and c pr", "a pr or b pr and c pr"),
            ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
            ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
            ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
            ("(a pr or b pr) or c pr", "a pr or b pr or c pr"),
            ("not(a pr)", "not (a pr)"),
            ('EMAILS[Type EQ "work"].Value EQ "x"', 'EMAILS[Type eq "work"].Value eq "x"'),
            ('emails[not (type eq "work") or value pr]', 'emails[not (type eq "work") or value pr]'),
            (
                f'{ENTERPRISE}:manager.value eq "26118915"',
                f'{ENTERPRISE}:manager.value eq "26118915"',
            ),
        ],
    )
    def test_canonical_text(self, text: str, canonical: str) -> None:
        assert describe(parse_filter(text)) == canonical

    @pytest.mark.parametrize("text", RFC_EXAMPLES)
    def test_rfc_examples_render_as_written(self, text: str) -> None:
        # One example has parentheses precedence does not need; canonical text drops them.
        written = text.replace('(emails.type eq "work")', 'emails.type eq "work"')
        assert describe(parse_filter(text)) == written

    @pytest.mark.parametrize(
        "text",
        [
            *RFC_EXAMPLES,
            "not (a pr or b pr) and not (c pr)",
            "a pr and (b pr or c pr) or d pr and (e pr or not (f pr))",
            'x[a eq 1 or b eq 2 and c eq 3].y ne "z"',
        ],
    )
    def test_round_trip(self, text: str) -> None:
        expr = parse_filter(text)
        assert parse_filter(describe(expr)) == expr
