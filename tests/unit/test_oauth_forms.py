"""OAuth form schemas, PKCE, client authentication and TTL rules."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockrc.account import load_account
from mockrc.errors import OAuthError
from mockrc.oauth.client_auth import authenticate_client, parse_basic
from mockrc.oauth.forms import access_ttl, check, form_fields, refresh_ttl, requested_scopes
from mockrc.oauth.pkce import challenge_for, verifies
from mockrc.resources import fixture

ACCOUNT = load_account()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def items(error: OAuthError) -> list[tuple[str, str, tuple[tuple[str, str | None], ...]]]:
    return [(i.code, i.message, i.parameters) for i in error.items]


# --- the schema files ---------------------------------------------------------------------------


def schema_documents() -> list[tuple[str, dict[str, Any]]]:
    return sorted(
        (entry.name, json.loads(entry.read_text(encoding="utf-8")))
        for entry in fixture("oauth").iterdir()
        if entry.name.endswith(".schema.json")
    )


@pytest.mark.parametrize(
    ("name", "document"), schema_documents(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_oauth_schemas_are_2020_12_schemas_with_id_title_and_description(
    name: str, document: dict[str, Any]
) -> None:
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == "urn:mockrc:json-schema:oauth:" + name.removesuffix(".schema.json")
    assert document["title"] and document["description"]


def test_every_field_definition_has_a_description() -> None:
    fields = json.loads(fixture("oauth", "fields.schema.json").read_text(encoding="utf-8"))["$defs"]

    assert [name for name, spec in fields.items() if not spec.get("description")] == []


# --- forms ----------------------------------------------------------------------------------------


def test_a_repeated_parameter_is_refused_with_oau_111() -> None:
    with pytest.raises(OAuthError) as caught:
        form_fields([("grant_type", "password"), ("scope", "ReadAccounts"), ("scope", "EditAccounts")])

    assert caught.value.error == "invalid_request"
    assert items(caught.value) == [("OAU-111", "Request parameter duplication detected", (("scope", None),))]


def test_empty_values_count_as_omitted() -> None:
    assert form_fields([("grant_type", "authorization_code"), ("redirect_uri", ""), ("code", "c")]) == {
        "grant_type": "authorization_code",
        "code": "c",
    }


def test_every_problem_of_a_form_is_reported_naming_its_field() -> None:
    form = {"grant_type": "password", "username": "u", "usrname": "typo", "access_token_ttl": "ten"}

    with pytest.raises(OAuthError) as caught:
        check("token-password", form)

    assert caught.value.error == "invalid_request"
    assert items(caught.value) == [
        ("CMN-100", "Mandatory parameter [password] not specified", (("password", None),)),
        ("OAU-101", "Unsupported parameter [usrname]", (("usrname", None),)),  # values of unknowns not echoed
        ("OAU-101", "Parameter [access_token_ttl] is invalid", (("access_token_ttl", "ten"),)),
    ]


def test_a_field_of_another_grant_is_unsupported() -> None:
    with pytest.raises(OAuthError) as caught:
        check("token-jwt-bearer", {"grant_type": JWT, "assertion": "a", "code": "c"})

    assert items(caught.value) == [("OAU-101", "Unsupported parameter [code]", (("code", None),))]


JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(None, 3600), ("3600", 3600), ("1800", 1800), ("600", 600), ("599", 600), ("0", 600), ("7200", 3600)],
)
def test_access_token_ttl_is_clamped_to_600_3600(requested: str | None, expected: int) -> None:
    form = {} if requested is None else {"access_token_ttl": requested}

    assert access_ttl(form) == expected


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(None, 604_800), ("60", 60), ("2592000", 2_592_000), ("2592001", 2_592_000), ("99999999", 2_592_000)],
)
def test_refresh_token_ttl_defaults_to_a_week_and_is_capped_at_30_days(
    requested: str | None, expected: int
) -> None:
    form = {} if requested is None else {"refresh_token_ttl": requested}

    assert refresh_ttl(form) == expected


def test_requested_scopes_narrow_in_the_apps_order() -> None:
    allowed = ("ReadAccounts", "EditAccounts")

    assert requested_scopes({}, allowed) == allowed
    assert requested_scopes({"scope": "EditAccounts ReadAccounts"}, allowed) == allowed
    assert requested_scopes({"scope": "ReadAccounts"}, allowed) == ("ReadAccounts",)
    with pytest.raises(OAuthError) as caught:
        requested_scopes({"scope": "ReadAccounts WebSocket"}, allowed)
    assert caught.value.error == "invalid_scope"


# --- PKCE -------------------------------------------------------------------------------------------


def test_s256_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    assert challenge_for(verifier, "S256") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert verifies(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256")
    assert not verifies(verifier, verifier, "S256")


def test_plain_compares_the_verifier_itself() -> None:
    verifier = "a" * 43

    assert verifies(verifier, verifier, "plain")
    assert not verifies(verifier, "b" * 43, "plain")


# --- client authentication ----------------------------------------------------------------------


def test_basic_credentials_are_form_decoded_after_base64() -> None:
    header = "Basic " + base64.b64encode(b"my%3Aclient:s%2Bcret+word").decode()

    assert parse_basic(header) == ("my:client", "s+cret word")


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("Bearer abc", "Bearer [redacted]"),
        ("Basic", "Basic"),
        ("Basic !!!", "Basic [redacted]"),
        ("Basic " + base64.b64encode(b"nocolon").decode(), "Basic [redacted]"),
    ],
)
def test_a_malformed_authorization_header_is_oau_123_without_its_credentials(header: str, shown: str) -> None:
    with pytest.raises(OAuthError) as caught:
        parse_basic(header)

    assert caught.value.error == "invalid_client"
    assert items(caught.value) == [("OAU-123", f"Invalid Authorization header value: {shown}", ())]


def test_the_app_authenticates_by_basic_or_by_form() -> None:
    by_basic = authenticate_client(ACCOUNT, basic("mockrc-client-id", "mockrc-client-secret"), {})
    by_form = authenticate_client(
        ACCOUNT, None, {"client_id": "mockrc-client-id", "client_secret": "mockrc-client-secret"}
    )
    both = authenticate_client(
        ACCOUNT, basic("mockrc-client-id", "mockrc-client-secret"), {"client_id": "mockrc-client-id"}
    )

    assert by_basic is by_form is both is ACCOUNT.default_app


@pytest.mark.parametrize(
    ("authorization", "form", "error", "code", "message"),
    [
        (None, {}, "invalid_client", "OAU-123", "Client authentication is required"),
        (
            None,
            {"client_id": "mockrc-client-id"},
            "invalid_client",
            "OAU-123",
            "Client authentication is required",
        ),
        (basic("mockrc-client-id", ""), {}, "invalid_client", "OAU-123", "Client authentication is required"),
        (basic("mockrc-client-id", "wrong"), {}, "invalid_client", "OAU-146", "Invalid client credentials"),
        (
            None,
            {"client_id": "nope", "client_secret": "x"},
            "invalid_client",
            "OAU-153",
            "Invalid client: nope",
        ),
        (
            basic("mockrc-client-id", "mockrc-client-secret"),
            {"client_secret": "mockrc-client-secret"},
            "invalid_request",
            "OAU-111",
            "Request parameter duplication detected",
        ),
        (
            basic("mockrc-client-id", "mockrc-client-secret"),
            {"client_id": "other"},
            "invalid_client",
            "OAU-153",
            "Invalid client: other",
        ),
        (None, {"client_assertion": "jwt"}, "invalid_client", "OAU-116", "Invalid authorization method"),
    ],
)
def test_client_authentication_failures(
    authorization: str | None, form: dict[str, str], error: str, code: str, message: str
) -> None:
    with pytest.raises(OAuthError) as caught:
        authenticate_client(ACCOUNT, authorization, form)

    assert caught.value.error == error
    assert [(i.code, i.message) for i in caught.value.items] == [(code, message)]
