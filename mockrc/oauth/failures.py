"""Every refusal of the OAuth endpoints, with RingCentral's error, code and message, in one table.

Sources: bodies the real endpoints answered for OAU-109, OAU-113, OAU-123 ("Client
authentication is required"), OAU-140, OAU-153, OAU-210 and OAU-251; the error table of
RingCentral's "Error codes" page (https://developers.ringcentral.com/guide/basics/errors) for
OAU-101 ("Parameter [brandId] is invalid"), OAU-106, OAU-108, OAU-110, OAU-111, OAU-116, OAU-123
("Invalid Authorization header value: …"), OAU-141, OAU-146 and OAU-150; the 2021 API reference
(``specs/`` of https://github.com/ringcentral/ringcentral-api-docs) for CMN-100 ("Mandatory
parameter […] not specified") and OAU-213 ("Token not found"). Where RingCentral documents no body, the
choice is marked *inferred* and explained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mockrc.errors import OAuthError, OAuthErrorItem
from mockrc.oauth.schemas import Problem
from mockrc.redaction import REDACTED, is_secret_name


def _one(error: str, code: str, message: str, *parameters: tuple[str, str | None]) -> OAuthError:
    return OAuthError(error, OAuthErrorItem(code, message, tuple(parameters)))


# --- the form itself ----------------------------------------------------------------------------


def _missing_item(name: str) -> OAuthErrorItem:
    return OAuthErrorItem("CMN-100", f"Mandatory parameter [{name}] not specified", ((name, None),))


def missing(name: str, error: str = "invalid_request") -> OAuthError:
    """A required parameter is absent (RingCentral's CMN-100 text; its use here is inferred)."""
    return OAuthError(error, _missing_item(name))


def invalid(name: str, value: str | None, error: str = "invalid_request") -> OAuthError:
    """A parameter has a value RingCentral would not take (OAU-101, "Parameter [x] is invalid")."""
    return _one(error, "OAU-101", f"Parameter [{name}] is invalid", (name, value))


def duplicated(name: str) -> OAuthError:
    """The same parameter sent twice (OAU-111, HTTP 400 in RingCentral's table)."""
    return _one("invalid_request", "OAU-111", "Request parameter duplication detected", (name, None))


def from_problems(problems: Sequence[Problem], form: Mapping[str, str]) -> OAuthError:
    """One ``invalid_request`` listing every schema problem of a form, each naming its field.

    A field mockrc does not know is refused (inferred: RingCentral may ignore it), so that a
    typo in a client's form shows up in a test instead of being silently dropped. Its value is
    not echoed (a typo of ``password`` holds a password), nor is the value of a secret field:
    error bodies reach logs and journals.
    """
    items: list[OAuthErrorItem] = []
    for problem in problems:
        name = problem.name
        if problem.kind == "missing":
            items.append(_missing_item(name))
        elif problem.kind == "unknown":
            items.append(OAuthErrorItem("OAU-101", f"Unsupported parameter [{name}]", ((name, None),)))
        else:
            value = None if is_secret_name(name) else form.get(name)
            items.append(OAuthErrorItem("OAU-101", f"Parameter [{name}] is invalid", ((name, value),)))
    return OAuthError("invalid_request", *items)


def unsupported_grant_type(value: str) -> OAuthError:
    """A grant type mockrc does not implement (ivr_pin, otp, partner_jwt, … or a typo). Code inferred."""
    return _one("unsupported_grant_type", "OAU-101", "Unsupported grant type", ("grant_type", value))


def unsupported_response_type(value: str) -> OAuthError:
    """``response_type`` other than ``code``: the only one RingCentral supports. Code inferred."""
    return _one(
        "unsupported_response_type",
        "OAU-101",
        "Parameter [response_type] is invalid",
        ("response_type", value),
    )


def query_and_body_differ(name: str) -> OAuthError:
    """``token`` given in both the query and the body of revoke, differently (OAU-150)."""
    return _one(
        "invalid_request",
        "OAU-150",
        f"The value of query parameter [{name}] should be equal to parameter [{name}] in request body",
        (name, None),
    )


# --- client authentication ------------------------------------------------------------------------


def client_authentication_required() -> OAuthError:
    """No client credentials, or a confidential app without its secret (observed body)."""
    return _one("invalid_client", "OAU-123", "Client authentication is required")


def invalid_authorization_header(value: str) -> OAuthError:
    """An ``Authorization`` header that is not ``Basic base64(id:secret)`` (OAU-123).

    RingCentral's message goes on with the header's value; the fake's shows the scheme only,
    so that the credentials never reach a log or a journal.
    """
    scheme, _, credentials = value.strip().partition(" ")
    shown = f"{scheme} {REDACTED}" if credentials.strip() else scheme or REDACTED
    return _one("invalid_client", "OAU-123", f"Invalid Authorization header value: {shown}")


def unknown_client(client_id: str) -> OAuthError:
    """No app has this client id (observed body: message and parameter carry the id)."""
    return _one("invalid_client", "OAU-153", f"Invalid client: {client_id}", ("client_id", client_id))


def invalid_client_credentials() -> OAuthError:
    """A wrong client secret (OAU-146, "Invalid client credentials")."""
    return _one("invalid_client", "OAU-146", "Invalid client credentials")


def unsupported_client_authentication() -> OAuthError:
    """``client_assertion`` (RFC 7523) authentication, which mockrc does not implement (OAU-116)."""
    return _one("invalid_client", "OAU-116", "Invalid authorization method")


def unauthorized_grant_type() -> OAuthError:
    """The app is not registered for this grant type (observed body)."""
    return _one("unauthorized_client", "OAU-251", "Unauthorized for this grant type")


def invalid_scope(requested: str) -> OAuthError:
    """A requested permission the app (or the session) does not have. Code inferred."""
    return _one("invalid_scope", "OAU-101", "Parameter [scope] is invalid", ("scope", requested))


def missing_app_permission(permission: str) -> OAuthError:
    """The app lacks the permission an OAuth endpoint needs (introspect: Interoperability).

    RingCentral's 2024 reference lists ``invalid_scope`` "The client application has insufficient
    scope"; the code and the gateway's wording are inferred.
    """
    return _one(
        "invalid_scope",
        "CMN-401",
        f"In order to call this API endpoint, application needs to have [{permission}] permission",
        ("permissionName", permission),
    )


# --- the authorize request ---------------------------------------------------------------------------


def no_redirect_uri_registered() -> OAuthError:
    """The app has no redirect URI to send the user back to (observed body)."""
    return _one("invalid_client", "OAU-113", "No redirect uri is registered for the client")


def redirect_uris_do_not_match() -> OAuthError:
    """``redirect_uri`` is not registered, or differs from the authorize request's (observed body)."""
    return _one("invalid_grant", "OAU-109", "Redirect URIs do not match")


def invalid_brand() -> OAuthError:
    """``brand_id`` is not the account's brand (OAU-101's documented message, with its camelCase)."""
    return _one("invalid_request", "OAU-101", "Parameter [brandId] is invalid", ("brandId", None))


def authorization_expired() -> OAuthError:
    """The sign-in or consent page's ticket is unknown, used or older than its lifetime. Inferred."""
    return _one(
        "invalid_request",
        "OAU-102",
        "Unable to issue authorization code: the sign-in page has expired, start the authorization again",
        ("ticket", None),
    )


def not_signed_in() -> OAuthError:
    """A consent decision for an authorization whose user has not signed in. Inferred."""
    return _one("access_denied", "OAU-102", "Unable to issue authorization code: the user has not signed in")


# --- grants --------------------------------------------------------------------------------------------


def invalid_authorization_code() -> OAuthError:
    """Unknown or already used authorization code (OAU-106)."""
    return _one("invalid_grant", "OAU-106", "Invalid authorization code")


def authorization_code_expired() -> OAuthError:
    return _one("invalid_grant", "OAU-108", "Authorization code is expired")


def code_of_another_app() -> OAuthError:
    return _one("invalid_grant", "OAU-110", "Authorization code was not issued for this application")


def code_verifier_missing() -> OAuthError:
    """The authorize request had a code_challenge and the token request no code_verifier (RFC 7636 §4.6)."""
    return OAuthError("invalid_grant", _missing_item("code_verifier"))


def code_verifier_invalid() -> OAuthError:
    """The verifier does not answer the challenge, or there was no challenge (RFC 7636 §4.6).

    The verifier is a secret (it proves who started the authorization): it is not echoed.
    """
    return invalid("code_verifier", None, "invalid_grant")


def invalid_resource_owner_credentials() -> OAuthError:
    """Unknown user or wrong password (observed body)."""
    return _one("invalid_grant", "OAU-140", "Invalid resource owner credentials")


def login_not_allowed() -> OAuthError:
    """A disabled user (OAU-141)."""
    return _one("invalid_grant", "OAU-141", "Login for extension in current state is not allowed.")


def unparseable_assertion() -> OAuthError:
    """A JWT assertion that is no user's credential.

    RingCentral answers 400 with "Unparseable assertion" (RingCentral.Net's tests); the code is
    inferred: OAU-149 is RingCentral's code for an unparsable token.
    """
    return _one("invalid_grant", "OAU-149", "Unparseable assertion")


def token_not_found() -> OAuthError:
    """A refresh token that is unknown, revoked, used up, or of another app (OAU-213's text)."""
    return _one("invalid_grant", "OAU-213", "Token not found")


def token_expired() -> OAuthError:
    """An expired refresh token (observed body)."""
    return _one("invalid_grant", "OAU-210", "Token expired")


def unknown_account(value: str) -> OAuthError:
    """client_credentials for an account that is not the fake's."""
    return invalid("account_id", value)
