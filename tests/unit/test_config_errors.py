"""ConfigError: configuration mistakes (seed, scenario, state file, account, profile) are one kind of
error that the CLI reports as such; any other ValueError is a bug and is not dressed up as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockrc import mock_ringcentral
from mockrc.account import load_account
from mockrc.cli import main
from mockrc.errors import AccountError, ConfigError, ProfileError
from mockrc.persistence import StateFileError
from mockrc.profile import load_profile
from mockrc.scenarios.loader import ScenarioError, load_scenario
from mockrc.seed import SeedError, load_seed_file


def test_each_loader_raises_a_config_error_of_its_own(tmp_path: Path) -> None:
    assert issubclass(StateFileError, ConfigError)
    with pytest.raises(ProfileError, match="unknown profile 'nope'"):
        load_profile("nope")
    with pytest.raises(AccountError, match="cannot read the account file"):
        load_account(tmp_path / "missing.json")
    with pytest.raises(SeedError, match="unknown seed file"):
        load_seed_file("acne")
    (tmp_path / "twice.yaml").write_text("name: a\nname: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="key 'name' is given twice"):
        load_scenario(tmp_path / "twice.yaml")
    with pytest.raises(ConfigError, match="unknown profile"):
        mock_ringcentral(profile="nope").start()


def test_the_cli_reports_bad_configuration_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = str(tmp_path / "state.db")
    assert main(["users", "seed", "acne", "--state-file", state_file]) == 2
    assert "unknown seed file 'acne'" in capsys.readouterr().err


def test_a_value_error_that_is_not_configuration_is_not_reported_as_bad_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug inside the fake")

    monkeypatch.setattr("mockrc.seed.iter_generated_users", broken)
    with pytest.raises(ValueError, match="a bug inside the fake") as raised:
        main(["users", "seed", "3", "--state-file", str(tmp_path / "state.db")])
    assert not isinstance(raised.value, ConfigError)
    assert "mockrc users" not in capsys.readouterr().err
