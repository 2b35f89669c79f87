"""mockrc.accounts: the accounts of one server, with no HTTP (issue 13)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mockrc.accounts import AccountRequest, Accounts, generated_account, parse_request
from mockrc.clock import FakeClock
from mockrc.errors import Conflict, InvalidValue, NotFound
from mockrc.persistence import account_document
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import ViolationLog
from tests.helpers import entra_user


def accounts(**settings: object) -> Accounts:
    return Accounts(MockState(Settings(**settings), clock=FakeClock()))  # type: ignore[arg-type]


def test_every_value_an_account_issues_names_it() -> None:
    server = accounts()
    key, state, credentials = server.create(AccountRequest())
    assert credentials.token is not None
    assert server.by_credential(credentials.token) is state
    issued = state.oauth.mint(None, None, 3600)
    assert server.by_credential(issued.access_token) is state
    assert server.by_client_id(credentials.client_id) is state
    assert server.by_client_id("mockrc-client-id") is server.default
    assert server.by_client_id("nobody") is None
    # Values that name no account: the default account's own, anything else, a forged id.
    assert server.by_credential(server.default.issue_admin_token()) is None
    for value in ("", ".", "mockrc-at-.x", "mockrc-at-ZZZZZZZZZZZZ.x", f"mockrc-at-{key}x.y", "a.b.c"):
        assert server.by_credential(value) is None


def test_the_default_accounts_values_are_unchanged() -> None:
    """A one-account fake issues what it always has: no account id in its values."""
    state = MockState(Settings(), clock=FakeClock())
    assert "." not in state.issue_admin_token()
    assert "." not in state.oauth.mint(None, None, 3600).access_token


def test_accounts_of_the_same_seed_issue_different_values() -> None:
    server = accounts()
    _, first, _ = server.create(AccountRequest(seed=1))
    _, second, _ = server.create(AccountRequest(seed=1))
    assert first.oauth.mint(None, None, 60).access_token != second.oauth.mint(None, None, 60).access_token


def test_generated_accounts_share_no_credential() -> None:
    first, second = generated_account("0123456789ab"), generated_account("0123456789ac")
    assert first.default_app.client_id != second.default_app.client_id
    assert first.default_app.client_secret != second.default_app.client_secret
    assert first.default_admin.email != second.default_admin.email
    assert first.default_admin.password != second.default_admin.password
    assert set(first.default_admin.jwt_credentials).isdisjoint(second.default_admin.jwt_credentials)
    assert first.id != second.id


def test_names_another_account_holds_are_refused() -> None:
    server = accounts()
    document = account_document(server.default.account)
    with pytest.raises(Conflict, match="mockrc-client-id"):
        server.create(parse_request({"account": document}))
    document["apps"][0]["clientId"] = "mine"
    with pytest.raises(Conflict, match="email"):
        server.create(parse_request({"account": document}))
    assert len(server) == 1


def test_delete() -> None:
    server = accounts()
    key, _, credentials = server.create(AccountRequest())
    server.delete(key)
    assert server.get(key) is None
    assert credentials.token is not None and server.by_credential(credentials.token) is None
    assert server.by_client_id(credentials.client_id) is None
    with pytest.raises(NotFound):
        server.delete(key)
    with pytest.raises(Conflict):
        server.delete("default")
    # Its names are free again.
    server.create(parse_request({"account": account_document(generated_account(key))}))


def test_parse_request_refuses_paths_on_the_server() -> None:
    with pytest.raises(InvalidValue, match="/scenarios/0"):
        parse_request({"scenarios": ["../secrets.yaml"]})
    with pytest.raises(InvalidValue, match="/users"):
        parse_request({"users": ["fixtures/seed/acme.yaml"]})


def test_threads_create_use_and_delete_accounts() -> None:
    server = accounts()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                key, state, credentials = server.create(AccountRequest())
                assert credentials.token is not None and server.by_credential(credentials.token) is state
                state.users.create(entra_user(f"{key}@example.com"), ViolationLog())
                assert len(state.users.store) == 1
                server.delete(key)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(server) == 1


def test_accounts_come_back_from_a_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = MockState(Settings(state_file=str(path)), clock=FakeClock())
    server = Accounts(first)
    key, state, credentials = server.create(parse_request({"users": 2}))
    other, _, _ = server.create(AccountRequest())
    state.users.create(entra_user("kept@example.com"), ViolationLog())
    state.state_file.commit()  # type: ignore[union-attr] # what the app does after every request
    server.delete(other)
    server.close()
    assert first.state_file is not None
    first.state_file.close()

    again = MockState(Settings(state_file=str(path)), clock=FakeClock())
    restored = Accounts(again)
    assert [a.id for a in restored] == ["default", key]
    back = restored.get(key)
    assert back is not None
    assert "kept@example.com" in [u.attributes["userName"] for u in back.users.store]
    assert len(back.users.store) == 3
    assert restored.credentials(key) == credentials
    assert credentials.token is not None and restored.by_credential(credentials.token) is back
    assert back.tokens.authenticate(credentials.token).principal.is_admin
    # A reset of the account goes back to its own seed, and leaves the default account alone.
    again.users.create(entra_user("default@example.com"), ViolationLog())
    back.reset()
    assert len(back.users.store) == 2
    assert len(again.users.store) == 1
    restored.close()
    again.state_file.close()  # type: ignore[union-attr]
