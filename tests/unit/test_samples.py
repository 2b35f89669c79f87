"""Sample payloads (RFC examples, Entra ID's real shapes, known-bad bodies) against every profile.

Each ``tests/samples/<source>-<what>.json`` is a request body exactly as a client sends it; what
each profile must report for it (normaliser warnings and errors, then validation errors) is in
``tests/samples/expectations.json``, kept apart so that the samples stay real payloads. They are
test data, so they live under ``tests/`` and never ship in the wheel.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mockrc.profile import available_profiles, load_profile
from mockrc.scim.normalise import normalise_user
from mockrc.validation import Validator
from mockrc.violations import ViolationLog

FOLDER = Path(__file__).resolve().parents[1] / "samples"
EXPECTATIONS: dict[str, Any] = json.loads((FOLDER / "expectations.json").read_text(encoding="utf-8"))
SAMPLES = sorted(
    e.name for e in FOLDER.iterdir() if e.name.endswith(".json") and e.name != "expectations.json"
)
NAME = re.compile(r"^(rfc7643-[\d.]+|rfc7644-[\d.]+|entra|ringcentral-net|compat|bad)-[a-z0-9.-]+\.json$")


def test_every_sample_has_an_expectation_and_every_expectation_a_sample() -> None:
    assert sorted(EXPECTATIONS) == SAMPLES


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_are_named_source_then_what_and_say_what_they_are(name: str) -> None:
    assert NAME.match(name), name
    expectation = EXPECTATIONS[name]
    assert expectation["about"]
    assert expectation["kind"] in ("user", "patch", "search")
    assert set(expectation["violations"]) == set(available_profiles())
    if name.startswith("bad-"):
        # A known-bad sample must be refused by at least one profile.
        assert any(
            severity == "error" for found in expectation["violations"].values() for severity, _, _ in found
        )


@pytest.mark.parametrize("profile_name", available_profiles())
@pytest.mark.parametrize("name", SAMPLES)
def test_sample_gives_exactly_the_expected_violations(name: str, profile_name: str) -> None:
    profile = load_profile(profile_name)
    expectation = EXPECTATIONS[name]
    body = json.loads((FOLDER / name).read_text(encoding="utf-8"))
    log = ViolationLog()
    if expectation["kind"] == "user":
        body = normalise_user(body, profile, log)
    log.extend(Validator(profile).validate(expectation["kind"], body))
    found = Counter((v.severity, v.rule, v.pointer) for v in log)
    expected = Counter(tuple(v) for v in expectation["violations"][profile_name])
    assert found == expected
