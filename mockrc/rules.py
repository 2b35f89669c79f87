"""The one catalogue of contract-violation rules: every rule id mockrc can record, and why.

A violation (:class:`mockrc.violations.Violation`) names its rule by a stable id; CI reports group
by that id and users look it up here, so an id is never renamed once published. Each rule says
what it means, its severity (``error``: RingCentral would refuse the request, and mockrc answers
400; ``warning``: RingCentral tolerates it but it is non-standard, so mockrc accepts it and records
it) and the source that says RingCentral or the RFCs work that way; a rule that rests on our own
reading rather than a statement is marked *inferred*.

``docs/rules.md`` is generated from this module (:data:`REGENERATE`) and a test keeps the two
equal; another test fails when the code records a rule id missing here.

Sources, as cited below: RFC 7643 and RFC 7644 (SCIM 2.0); RFC 6749 (OAuth 2.0); "RingCentral's
spec" is RingCentral's public OpenAPI reference (its SCIM and OAuth sections); "Entra" is
Microsoft's documentation of its provisioning service ("Known issues with SCIM 2.0 protocol
compliance", "Develop and plan provisioning for a SCIM endpoint") and its RingCentral tutorial.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from mockrc.violations import Severity

#: ``violation``: the client broke the rule (the journal's ``violations``); ``finding``: an upstream
#: that ``mockrc proxy`` forwarded to answered otherwise than the fake would (``findings``).
RuleKind = Literal["violation", "finding"]


@dataclass(frozen=True)
class Rule:
    """One contract rule: its id, the severity it is recorded with, what it means, who says so."""

    id: str
    severity: Severity
    meaning: str
    source: str
    kind: RuleKind = "violation"

    @property
    def family(self) -> str:
        """The part of the id before the first dot (``schema``, ``ringcentral``…): what kind of rule."""
        return self.id.partition(".")[0]


def _schema(keyword: str, meaning: str) -> Rule:
    """A rule from a failing JSON Schema keyword: every one rests on the profile's JSON Schemas."""
    return Rule(
        f"schema.{keyword}",
        "error",
        meaning,
        "the profile's JSON Schemas (fixtures/schemas/): the User schema follows RingCentral's spec "
        "(ScimUser) or RFC 7643 §4.1 and §8.7.1, PatchOp RFC 7644 §3.5.2, SearchRequest RFC 7644 §3.4.3",
    )


#: Every rule, grouped by family. Immutable: a tuple of frozen records.
RULES: tuple[Rule, ...] = (
    # --- HTTP: the request as a whole ---------------------------------------------------------
    Rule(
        "http.media-type",
        "error",
        "The body was sent with a media type the endpoint does not take: SCIM endpoints take "
        "application/scim+json or application/json, OAuth endpoints application/x-www-form-urlencoded "
        "(answered 415).",
        "RingCentral's spec (the media types of each operation); RFC 7644 §3.1 and §8.1; "
        "RFC 6749 §3.2 (token endpoint parameters are form-encoded)",
    ),
    Rule(
        "http.empty-body",
        "error",
        "A request that needs a JSON body (create, replace, PATCH, search) came with none.",
        "RingCentral's spec (the request body of these operations is required); RFC 7644 §3.3, §3.5.1, "
        "§3.5.2, §3.4.3",
    ),
    Rule(
        "http.malformed-json",
        "error",
        "The body is not valid JSON (answered 400 invalidSyntax, saying at which line and column).",
        "RFC 8259; RFC 7644 §3.12 (invalidSyntax: the request body message structure was invalid)",
    ),
    Rule(
        "http.not-an-object",
        "error",
        "The body is valid JSON but not an object (an array, a string…).",
        "RFC 7644 §3.3, §3.4.3, §3.5.2 (the body is a resource or message object); RFC 7643 §2",
    ),
    Rule(
        "http.invalid-text",
        "error",
        "The body is not text in a charset mockrc reads (UTF-8, UTF-16, UTF-32, ASCII, Latin-1), or a "
        "JSON string in it holds a lone surrogate escape (\\ud800-\\udfff), which is not Unicode "
        "text (answered 400 invalidSyntax).",
        "RFC 8259 §8.1 (JSON is exchanged as UTF-8) and §8.2 (strings with lone surrogates are not "
        "interoperable); RFC 7644 §3.12 (invalidSyntax)",
    ),
    Rule(
        "query.encoding",
        "error",
        "The query string holds raw bytes that are not UTF-8 (answered 400).",
        "RFC 3986 §2.5 (non-ASCII data in a URI is percent-encoded, as UTF-8 for new URI schemes)",
    ),
    Rule(
        "query.integer",
        "error",
        "startIndex or count is not an integer (answered 400 invalidValue).",
        "RFC 7644 §3.4.2.4 (both are integers); RingCentral's spec (both are int32)",
    ),
    # --- mockrc's limits on one request (mockrc/limits.py; docs/limits.md) -----------------------
    Rule(
        "limit.body-bytes",
        "error",
        "The body is larger than RingCentral's limit for the endpoint: 10 MB for writes, 1 MB for "
        "POST /Users/.search (answered 413).",
        "RingCentral's spec (x-request-max-body-size: 10m on POST/PUT/PATCH /Users, 1m on .search)",
    ),
    Rule(
        "limit.request-target-bytes",
        "error",
        "The path and query string together are longer than mockrc reads (answered 414 URI Too Long).",
        "RFC 9110 §4.1 (recipients should support URIs of at least 8,000 octets) and §15.5.15 (414)",
    ),
    Rule(
        "limit.json-depth",
        "error",
        "Arrays and objects in the JSON body nest deeper than mockrc reads (answered 400 invalidSyntax).",
        "RFC 8259 §9 (a parser may limit nesting depth); inferred: no SCIM message nests more than a "
        "few levels",
    ),
    Rule(
        "limit.number-length",
        "error",
        "A JSON number is longer than mockrc reads, or beyond the range of a double (answered 400 "
        "invalidValue).",
        "RFC 8259 §6 (implementations may limit the range and precision of numbers); RingCentral's "
        "spec (its integers are int32 or int64)",
    ),
    Rule(
        "limit.string-length",
        "error",
        "A JSON string, member name or value, is longer than mockrc stores (answered 400 invalidValue).",
        "RFC 8259 §9 (a parser may limit the length of strings); inferred: RingCentral's spec states "
        "no maximum length for user attributes",
    ),
    Rule(
        "limit.array-length",
        "error",
        "A JSON array (emails, Operations, attributes…), an attributes query parameter, or a "
        "multi-valued attribute after a PATCH has more elements than mockrc takes (answered 400 "
        "invalidValue).",
        "inferred: RFC 7644 sets no limit, and no SCIM client sends a user with that many values",
    ),
    Rule(
        "limit.filter-length",
        "error",
        "A filter or PATCH path is longer than mockrc parses (answered 400 invalidFilter, or "
        "invalidPath for a path).",
        "RFC 7644 §3.4.2.2 and §3.12 (invalidFilter); inferred: RingCentral filters by one userName or email",
    ),
    Rule(
        "limit.filter-depth",
        "error",
        "A filter or PATCH path nests parentheses, brackets, not, and, or deeper than mockrc parses "
        "(answered 400 invalidFilter, or invalidPath for a path).",
        "RFC 7644 §3.4.2.2 and §3.12 (invalidFilter); inferred: RingCentral supports no logical "
        "operators at all",
    ),
    Rule(
        "limit.paging-integer",
        "error",
        "startIndex or count is beyond a 32-bit integer (answered 400 invalidValue).",
        "RingCentral's spec (startIndex and count are int32)",
    ),
    Rule(
        "limit.violations-per-request",
        "warning",
        "The request had more violations than mockrc records for one request; this entry counts "
        "the rest (or says that checking stopped).",
        "inferred: mockrc's own limit, so that a body with thousands of problems costs linear time",
    ),
    # --- filters --------------------------------------------------------------------------------
    Rule(
        "filter.syntax",
        "error",
        "The filter does not parse as RFC 7644 filter grammar (answered 400 invalidFilter with the "
        "position where it broke).",
        "RFC 7644 §3.4.2.2 (the filter grammar, Figure 1) and §3.12 (invalidFilter)",
    ),
    Rule(
        "filter.unsupported",
        "error",
        "The filter parses but cannot be evaluated on this resource: unknown attribute or schema "
        "URI, an operator that does not apply to the attribute's type, or a value of the wrong type.",
        "RFC 7644 §3.4.2.2 (operators and the attribute types they apply to) and §3.12 (invalidFilter)",
    ),
    Rule(
        "ringcentral.filter-unsupported",
        "error",
        'RingCentral filters Users only by userName or email with "eq" (userName, email, emails, '
        'emails.value, emails[type eq "work"].value); any other filter, operator or combination is '
        "refused with 400 invalidFilter.",
        "RingCentral's spec, on the filter parameter of GET /Users and POST /Users/.search: "
        "\"Only support 'userName' or 'email' filter expressions for now\"; the answer to other filters "
        "is inferred from RFC 7644 §3.12",
    ),
    Rule(
        "ringcentral.search-parameter-ignored",
        "warning",
        "A SearchRequest carried attributes, excludedAttributes, sortBy or sortOrder: RingCentral's "
        "SearchRequest has none of them, so they have no effect.",
        "RingCentral's spec (ScimSearchRequest has schemas, filter, startIndex and count only)",
    ),
    Rule(
        "ringcentral.retry-after-ignored",
        "error",
        "A request was sent during a rate-limit penalty, before the Retry-After of a 429 had passed; "
        "RingCentral restarts the penalty, so a client that does not wait never gets through.",
        'RingCentral\'s "Rate limits" guide (developers.ringcentral.com/guide/basics/rate-limits): '
        "a request sent during the penalty window restarts the penalty",
    ),
    # --- RingCentral's business rules -----------------------------------------------------------
    Rule(
        "ringcentral.work-email-required",
        "error",
        "A user has no email of type work.",
        'RingCentral\'s spec (ScimUser requires emails, whose type may only be "work")',
    ),
    Rule(
        "ringcentral.username-is-work-email",
        "error",
        "userName is not the same as the work email (compared case-insensitively).",
        'RingCentral\'s spec, ScimUser.userName: "MUST be same as work type email address"',
    ),
    # --- refusals whose code attached no finer rule (recorded by the error funnel) -------------
    Rule(
        "scim.invalid-path",
        "error",
        "A PATCH path names no attribute of the schema, or is malformed (answered 400 invalidPath).",
        "RFC 7644 §3.5.2 and Table 9 (invalidPath)",
    ),
    Rule(
        "scim.no-target",
        "error",
        "A PATCH remove has no path, or its path selects nothing (answered 400 noTarget).",
        "RFC 7644 §3.5.2.2 and Table 9 (noTarget)",
    ),
    Rule(
        "scim.mutability",
        "error",
        "The request changes a readOnly or immutable attribute, e.g. id or meta (answered 400 mutability).",
        "RFC 7643 §7 (mutability) and RFC 7644 Table 9",
    ),
    Rule(
        "scim.invalid-syntax",
        "error",
        "The request is not a valid SCIM message, e.g. a PATCH op that is not add, replace or remove.",
        "RFC 7644 §3.5.2 and Table 9 (invalidSyntax)",
    ),
    Rule(
        "scim.invalid-value",
        "error",
        "A value does not fit its attribute, e.g. a list for a single-valued attribute in a PATCH.",
        "RFC 7644 §3.5.2 and Table 9 (invalidValue)",
    ),
    Rule(
        "oauth.invalid-request",
        "error",
        "A token, authorize or revoke request misses a parameter, repeats one, or sends an unknown one.",
        "RFC 6749 §5.2 (invalid_request); RingCentral's spec (OauthInvalidRequest)",
    ),
    Rule(
        "oauth.unsupported-grant-type",
        "error",
        "The token request names a grant type RingCentral's token endpoint does not have.",
        "RFC 6749 §5.2 (unsupported_grant_type); RingCentral's spec (GetTokenRequest.grant_type)",
    ),
    Rule(
        "scim.one-element-per-type",
        "error",
        "A multi-valued attribute (emails, phoneNumbers, addresses) has two elements of the same type.",
        "inferred: RingCentral keeps one email per user (its spec allows only the work type) and "
        "one value per phone and address type; Entra addresses each element by its type "
        '(emails[type eq "work"].value), so two of a type would be ambiguous',
    ),
    # --- normalising a User body ----------------------------------------------------------------
    Rule(
        "schema.read-only-ignored",
        "warning",
        "The body set a read-only attribute (id, meta, groups…); the server sets those, so the value "
        "was ignored. Entra sends meta.resourceType with every create.",
        "RFC 7643 §2.2 (readOnly attributes are ignored on input) and §7; Entra (POST bodies carry "
        'meta: {"resourceType": "User"})',
    ),
    Rule(
        "schema.unknown-attribute",
        "warning",
        "The body has an attribute the profile's schema does not define (e.g. emails[].primary or "
        "roles under RingCentral); it was ignored.",
        "RingCentral's spec (ScimUser lists the attributes RingCentral stores); RFC 7644 §3.3",
    ),
    Rule(
        "schema.duplicate-attribute",
        "error",
        "The same attribute is given twice with names that differ only in case (userName and "
        "username); which one was meant cannot be known.",
        "RFC 7643 §2.1 (attribute names are case-insensitive)",
    ),
    _schema("type", "A value has the wrong JSON type (a string where an object, array or boolean is due)."),
    _schema("required", "A required attribute or member is missing (userName, name.givenName, op…)."),
    _schema(
        "additionalProperties",
        "An object has a member its schema does not allow (a PatchOp with lower-case operations, an "
        "operation with from).",
    ),
    _schema("enum", 'A value is not one of those allowed (emails[].type "home" under RingCentral).'),
    _schema("const", "A value must be exactly one fixed value."),
    _schema(
        "contains",
        "schemas does not contain the URI the message needs (PatchOp, SearchRequest or the core "
        "User schema).",
    ),
    _schema("minItems", "An array has too few elements (a PatchOp with no operations)."),
    _schema("minLength", "A string is empty where a value is needed (an empty path or op)."),
    _schema("uniqueItems", "An array lists the same element twice (a schema URI in schemas)."),
    # --- what Entra and other clients send that the RFCs do not -----------------------------------
    Rule(
        "compat.string-boolean",
        "warning",
        'A boolean was sent as the string "True" or "False" (Entra disables users this way); it was '
        "read as the boolean.",
        'RFC 7643 §2.3.2 (booleans are true or false); Entra ("Known issues with SCIM 2.0 protocol '
        'compliance": without the aadOptscim062020 flag, PATCH sends "value": "False")',
    ),
    Rule(
        "compat.op-case",
        "warning",
        'A PATCH op is not lower case ("Replace", "Add"); it was accepted.',
        'RFC 7644 §3.5.2 (op is "add", "remove" or "replace"); Entra sends capitalised ops without the '
        "aadOptscim062020 flag and asks targets to accept any case",
    ),
    Rule(
        "compat.empty-operations",
        "warning",
        "A PatchOp has an empty Operations array; nothing was changed.",
        "RFC 7644 §3.5.2 (Operations holds one or more operations)",
    ),
    Rule(
        "compat.schemas-in-extension",
        "warning",
        'A PATCH value for an extension carried its own "schemas" member (as scim2-models writes '
        "it); it was ignored.",
        "RFC 7643 §3 (schemas is an attribute of the resource, not of an extension object)",
    ),
    Rule(
        "compat.replace-creates",
        "warning",
        "A replace with a filtered path matched no element, so mockrc created one instead of answering "
        "noTarget.",
        'RFC 7644 §3.5.2.3 (no match answers 400 noTarget); Entra sends Replace on emails[type eq "work"]'
        " and fails the update when the target answers noTarget",
    ),
    Rule(
        "compat.non-string-value",
        "warning",
        "A string attribute was sent as a number or a boolean in a PATCH; it was stored as sent.",
        "RFC 7643 §2.3.1 (string values are JSON strings); RingCentral's spec (a PATCH operation's "
        "value is typed string)",
    ),
    # --- fidelity: what an upstream answered otherwise than the fake (mockrc proxy) -----------
    Rule(
        "fidelity.refusal-accepted",
        "error",
        "The fake refuses this request as invalid (a contract violation: see the entry's violations); "
        "the upstream accepted it. Either the fake is stricter than RingCentral, or the upstream is lax.",
        "mockrc proxy: the request run through the fake's own rules, compared with the upstream's answer",
        "finding",
    ),
    Rule(
        "fidelity.acceptance-refused",
        "error",
        "The fake accepts this request; the upstream refused it as invalid (400, 413, 414, 415 or 422). "
        "The fake misses a rule the upstream applies.",
        "mockrc proxy: the request run through the fake's own rules, compared with the upstream's answer",
        "finding",
    ),
    Rule(
        "fidelity.status",
        "error",
        "Both accepted the request, or both refused it, with different statuses (e.g. 200 for 201, "
        "400 for 413).",
        "mockrc proxy: the fake's status for the same request",
        "finding",
    ),
    Rule(
        "fidelity.error-code",
        "error",
        "Both refused the request with the same status but a different SCIM scimType, RingCentral "
        "errorCode or OAuth error.",
        "mockrc proxy: the fake's error body for the same request; RFC 7644 §3.12 (scimType)",
        "finding",
    ),
    Rule(
        "fidelity.body-shape",
        "error",
        "The upstream's body is not of the shape the fake answers there (a User, a ListResponse, a SCIM, "
        "REST or OAuth error, a token): a member missing or of another type, at the pointer given.",
        "fixtures/schemas/mockrc/answers.schema.json: the fake's answers as shapes (RFC 7643 §4.1, "
        "RFC 7644 §3.4.2 and §3.12, RFC 6749 §5.1)",
        "finding",
    ),
    Rule(
        "fidelity.header-missing",
        "error",
        "A header the fake sends with such an answer is missing from the upstream's: Location on a 201, "
        "one of the rate-limit headers when the others are there, Retry-After on a 429.",
        "RFC 7644 §3.3 (Location of a created resource); RingCentral's rate-limit guide (X-Rate-Limit-* "
        "headers, Retry-After)",
        "finding",
    ),
    Rule(
        "fidelity.header-value",
        "error",
        "A header differs from the fake's where it should not: Content-Type, a Location other than the "
        "created user's meta.location, another rate-limit group.",
        "RFC 7644 §3.1 and §3.3; RingCentral's rate-limit guide (the usage groups)",
        "finding",
    ),
)

#: The command that rewrites ``docs/rules.md`` from this module, from the repository's root.
REGENERATE = (
    """.venv/bin/python -c 'import mockrc.rules as r; print(r.rules_markdown(), end="")' > docs/rules.md"""
)

#: The rules by id (read-only).
BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})


def rule_for(rule_id: str) -> Rule | None:
    """The catalogued rule called ``rule_id``, or None for an id this version does not know."""
    return BY_ID.get(rule_id)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_markdown() -> str:
    """``docs/rules.md``: the catalogue as a Markdown table per family."""
    titles = {
        "http": "HTTP requests",
        "query": "Query parameters",
        "limit": "mockrc's limits on one request",
        "filter": "Filters (RFC 7644)",
        "ringcentral": "RingCentral's own rules",
        "scim": "SCIM rules of the profile",
        "schema": "Payloads against the profile's schema",
        "compat": "Compatibility shapes (accepted, recorded)",
        "fidelity": "Fidelity findings (mockrc proxy: the upstream answered otherwise)",
    }
    lines = [
        "# Contract rules",
        "",
        f"<!-- Generated from mockrc/rules.py by `{REGENERATE}`; do not edit. -->",
        "",
        "Every contract violation mockrc records names one of these rules. **error**: RingCentral would",
        "refuse the request, and mockrc answers it with a 4xx. **warning**: RingCentral tolerates it but",
        "it is not standard; mockrc accepts the request and records the warning (`mockrc report",
        "--strict-warnings` counts warnings as errors). A source marked *inferred* is our reading, not",
        "a statement of RingCentral's.",
        "",
        "The last family, `fidelity`, is not about the client: `mockrc proxy` records a *finding* of",
        "one of those rules where the upstream it forwards to answered otherwise than the fake would",
        "(see [the proxy](proxy.md)); `mockrc report --fail-on findings` gates on them.",
    ]
    families = list(dict.fromkeys(rule.family for rule in RULES))
    for family in families:
        lines += ["", f"## {titles.get(family, family)}", ""]
        lines += ["| rule | severity | meaning | source |", "|---|---|---|---|"]
        lines += [
            f"| `{r.id}` | {r.severity} | {_cell(r.meaning)} | {_cell(r.source)} |"
            for r in RULES
            if r.family == family
        ]
    return "\n".join(lines) + "\n"
