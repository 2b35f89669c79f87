"""The changes a scenario step makes, on the fake's real domain objects (no HTTP)."""

from __future__ import annotations

import pytest

from mockrc.clock import FakeClock
from mockrc.errors import Forbidden, InvalidFilter, OAuthError, PermissionDenied, Unauthenticated
from mockrc.permissions import require_scim_access
from mockrc.scenarios.actions import apply_change
from mockrc.scenarios.model import CHANGES
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import ViolationLog
from tests.helpers import minimal_user

JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
BASIC = "Basic bW9ja3JjLWNsaWVudC1pZDptb2NrcmMtY2xpZW50LXNlY3JldA=="  # mockrc-client-id:mockrc-client-secret


@pytest.fixture
def state() -> MockState:
    return MockState(Settings(tokens=("static",)), clock=FakeClock())


def sign_in(state: MockState, **form: str) -> tuple[str, str | None]:
    """An access token and its refresh token, from the JWT grant (or ``form``)."""
    pairs = form or {"grant_type": JWT, "assertion": "mockrc-admin-jwt"}
    info = state.oauth.token(list(pairs.items()), BASIC)
    return info.access_token, info.refresh_token


def refresh(state: MockState, refresh_token: str | None) -> str:
    assert refresh_token is not None
    return state.oauth.token(
        [("grant_type", "refresh_token"), ("refresh_token", refresh_token)], BASIC
    ).access_token


def test_every_change_the_schema_offers_is_implemented(state: MockState) -> None:
    for name in CHANGES:
        apply_change(state, name)
    with pytest.raises(ValueError, match="unknown change 'nope'"):
        apply_change(state, "nope")


def test_expire_tokens_expires_every_access_token_but_refresh_tokens_still_work(state: MockState) -> None:
    access, refresh_token = sign_in(state)

    apply_change(state, "expire_tokens")

    for token in (access, "static"):
        with pytest.raises(Unauthenticated, match="Access token expired"):
            state.tokens.authenticate(token)
    assert state.tokens.authenticate(refresh(state, refresh_token)).principal.is_admin


def test_expire_tokens_leaves_tokens_issued_afterwards_alone(state: MockState) -> None:
    apply_change(state, "expire_tokens")

    access, _ = sign_in(state)

    assert state.tokens.authenticate(access)


def test_revoke_tokens_ends_every_session_refresh_tokens_included(state: MockState) -> None:
    access, refresh_token = sign_in(state)

    apply_change(state, "revoke_tokens")

    for token in (access, "static"):
        with pytest.raises(Unauthenticated, match="Token not found"):
            state.tokens.authenticate(token)
    with pytest.raises(OAuthError) as refused:
        refresh(state, refresh_token)
    assert (refused.value.error, refused.value.items[0].code) == ("invalid_grant", "OAU-213")


def test_remove_admin_role_applies_to_tokens_issued_before_and_after(state: MockState) -> None:
    before, _ = sign_in(state)
    apply_change(state, "remove_admin_role")
    after, _ = sign_in(state)

    for token in (before, after, "static"):
        with pytest.raises(PermissionDenied, match=r"user needs to have \[Users\] permission"):
            require_scim_access(state.tokens.authenticate(token).principal, "ReadAccounts")


def test_remove_admin_role_spares_app_only_tokens(state: MockState) -> None:
    apply_change(state, "remove_admin_role")
    app_only, _ = sign_in(state, grant_type="client_credentials", account_id="~")

    require_scim_access(state.tokens.authenticate(app_only).principal, "EditAccounts")


def test_remove_edit_accounts_keeps_read_accounts(state: MockState) -> None:
    access, _ = sign_in(state)

    apply_change(state, "remove_edit_accounts")
    principal = state.tokens.authenticate(access).principal

    require_scim_access(principal, "ReadAccounts")
    with pytest.raises(PermissionDenied, match=r"application needs to have \[EditAccounts\] permission"):
        require_scim_access(principal, "EditAccounts")


def test_remove_edit_accounts_leaves_a_read_only_token_as_it_is(state: MockState) -> None:
    access, _ = sign_in(state, grant_type=JWT, assertion="mockrc-admin-jwt", scope="ReadAccounts")
    before = state.tokens.authenticate(access).principal

    apply_change(state, "remove_edit_accounts")

    assert state.tokens.authenticate(access).principal == before


def test_disable_scim_applies_to_tokens_issued_before_and_after(state: MockState) -> None:
    before, _ = sign_in(state)
    apply_change(state, "disable_scim")
    after, _ = sign_in(state)

    for token in (before, after):
        with pytest.raises(PermissionDenied, match=r"Feature \[Bulk Assign\] is not available"):
            require_scim_access(state.tokens.authenticate(token).principal, "ReadAccounts")


def test_a_change_made_twice_is_made_once(state: MockState) -> None:
    access, _ = sign_in(state)
    apply_change(state, "remove_edit_accounts")
    once = state.tokens.authenticate(access).principal

    apply_change(state, "remove_edit_accounts")

    assert state.tokens.authenticate(access).principal == once


def test_exhaust_licences_refuses_creates_until_a_delete_frees_an_extension(state: MockState) -> None:
    kept = state.users.create(minimal_user("a@example.com"), ViolationLog())

    apply_change(state, "exhaust_licences")

    with pytest.raises(Forbidden, match="no unassigned extension left"):
        state.users.create(minimal_user("b@example.com"), ViolationLog())
    state.users.delete(kept.id)
    assert state.users.create(minimal_user("b@example.com"), ViolationLog()).id


def test_ignore_then_refuse_unsupported_filters(state: MockState) -> None:
    for email in ("a@example.com", "b@example.com"):
        state.users.create(minimal_user(email), ViolationLog())

    apply_change(state, "ignore_unsupported_filters")
    ignored = state.users.search('externalId eq "a"')
    apply_change(state, "refuse_unsupported_filters")

    assert ignored.total == 2
    with pytest.raises(InvalidFilter, match='attribute "externalId" is not supported'):
        state.users.search('externalId eq "a"')


def test_a_reset_of_the_fake_undoes_every_change(state: MockState) -> None:
    for name in CHANGES:
        apply_change(state, name)

    state.reset()

    access, _ = sign_in(state)
    require_scim_access(state.tokens.authenticate(access).principal, "EditAccounts")
    require_scim_access(state.tokens.authenticate("static").principal, "EditAccounts")
    assert state.users.unassigned_extensions is None
    assert state.users.unsupported_filters == "refuse"
