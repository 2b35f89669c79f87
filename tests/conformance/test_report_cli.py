"""The contract-check CI job, from outside: ``mockrc serve --journal``, a client, a stop, ``mockrc report``.

A client sends RingCentral contract violations (a userName that is not the work email, a filter
RingCentral does not support, a PATCH without its PatchOp envelope) among valid requests; the
server is stopped the way CI stops it (SIGTERM) or a developer does (Ctrl-C); the journal file is
complete, and ``mockrc report --junit`` exits 1 naming each broken rule with the request that
broke it. With valid traffic only, it exits 0.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import requests

from mockrc.report import load_journal
from tests.conformance.live_server import READY_PREFIX, mockrc_serve
from tests.helpers import minimal_user, patch

AUTH = {"Authorization": "Bearer mockrc-admin-token"}


def valid_traffic(url: str) -> list[requests.Response]:
    """What a well-behaved provisioning client does: look up, create, update, read, delete."""
    scim = f"{url}/scim/v2"
    found = requests.get(
        f"{scim}/Users", params={"filter": 'userName eq "ann@example.com"'}, headers=AUTH, timeout=10
    )
    created = requests.post(f"{scim}/Users", json=minimal_user("ann@example.com"), headers=AUTH, timeout=10)
    user = f"{scim}/Users/{created.json()['id']}"
    updated = requests.patch(
        user, json=patch({"op": "replace", "path": "title", "value": "Engineer"}), headers=AUTH, timeout=10
    )
    read = requests.get(user, headers=AUTH, timeout=10)
    deleted = requests.delete(user, headers=AUTH, timeout=10)
    answers = [found, created, updated, read, deleted]
    assert [a.status_code for a in answers] == [200, 201, 200, 200, 204]
    return answers


#: Each contract violation the client commits: the rules it breaks, and how it is sent.
VIOLATIONS: dict[str, tuple[set[str], Callable[[str], requests.Response]]] = {
    "POST /scim/v2/Users": (
        {"ringcentral.username-is-work-email"},
        lambda scim: requests.post(
            f"{scim}/Users",
            json=minimal_user("bob@example.com", userName="bob"),
            headers=AUTH,
            timeout=10,
        ),
    ),
    "GET /scim/v2/Users?filter=externalId": (
        {"ringcentral.filter-unsupported"},
        lambda scim: requests.get(
            f"{scim}/Users", params={"filter": 'externalId eq "bob"'}, headers=AUTH, timeout=10
        ),
    ),
    "PATCH /scim/v2/Users/": (
        {"schema.required", "schema.additionalProperties"},
        lambda scim: requests.patch(
            f"{scim}/Users/{_any_user(scim)}",
            json={"op": "replace", "path": "title", "value": "Boss"},  # one operation, no PatchOp around it
            headers=AUTH,
            timeout=10,
        ),
    ),
}


def _any_user(scim: str) -> str:
    created = requests.post(f"{scim}/Users", json=minimal_user("carl@example.com"), headers=AUTH, timeout=10)
    assert created.status_code == 201
    return created.json()["id"]


def report(journal: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockrc", "report", str(journal), *options],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_violations_make_the_report_fail_naming_each_rule_and_request(tmp_path: Path) -> None:
    journal, junit = tmp_path / "j.jsonl", tmp_path / "r.xml"
    with mockrc_serve("--journal", str(journal)) as (url, output):
        assert any(line.startswith(f"mockrc: journal {journal}") for line in output)
        sent = len(valid_traffic(url))
        for _, send in VIOLATIONS.values():
            assert send(f"{url}/scim/v2").status_code == 400
        sent += len(VIOLATIONS) + 1  # the PATCH's user was created first
    # The server has been stopped with SIGTERM.

    assert len(load_journal(journal)) == sent
    result = report(journal, "--junit", str(junit))

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("mockrc report: FAIL: ")
    cases = {case.get("name"): case for case in ElementTree.parse(junit).getroot().iter("testcase")}
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == set().union(*(rules for rules, _ in VIOLATIONS.values()))
    for request, (rules, _) in VIOLATIONS.items():
        for rule in rules:
            text = cases[rule].findtext("failure") or ""
            method, path = request.split(" ")
            assert f" {method} {path}" in text and "-> 400" in text, (rule, text)


def test_valid_traffic_passes(tmp_path: Path) -> None:
    journal, junit = tmp_path / "j.jsonl", tmp_path / "r.xml"
    with mockrc_serve("--journal", str(journal)) as (url, _output):
        sent = len(valid_traffic(url))

    result = report(journal, "--junit", str(junit), "--json", str(tmp_path / "r.json"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(load_journal(journal)) == sent
    assert all(case.find("failure") is None for case in ElementTree.parse(junit).getroot().iter("testcase"))
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["verdict"] == "pass"


def test_each_request_is_on_disk_before_its_answer_and_ctrl_c_loses_none(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrc", "serve", "--port", "0", "--journal", str(journal)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = (
            next(line for line in process.stdout if line.startswith(READY_PREFIX))
            .rsplit(" at ", 1)[1]
            .strip()
        )
        for count in range(1, 6):
            requests.get(f"{url}/scim/v2/Users", headers=AUTH, timeout=10)
            assert len(journal.read_text(encoding="utf-8").splitlines()) == count
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0
    assert rest.strip().endswith("mockrc: stopped")
    assert [entry["id"] for entry in load_journal(journal)] == [1, 2, 3, 4, 5]
    assert report(journal).returncode == 0


def test_serve_with_a_fake_clock_and_a_small_journal() -> None:
    with mockrc_serve("--clock", "fake", "--journal-size", "2") as (url, _output):
        for _ in range(3):
            requests.get(f"{url}/scim/v2/Users", headers=AUTH, timeout=10)
        listed = requests.get(f"{url}/__mockrc/journal", timeout=10).json()
        advanced = requests.post(f"{url}/__mockrc/clock/advance", json={"seconds": 60}, timeout=10).json()

    assert (listed["total"], listed["dropped"]) == (2, 1)
    assert {entry["time"] for entry in listed["entries"]} == {"2026-01-01T00:00:00.000Z"}
    assert advanced["now"] == "2026-01-01T00:01:00.000Z"


def test_serve_refuses_a_journal_it_cannot_keep(tmp_path: Path) -> None:
    for options in (["--journal-size", "0"], ["--journal", str(tmp_path / "no-such-dir" / "j.jsonl")]):
        result = subprocess.run(
            [sys.executable, "-m", "mockrc", "serve", "--port", "0", *options],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result.stdout
        assert result.stderr.startswith("mockrc: ")
