"""The account model: the default account's documented values, sign-in names, and the file loader."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mockrc.account import GRANT_TYPES, is_loopback_uri, load_account, parse_account
from mockrc.cli import main
from mockrc.resources import load_json_fixture


@pytest.fixture
def document() -> dict[str, Any]:
    return copy.deepcopy(load_json_fixture("accounts", "default.json"))


def test_the_default_account_passes_the_account_schema(document: dict[str, Any]) -> None:
    # The built-in account is loaded without this check at start (mockrc.account._default_account).
    assert parse_account(document, "default.json") == load_account()


def test_the_default_account_has_the_documented_app() -> None:
    account = load_account()
    app = account.app("mockrc-client-id")

    assert app is not None
    assert app.client_secret == "mockrc-client-secret"
    assert app.confidential
    assert app.permissions == ("ReadAccounts", "EditAccounts")
    assert app.grant_types == frozenset(GRANT_TYPES)
    assert app.redirect_uris == ("http://localhost:8080/callback",)
    assert app.accepts_redirect_uri("http://127.0.0.1:53682/")


def test_the_default_account_has_the_documented_users() -> None:
    account = load_account()
    admin = account.find_login("admin@mockrc.test")
    user = account.find_login("user@mockrc.test")

    assert admin is not None and user is not None
    assert (admin.is_admin, admin.enabled, admin.jwt_credentials) == (True, True, ("mockrc-admin-jwt",))
    assert admin.password_matches("mockrc-admin-password")
    assert (user.is_admin, user.enabled, user.jwt_credentials) == (False, True, ("mockrc-user-jwt",))
    assert user.password_matches("mockrc-user-password")
    assert account.scim_enabled
    assert account.default_admin is admin


@pytest.mark.parametrize(
    ("username", "extension", "email"),
    [
        ("Admin@MockRC.test", None, "admin@mockrc.test"),
        ("+16505550102", None, "user@mockrc.test"),
        ("+1 (650) 555-0102", None, "user@mockrc.test"),
        ("16505550102", None, "user@mockrc.test"),
        ("+16505550100*102", None, "user@mockrc.test"),
        ("+16505550100", "102", "user@mockrc.test"),
        # RingCentral: the company number without an extension is the main company administrator.
        ("+16505550100", None, "admin@mockrc.test"),
    ],
)
def test_sign_in_names_as_ringcentral_reads_them(username: str, extension: str | None, email: str) -> None:
    user = load_account().find_login(username, extension)

    assert user is not None and user.email == email


@pytest.mark.parametrize(
    ("username", "extension"),
    [
        ("nobody@mockrc.test", None),
        ("+16505550199", None),
        ("+16505550100*999", None),
        ("+16505550102*101", None),
    ],
)
def test_unknown_sign_in_names_find_nobody(username: str, extension: str | None) -> None:
    assert load_account().find_login(username, extension) is None


def test_jwt_credentials_are_matched_exactly() -> None:
    account = load_account()

    assert account.user_by_jwt("mockrc-user-jwt") is account.find_login("user@mockrc.test")
    assert account.user_by_jwt("MOCKRC-USER-JWT") is None
    assert account.user_by_jwt("mockrc-user-jwt ") is None


@pytest.mark.parametrize(
    ("uri", "loopback"),
    [
        ("http://127.0.0.1:8000/callback", True),
        ("http://127.0.0.1/", True),
        ("http://127.8.9.10:1/x?y=1", True),
        ("http://[::1]:9000/cb", True),
        ("http://localhost:3000/auth/callback", True),
        ("https://127.0.0.1/cb", False),
        ("http://127.0.0.1/cb#fragment", False),
        ("http://user@127.0.0.1/cb", False),
        ("http://example.com/cb", False),
        ("http://127.0.0.1.example.com/cb", False),
        ("http://127.0.0.1:99999/cb", False),
        ("not a uri", False),
    ],
)
def test_loopback_redirect_uris_follow_rfc_8252(uri: str, loopback: bool) -> None:
    assert is_loopback_uri(uri) is loopback


def test_an_app_without_loopback_accepts_only_its_registered_uris(document: dict[str, Any]) -> None:
    document["apps"][0]["allowLoopbackRedirects"] = False
    app = parse_account(document, "x.json").default_app

    assert app.accepts_redirect_uri("http://localhost:8080/callback")
    assert not app.accepts_redirect_uri("http://localhost:8080/callback/")
    assert not app.accepts_redirect_uri("http://127.0.0.1:8080/callback")


# --- the loader's errors name the file and the field -----------------------------------------


def _break(document: dict[str, Any], change: str) -> None:
    if change == "no apps":
        del document["apps"]
    elif change == "bad role":
        document["users"][1]["role"] = "owner"
    elif change == "unknown key":
        document["users"][0]["nickname"] = "ada"
    elif change == "duplicate email":
        document["users"][1]["email"] = "ADMIN@mockrc.test"
    elif change == "confidential without secret":
        del document["apps"][0]["clientSecret"]
    elif change == "public with secret":
        document["apps"][0]["confidential"] = False
    elif change == "no admin":
        document["users"][0]["role"] = "standard"
    elif change == "shared jwt":
        document["users"][1]["jwtCredentials"] = ["mockrc-admin-jwt"]
    elif change == "bad grant":
        document["apps"][0]["grantTypes"].append("implicit")
    elif change == "duplicate extension number":
        document["users"][1]["extensionNumber"] = "101"
    elif change == "main number as phone":
        document["users"][1]["phone"] = "+16505550100"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("no apps", 'acct.json: /apps: "apps" is required'),
        ("bad role", 'acct.json: /users/1/role: "owner" is not one of ["admin", "standard"]'),
        ("unknown key", 'acct.json: /users/0/nickname: "nickname" is not allowed here'),
        ("duplicate email", "acct.json: /users/1/email: duplicates /users/0/email"),
        (
            "confidential without secret",
            "acct.json: /apps/0/clientSecret: a confidential app needs a client secret",
        ),
        ("public with secret", "acct.json: /apps/0/clientSecret: a public app has no client secret"),
        ("no admin", "acct.json: /users: needs at least one enabled user with role admin"),
        ("shared jwt", "acct.json: /users/1/jwtCredentials/0: this credential also belongs to /users/0"),
        ("bad grant", "acct.json: /apps/0/grantTypes/5: "),
        (
            "duplicate extension number",
            "acct.json: /users/1/extensionNumber: duplicates /users/0/extensionNumber",
        ),
        ("main number as phone", "acct.json: /users/1/phone: must not be the account's mainNumber"),
    ],
)
def test_a_bad_account_names_the_file_and_the_field(
    document: dict[str, Any], change: str, expected: str
) -> None:
    _break(document, change)

    with pytest.raises(ValueError) as caught:
        parse_account(document, "acct.json")

    assert str(caught.value).startswith(expected)


def test_an_account_file_is_loaded_from_disk(tmp_path: Path, document: dict[str, Any]) -> None:
    document["scimEnabled"] = False
    path = tmp_path / "account.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    assert load_account(path).scim_enabled is False


def test_a_file_that_is_not_json_names_the_file_and_where(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": "1",\n  nope}', encoding="utf-8")

    with pytest.raises(ValueError, match=r"broken\.json: line 2, column 3: not valid JSON"):
        load_account(path)


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing\.json: cannot read the account file"):
        load_account(tmp_path / "missing.json")


def test_mockrc_serve_refuses_a_bad_account_file_naming_it(
    tmp_path: Path, document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    document["users"][0]["enabled"] = "yes"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    assert main(["serve", "--port", "0", "--account", str(path)]) == 2

    assert capsys.readouterr().err == f'mockrc: {path}: /users/0/enabled: "yes" is not of type boolean\n'
