"""RingCentral's permission model for the SCIM API.

Two checks, as RingCentral's gateway makes them: the *app* must hold the app permission the
endpoint needs (``ReadAccounts`` for reads, ``EditAccounts`` for writes; ``EditAccounts``
includes ``ReadAccounts``), and the *user* behind the token must be an administrator. Then the
*account* must have SCIM enabled (the admin portal's Directory Provider = SCIM): RingCentral
answered a sandbox without it with 403 "Feature [Bulk Assign] is not available".
"""

from __future__ import annotations

from typing import Literal

from mockrc.errors import PermissionDenied
from mockrc.tokens import Principal

ScimPermission = Literal["ReadAccounts", "EditAccounts"]

#: App permissions that include others (RingCentral's permissions guide).
IMPLIED: dict[str, frozenset[str]] = {
    "EditAccounts": frozenset({"ReadAccounts", "EditExtensions"}),
}


def grants(scopes: frozenset[str], needed: str) -> bool:
    """Whether a set of app permissions includes ``needed``, directly or through an inclusion."""
    return needed in scopes or any(needed in IMPLIED.get(s, ()) for s in scopes)


def require_scim_access(principal: Principal, needed: ScimPermission) -> None:
    """Raise PermissionDenied (403) unless ``principal`` may make a SCIM call needing ``needed``."""
    if not grants(principal.scopes, needed):
        raise PermissionDenied(
            "CMN-401",
            f"In order to call this API endpoint, application needs to have [{needed}] permission",
            permission=needed,
        )
    if not principal.is_admin:
        raise PermissionDenied(
            "CMN-408",
            "In order to call this API endpoint, user needs to have [Users] permission"
            " for requested resource.",
            permission="Users",
        )
    if not principal.scim_enabled:
        raise PermissionDenied("CMN-109", "Feature [Bulk Assign] is not available")
