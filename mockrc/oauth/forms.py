"""Reading an OAuth form: duplicates, empty values, the schema, and the common token fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mockrc.account import App
from mockrc.oauth import failures
from mockrc.oauth.schemas import validate

#: Access token lifetime rules (RingCentral's ``access_token_ttl``: 600 to 3600 s, default 3600).
ACCESS_TTL_MIN = 600
ACCESS_TTL_MAX = 3600
#: Refresh token lifetime rules (``refresh_token_ttl``: at most 2,592,000 s, default 604,800).
REFRESH_TTL_MAX = 2_592_000
REFRESH_TTL_DEFAULT = 604_800


def form_fields(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The parameters of a form as a dict.

    A parameter sent twice is refused (OAU-111); one sent without a value counts as omitted
    (RFC 6749 §3.2), which is also how SDKs that always send e.g. ``redirect_uri=`` are read.
    """
    fields: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen:
            raise failures.duplicated(name)
        seen.add(name)
        if value != "":
            fields[name] = value
    return fields


def check(schema: str, form: Mapping[str, str]) -> None:
    """Refuse ``form`` with one ``invalid_request`` naming every field that breaks ``schema``."""
    problems = validate(schema, dict(form))
    if problems:
        raise failures.from_problems(problems, form)


def access_ttl(form: Mapping[str, str], default: int = ACCESS_TTL_MAX) -> int:
    """``access_token_ttl`` clamped as RingCentral documents: below 600 gives 600, above 3600 gives 3600."""
    if "access_token_ttl" not in form:
        return default
    return min(max(int(form["access_token_ttl"]), ACCESS_TTL_MIN), ACCESS_TTL_MAX)


def refresh_ttl(form: Mapping[str, str], default: int = REFRESH_TTL_DEFAULT) -> int:
    """``refresh_token_ttl``, at most 2,592,000 s (RingCentral's reference maximum)."""
    if "refresh_token_ttl" not in form:
        return default
    return min(int(form["refresh_token_ttl"]), REFRESH_TTL_MAX)


def requested_scopes(form: Mapping[str, str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The permissions a token asks for: ``scope`` if given (a subset of ``allowed``), else all of them.

    The result keeps the order of ``allowed``, so the ``scope`` answered does not depend on how
    the client ordered its request.
    """
    if "scope" not in form:
        return allowed
    wanted = set(form["scope"].split())
    if not wanted <= set(allowed):
        raise failures.invalid_scope(form["scope"])
    return tuple(p for p in allowed if p in wanted)


def app_scopes(form: Mapping[str, str], app: App) -> tuple[str, ...]:
    """:func:`requested_scopes` against the app's registered permissions."""
    return requested_scopes(form, app.permissions)
