"""The data folders are data: no Python in them, one loader finds them, test-only payloads stay in tests/.

What a wheel carries is checked by test_wheel.py on a built wheel; these checks need no build.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from mockrc.resources import data_folder, fixture, scenario_data
from mockrc.scenarios.loader import load_scenario
from mockrc.scenarios.model import Respond

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["fixtures", "scenarios"])
def test_the_data_folders_hold_no_python(name: str) -> None:
    assert sorted(str(p.relative_to(ROOT)) for p in (ROOT / name).rglob("*.py")) == []


def test_import_fixtures_does_not_find_the_data_folder_as_a_package() -> None:
    # With an __init__.py in fixtures/, tests run from the checkout imported it for the PyPI
    # package "fixtures". A folder without one is at most a namespace portion, which any
    # installed package of that name outranks.
    for name in ("fixtures", "scenarios"):
        spec = importlib.util.find_spec(name) if name not in sys.modules else sys.modules[name].__spec__
        assert spec is None or spec.origin is None, (name, spec)


@pytest.mark.parametrize("name", ["fixtures", "scenarios"])
def test_a_checkout_reads_its_data_folders_where_they_are(name: str) -> None:
    # An editable install runs the checkout's code: an edit to fixtures/ is seen without reinstalling.
    assert Path(str(data_folder(name))) == ROOT / name  # type: ignore[arg-type]


def test_the_loader_reaches_every_kind_of_data_file() -> None:
    assert fixture("profiles", "ringcentral.json").is_file()
    assert fixture("schemas", "mockrc", "scenario.schema.json").is_file()
    assert fixture("accounts", "default.json").is_file()
    assert fixture("seed", "acme.yaml").is_file()
    assert fixture("oauth", "account.schema.json").is_file()
    assert scenario_data("auth-failure.yaml").is_file()
    assert scenario_data("bodies", "oauth-invalid-client.json").is_file()


def test_test_only_samples_live_under_tests() -> None:
    assert not (ROOT / "fixtures" / "samples").exists()
    assert len(list((ROOT / "tests" / "samples").glob("*.json"))) >= 27


def test_a_shipped_scenario_s_body_file_is_relative_to_its_own_folder() -> None:
    # auth-failure.yaml says body_file: bodies/oauth-invalid-client.json, next to it in scenarios/.
    text = (ROOT / "scenarios" / "auth-failure.yaml").read_text(encoding="utf-8")
    assert "body_file: bodies/oauth-invalid-client.json" in text
    body = (ROOT / "scenarios" / "bodies" / "oauth-invalid-client.json").read_bytes()
    assert load_scenario("auth-failure").steps[0].action == Respond(
        400, (("Cache-Control", "no-store"), ("Pragma", "no-cache")), body, "json"
    )
