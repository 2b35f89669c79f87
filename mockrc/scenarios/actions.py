"""The changes a scenario step can make to the fake, each acting on the real domain objects.

A change is a change to the fake's data, like a RingCentral administrator's click: it stays when
the scenario is reset or deactivated, until the fake itself is reset. The fake then answers the
request as it would anyway, so every error body, header and rule stays the fake's own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from mockrc.oauth.server import OAuthServer
from mockrc.permissions import IMPLIED
from mockrc.scim.users import UserService
from mockrc.tokens import Principal, TokenRegistry

_EDIT_ACCOUNTS = "EditAccounts"


def _without_admin_role(principal: Principal) -> Principal:
    """The user behind the token is no longer an admin. App-only tokens (client credentials)
    have no user, and stay as they are."""
    return replace(principal, is_admin=False) if principal.owner_id else principal


def _without_edit_accounts(principal: Principal) -> Principal:
    """The app loses EditAccounts but keeps what it included (ReadAccounts): reads work, writes 403."""
    if _EDIT_ACCOUNTS not in principal.scopes:
        return principal
    kept = (principal.scopes - {_EDIT_ACCOUNTS}) | IMPLIED[_EDIT_ACCOUNTS]
    return replace(principal, scopes=frozenset(kept))


def _without_scim(principal: Principal) -> Principal:
    return replace(principal, scim_enabled=False)


class FakeData(Protocol):
    """What a change acts on: the stores and services of one fake (a
    :class:`~mockrc.state.MockState`, which this module does not import: the state imports it)."""

    @property
    def users(self) -> UserService: ...

    @property
    def tokens(self) -> TokenRegistry: ...

    @property
    def oauth(self) -> OAuthServer: ...


def apply_change(state: FakeData, name: str) -> None:
    """Apply the change called ``name`` (one of :data:`mockrc.scenarios.model.CHANGES`) to ``state``."""
    if name == "expire_tokens":
        state.tokens.expire_all()
    elif name == "revoke_tokens":
        for session_id in state.tokens.revoke_all():
            state.oauth.sessions.end(session_id)
    elif name == "remove_admin_role":
        state.tokens.amend_principals(name, _without_admin_role)
    elif name == "remove_edit_accounts":
        state.tokens.amend_principals(name, _without_edit_accounts)
    elif name == "disable_scim":
        state.tokens.amend_principals(name, _without_scim)
    elif name == "exhaust_licences":
        state.users.unassigned_extensions = 0
    elif name == "refuse_unsupported_filters":
        state.users.unsupported_filters = "refuse"
    elif name == "ignore_unsupported_filters":
        state.users.unsupported_filters = "ignore"
    else:
        raise ValueError(f"unknown change {name!r}")
