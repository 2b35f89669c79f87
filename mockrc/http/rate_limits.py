"""RingCentral's rate limits on the fake's API: request-path hooks, not control routes.

:func:`apply_rate_limits` runs before every request to RingCentral's paths (after the scenario
overlay; the app factory skips mockrc's own) when a setting or an active scenario turns limits on,
and refuses a request over its group's limit with 429 (``CMN-301``); :func:`add_rate_limit_headers`
puts the limiter's ``X-Rate-Limit-*`` headers on the answer. The decisions are
:mod:`mockrc.ratelimit`'s, which never sees Flask.
"""

from __future__ import annotations

from flask import Response, g, request

from mockrc.errors import OAuthError, RateLimited
from mockrc.http.auth import request_principal
from mockrc.journal import FORM_MEDIA_TYPE
from mockrc.oauth.client_auth import parse_basic
from mockrc.ratelimit import Verdict, group_of
from mockrc.state import MockState


def apply_rate_limits(state: MockState) -> None:
    """Count the request against its group's limit; RateLimited when it is over."""
    engine = state.scenarios
    limiter = (engine.rate_limiter if engine.any_active else None) or state.rate_limiter
    if limiter is None:  # the usual case: nothing more to do on this request
        return
    group = group_of(request.method, request.path)
    if group is None:
        return
    verdict = limiter.check(_caller(state), group)
    g.rate_limit = verdict
    if verdict.into_penalty is not None:
        g.violations.error(
            "Retry-After",
            "ringcentral.retry-after-ignored",
            f"sent {verdict.into_penalty:g} s into a {verdict.retry_after} s rate-limit penalty:"
            " the client did not wait as Retry-After said, and RingCentral restarts the penalty",
        )
    if verdict.refused:
        raise RateLimited("CMN-301", "Request rate exceeded")


def add_rate_limit_headers(response: Response, verdict: Verdict | None) -> None:
    """The limiter's headers of the request (its ``verdict``, which :func:`apply_rate_limits` left
    in ``g.rate_limit``), if a limit counted it."""
    if verdict is not None:
        response.headers.update(verdict.headers())


def _caller(state: MockState) -> str:
    """Who a rate limit counts for: the user and app behind the token, else the authenticating app."""
    principal = request_principal(request, state.tokens)
    if principal is not None:
        return f"{principal.owner_id}@{principal.client_id}"
    request.get_data(cache=True)
    client_id = request.form.get("client_id") if request.mimetype == FORM_MEDIA_TYPE else None
    header = request.headers.get("Authorization", "")
    if client_id is None and header.lower().startswith("basic "):
        try:
            client_id = parse_basic(header)[0]
        except OAuthError:
            client_id = None
    return f"@{client_id or 'anonymous'}"
