"""The authorization server without HTTP: grants, RingCentral's refresh rules, codes, revoke, introspect."""

from __future__ import annotations

import base64
import dataclasses
from urllib.parse import parse_qsl, urlsplit

import pytest

from mockrc.account import Account, load_account
from mockrc.clock import FakeClock
from mockrc.errors import InvalidValue, NotFound, OAuthError, PermissionDenied, Unauthenticated
from mockrc.oauth.authorize import PendingAuthorization
from mockrc.oauth.pkce import challenge_for
from mockrc.oauth.server import OAuthServer, TokenInfo
from mockrc.permissions import require_scim_access
from mockrc.tokens import TokenRegistry

BASIC = "Basic " + base64.b64encode(b"mockrc-client-id:mockrc-client-secret").decode()
JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


class Fake:
    def __init__(self, account: Account | None = None) -> None:
        self.clock = FakeClock()
        self.tokens = TokenRegistry(self.clock)
        self.server = OAuthServer(account or load_account(), self.tokens, self.clock, seed=7)

    def token(self, authorization: str | None = BASIC, **form: str) -> TokenInfo:
        return self.server.token(list(form.items()), authorization)

    def refused(self, authorization: str | None = BASIC, **form: str) -> OAuthError:
        with pytest.raises(OAuthError) as caught:
            self.token(authorization, **form)
        return caught.value

    def jwt_login(self, assertion: str = "mockrc-admin-jwt", **form: str) -> TokenInfo:
        return self.token(grant_type=JWT, assertion=assertion, **form)

    def refresh(self, value: str, **form: str) -> TokenInfo:
        return self.token(grant_type="refresh_token", refresh_token=value, **form)

    def use(self, access_token: str) -> None:
        """What a SCIM request does with the token."""
        self.tokens.authenticate(access_token)


def codes(error: OAuthError) -> tuple[str, list[tuple[str, str]]]:
    return error.error, [(i.code, i.message) for i in error.items]


@pytest.fixture
def fake() -> Fake:
    return Fake()


# --- grants ---------------------------------------------------------------------------------------


def test_jwt_bearer_issues_ringcentral_token_info(fake: Fake) -> None:
    info = fake.jwt_login()

    assert info.expires_in == 3600
    assert info.refresh_token is not None and info.refresh_token_expires_in == 604_800
    assert info.scope == "ReadAccounts EditAccounts"
    assert info.owner_id == "100000001"
    assert info.endpoint_id and info.session_id
    principal = fake.tokens.authenticate(info.access_token).principal
    assert (principal.owner_id, principal.client_id, principal.is_admin) == (
        "100000001",
        "mockrc-client-id",
        True,
    )
    assert principal.scopes == frozenset({"ReadAccounts", "EditAccounts"})


def test_password_grant_signs_in_by_email_or_phone(fake: Fake) -> None:
    by_email = fake.token(grant_type="password", username="USER@mockrc.test", password="mockrc-user-password")
    by_phone = fake.token(
        grant_type="password", username="+16505550100*101", password="mockrc-admin-password"
    )

    assert by_email.owner_id == "100000002"
    assert by_phone.owner_id == "100000001"


def test_ttls_are_clamped_and_endpoint_id_is_kept(fake: Fake) -> None:
    info = fake.jwt_login(access_token_ttl="60", refresh_token_ttl="9999999", endpoint_id="my-endpoint")

    assert (info.expires_in, info.refresh_token_expires_in, info.endpoint_id) == (
        600,
        2_592_000,
        "my-endpoint",
    )


def test_scope_narrows_the_token_and_the_scim_checks_follow(fake: Fake) -> None:
    info = fake.jwt_login(scope="ReadAccounts")
    principal = fake.tokens.authenticate(info.access_token).principal

    assert info.scope == "ReadAccounts"
    require_scim_access(principal, "ReadAccounts")
    with pytest.raises(PermissionDenied) as caught:
        require_scim_access(principal, "EditAccounts")
    assert (caught.value.code, caught.value.permission) == ("CMN-401", "EditAccounts")


def test_a_standard_users_token_is_refused_scim_by_role(fake: Fake) -> None:
    principal = fake.tokens.authenticate(fake.jwt_login("mockrc-user-jwt").access_token).principal

    with pytest.raises(PermissionDenied) as caught:
        require_scim_access(principal, "ReadAccounts")
    assert caught.value.code == "CMN-408"


def test_client_credentials_is_an_app_session_without_user_or_refresh_token(fake: Fake) -> None:
    info = fake.token(grant_type="client_credentials", account_id="400000001")

    assert (info.owner_id, info.refresh_token, info.refresh_token_expires_in) == (None, None, None)
    principal = fake.tokens.authenticate(info.access_token).principal
    require_scim_access(principal, "EditAccounts")
    assert fake.refused(grant_type="client_credentials", account_id="999").items[0].parameters == (
        ("account_id", "999"),
    )


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({}, ("invalid_request", [("CMN-100", "Mandatory parameter [grant_type] not specified")])),
        ({"grant_type": "ivr_pin"}, ("unsupported_grant_type", [("OAU-101", "Unsupported grant type")])),
        (
            {"grant_type": JWT, "assertion": "wrong-jwt"},
            ("invalid_grant", [("OAU-149", "Unparseable assertion")]),
        ),
        (
            {"grant_type": "password", "username": "admin@mockrc.test", "password": "nope"},
            ("invalid_grant", [("OAU-140", "Invalid resource owner credentials")]),
        ),
        (
            {"grant_type": "password", "username": "ghost@mockrc.test", "password": "nope"},
            ("invalid_grant", [("OAU-140", "Invalid resource owner credentials")]),
        ),
        (
            {"grant_type": "refresh_token", "refresh_token": "never-issued"},
            ("invalid_grant", [("OAU-213", "Token not found")]),
        ),
        ({"grant_type": JWT, "assertion": "mockrc-admin-jwt", "scope": "WebSocket"}, None),
    ],
)
def test_grant_refusals(
    fake: Fake, form: dict[str, str], expected: tuple[str, list[tuple[str, str]]] | None
) -> None:
    error = fake.refused(**form)

    if expected is None:
        assert error.error == "invalid_scope"
    else:
        assert codes(error) == expected


def test_the_form_is_checked_before_the_client(fake: Fake) -> None:
    error = fake.refused(None, grant_type=JWT)

    assert codes(error) == ("invalid_request", [("CMN-100", "Mandatory parameter [assertion] not specified")])


def test_a_disabled_user_cannot_sign_in() -> None:
    account = load_account()
    disabled = dataclasses.replace(account.users[1], enabled=False)
    fake = Fake(dataclasses.replace(account, users=(account.users[0], disabled)))

    error = fake.refused(grant_type="password", username="user@mockrc.test", password="mockrc-user-password")

    assert codes(error) == (
        "invalid_grant",
        [("OAU-141", "Login for extension in current state is not allowed.")],
    )


def test_an_app_without_the_grant_type_is_unauthorized_client() -> None:
    account = load_account()
    app = dataclasses.replace(account.default_app, grant_types=frozenset({JWT}))
    fake = Fake(dataclasses.replace(account, apps=(app,)))

    error = fake.refused(
        grant_type="password", username="admin@mockrc.test", password="mockrc-admin-password"
    )

    assert codes(error) == ("unauthorized_client", [("OAU-251", "Unauthorized for this grant type")])


def test_an_app_without_refresh_token_grant_gets_no_refresh_tokens() -> None:
    account = load_account()
    app = dataclasses.replace(account.default_app, grant_types=frozenset({JWT}))
    fake = Fake(dataclasses.replace(account, apps=(app,)))

    assert fake.jwt_login().refresh_token is None


def test_a_public_app_authenticates_with_client_id_alone() -> None:
    account = load_account()
    public = dataclasses.replace(
        account.default_app, client_id="public-app", client_secret=None, confidential=False
    )
    fake = Fake(dataclasses.replace(account, apps=(public,)))

    info = fake.token(None, grant_type=JWT, assertion="mockrc-admin-jwt", client_id="public-app")
    refreshed = fake.token(
        None, grant_type="refresh_token", refresh_token=info.refresh_token or "", client_id="public-app"
    )

    assert refreshed.session_id == info.session_id
    assert codes(
        fake.refused(
            None, grant_type=JWT, assertion="mockrc-admin-jwt", client_id="public-app", client_secret="s"
        )
    ) == (
        "invalid_client",
        [("OAU-146", "Invalid client credentials")],
    )


def test_scim_disabled_accounts_issue_tokens_that_scim_refuses() -> None:
    fake = Fake(dataclasses.replace(load_account(), scim_enabled=False))
    principal = fake.tokens.authenticate(fake.jwt_login().access_token).principal

    with pytest.raises(PermissionDenied) as caught:
        require_scim_access(principal, "ReadAccounts")
    assert (caught.value.code, caught.value.message) == ("CMN-109", "Feature [Bulk Assign] is not available")


# --- expiry follows the clock -----------------------------------------------------------------------


def test_access_tokens_expire_on_the_clock(fake: Fake) -> None:
    info = fake.jwt_login(access_token_ttl="600")
    fake.clock.advance(599)
    fake.use(info.access_token)
    fake.clock.advance(1)

    with pytest.raises(Unauthenticated) as caught:
        fake.use(info.access_token)
    assert (caught.value.code, caught.value.message) == ("OAU-128", "Access token expired")


def test_an_expired_refresh_token_is_oau_210(fake: Fake) -> None:
    info = fake.jwt_login(refresh_token_ttl="60")
    fake.clock.advance(60)

    assert codes(fake.refused(grant_type="refresh_token", refresh_token=info.refresh_token or "")) == (
        "invalid_grant",
        [("OAU-210", "Token expired")],
    )


# --- refresh: single use, rotation, RingCentral's grace period ---------------------------------


def test_refresh_rotates_both_tokens_and_ends_the_old_access_token_at_once(fake: Fake) -> None:
    first = fake.jwt_login()
    fake.clock.advance(100)
    second = fake.refresh(first.refresh_token or "")

    assert second.session_id == first.session_id
    assert second.access_token != first.access_token and second.refresh_token != first.refresh_token
    assert (second.expires_in, second.refresh_token_expires_in) == (3600, 604_800)
    with pytest.raises(Unauthenticated) as caught:
        fake.use(first.access_token)
    assert caught.value.code == "OAU-213"
    fake.use(second.access_token)


def test_a_used_refresh_token_answers_the_same_tokens_until_the_new_access_token_is_used(fake: Fake) -> None:
    first = fake.jwt_login()
    second = fake.refresh(first.refresh_token or "")
    fake.clock.advance(1800)

    again = fake.refresh(first.refresh_token or "")

    assert (again.access_token, again.refresh_token) == (second.access_token, second.refresh_token)
    assert again.expires_in == 1800


def test_the_grace_ends_10_seconds_after_the_new_access_token_is_first_used(fake: Fake) -> None:
    first = fake.jwt_login()
    second = fake.refresh(first.refresh_token or "")
    fake.use(second.access_token)
    fake.clock.advance(9)
    assert fake.refresh(first.refresh_token or "").access_token == second.access_token

    fake.clock.advance(1)

    assert codes(fake.refused(grant_type="refresh_token", refresh_token=first.refresh_token or "")) == (
        "invalid_grant",
        [("OAU-213", "Token not found")],
    )


def test_the_grace_ends_after_60_minutes_unused(fake: Fake) -> None:
    first = fake.jwt_login()
    fake.refresh(first.refresh_token or "")
    fake.clock.advance(3600)

    assert (
        fake.refused(grant_type="refresh_token", refresh_token=first.refresh_token or "").items[0].code
        == "OAU-213"
    )


def test_the_grace_ends_when_the_new_refresh_token_is_used(fake: Fake) -> None:
    first = fake.jwt_login()
    second = fake.refresh(first.refresh_token or "")
    fake.refresh(second.refresh_token or "")

    assert (
        fake.refused(grant_type="refresh_token", refresh_token=first.refresh_token or "").items[0].code
        == "OAU-213"
    )


def test_refresh_may_narrow_the_scope_but_not_widen_it(fake: Fake) -> None:
    first = fake.jwt_login(scope="ReadAccounts")

    assert fake.refused(
        grant_type="refresh_token", refresh_token=first.refresh_token or "", scope="EditAccounts"
    ).error == ("invalid_scope")
    assert fake.refresh(first.refresh_token or "", scope="ReadAccounts").scope == "ReadAccounts"


def test_another_apps_refresh_token_is_not_found() -> None:
    account = load_account()
    other = dataclasses.replace(account.default_app, client_id="other-app", client_secret="other-secret")
    fake = Fake(dataclasses.replace(account, apps=(account.default_app, other)))
    info = fake.jwt_login()
    other_basic = "Basic " + base64.b64encode(b"other-app:other-secret").decode()

    error = fake.refused(other_basic, grant_type="refresh_token", refresh_token=info.refresh_token or "")

    assert codes(error) == ("invalid_grant", [("OAU-213", "Token not found")])


# --- revoke -----------------------------------------------------------------------------------------


def test_revoking_the_access_token_ends_the_whole_session(fake: Fake) -> None:
    first = fake.jwt_login()
    second = fake.refresh(first.refresh_token or "")
    other = fake.jwt_login()

    fake.server.revoke([("token", second.access_token)], [], BASIC)

    with pytest.raises(Unauthenticated):
        fake.use(second.access_token)
    assert (
        fake.refused(grant_type="refresh_token", refresh_token=second.refresh_token or "").items[0].code
        == "OAU-213"
    )
    assert (
        fake.refused(grant_type="refresh_token", refresh_token=first.refresh_token or "").items[0].code
        == "OAU-213"
    )
    fake.use(other.access_token)


def test_revoking_by_refresh_token_in_the_query_ends_the_session(fake: Fake) -> None:
    info = fake.jwt_login()

    fake.server.revoke([], [("token", info.refresh_token or "")], BASIC)

    with pytest.raises(Unauthenticated) as caught:
        fake.use(info.access_token)
    assert caught.value.code == "OAU-213"


def test_revoking_an_unknown_token_is_accepted_silently(fake: Fake) -> None:
    fake.server.revoke([("token", "no-such-token")], [], BASIC)


def test_revoke_refusals(fake: Fake) -> None:
    with pytest.raises(OAuthError) as missing:
        fake.server.revoke([], [], BASIC)
    with pytest.raises(OAuthError) as differ:
        fake.server.revoke([("token", "a")], [("token", "b")], BASIC)
    with pytest.raises(OAuthError) as no_client:
        fake.server.revoke([("token", "a")], [], None)

    assert codes(missing.value) == (
        "invalid_request",
        [("CMN-100", "Mandatory parameter [token] not specified")],
    )
    assert codes(differ.value) == (
        "invalid_request",
        [
            (
                "OAU-150",
                "The value of query parameter [token] should be equal to parameter [token] in request body",
            )
        ],
    )
    assert codes(no_client.value) == ("invalid_client", [("OAU-123", "Client authentication is required")])


# --- introspect and userinfo -------------------------------------------------------------------------


def test_introspection_needs_the_interoperability_permission(fake: Fake) -> None:
    info = fake.jwt_login()

    with pytest.raises(OAuthError) as caught:
        fake.server.introspect([("token", info.access_token)], BASIC)

    assert codes(caught.value) == (
        "invalid_scope",
        [
            (
                "CMN-401",
                "In order to call this API endpoint, application needs to have [Interoperability] permission",
            )
        ],
    )


def test_introspection_describes_active_and_inactive_tokens() -> None:
    account = load_account()
    app = dataclasses.replace(
        account.default_app, permissions=("ReadAccounts", "EditAccounts", "Interoperability")
    )
    fake = Fake(dataclasses.replace(account, apps=(app,)))
    info = fake.jwt_login(scope="EditAccounts")

    active = fake.server.introspect([("token", info.access_token)], BASIC)
    by_refresh = fake.server.introspect([("token", info.refresh_token or "")], BASIC)
    fake.clock.advance(3600)
    expired = fake.server.introspect([("token", info.access_token)], BASIC)

    assert active.active and active.scope == "EditAccounts" and active.sub == "100000001"
    assert (active.iat, active.exp) == (int(FakeClock.DEFAULT_START), int(FakeClock.DEFAULT_START) + 3600)
    assert (active.client_id, active.account_id, active.session_id) == (
        "mockrc-client-id",
        "400000001",
        info.session_id,
    )
    assert by_refresh.active and by_refresh.exp == int(FakeClock.DEFAULT_START) + 604_800
    assert not expired.active


def test_userinfo_describes_the_user(fake: Fake) -> None:
    token = fake.tokens.authenticate(fake.jwt_login("mockrc-user-jwt").access_token)

    info = fake.server.userinfo(token)

    assert (info.sub, info.email, info.account_id, info.given_name, info.family_name) == (
        "100000002",
        "user@mockrc.test",
        "400000001",
        "Sam",
        "User",
    )


# --- the authorize flow ---------------------------------------------------------------------------


def start(fake: Fake, **params: str) -> PendingAuthorization:
    started = fake.server.authorize.start(
        [("client_id", "mockrc-client-id"), ("response_type", "code"), *params.items()]
    )
    assert isinstance(started, PendingAuthorization)
    return started


def authorize(fake: Fake, decision: str = "allow", **params: str) -> dict[str, str]:
    pending = start(fake, **params)
    signed = fake.server.authorize.sign_in(
        [
            ("mockrc_step", "signin"),
            ("ticket", pending.ticket),
            ("username", "admin@mockrc.test"),
            ("password", "mockrc-admin-password"),
        ]
    )
    assert signed.refusal is None
    location = fake.server.authorize.decide(
        [("mockrc_step", "consent"), ("ticket", pending.ticket), ("decision", decision)]
    )
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == params.get(
        "redirect_uri", "http://localhost:8080/callback"
    )
    return dict(parse_qsl(parts.query))


def test_the_code_flow_with_pkce_s256(fake: Fake) -> None:
    query = authorize(
        fake, state="xyz", code_challenge=challenge_for(VERIFIER, "S256"), code_challenge_method="S256"
    )

    assert list(query) == ["code", "state", "expires_in"]
    assert (query["state"], query["expires_in"]) == ("xyz", "60")
    info = fake.token(grant_type="authorization_code", code=query["code"], code_verifier=VERIFIER)
    assert info.owner_id == "100000001"


def test_plain_is_the_default_challenge_method(fake: Fake) -> None:
    query = authorize(fake, code_challenge=VERIFIER)

    assert fake.token(
        grant_type="authorization_code", code=query["code"], code_verifier=VERIFIER
    ).access_token


@pytest.mark.parametrize(
    ("params", "form", "expected"),
    [
        ({"code_challenge": VERIFIER}, {}, ("invalid_grant", "CMN-100")),
        ({"code_challenge": VERIFIER}, {"code_verifier": "x" * 43}, ("invalid_grant", "OAU-101")),
        ({}, {"code_verifier": VERIFIER}, ("invalid_grant", "OAU-101")),
        ({"redirect_uri": "http://127.0.0.1:9000/cb"}, {}, ("invalid_request", "CMN-100")),
        (
            {"redirect_uri": "http://127.0.0.1:9000/cb"},
            {"redirect_uri": "http://127.0.0.1:9001/cb"},
            ("invalid_grant", "OAU-109"),
        ),
    ],
)
def test_code_redemption_checks_pkce_and_redirect_uri(
    fake: Fake, params: dict[str, str], form: dict[str, str], expected: tuple[str, str]
) -> None:
    query = authorize(fake, **params)

    error = fake.refused(grant_type="authorization_code", code=query["code"], **form)

    assert (error.error, error.items[0].code) == expected


def test_a_code_is_single_use_and_its_replay_ends_the_session(fake: Fake) -> None:
    code = authorize(fake)["code"]
    info = fake.token(grant_type="authorization_code", code=code)

    assert codes(fake.refused(grant_type="authorization_code", code=code)) == (
        "invalid_grant",
        [("OAU-106", "Invalid authorization code")],
    )
    with pytest.raises(Unauthenticated):
        fake.use(info.access_token)


def test_a_code_expires_after_60_seconds(fake: Fake) -> None:
    code = authorize(fake)["code"]
    fake.clock.advance(60)

    assert codes(fake.refused(grant_type="authorization_code", code=code)) == (
        "invalid_grant",
        [("OAU-108", "Authorization code is expired")],
    )


def test_denying_consent_redirects_with_access_denied(fake: Fake) -> None:
    query = authorize(fake, decision="deny", state="s1")

    assert query == {
        "error": "access_denied",
        "error_description": "The user denied the authorization",
        "state": "s1",
    }


def test_a_wrong_password_keeps_the_user_on_the_sign_in_page(fake: Fake) -> None:
    pending = start(fake)

    signed = fake.server.authorize.sign_in(
        [
            ("mockrc_step", "signin"),
            ("ticket", pending.ticket),
            ("username", "admin@mockrc.test"),
            ("password", "x"),
        ]
    )

    assert signed.refusal == "Invalid resource owner credentials"
    with pytest.raises(OAuthError) as caught:
        fake.server.authorize.decide(
            [("mockrc_step", "consent"), ("ticket", pending.ticket), ("decision", "allow")]
        )
    assert caught.value.error == "access_denied"


def test_a_ticket_expires(fake: Fake) -> None:
    pending = start(fake)
    fake.clock.advance(900)

    with pytest.raises(OAuthError) as caught:
        fake.server.authorize.sign_in(
            [("mockrc_step", "signin"), ("ticket", pending.ticket), ("username", "a@b.c"), ("password", "x")]
        )
    assert caught.value.items[0].code == "OAU-102"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"client_id": "nope"}, ("invalid_client", "OAU-153", "Invalid client: nope")),
        (
            {"response_type": "token"},
            ("unsupported_response_type", "OAU-101", "Parameter [response_type] is invalid"),
        ),
        (
            {"redirect_uri": "https://evil.example/cb"},
            ("invalid_grant", "OAU-109", "Redirect URIs do not match"),
        ),
        ({"brand_id": "9999"}, ("invalid_request", "OAU-101", "Parameter [brandId] is invalid")),
        (
            {"code_challenge_method": "S256"},
            ("invalid_request", "CMN-100", "Mandatory parameter [code_challenge] not specified"),
        ),
        (
            {"code_challenge": "short"},
            ("invalid_request", "OAU-101", "Parameter [code_challenge] is invalid"),
        ),
        ({"response_mode": "query"}, ("invalid_request", "OAU-101", "Unsupported parameter [response_mode]")),
    ],
)
def test_authorize_refusals_never_redirect(
    fake: Fake, params: dict[str, str], expected: tuple[str, str, str]
) -> None:
    request = {"client_id": "mockrc-client-id", "response_type": "code", **params}

    with pytest.raises(OAuthError) as caught:
        fake.server.authorize.start(list(request.items()))

    assert (caught.value.error, caught.value.items[0].code, caught.value.items[0].message) == expected


def test_an_app_without_redirect_uris_is_oau_113() -> None:
    account = load_account()
    app = dataclasses.replace(account.default_app, redirect_uris=(), allow_loopback_redirects=False)
    fake = Fake(dataclasses.replace(account, apps=(app,)))

    with pytest.raises(OAuthError) as caught:
        start(fake)

    assert codes(caught.value) == (
        "invalid_client",
        [("OAU-113", "No redirect uri is registered for the client")],
    )


def test_prompt_none_redirects_with_login_required(fake: Fake) -> None:
    location = fake.server.authorize.start(
        [("client_id", "mockrc-client-id"), ("response_type", "code"), ("prompt", "none"), ("state", "s")]
    )

    assert location == (
        "http://localhost:8080/callback?error=login_required&error_description=The+user+is+not+signed+in&state=s"
    )


# --- minting (mockrc token, POST /__mockrc/tokens) -------------------------------------------------


def test_mint_issues_a_token_for_the_default_admin_through_the_default_app(fake: Fake) -> None:
    minted = fake.server.mint(ttl=60)

    assert (minted.owner_id, minted.email, minted.client_id, minted.expires_in) == (
        "100000001",
        "admin@mockrc.test",
        "mockrc-client-id",
        60,
    )
    assert fake.tokens.authenticate(minted.access_token).principal.owner_id == "100000001"
    fake.clock.advance(61)
    with pytest.raises(Unauthenticated):
        fake.use(minted.access_token)


@pytest.mark.parametrize("who", ["user@mockrc.test", "USER@mockrc.test ", "100000002", "102"])
def test_mint_finds_the_user_by_email_extension_id_or_number(fake: Fake, who: str) -> None:
    minted = fake.server.mint(who)

    assert minted.to_json()["owner_id"] == "100000002"
    assert minted.to_json()["token_type"] == "bearer"


@pytest.mark.parametrize(
    ("user", "client_id", "ttl", "error", "message"),
    [
        ("nobody@example.com", None, 60, NotFound, "its users: admin@mockrc.test, user@mockrc.test"),
        (None, "other-app", 60, NotFound, "its apps: mockrc-client-id"),
        (None, None, 0, InvalidValue, '"ttl" must be a whole number of seconds, 1 or more, not 0'),
    ],
)
def test_mint_refuses_what_the_account_does_not_have_and_issues_nothing(
    fake: Fake, user: str | None, client_id: str | None, ttl: int, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(")):
        fake.server.mint(user, client_id, ttl)
    assert len(fake.tokens) == 0
