"""The authorization code flow of ``/restapi/oauth/authorize``: request, sign-in, consent, redirect.

:meth:`AuthorizeFlow.start` checks the authorize request (RingCentral's ``AuthorizeRequest``) and
remembers it under a *ticket*; the sign-in page posts the ticket with the user's credentials
(:meth:`AuthorizeFlow.sign_in`), the consent page posts it with the user's decision
(:meth:`AuthorizeFlow.decide`), which answers the URL to redirect to: the redirect URI with
``code``, ``state`` and ``expires_in`` (RingCentral's example), or with ``error=access_denied``.
A ticket lives 15 minutes and is used once. The server keeps the flow, so the pages need no
cookies and no script.

Nothing is ever redirected to a URI the app has not registered: every refusal before the
redirect URI is known to be good is answered as RingCentral's 400 body instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockrc.account import AUTHORIZATION_CODE, Account, App, User
from mockrc.clock import Clock
from mockrc.oauth import failures
from mockrc.oauth.forms import check, form_fields
from mockrc.oauth.pkce import ChallengeMethod
from mockrc.oauth.schemas import validate
from mockrc.oauth.sessions import CODE_TTL, Secrets, SessionStore

#: How long the sign-in and consent pages of one authorize request stay usable (inferred).
TICKET_TTL: Final = 900


@dataclass
class PendingAuthorization:
    """An authorize request that was accepted, waiting for the user to sign in and decide."""

    ticket: str
    app: App
    redirect_uri: str
    redirect_uri_given: bool
    state: str | None
    code_challenge: str | None
    code_challenge_method: ChallengeMethod
    login_hint: str | None
    expires_at: float
    #: The user who signed in (None until then).
    user: User | None = None


@dataclass(frozen=True)
class SignIn:
    """The outcome of the sign-in form: the authorization, and why the user was refused, if so."""

    pending: PendingAuthorization
    refusal: str | None = None


@dataclass
class AuthorizeFlow:
    """Authorize requests in progress, and the codes they end with."""

    account: Account
    store: SessionStore
    clock: Clock
    secrets: Secrets
    _pending: dict[str, PendingAuthorization] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget every sign-in in progress (a reset)."""
        self._pending.clear()

    def start(self, pairs: Iterable[tuple[str, str]]) -> PendingAuthorization | str:
        """Check an authorize request. Answers the authorization waiting for sign-in, or, for
        ``prompt=none`` (mockrc keeps no browser session), the URL that redirects with OpenID
        Connect's ``login_required``."""
        params = form_fields(pairs)
        problems = validate("authorize-request", params)
        if any(p.name == "response_type" and p.kind == "invalid" for p in problems):
            raise failures.unsupported_response_type(params["response_type"])
        if problems:
            raise failures.from_problems(problems, params)
        app = self.account.app(params["client_id"])
        if app is None:
            raise failures.unknown_client(params["client_id"])
        if not app.allows(AUTHORIZATION_CODE):
            raise failures.unauthorized_grant_type()
        if "brand_id" in params and params["brand_id"] != self.account.brand_id:
            raise failures.invalid_brand()
        redirect_uri, given = self._redirect_uri(app, params.get("redirect_uri"))
        if "code_challenge_method" in params and "code_challenge" not in params:
            raise failures.missing("code_challenge")
        if params.get("prompt") == "none":
            return with_query(
                redirect_uri, _error_params("login_required", "The user is not signed in", params)
            )
        now = self.clock.now()
        self._pending = {t: p for t, p in self._pending.items() if p.expires_at > now}
        pending = PendingAuthorization(
            ticket=self.secrets.token("mockrc-ticket-"),
            app=app,
            redirect_uri=redirect_uri,
            redirect_uri_given=given,
            state=params.get("state"),
            code_challenge=params.get("code_challenge"),
            code_challenge_method="S256" if params.get("code_challenge_method") == "S256" else "plain",
            login_hint=params.get("login_hint"),
            expires_at=now + TICKET_TTL,
        )
        self._pending[pending.ticket] = pending
        return pending

    @staticmethod
    def _redirect_uri(app: App, given: str | None) -> tuple[str, bool]:
        """The redirect URI to use and whether the request named it (RingCentral: required when
        the app registered more than one)."""
        if not app.redirect_uris and not app.allow_loopback_redirects:
            raise failures.no_redirect_uri_registered()
        if given is not None:
            if not app.accepts_redirect_uri(given):
                raise failures.redirect_uris_do_not_match()
            return given, True
        if len(app.redirect_uris) != 1:
            raise failures.missing("redirect_uri")
        return app.redirect_uris[0], False

    def pending(self, ticket: str) -> PendingAuthorization:
        """The authorization in progress called ``ticket`` (refused when unknown or expired)."""
        pending = self._pending.get(ticket)
        if pending is None or self.clock.now() >= pending.expires_at:
            raise failures.authorization_expired()
        return pending

    def sign_in(self, pairs: Iterable[tuple[str, str]]) -> SignIn:
        """The sign-in form: the user's email or phone number and password."""
        form = form_fields(pairs)
        check("authorize-signin", form)
        pending = self.pending(form["ticket"])
        user = self.account.find_login(form["username"])
        if user is None or not user.password_matches(form["password"]):
            return SignIn(pending, failures.invalid_resource_owner_credentials().detail)
        if not user.enabled:
            return SignIn(pending, failures.login_not_allowed().detail)
        pending.user = user
        return SignIn(pending)

    def decide(self, pairs: Iterable[tuple[str, str]]) -> str:
        """The consent form: answers the URL to redirect the user to, with a code or an error."""
        form = form_fields(pairs)
        check("authorize-consent", form)
        pending = self.pending(form["ticket"])
        if pending.user is None:
            raise failures.not_signed_in()
        del self._pending[pending.ticket]
        state = [("state", pending.state)] if pending.state is not None else []
        if form["decision"] == "deny":
            return with_query(
                pending.redirect_uri,
                [
                    ("error", "access_denied"),
                    ("error_description", "The user denied the authorization"),
                    *state,
                ],
            )
        code = self.store.issue_code(
            pending.app,
            pending.user,
            redirect_uri=pending.redirect_uri,
            redirect_uri_given=pending.redirect_uri_given,
            code_challenge=pending.code_challenge,
            code_challenge_method=pending.code_challenge_method,
        )
        return with_query(pending.redirect_uri, [("code", code.value), *state, ("expires_in", str(CODE_TTL))])


def _error_params(error: str, description: str, params: dict[str, str]) -> list[tuple[str, str]]:
    state = [("state", params["state"])] if "state" in params else []
    return [("error", error), ("error_description", description), *state]


def with_query(uri: str, params: list[tuple[str, str]]) -> str:
    """``uri`` with ``params`` added to its query (a registered URI may carry a query of its own)."""
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
