"""The typed error hierarchy of mockrc.

The domain (store, SCIM rules, filter and PATCH engines, tokens) raises these; exactly one place
(:mod:`mockrc.http.error_responses`) turns them into wire bodies. Each class carries the facts the
wire format needs (HTTP status, SCIM ``scimType``, RingCentral error code) so that the domain never
builds a response and the HTTP layer never invents a status.

Apart from them, :class:`ConfigError` is what a fake's configuration (a seed, a scenario, a state
file, an account, a profile) raises when it cannot be used: the CLI and the pytest plugin report it
as bad configuration, and only it (a ``ValueError`` from a bug is a bug, not a user's mistake).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from mockrc.violations import Violation


class MockrcError(Exception):
    """Base of every error mockrc answers with on purpose."""

    status: ClassVar[int] = 500

    def __init__(self, detail: str, *, violations: Sequence[Violation] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        #: The contract violations that caused this error, for the request journal.
        self.violations: tuple[Violation, ...] = tuple(violations)


# --- configuration ----------------------------------------------------------------------------


class ConfigError(ValueError):
    """Configuration a fake cannot start with (or load); the message names the source and the mistake.

    A ``ValueError`` so that code written before it existed keeps catching it.
    """


class AccountError(ConfigError):
    """An account file, or the account of a seed file or state file, that breaks the account format."""


class ProfileError(ConfigError):
    """An unknown profile, or a profile document that breaks the profile format."""


class DocumentError(ConfigError):
    """A YAML or JSON configuration file that does not parse, or gives one key twice (see
    :mod:`mockrc.documents`); ``problem`` is the mistake without the file's name."""

    def __init__(self, problem: str, *, duplicate_key: bool = False) -> None:
        super().__init__(problem)
        self.problem = problem
        #: Whether the mistake is a key given twice (a loader may add what that usually means).
        self.duplicate_key = duplicate_key


# --- SCIM protocol errors (RFC 7644 §3.12, Table 9) -------------------------------------------


class ScimError(MockrcError):
    """An error answered with the SCIM error body (``urn:ietf:params:scim:api:messages:2.0:Error``)."""

    scim_type: ClassVar[str | None] = None


class InvalidFilter(ScimError):
    status = 400
    scim_type = "invalidFilter"


class InvalidSyntax(ScimError):
    status = 400
    scim_type = "invalidSyntax"


class InvalidValue(ScimError):
    status = 400
    scim_type = "invalidValue"


class InvalidPath(ScimError):
    status = 400
    scim_type = "invalidPath"


class NoTarget(ScimError):
    status = 400
    scim_type = "noTarget"


class Mutability(ScimError):
    status = 400
    scim_type = "mutability"


class TooMany(ScimError):
    status = 400
    scim_type = "tooMany"


class Uniqueness(ScimError):
    status = 409
    scim_type = "uniqueness"


class NotFound(ScimError):
    status = 404


class Conflict(ScimError):
    """409 for a request that conflicts with the server's state, not with SCIM's uniqueness rules
    (an account whose client id another account has, deleting the default account)."""

    status = 409


class Forbidden(ScimError):
    """403 decided by the SCIM service itself (e.g. filtering discovery endpoints), not by the gateway."""

    status = 403


class MethodNotAllowed(ScimError):
    status = 405


class UnsupportedMediaType(ScimError):
    status = 415


class PayloadTooLarge(ScimError):
    status = 413


class UriTooLong(ScimError):
    """414: the request target (path and query) is past :attr:`mockrc.limits.Limits.request_target_bytes`."""

    status = 414


class InvalidQueryEncoding(ScimError):
    """400: the query string holds bytes that are not UTF-8, so no parameter of it can be read."""

    status = 400


class InternalError(ScimError):
    status = 500


class BadGateway(MockrcError):
    """502 from ``mockrc proxy``: the upstream refused the connection, failed TLS, broke off, or
    answered more than mockrc's body limit."""

    status = 502


class GatewayTimeout(MockrcError):
    """504 from ``mockrc proxy``: the upstream did not answer in time."""

    status = 504


# --- Authentication and authorisation (RingCentral's API gateway) ------------------------------


class AuthError(MockrcError):
    """A refusal by RingCentral's gateway (401, 403, 429): it carries RingCentral's error code and message.

    On ``/scim`` paths it is rendered in the SCIM shape by default (the message becomes
    ``detail``), or in the REST gateway shape when the settings ask for it.
    """

    #: The top-level ``errorCode`` of the REST gateway body (e.g. ``TokenInvalid``), unless the
    #: code itself is used there (RingCentral's gateway does that for AGW-* and CMN-408 errors;
    #: mockrc does the same for CMN-109, "Feature [...] is not available", whose body is unknown).
    gateway_code: ClassVar[str] = ""

    def __init__(self, code: str, message: str, *, permission: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.permission = permission

    @property
    def top_level_code(self) -> str:
        """The ``errorCode`` at the top of RingCentral's REST gateway body."""
        if self.code.startswith(("AGW-", "CMN-408", "CMN-109")):
            return self.code
        return self.gateway_code


class Unauthenticated(AuthError):
    """401: no usable access token (missing, malformed, unknown, expired or revoked)."""

    status = 401
    gateway_code = "TokenInvalid"


class PermissionDenied(AuthError):
    """403: the token is valid but the app, the user or the account may not do this."""

    status = 403
    gateway_code = "InsufficientPermissions"


class RateLimited(AuthError):
    """429: the caller is over one of RingCentral's rate limits (CMN-301 "Request rate exceeded").

    The gateway's 429 body is undocumented; by analogy with its 401/403 it is rendered in the same
    two shapes, with the code itself at the top of the REST shape (inferred).
    """

    status = 429
    gateway_code = "CMN-301"


# --- OAuth endpoints (/restapi/oauth/*) ---------------------------------------------------------


@dataclass(frozen=True)
class OAuthErrorItem:
    """One element of ``errors[]`` in RingCentral's OAuth error body."""

    code: str
    message: str
    #: ``(parameterName, parameterValue)`` pairs; a value of None leaves ``parameterValue`` out.
    parameters: tuple[tuple[str, str | None], ...] = ()


class OAuthError(MockrcError):
    """An OAuth endpoint's refusal: HTTP 400 with RingCentral's body and no-cache headers.

    ``error`` is the RFC 6749 code (``invalid_request``, ``invalid_client``, ``invalid_grant``…);
    each item carries RingCentral's OAU-/CMN- code and message. RingCentral answers every token
    endpoint error observed so far with 400, even for codes its error table lists as 401 or 403.
    """

    status = 400

    def __init__(self, error: str, *items: OAuthErrorItem) -> None:
        if not items:
            raise ValueError("an OAuthError needs at least one item")
        super().__init__(items[0].message)
        self.error = error
        self.items: tuple[OAuthErrorItem, ...] = items


# --- mockrc's own guard (mockrc.http.guard) ---------------------------------------------------


class GuardRefusal(MockrcError):
    """A request refused before any endpoint sees it: sent to a host the fake does not answer for,
    from another site's page, or to the control plane without its admin key.

    ``code`` is the ``errorCode`` of RingCentral's REST error body (SCIM's body on ``/scim``).
    """

    code: ClassVar[str] = ""


class MisdirectedRequest(GuardRefusal):
    """421: the ``Host`` header names a host this fake does not answer for (DNS rebinding)."""

    status = 421
    code = "MOCKRC-421"


class CrossSiteRequest(GuardRefusal):
    """403: a control call from another origin, or one a page of another site could have sent."""

    status = 403
    code = "MOCKRC-403"


class AdminKeyRequired(GuardRefusal):
    """401: a control call without the admin key of a fake reachable from the network."""

    status = 401
    code = "MOCKRC-401"
