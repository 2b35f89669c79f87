"""The RingCentral account behind the fake: its apps, its users and its settings.

Everything the OAuth endpoints and the permission checks need to know about "who may do what"
comes from here: an app's client credentials, app permissions (scopes), grant types and redirect
URIs (what RingCentral's Developer Console registers), each user's sign-in names, password, role
and JWT credentials, and whether the account has SCIM enabled (the admin portal's "Directory
Provider = SCIM").

The account is read from a JSON file validated by ``fixtures/oauth/account.schema.json``:
``fixtures/accounts/default.json`` unless ``mockrc serve --account FILE`` names another. A bad file
fails at load with an error naming the file and the field, never later in a request. An Account is
immutable; a test that wants another one builds it (:func:`parse_account`) or swaps the state's.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, NoReturn
from urllib.parse import urlsplit

from mockrc.errors import AccountError
from mockrc.loopback import is_loopback_name
from mockrc.oauth.schemas import validate
from mockrc.resources import fixture

AUTHORIZATION_CODE: Final = "authorization_code"
JWT_BEARER: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_TOKEN: Final = "refresh_token"
PASSWORD: Final = "password"
CLIENT_CREDENTIALS: Final = "client_credentials"

#: Every grant type the fake implements, in the order RingCentral's reference lists them.
GRANT_TYPES: Final = (AUTHORIZATION_CODE, JWT_BEARER, REFRESH_TOKEN, PASSWORD, CLIENT_CREDENTIALS)

DEFAULT_ACCOUNT_FILE: Final = "fixtures/accounts/default.json"

_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


@dataclass(frozen=True)
class App:
    """One registered app (RingCentral's "client application")."""

    name: str
    client_id: str
    #: None for a public app ("client-side web app"), which identifies itself by client_id only.
    client_secret: str | None
    confidential: bool
    #: App permissions in registration order: the default ``scope`` of its tokens.
    permissions: tuple[str, ...]
    grant_types: frozenset[str]
    redirect_uris: tuple[str, ...]
    allow_loopback_redirects: bool

    def allows(self, grant_type: str) -> bool:
        return grant_type in self.grant_types

    @property
    def issues_refresh_tokens(self) -> bool:
        """RingCentral's "Issue refresh tokens" app setting, which the refresh_token grant type stands for."""
        return REFRESH_TOKEN in self.grant_types

    def secret_matches(self, secret: str) -> bool:
        """Whether ``secret`` is this app's client secret (compared in constant time)."""
        return self.client_secret is not None and hmac.compare_digest(
            secret.encode("utf-8"), self.client_secret.encode("utf-8")
        )

    def accepts_redirect_uri(self, uri: str) -> bool:
        """Exactly a registered URI, or (if allowed) any http loopback URI."""
        return uri in self.redirect_uris or (self.allow_loopback_redirects and is_loopback_uri(uri))


@dataclass(frozen=True)
class User:
    """One user: an extension of the account that can sign in."""

    extension_id: str
    extension_number: str
    email: str
    phone: str | None
    password: str
    role: str
    enabled: bool
    jwt_credentials: tuple[str, ...]
    given_name: str
    family_name: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def password_matches(self, password: str) -> bool:
        return hmac.compare_digest(password.encode("utf-8"), self.password.encode("utf-8"))


@dataclass(frozen=True)
class Account:
    """The account: settings, apps and users."""

    id: str
    main_number: str
    brand_id: str
    scim_enabled: bool
    apps: tuple[App, ...]
    users: tuple[User, ...]
    #: Licences left for new users ("Creating a user requires an unassigned extension"); None: no limit.
    unassigned_extensions: int | None = None

    def app(self, client_id: str) -> App | None:
        return next((a for a in self.apps if a.client_id == client_id), None)

    def user(self, extension_id: str) -> User | None:
        return next((u for u in self.users if u.extension_id == extension_id), None)

    @property
    def default_app(self) -> App:
        """The first app: the one ``mockrc serve --token`` tokens belong to."""
        return self.apps[0]

    @property
    def default_admin(self) -> User:
        """The first enabled administrator: who ``mockrc serve --token`` tokens act as."""
        return next(u for u in self.users if u.is_admin and u.enabled)

    def find_login(self, username: str, extension: str | None = None) -> User | None:
        """The user a sign-in name stands for, as RingCentral's password flow reads it.

        An email (case-insensitive); a direct number in E.164 format; the main number with an
        extension, either embedded (``+16505550100*101``) or in the deprecated ``extension``
        parameter; or the main number alone, which means the main company administrator.
        """
        name = username.strip()
        if "@" in name:
            folded = name.casefold()
            return next((u for u in self.users if u.email.casefold() == folded), None)
        number, _, embedded = name.partition("*")
        short = embedded or (extension or "").strip()
        phone = normalise_phone(number)
        if phone == self.main_number:
            if not short:
                return self.default_admin
            return next((u for u in self.users if u.extension_number == short), None)
        if short:
            return None
        return next((u for u in self.users if u.phone is not None and u.phone == phone), None)

    def user_by_jwt(self, assertion: str) -> User | None:
        """The user a JWT credential belongs to (compared exactly, in constant time)."""
        given = assertion.encode("utf-8")
        for user in self.users:
            if any(hmac.compare_digest(given, c.encode("utf-8")) for c in user.jwt_credentials):
                return user
        return None


def normalise_phone(value: str) -> str:
    """E.164 with a leading ``+``: spaces, dots, dashes and parentheses dropped."""
    digits = _PHONE_PUNCTUATION.sub("", value)
    return digits if digits.startswith("+") else f"+{digits}"


def is_loopback_uri(uri: str) -> bool:
    """An ``http`` URI on a loopback address (RFC 8252 §7.3: any port, any path; no fragment)."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme != "http" or not host or parts.fragment or parts.username is not None:
        return False
    return is_loopback_name(host)


# --- loading ------------------------------------------------------------------------------------


def load_account(path: str | os.PathLike[str] | None = None) -> Account:
    """The account in the JSON file ``path``, or the default account when ``path`` is None.

    Raises AccountError whose message starts with the file and names the field that is wrong.
    """
    if path is None:
        return _default_account()
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise AccountError(f"{where}: cannot read the account file: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        _bad(where, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}")
    return parse_account(document, where)


@cache
def _default_account() -> Account:
    """The built-in account, read once per process: an Account is immutable, so it is shared.

    Not checked against the account schema (a test does that, ``test_oauth_account.py``): the
    check would import jsonschema before ``mockrc serve``'s first answer (issue 12's 0.3 s).
    """
    text = fixture("accounts", "default.json").read_text(encoding="utf-8")
    return _build(json.loads(text), DEFAULT_ACCOUNT_FILE)


def parse_account(document: Any, where: str) -> Account:
    """Check ``document`` against the account schema and the account's own rules, and build it."""
    problems = validate("account", document)
    if problems:
        first = problems[0]
        _bad(where, first.field or "/", first.message)
    return _build(document, where)


def _build(document: Any, where: str) -> Account:
    """The account of the schema-valid ``document``, after the checks a schema cannot make."""
    apps = tuple(_app(doc) for doc in document["apps"])
    users = tuple(_user(doc) for doc in document["users"])
    account = Account(
        id=document["id"],
        main_number=document["mainNumber"],
        brand_id=document["brandId"],
        scim_enabled=document["scimEnabled"],
        apps=apps,
        users=users,
        unassigned_extensions=document.get("unassignedExtensions"),
    )
    _check_rules(account, where)
    return account


def _app(doc: Mapping[str, Any]) -> App:
    return App(
        name=doc["name"],
        client_id=doc["clientId"],
        client_secret=doc.get("clientSecret"),
        confidential=doc["confidential"],
        permissions=tuple(doc["permissions"]),
        grant_types=frozenset(doc["grantTypes"]),
        redirect_uris=tuple(doc["redirectUris"]),
        allow_loopback_redirects=doc["allowLoopbackRedirects"],
    )


def _user(doc: Mapping[str, Any]) -> User:
    return User(
        extension_id=doc["extensionId"],
        extension_number=doc["extensionNumber"],
        email=doc["email"],
        phone=doc.get("phone"),
        password=doc["password"],
        role=doc["role"],
        enabled=doc["enabled"],
        jwt_credentials=tuple(doc["jwtCredentials"]),
        given_name=doc["givenName"],
        family_name=doc["familyName"],
    )


def _check_rules(account: Account, where: str) -> None:
    """What a schema cannot say: uniqueness across items, and secrets that match the app type."""
    for index, app in enumerate(account.apps):
        if app.confidential and app.client_secret is None:
            _bad(where, f"/apps/{index}/clientSecret", "a confidential app needs a client secret")
        if not app.confidential and app.client_secret is not None:
            _bad(where, f"/apps/{index}/clientSecret", "a public app has no client secret")
    _unique(where, "apps", "clientId", (a.client_id for a in account.apps))
    _unique(where, "users", "extensionId", (u.extension_id for u in account.users))
    _unique(where, "users", "extensionNumber", (u.extension_number for u in account.users))
    _unique(where, "users", "email", (u.email.casefold() for u in account.users))
    for index, user in enumerate(account.users):
        if user.phone == account.main_number:
            _bad(where, f"/users/{index}/phone", "must not be the account's mainNumber")
    phones = [(i, u.phone) for i, u in enumerate(account.users) if u.phone is not None]
    seen_phones: dict[str, int] = {}
    for index, phone in phones:
        if phone in seen_phones:
            _bad(
                where, f"/users/{index}/phone", f"{phone!r} is also the phone of /users/{seen_phones[phone]}"
            )
        seen_phones[phone] = index
    owners: dict[str, int] = {}
    for index, user in enumerate(account.users):
        for position, credential in enumerate(user.jwt_credentials):
            if credential in owners:
                _bad(
                    where,
                    f"/users/{index}/jwtCredentials/{position}",
                    f"this credential also belongs to /users/{owners[credential]}",
                )
            owners[credential] = index
    if not any(u.is_admin and u.enabled for u in account.users):
        _bad(where, "/users", "needs at least one enabled user with role admin")


def _unique(where: str, collection: str, key: str, values: Iterable[str]) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            _bad(where, f"/{collection}/{index}/{key}", f"duplicates /{collection}/{seen[value]}/{key}")
        seen[value] = index


def _bad(where: str, field: str, problem: str) -> NoReturn:
    raise AccountError(f"{where}: {field}: {problem}")
