"""The fake's URL space: the RingCentral paths it serves, and its own.

Plain strings, no Flask: the domain's path-aware rules (rate-limit groups), the HTTP layer and
the CLI read the same constants, and each question about a path ("is this SCIM?", "is this the
control plane?") has one answer here.
"""

from __future__ import annotations

from typing import Final

#: RingCentral's SCIM API (RFC 7644 §3.13: the version in the base URL).
SCIM_ROOT: Final = "/scim"
SCIM_PREFIX: Final = f"{SCIM_ROOT}/v2"
#: RingCentral's OAuth 2.0 endpoints.
OAUTH_PREFIX: Final = "/restapi/oauth"
#: mockrc's control plane: reset, clock, journal, users, scenarios, tokens, the dashboard.
CONTROL_PREFIX: Final = "/__mockrc"
HEALTH_PATH: Final = f"{CONTROL_PREFIX}/health"
#: The accounts of a server (``/__mockrc/accounts/<id>/...``: one account's control plane).
ACCOUNTS_PREFIX: Final = f"{CONTROL_PREFIX}/accounts"
UI_PREFIX: Final = f"{CONTROL_PREFIX}/ui"
#: The icon a browser asks every site for: the fake answers it (the dashboard's), not RingCentral.
FAVICON_PATH: Final = "/favicon.ico"


def is_scim_path(path: str) -> bool:
    """Whether ``path`` is RingCentral's SCIM API: its errors answer in SCIM's shape (RFC 7644 §3.12)."""
    return path == SCIM_ROOT or path.startswith(f"{SCIM_ROOT}/")


def is_oauth_path(path: str) -> bool:
    """Whether ``path`` is one of RingCentral's OAuth endpoints."""
    return path.startswith(f"{OAUTH_PREFIX}/")


def is_control_path(path: str) -> bool:
    """Whether ``path`` is under ``/__mockrc``: the control plane, which the request guard keeps
    other sites' pages out of (:mod:`mockrc.http.guard`; the icon is no part of it)."""
    return path == CONTROL_PREFIX or path.startswith(f"{CONTROL_PREFIX}/")


def is_own_path(path: str) -> bool:
    """Whether ``path`` is mockrc's own (the control plane or the icon) rather than RingCentral's:
    such requests are never journaled, and no scenario or rate limit answers them."""
    return path == FAVICON_PATH or is_control_path(path)


def is_accounts_control(path: str) -> bool:
    """Whether ``path`` is ``/__mockrc/accounts`` or ``/__mockrc/accounts/<id>``: the control of
    the server's accounts, which belongs to no account (and holds no account's lock)."""
    if path == ACCOUNTS_PREFIX:
        return True
    return path.startswith(f"{ACCOUNTS_PREFIX}/") and "/" not in path[len(ACCOUNTS_PREFIX) + 1 :]
