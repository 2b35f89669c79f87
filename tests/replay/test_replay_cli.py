"""``mockrc replay`` end to end, on loopback: a session journaled by one fake, replayed on another.

Same configuration: nothing differs, though every id differs (another seed). Another profile, or
a scenario that changes statuses: exactly the expected differences, in both directions. An
allow rule accepts them. A journal of an older mockrc (``data/journal-v1.jsonl``) still replays
on this one. What cannot be replayed faithfully is skipped with the reason, and bad input exits 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.replay.support import CREDENTIALS, client_session, differing, fake, lines, replay_json, run

DATA = Path(__file__).parent / "data"
STATUSES = [200, 200, 201, 200, 200, 200, 400, 404, 200, 204, 404, 200]

#: What a fake with the generic SCIM profile answers otherwise than RingCentral's to the session:
#: no ``active`` attribute unless sent, and a filter on ``title`` accepted.
RINGCENTRAL_ON_SCIM = [
    ("POST", "/scim/v2/Users", ["shape: /active (boolean) missing"]),
    ("GET", "/scim/v2/Users/{id}", ["shape: /active (boolean) missing"]),
    ("GET", "/scim/v2/Users", ["shape: /Resources[]/active (boolean) missing"]),
    ("PATCH", "/scim/v2/Users/{id}", ["shape: /active (boolean) missing"]),
    ("GET", "/scim/v2/Users", ["status 400 -> 200", "error scimType invalidFilter -> none"]),
]
SCIM_ON_RINGCENTRAL = [
    ("POST", "/scim/v2/Users", ["shape: /active (boolean) new"]),
    ("GET", "/scim/v2/Users/{id}", ["shape: /active (boolean) new"]),
    ("GET", "/scim/v2/Users", ["shape: /Resources[]/active (boolean) new"]),
    ("PATCH", "/scim/v2/Users/{id}", ["shape: /active (boolean) new"]),
    ("GET", "/scim/v2/Users", ["status 200 -> 400", "error none -> scimType invalidFilter"]),
]


def _journal(folder: Path, statuses: list[int] = STATUSES, **settings: object) -> tuple[Path, str]:
    """A session journaled by a fake with ``settings``; the journal and the id the fake gave the user."""
    path = folder / "journal.jsonl"
    with fake(path, **settings) as recorded:
        assert client_session(recorded.url) == statuses
    created = next(e for e in lines(path) if e["status"] == 201)
    return path, created["response"]["body"]["id"]


@pytest.fixture(scope="module")
def ringcentral_journal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _journal(tmp_path_factory.mktemp("ringcentral"))


def _with_id(expected: list[tuple[str, str, list[str]]], user_id: str) -> list[tuple[str, str, list[str]]]:
    return [(method, path.format(id=user_id), details) for method, path, details in expected]


def test_a_session_replayed_on_a_fake_like_it_answers_alike_with_the_target_ids(
    ringcentral_journal: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    journal, recorded_id = ringcentral_journal
    with fake(seed=7) as target:
        code, report = replay_json(capsys, journal, target.url)
        sent = [e["path"] for e in target.journal_entries() if e["path"].startswith("/scim/v2/Users/")]
    assert (code, report["verdict"], report["summary"]["same"]) == (0, "pass", 12)
    assert differing(report) == []
    # The target's own id travelled in every later request (its seed gives other ids).
    target_id = next(r for r in report["requests"] if r["recorded_status"] == 201)
    assert recorded_id not in " ".join(sent)
    assert len(set(sent) - {"/scim/v2/Users/999999999"}) == 1, sent
    assert target_id["outcome"] == "same"


def test_another_profile_answers_exactly_the_expected_differences(
    ringcentral_journal: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    journal, recorded_id = ringcentral_journal
    with fake(profile="scim") as target:
        code, report = replay_json(capsys, journal, target.url)
    assert code == 1
    assert differing(report) == _with_id(RINGCENTRAL_ON_SCIM, recorded_id)
    assert report["summary"] == {
        "requests": 12,
        "compared": 12,
        "same": 7,
        "differs": 5,
        "allowed": 0,
        "skipped": 0,
    }


def test_both_directions_a_scim_session_replayed_on_ringcentral(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scim_statuses = [
        200,
        200,
        201,
        200,
        200,
        200,
        200,
        404,
        200,
        204,
        404,
        200,
    ]  # the title filter is standard
    journal, recorded_id = _journal(tmp_path, scim_statuses, profile="scim")
    with fake() as target:
        code, report = replay_json(capsys, journal, target.url)
    assert code == 1
    assert differing(report) == _with_id(SCIM_ON_RINGCENTRAL, recorded_id)


def test_allow_rules_accept_the_differences_they_name(
    ringcentral_journal: tuple[Path, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    journal, _ = ringcentral_journal
    allow = tmp_path / "allow.txt"
    allow.write_text("# the scim profile leaves active out\nshape:/scim/v2/**\n", encoding="utf-8")
    with fake(profile="scim") as target:
        partly, report = replay_json(capsys, journal, target.url, "--allow-file", allow)
        assert [r["method"] for r in report["requests"] if r["outcome"] == "differs"] == ["GET"]
        whole, report = replay_json(
            capsys, journal, target.url, "--allow-file", allow, "--allow", "*:GET /scim/v2/Users"
        )
    assert (partly, whole) == (1, 0)
    assert report["summary"]["allowed"] == 5
    assert all(d["allowed"] for r in report["requests"] for d in r["differences"])


def test_a_scenario_that_changes_a_status_shows_as_exactly_that_difference(
    ringcentral_journal: tuple[Path, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    journal, _ = ringcentral_journal
    scenario = tmp_path / "slow-lookup.json"
    scenario.write_text(
        json.dumps(
            {
                "name": "slow-lookup",
                "steps": [
                    {
                        "id": "refuse-first-lookup",
                        "when": {"method": "GET", "path": "/scim/v2/Users"},
                        "nth": 1,
                        "respond": {
                            "status": 429,
                            "headers": {"Retry-After": 60},
                            "body": {"errorCode": "CMN-301", "message": "Request rate exceeded"},
                        },
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with fake(scenarios=(str(scenario),)) as target:
        code, report = replay_json(capsys, journal, target.url)
    assert code == 1
    assert differing(report) == [
        ("GET", "/scim/v2/Users", ["status 200 -> 429", "error none -> errorCode CMN-301"])
    ]


def test_an_old_journal_replays_on_this_mockrc(capsys: pytest.CaptureFixture[str]) -> None:
    """``data/journal-v1.jsonl`` was journaled by mockrc 0.1 (the session of :func:`client_session`)."""
    with fake() as target:
        code, report = replay_json(capsys, DATA / "journal-v1.jsonl", target.url)
    assert (code, differing(report), report["summary"]["same"]) == (0, [], 12)


def test_the_text_and_junit_forms(
    ringcentral_journal: tuple[Path, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    journal, _ = ringcentral_journal
    junit = tmp_path / "replay.xml"
    with fake(profile="scim") as target:
        capsys.readouterr()
        text_code = run("replay", journal, "--against", target.url, *CREDENTIALS)
        text = capsys.readouterr().out
        junit_code = run(
            "replay", journal, "--against", target.url, *CREDENTIALS, "--format", "junit", "--output", junit
        )
    assert (text_code, junit_code) == (1, 1)
    assert text.splitlines()[0] == "mockrc replay: FAIL: 5 of 12 requests replayed answered otherwise"
    assert '#7 GET /scim/v2/Users?filter=title eq "Engineer" -> 400: status 400 -> 200;' in text
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("12", "5")
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert len(failed) == 5 and failed[-1] == '#7 GET /scim/v2/Users?filter=title eq "Engineer" -> 400'
