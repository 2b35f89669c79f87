"""``mockrc scenarios|users|token``, ``--help`` everywhere, and settings from ``MOCKRC_*`` variables.

The commands run in this process (``mockrc.cli.main``); ``users`` and ``token`` against a state
file and against a live fake on a free loopback port.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mockrc.app import create_app
from mockrc.cli.main import main, parse_args
from mockrc.clock import FakeClock
from mockrc.scenarios.loader import shipped_scenarios
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.conformance.live_server import mockrc_serve
from tests.helpers import minimal_user

COMMANDS = [
    ["serve"],
    ["report"],
    ["scenarios"],
    ["scenarios", "list"],
    ["scenarios", "check"],
    ["users"],
    ["users", "list"],
    ["users", "export"],
    ["users", "seed"],
    ["token"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])

    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: mockrc {' '.join(command)}")


def test_the_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])

    out = capsys.readouterr().out
    for command in ("serve", "report", "scenarios", "users", "token"):
        assert command in out


# --- scenarios ---------------------------------------------------------------------------------------


def test_scenarios_list_names_each_shipped_scenario_and_what_it_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scenarios", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(shipped_scenarios())
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)


def test_scenarios_check_passes_good_files_and_lists_every_problem_of_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "teapot.yaml"
    good.write_text(
        "name: teapot\nsteps:\n  - {id: brew, when: {path: /scim/v2/Schemas}, respond: {status: 418}}\n"
    )
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\nsteps:\n  - {id: a, then_sate: x, respond: {status: 500}}\n")

    assert main(["scenarios", "check", str(good)]) == 0
    assert f"{good}: ok, scenario teapot (1 step, states started)" in capsys.readouterr().out
    assert main(["scenarios", "check", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "ok, scenario teapot" in captured.out
    assert "broken.yaml: cannot load the scenario" in captured.err
    assert "unknown key 'then_sate' (did you mean 'then_state'?)" in captured.err


# --- users and token on a state file ---------------------------------------------------------------


def test_users_seed_list_and_export_on_a_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = str(tmp_path / "dev.db")
    exported = tmp_path / "users.json"

    assert main(["users", "seed", "5", "--seed", "7", "--state-file", state_file]) == 0
    assert main(["users", "seed", "acme", "--state-file", state_file]) == 0
    assert capsys.readouterr().out.startswith(f"mockrc: 5 users added to {state_file}\n")
    assert main(["users", "list", "--state-file", state_file]) == 0
    listed = capsys.readouterr()
    assert main(["users", "export", "--state-file", state_file, "--output", str(exported)]) == 0

    rows = listed.out.splitlines()
    document = json.loads(exported.read_text())
    names = [user["userName"] for user in document["users"]]
    assert len(rows) == len(names) > 5
    assert listed.err.strip().endswith(f"{len(rows)} users")
    assert [row.split()[1] for row in rows] == names
    assert not any("id" in user or "meta" in user for user in document["users"])
    # The export is a seed file: a fake started with it has the same users again.
    again = MockState(Settings(users=(str(exported),)))
    assert [u.attributes["userName"] for u in again.users.store] == names


def test_a_token_minted_into_a_state_file_works_once_the_fake_serves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = str(tmp_path / "dev.db")

    assert main(["token", "--state-file", state_file]) == 0
    token = capsys.readouterr().out.strip()

    state = MockState(Settings(state_file=state_file))
    try:
        client = create_app(state).test_client()
        assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        assert state.state_file is not None
        state.state_file.close()


def test_a_token_minted_into_a_state_file_takes_no_http_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Minting is a domain call (``OAuthServer.mint``): no app, no test client, no route."""

    def no_app(*args: object, **kwargs: object) -> None:
        raise AssertionError("mockrc token --state-file built an app")

    monkeypatch.setattr("mockrc.app.create_app", no_app)
    monkeypatch.setattr("flask.Flask.test_client", no_app)

    assert main(["token", "--state-file", str(tmp_path / "t.db"), "--user", "102", "--json"]) == 0
    minted = json.loads(capsys.readouterr().out)

    assert (minted["owner_id"], minted["email"], minted["token_type"]) == (
        "100000002",
        "user@mockrc.test",
        "bearer",
    )


def test_commands_that_cannot_work_say_why_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nothing.db")
    assert main(["users", "list", "--state-file", missing]) == 2
    assert f"mockrc users: {missing}: no such state file" in capsys.readouterr().err

    held = MockState(Settings(state_file=str(tmp_path / "held.db")))
    try:
        assert main(["users", "list", "--state-file", str(tmp_path / "held.db")]) == 2
        assert "in use by another mockrc" in capsys.readouterr().err
    finally:
        assert held.state_file is not None
        held.state_file.close()

    assert main(["token", "--user", "nobody@example.com", "--state-file", str(tmp_path / "t.db")]) == 2
    assert "the account has no user 'nobody@example.com'" in capsys.readouterr().err


# --- users and token against a running fake --------------------------------------------------------


@pytest.fixture
def live() -> Iterator[tuple[str, MockState]]:
    state = MockState(Settings(tokens=("T",)), clock=FakeClock())
    with LiveServer(create_app(state)) as server:
        yield server.url, state


def test_users_and_token_against_a_running_fake(
    live: tuple[str, MockState], capsys: pytest.CaptureFixture[str]
) -> None:
    url, state = live
    requests.post(
        f"{url}/scim/v2/Users",
        json=minimal_user("a@example.com"),
        headers={"Authorization": "Bearer T"},
        timeout=10,
    )

    assert main(["users", "seed", "3", "--url", url]) == 0
    assert main(["users", "list", "--url", url]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert main(["token", "--url", url, "--user", "user@mockrc.test", "--json"]) == 0
    minted = json.loads(capsys.readouterr().out)

    assert len(rows) == 4
    assert rows[0].split()[1] == "a@example.com"
    assert len(state.users.store) == 4
    assert (minted["email"], minted["owner_id"]) == ("user@mockrc.test", "100000002")
    assert state.tokens.authenticate(minted["access_token"]).principal.owner_id == "100000002"


def test_a_fake_that_does_not_answer_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with LiveServer(create_app(MockState())) as server:
        url = server.url  # a port that was free a moment ago, now closed
    assert main(["users", "list", "--url", url]) == 2
    assert f"mockrc users: no fake answers at {url}" in capsys.readouterr().err


def test_a_fake_with_an_admin_key_needs_it(capsys: pytest.CaptureFixture[str]) -> None:
    state = MockState(Settings(admin_key="k3y"))
    with LiveServer(create_app(state)) as server:
        assert main(["users", "list", "--url", server.url]) == 2
        assert "answered 401" in capsys.readouterr().err
        assert main(["users", "list", "--url", server.url, "--admin-key", "k3y"]) == 0


# --- MOCKRC_* -----------------------------------------------------------------------------------------


def test_options_come_from_the_environment_and_the_command_line_wins() -> None:
    environ = {
        "MOCKRC_PORT": "9090",
        "MOCKRC_PROFILE": "scim",
        "MOCKRC_TOKEN": "a, b",
        "MOCKRC_RATE_LIMITS": "yes",
        "MOCKRC_STATE_FILE": "/tmp/x.db",
    }

    from_env = parse_args(["serve"], environ)
    both = parse_args(["serve", "--port", "1234", "--token", "c", "--profile", "ringcentral"], environ)

    assert (from_env.port, from_env.profile, from_env.token, from_env.rate_limits) == (
        9090,
        "scim",
        ["a", "b"],
        True,
    )
    assert from_env.state_file == "/tmp/x.db"
    assert (both.port, both.profile, both.token) == (1234, "ringcentral", ["c"])
    assert parse_args(["users", "list"], environ).state_file == "/tmp/x.db"
    assert parse_args(["serve"], {}).port == 8080


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("MOCKRC_PORT", "eighty", "MOCKRC_PORT='eighty': must be a whole number (it sets --port PORT)"),
        ("MOCKRC_PROFILE", "ldap", "MOCKRC_PROFILE='ldap': must be one of ringcentral, scim"),
        ("MOCKRC_RATE_LIMITS", "maybe", "MOCKRC_RATE_LIMITS='maybe': must be one of 0, 1, false, no, off"),
    ],
)
def test_a_bad_environment_value_stops_naming_the_variable(
    variable: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(["serve"], {variable: value})

    assert exit_.value.code == 2
    assert says in capsys.readouterr().err


def test_a_url_on_the_command_line_beats_a_state_file_from_the_environment() -> None:
    environ = {"MOCKRC_STATE_FILE": "/tmp/x.db"}

    assert parse_args(["users", "list", "--url", "http://127.0.0.1:9"], environ).state_file is None
    assert parse_args(["token"], environ).state_file == "/tmp/x.db"


# --- mockrc serve ------------------------------------------------------------------------------------


def test_the_ready_banner_says_where_and_how_to_connect(tmp_path: Path) -> None:
    state_file = tmp_path / "dev.db"
    with mockrc_serve("--state-file", str(state_file), "--scenario", "token-expiry") as (url, output):
        assert requests.get(f"{url}/__mockrc/ui", timeout=10).status_code == 200

    assert output[-1] == f"mockrc: serving RingCentral (profile ringcentral) at {url}"
    for line in (
        f"mockrc: base URL {url} (the server URL of RingCentral's SDKs, Postman)",
        f"mockrc: SCIM base URL {url}/scim/v2 (an identity provider's Tenant URL)",
        "mockrc: bearer tokens accepted: mockrc-admin-token (an identity provider's Secret Token)",
        f"mockrc: OAuth token URL {url}/restapi/oauth/token (client_id mockrc-client-id, "
        "client_secret mockrc-client-secret, account_id 400000001 for client_credentials)",
        "mockrc: sign in as admin@mockrc.test, password mockrc-admin-password, JWT mockrc-admin-jwt",
        "mockrc: profile ringcentral, scenarios: token-expiry",
        f"mockrc: state file {state_file}: 0 users (kept across restarts; start 1)",
        f"mockrc: dashboard {url}/__mockrc/ui",
    ):
        assert line in output


def test_binding_beyond_loopback_needs_saying_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--host 0.0.0.0 is not a loopback address" in capsys.readouterr().err


def test_a_fake_reachable_from_the_network_protects_its_control_plane_with_the_printed_key() -> None:
    with mockrc_serve("--host", "0.0.0.0", "--allow-remote", "--admin-key", "k3y") as (url, output):
        port = url.rsplit(":", 1)[1]
        local = f"http://127.0.0.1:{port}"
        refused = requests.get(f"{local}/__mockrc/journal", timeout=10)
        allowed = requests.get(f"{local}/__mockrc/journal", headers={"X-Mockrc-Admin-Key": "k3y"}, timeout=10)
        health = requests.get(f"{local}/__mockrc/health", timeout=10)

    assert (refused.status_code, allowed.status_code, health.status_code) == (401, 200, 200)
    assert (
        "mockrc: reachable from the network: /__mockrc needs the admin key k3y (header X-Mockrc-Admin-Key)"
        in output
    )
    assert f"mockrc: dashboard {url}/__mockrc/ui?key=k3y" in output


def test_the_install_page_shows_the_banner_as_mockrc_serve_prints_it() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "install.md").read_text(encoding="utf-8")
    shown = page.split("prints where it answers and how to connect:\n\n```text\n", 1)[1].split("```", 1)[0]

    with mockrc_serve() as (url, output):
        pass

    assert [line.replace(url, "http://127.0.0.1:8080") for line in output] == shown.splitlines()


def test_the_journal_byte_bound_comes_from_the_option_or_the_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert parse_args(["serve"], {}).journal_bytes == Settings.journal_bytes
    assert parse_args(["serve", "--journal-bytes", "16M"], {}).journal_bytes == 16 * 1024**2
    assert parse_args(["serve"], {"MOCKRC_JOURNAL_BYTES": "512k"}).journal_bytes == 512 * 1024
    with pytest.raises(SystemExit):
        parse_args(["serve"], {"MOCKRC_JOURNAL_BYTES": "lots"})
    assert "MOCKRC_JOURNAL_BYTES='lots'" in capsys.readouterr().err
