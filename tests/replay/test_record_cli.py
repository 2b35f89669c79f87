"""``mockrc record``: a fake's session turned into a seed file and scenario files another fake starts from.

A session against fake A (generated users, users created, changed and deleted) is recorded; fake B
started from the seed file holds the same users, and answers A's reads alike (``mockrc replay``
finds no difference). Answers a fake does not give by itself (a scenario's 503, rate limiting's
429) become scenario files that load and fire on the same requests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from mockrc.ratelimit import RateLimits
from mockrc.scenarios.loader import load_scenario
from mockrc.seed import load_seed_file
from tests.helpers import minimal_user, patch
from tests.replay.support import fake, lines, replay_json, run

AUTH = {"Authorization": "Bearer replay-test-token"}


def _users_session(url: str) -> None:
    """Create two users, change one, delete another, then read: the list, one user, a lookup."""
    scim = f"{url}/scim/v2/Users"
    ids = [
        requests.post(scim, json=minimal_user(f"{n}@example.com"), headers=AUTH, timeout=10).json()["id"]
        for n in ("ann", "bob")
    ]
    changed = patch({"op": "replace", "path": "title", "value": "Engineer"})
    assert requests.patch(f"{scim}/{ids[0]}", json=changed, headers=AUTH, timeout=10).status_code == 200
    assert requests.delete(f"{scim}/{ids[1]}", headers=AUTH, timeout=10).status_code == 204
    assert requests.get(scim, params={"count": "100"}, headers=AUTH, timeout=10).status_code == 200
    assert requests.get(f"{scim}/{ids[0]}", headers=AUTH, timeout=10).status_code == 200
    lookup = {"filter": 'userName eq "ann@example.com"'}
    assert requests.get(scim, params=lookup, headers=AUTH, timeout=10).json()["totalResults"] == 1
    partial = {"attributes": "userName"}
    assert requests.get(scim, params=partial, headers=AUTH, timeout=10).status_code == 200


def test_a_fake_started_from_the_recorded_seed_answers_the_same_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal, seed = tmp_path / "journal.jsonl", tmp_path / "seed.json"
    with fake(journal, users=(5,), seed=3, tokens=("replay-test-token",)) as recorded:
        _users_session(recorded.url)
        names = sorted(u.attributes["userName"] for u in recorded.state.users.store.page(0, 1000))
    capsys.readouterr()
    assert run("record", journal, "--seed-out", seed) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"mockrc record: 6 users written to {seed}",
        "mockrc record: 1 left out: answers with only the attributes the request asked for",
    ]
    users = load_seed_file(seed).users
    assert sorted(u.body["userName"] for u in users) == names
    ann = next(u.body for u in users if u.body["userName"] == "ann@example.com")
    assert ann["title"] == "Engineer" and "id" not in ann and "meta" not in ann
    reads = tmp_path / "reads.jsonl"
    reads.write_text("".join(json.dumps(e) + "\n" for e in lines(journal) if e["method"] == "GET"))
    with fake(users=(str(seed),), seed=11, tokens=("replay-test-token",)) as started:
        code, report = replay_json(capsys, reads, started.url, "--token", "replay-test-token")
        listed = sorted(u.attributes["userName"] for u in started.state.users.store.page(0, 1000))
    assert listed == names
    assert [r["differences"] for r in report["requests"]] == [[]] * 4
    assert (code, report["summary"]["same"]) == (0, 4)


def _scenario_file(folder: Path) -> Path:
    path = folder / "flaky.json"
    step = {"when": {"method": "GET", "path": "/scim/v2/Users/*"}, "nth": 2}
    unavailable = {"status": 503, "headers": {"Retry-After": 5}, "body": {"detail": "Service Unavailable"}}
    document = {"name": "flaky", "steps": [{"id": "second-read", **step, "respond": unavailable}]}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_error_and_rate_limit_answers_become_scenarios_that_fire_on_the_same_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal, seed, folder = tmp_path / "journal.jsonl", tmp_path / "seed.json", tmp_path / "scenarios"
    limits = RateLimits(light=2, window=60, penalty=60)
    with fake(
        journal, tokens=("replay-test-token",), scenarios=(str(_scenario_file(tmp_path)),), rate_limits=limits
    ) as a:
        scim = f"{a.url}/scim/v2/Users"
        user = requests.post(scim, json=minimal_user("ann@example.com"), headers=AUTH, timeout=10).json()[
            "id"
        ]
        statuses = [requests.get(f"{scim}/{user}", headers=AUTH, timeout=10).status_code for _ in range(4)]
    assert statuses == [200, 503, 200, 429]
    capsys.readouterr()
    assert run("record", journal, "--seed-out", seed, "--scenarios-out", folder) == 0
    assert (
        capsys.readouterr().out.splitlines()[1]
        == f"mockrc record: 1 scenario files (2 answers) written to {folder}"
    )
    written = sorted(folder.iterdir())
    assert [p.name for p in written] == ["recorded-get-scim-v2-users.json"]
    scenario = load_scenario(written[0])
    assert [(s.id, s.nth, getattr(s.action, "status", None)) for s in scenario.steps] == [
        ("request-2", 2, 503),
        ("request-4", 3, 429),  # the third request the first step did not answer
    ]
    assert json.loads(written[0].read_text())["steps"][1]["respond"]["headers"]["Retry-After"] == "60"
    # B, without rate limits or the flaky scenario, answers as A did once the recording is active.
    with fake(scenarios=tuple(map(str, written)), tokens=("replay-test-token",)) as b:
        code, report = replay_json(capsys, journal, b.url, "--token", "replay-test-token")
    assert (code, [r["target_status"] for r in report["requests"]]) == (0, [201, 200, 503, 200, 429])


def test_record_exits_2_on_a_journal_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_text("[]\n")
    assert run("record", journal, "--seed-out", tmp_path / "seed.json") == 2
    assert "journal.jsonl:1: not a journal entry" in capsys.readouterr().err
    assert not (tmp_path / "seed.json").exists()


def test_record_exits_2_without_a_seed_file_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("record", "journal.jsonl") == 2
    assert "give the seed file to write: --seed-out FILE" in capsys.readouterr().err


def test_users_the_profile_refuses_are_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user without a work email is a generic SCIM user, not one RingCentral's profile creates."""
    journal, seed = tmp_path / "journal.jsonl", tmp_path / "seed.json"
    with fake(journal, profile="scim", tokens=("replay-test-token",)) as scim:
        no_email = {"schemas": minimal_user("x")["schemas"], "userName": "dev-ops"}
        assert (
            requests.post(f"{scim.url}/scim/v2/Users", json=no_email, headers=AUTH, timeout=10).status_code
            == 201
        )
    assert run("record", journal, "--seed-out", seed, "--profile", "scim") == 0
    capsys.readouterr()
    assert run("record", journal, "--seed-out", tmp_path / "rc.json") == 2
    said = capsys.readouterr().err
    assert said.startswith(f"mockrc record: {tmp_path / 'rc.json'} users[0] (dev-ops): "), said
    assert not (tmp_path / "rc.json").exists()
