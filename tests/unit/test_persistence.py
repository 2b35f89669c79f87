"""``--state-file``: what a restart finds (users, tokens, sessions, account, licences) and what it refuses.

Each "restart" closes the state file and builds a new MockState on it, as a new ``mockrc serve``
process would; requests go through the real app (Flask's test client), so every write takes the
same path as on the server: the view, then the commit before the answer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockrc.app import create_app
from mockrc.cli import main
from mockrc.clock import FakeClock
from mockrc.persistence import APPLICATION_ID, StateFileError
from mockrc.settings import Settings
from mockrc.state import MockState
from tests.helpers import minimal_user, patch

TOKEN = "static-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CLIENT = ("mockrc-client-id", "mockrc-client-secret")
JWT_LOGIN = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "mockrc-admin-jwt"}


@contextmanager
def started(path: Path, **settings: Any) -> Iterator[tuple[MockState, FlaskClient]]:
    """One run of a fake on the state file ``path``; leaving the block is the process stopping."""
    options = {"tokens": (TOKEN,), "state_file": str(path), **settings}
    state = MockState(Settings(**options), clock=FakeClock())
    try:
        yield state, create_app(state).test_client()
    finally:
        assert state.state_file is not None
        state.state_file.close()


def sign_in(client: FlaskClient) -> dict[str, Any]:
    basic = {"Authorization": "Basic bW9ja3JjLWNsaWVudC1pZDptb2NrcmMtY2xpZW50LXNlY3JldA=="}
    answer = client.post("/restapi/oauth/token", data=JWT_LOGIN, headers=basic)
    assert answer.status_code == 200, answer.json
    return answer.json


def users_of(client: FlaskClient, token: str = TOKEN) -> list[dict[str, Any]]:
    answer = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.json
    return answer.json["Resources"]


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "mockrc.db"


def test_users_come_back_exactly_as_they_were_in_creation_order(state_path: Path) -> None:
    with started(state_path) as (_, client):
        ids = [
            client.post("/scim/v2/Users", json=minimal_user(f"u{n}@example.com"), headers=AUTH).json["id"]
            for n in range(4)
        ]
        disable = patch({"op": "replace", "path": "active", "value": False})
        assert client.patch(f"/scim/v2/Users/{ids[1]}", json=disable, headers=AUTH).status_code == 200
        assert client.delete(f"/scim/v2/Users/{ids[2]}", headers=AUTH).status_code == 204
        before = users_of(client)

    with started(state_path) as (state, client):
        after = users_of(client)
        assert after == before
        assert [u["id"] for u in after] == [ids[0], ids[1], ids[3]]
        assert after[1]["active"] is False
        assert state.users.get(ids[1]).version == 2
        # The indexes are rebuilt too: filters and uniqueness see the restored users.
        found = client.get(
            "/scim/v2/Users", query_string={"filter": 'userName eq "U3@example.com"'}, headers=AUTH
        )
        assert [u["id"] for u in found.json["Resources"]] == [ids[3]]
        again = client.post("/scim/v2/Users", json=minimal_user("u0@example.com"), headers=AUTH)
        assert again.status_code == 409


def test_a_restart_never_hands_out_an_id_again_not_even_a_deleted_users(state_path: Path) -> None:
    with started(state_path) as (_, client):
        ids = [
            client.post("/scim/v2/Users", json=minimal_user(f"u{n}@example.com"), headers=AUTH).json["id"]
            for n in range(3)
        ]
        client.delete(f"/scim/v2/Users/{ids[-1]}", headers=AUTH)
    for run in range(2):
        with started(state_path) as (_, client):
            created = client.post("/scim/v2/Users", json=minimal_user(f"new{run}@example.com"), headers=AUTH)
            assert created.status_code == 201
            assert int(created.json["id"]) > max(int(i) for i in ids)
            ids.append(created.json["id"])


@pytest.mark.parametrize("profile", ["ringcentral", "scim"])
def test_ids_and_token_values_of_a_restart_differ_from_the_first_starts(
    state_path: Path, profile: str
) -> None:
    def one_run() -> tuple[str, str]:
        with started(state_path, profile=profile) as (_, client):
            user = client.post("/scim/v2/Users", json=minimal_user(f"{profile}@example.com"), headers=AUTH)
            client.delete(f"/scim/v2/Users/{user.json['id']}", headers=AUTH)
            return user.json["id"], sign_in(client)["access_token"]

    first, second = one_run(), one_run()
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_access_and_refresh_tokens_outlive_a_restart_and_revocations_stick(state_path: Path) -> None:
    with started(state_path) as (_, client):
        kept = sign_in(client)
        revoked = sign_in(client)
        basic = {"Authorization": "Basic bW9ja3JjLWNsaWVudC1pZDptb2NrcmMtY2xpZW50LXNlY3JldA=="}
        client.post("/restapi/oauth/revoke", data={"token": revoked["access_token"]}, headers=basic)

    with started(state_path) as (_, client):
        assert users_of(client, kept["access_token"]) == []
        refused = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {revoked['access_token']}"})
        assert (refused.status_code, refused.json["detail"]) == (401, "Token not found")
        refreshed = client.post(
            "/restapi/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": kept["refresh_token"]},
            headers=basic,
        )
        assert refreshed.status_code == 200, refreshed.json
        replaced = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {kept['access_token']}"})
        assert replaced.status_code == 401

    with started(state_path) as (_, client):
        # The refresh of the previous run is in the file: its tokens work, the old refresh token
        # is used (answered again only within RingCentral's grace, which the fake clock keeps).
        assert users_of(client, refreshed.json["access_token"]) == []
        reused = client.post(
            "/restapi/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refreshed.json["refresh_token"]},
            headers=basic,
        )
        assert reused.status_code == 200


def test_static_tokens_belong_to_the_command_line_not_to_the_file(state_path: Path) -> None:
    with started(state_path) as (_, client):
        assert users_of(client) == []
    with started(state_path, tokens=("another",)) as (_, client):
        refused = client.get("/scim/v2/Users", headers=AUTH)
        assert (refused.status_code, refused.json["detail"]) == (401, "OAuth token is invalid")


def test_minted_tokens_are_kept(state_path: Path) -> None:
    with started(state_path) as (_, client):
        minted = client.post("/__mockrc/tokens", json={"user": "admin@mockrc.test"}).json
    with started(state_path) as (_, client):
        assert users_of(client, minted["access_token"]) == []


def _custom_account(tmp_path: Path, client_id: str, licences: int | None = None) -> Path:
    document = json.loads(Path("fixtures/accounts/default.json").read_text())
    document["apps"][0]["clientId"] = client_id
    if licences is not None:
        document["unassignedExtensions"] = licences
    path = tmp_path / f"{client_id}.json"
    path.write_text(json.dumps(document))
    return path


def test_the_account_is_kept_and_an_account_given_again_wins(state_path: Path, tmp_path: Path) -> None:
    with started(state_path, account=str(_custom_account(tmp_path, "first-app"))) as (state, _):
        assert state.account.default_app.client_id == "first-app"
    with started(state_path) as (state, _):
        assert state.account.default_app.client_id == "first-app"
    with started(state_path, account=str(_custom_account(tmp_path, "second-app"))) as (state, _):
        assert state.account.default_app.client_id == "second-app"
    with started(state_path) as (state, _):
        assert state.account.default_app.client_id == "second-app"


def test_licences_left_are_kept(state_path: Path, tmp_path: Path) -> None:
    account = str(_custom_account(tmp_path, "app", licences=2))
    with started(state_path, account=account) as (_, client):
        assert (
            client.post("/scim/v2/Users", json=minimal_user("a@example.com"), headers=AUTH).status_code == 201
        )
    with started(state_path) as (state, client):
        assert state.users.unassigned_extensions == 1
        assert (
            client.post("/scim/v2/Users", json=minimal_user("b@example.com"), headers=AUTH).status_code == 201
        )
        assert (
            client.post("/scim/v2/Users", json=minimal_user("c@example.com"), headers=AUTH).status_code == 403
        )


def test_seed_users_are_written_once_and_a_restart_keeps_what_clients_did(state_path: Path) -> None:
    with started(state_path, users=(3,)) as (_, client):
        seeded = users_of(client)
        assert len(seeded) == 3
        client.delete(f"/scim/v2/Users/{seeded[0]['id']}", headers=AUTH)
    with started(state_path, users=(3,)) as (_, client):
        assert users_of(client) == seeded[1:]


def test_a_reset_empties_the_file_too(state_path: Path) -> None:
    with started(state_path) as (_, client):
        client.post("/scim/v2/Users", json=minimal_user("a@example.com"), headers=AUTH)
        token = sign_in(client)["access_token"]
        assert client.post("/__mockrc/reset", json={}).status_code == 200
        client.post("/scim/v2/Users", json=minimal_user("after@example.com"), headers=AUTH)
    with started(state_path) as (_, client):
        assert [u["userName"] for u in users_of(client)] == ["after@example.com"]
        assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_refused_request_writes_nothing(state_path: Path) -> None:
    with started(state_path) as (_, client):
        client.post("/scim/v2/Users", json=minimal_user("a@example.com"), headers=AUTH)
        bad = minimal_user("b@example.com", userName="not-the-work-email@example.com")
        assert client.post("/scim/v2/Users", json=bad, headers=AUTH).status_code == 400
    with closing(sqlite3.connect(state_path)) as db:
        rows = db.execute("SELECT attributes FROM users").fetchall()
    assert [json.loads(a)["userName"] for (a,) in rows] == ["a@example.com"]


def test_one_file_serves_one_fake_at_a_time(state_path: Path) -> None:
    with started(state_path), pytest.raises(StateFileError, match="in use by another mockrc"):
        MockState(Settings(state_file=str(state_path)))
    with started(state_path) as (state, _):
        assert state.state_file is not None


def test_a_file_of_another_profile_is_refused_naming_it(state_path: Path) -> None:
    with started(state_path, profile="scim"):
        pass
    with pytest.raises(StateFileError, match=r"holds users of profile 'scim'.*--profile scim"):
        MockState(Settings(state_file=str(state_path)))


def test_a_file_that_is_not_a_state_file_is_refused(state_path: Path) -> None:
    state_path.write_text("this is not a database\n" * 100)
    with pytest.raises(StateFileError, match="cannot use the state file"):
        MockState(Settings(state_file=str(state_path)))


def test_a_file_of_another_format_version_is_refused(state_path: Path) -> None:
    with started(state_path):
        pass
    with closing(sqlite3.connect(state_path)) as db, db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(StateFileError, match="format version 99"):
        MockState(Settings(state_file=str(state_path)))


def test_without_a_state_file_nothing_is_written_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    state = MockState(Settings(tokens=(TOKEN,)), clock=FakeClock())
    client = create_app(state).test_client()
    assert client.post("/scim/v2/Users", json=minimal_user("a@example.com"), headers=AUTH).status_code == 201
    assert state.state_file is None
    assert list(tmp_path.iterdir()) == []


def test_another_programs_database_is_refused(state_path: Path) -> None:
    with closing(sqlite3.connect(state_path)) as db, db:
        db.execute("CREATE TABLE meta (k TEXT)")
    with pytest.raises(StateFileError, match=r"not a mockrc state file \(it holds meta\)"):
        MockState(Settings(state_file=str(state_path)))


def _schema(path: Path) -> tuple[int, str, list[tuple[str, str]]]:
    """What a database says of itself: application id, journal mode, tables."""
    with closing(sqlite3.connect(path)) as db:
        (application_id,) = db.execute("PRAGMA application_id").fetchone()
        (journal_mode,) = db.execute("PRAGMA journal_mode").fetchone()
        tables = db.execute("SELECT type, name FROM sqlite_master ORDER BY name").fetchall()
        return application_id, journal_mode, tables


def test_another_programs_database_is_refused_naming_it_and_left_as_it_was(state_path: Path) -> None:
    with closing(sqlite3.connect(state_path)) as db, db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO orders (total) VALUES (9.5)")
    before = _schema(state_path)

    with pytest.raises(StateFileError) as refused:
        MockState(Settings(state_file=str(state_path)))

    assert str(refused.value).startswith(
        f"{state_path}: not a mockrc state file (it holds customers, orders); mockrc does not add its "
        "tables to another program's database"
    )
    assert _schema(state_path) == before
    with closing(sqlite3.connect(state_path)) as db:
        assert db.execute("SELECT total FROM orders").fetchall() == [(9.5,)]


def test_a_database_marked_as_another_program_s_is_refused_even_with_mockrc_s_tables(
    state_path: Path,
) -> None:
    with started(state_path):
        pass
    with closing(sqlite3.connect(state_path)) as db:
        db.execute("PRAGMA application_id = 1234")

    with pytest.raises(StateFileError, match=r"not a mockrc state file \(its application id is 0x4d2"):
        MockState(Settings(state_file=str(state_path)))


def test_a_new_file_is_marked_as_mockrc_s_and_a_file_of_an_earlier_mockrc_is_adopted(
    state_path: Path,
) -> None:
    with started(state_path) as (_, client):
        client.post("/scim/v2/Users", json=minimal_user("kept@example.com"), headers=AUTH)
    assert _schema(state_path)[0] == APPLICATION_ID == int.from_bytes(b"mkrc", "big")
    with closing(sqlite3.connect(state_path)) as db:
        db.execute("PRAGMA application_id = 0")  # as an earlier mockrc wrote it

    with started(state_path) as (_, client):
        assert [u["userName"] for u in users_of(client)] == ["kept@example.com"]
    assert _schema(state_path)[0] == APPLICATION_ID


_UNREADABLE = [
    (table, column, key, stored)
    for table, column, key in [
        ("users", "attributes", None),
        ("tokens", "token", None),
        ("sessions", "session", None),
        ("refresh_tokens", "record", None),
        ("meta", "value", "account"),
        ("meta", "value", "high_water"),
    ]
    for stored in ["{not json", "[1, 2]", *([] if table == "users" else ['{"unexpected": true}'])]
]


@pytest.mark.parametrize(("table", "column", "key", "stored"), _UNREADABLE)
def test_a_row_that_cannot_be_read_stops_the_start_naming_file_table_and_row(
    state_path: Path, table: str, column: str, key: str | None, stored: str
) -> None:
    with started(state_path) as (_, client):
        client.post("/scim/v2/Users", json=minimal_user("a@example.com"), headers=AUTH)
        sign_in(client)
    where = "key = ?" if key else "rowid = (SELECT min(rowid) FROM " + table + ")"
    with closing(sqlite3.connect(state_path)) as db, db:
        row_key = key or db.execute(f"SELECT * FROM {table} ORDER BY rowid LIMIT 1").fetchone()[0]
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (stored, *([key] if key else [])))

    with pytest.raises(StateFileError) as refused:
        MockState(Settings(tokens=(TOKEN,), state_file=str(state_path)), clock=FakeClock())

    assert str(refused.value).startswith(f"{state_path}: table {table}, row {row_key!r} cannot be read (")
    assert "start with a new --state-file" in str(refused.value)


@pytest.mark.parametrize(
    "command", [["serve", "--port", "0"], ["users", "list"], ["token"]], ids=["serve", "users", "token"]
)
def test_the_cli_refuses_another_programs_database_with_status_2_naming_it(
    state_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(state_path)) as db, db:
        db.execute("CREATE TABLE notes (body TEXT)")
    before = _schema(state_path)

    assert main([*command, "--state-file", str(state_path)]) == 2

    error = capsys.readouterr().err
    assert f"{state_path}: not a mockrc state file (it holds notes)" in error
    assert "use --url" not in error  # nothing to do with a running fake
    assert _schema(state_path) == before
