"""What replay does not send, and what it refuses: skipped requests with their reason, exit status 2.

A journal keeps a 64 KiB prefix of each body and redacts every secret; a request whose body is
cut, or holds a secret replay has no stand-in for, is skipped with the reason, never sent half
right. Bad input (a line that is not a journal entry, one past the byte limit, a bad allow rule,
a target that would receive credentials in clear, credentials the target refuses) exits 2.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import mockrc.replay.reader
from tests.replay.support import CREDENTIALS, fake, lines, replay_json, run

DATA = Path(__file__).parent / "data"


def _entries() -> list[dict[str, Any]]:
    return list(lines(DATA / "journal-v1.jsonl"))


def _write(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def test_requests_that_cannot_be_sent_faithfully_are_skipped_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = _entries()
    sign_in, create = entries[0], entries[2]
    cut = copy.deepcopy(create)
    cut.update(
        body='{"schemas":[',
        body_truncated=True,
        body_note="truncated: the journal keeps the first 65536 of 70000 bytes",
    )
    secret = copy.deepcopy(create)
    secret["body"]["password"] = "[redacted]"
    code_grant = copy.deepcopy(sign_in)
    code_grant["body"] = {
        "grant_type": "authorization_code",
        "code": "[redacted]",
        "redirect_uri": "http://localhost:8080/callback",
    }
    silent = {
        **copy.deepcopy(create),
        "upstream": {"url": "https://platform.devtest.ringcentral.com", "status": None, "error": "timeout"},
    }
    journal = _write(tmp_path / "journal.jsonl", [sign_in, cut, secret, code_grant, silent])
    with fake() as target:
        code, report = replay_json(capsys, journal, target.url)
        sent = [e["path"] for e in target.journal_entries()]
    skipped = [r["skipped"] for r in report["requests"]]
    assert skipped == [
        None,
        "the journal kept only part of the request body"
        " (truncated: the journal keeps the first 65536 of 70000 bytes)",
        "the journal redacted the body at /password: the value sent is unknown",
        "an authorization code comes from a sign-in in a browser and cannot be replayed",
        "the upstream gave no answer when recorded (timeout)",
    ]
    # Nothing skipped reached the target: its own sign-in and the journal's one token request.
    assert sent == ["/restapi/oauth/token", "/restapi/oauth/token"]
    assert (code, report["summary"]["skipped"]) == (0, 4)


def test_without_the_app_credentials_token_requests_are_skipped_and_a_token_serves_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake() as target:
        capsys.readouterr()
        token = target.state.issue_admin_token()
        code = run(
            "replay", DATA / "journal-v1.jsonl", "--against", target.url, "--token", token, "--format", "json"
        )
    report = json.loads(capsys.readouterr().out)
    reasons = {r["path"]: r["skipped"] for r in report["requests"] if r["skipped"]}
    assert reasons == {
        "/restapi/oauth/token": "the app's credentials are redacted: give --client-id and --client-secret",
        "/restapi/oauth/revoke": "the app's credentials are redacted: give --client-id and --client-secret",
    }
    assert (code, report["summary"]["same"]) == (0, 9)


def test_nothing_replayed_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = _write(tmp_path / "empty.jsonl", [])
    with fake() as target:
        code, report = replay_json(capsys, journal, target.url)
    assert (code, report["headline"]) == (1, "FAIL: no request was replayed (0 in the journal)")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "journal.jsonl:1: not a JSON document"),
        ('{"id": 1}\n', "journal.jsonl:1: not a journal entry: /: 'time' is a required property"),
        (b"\xff\xfe\n", "journal.jsonl:1: not UTF-8"),
    ],
)
def test_a_journal_that_is_not_one_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(content if isinstance(content, bytes) else content.encode())
    with fake() as target:
        capsys.readouterr()
        code = run("replay", journal, "--against", target.url, *CREDENTIALS)
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_line_past_the_byte_limit_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mockrc.replay.reader, "LINE_LIMIT", 2000)
    journal = _write(tmp_path / "journal.jsonl", _entries()[:1])
    journal.write_text(journal.read_text() + json.dumps({"padding": "x" * 5000}) + "\n")
    assert len(journal.read_text().splitlines()[0]) < 2000
    with fake() as target:
        capsys.readouterr()
        code = run("replay", journal, "--against", target.url, *CREDENTIALS)
    assert code == 2
    assert (
        "journal.jsonl:2: the line is longer than 2,000 bytes: not a journal entry" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "give the target: --against URL (or MOCKRC_AGAINST)"),
        (["--against", "http://example.com"], "the target must be https://"),
        (["--against", "ftp://127.0.0.1"], "is not an http:// or https:// URL"),
        (["--against", "{url}", "--allow-file", "{missing}"], "cannot read the allow file"),
        (
            ["--against", "{url}", "--password", "wrong"],
            "the target refused to sign in with the credentials given: 400",
        ),
    ],
)
def test_bad_input_exits_2_saying_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    with fake() as target:
        filled = [o.format(url=target.url, missing=tmp_path / "missing.txt") for o in options]
        capsys.readouterr()
        code = run("replay", DATA / "journal-v1.jsonl", *CREDENTIALS, *filled)
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_bad_allow_rule_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(
            "replay",
            DATA / "journal-v1.jsonl",
            "--against",
            "http://127.0.0.1:9",
            "--allow",
            "values:/scim/**",
        )
    assert stopped.value.code == 2
    assert "write KIND:[METHOD ]PATH-GLOB" in capsys.readouterr().err


def test_the_target_can_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake() as target:
        monkeypatch.setenv("MOCKRC_AGAINST", target.url)
        capsys.readouterr()
        code = run("replay", DATA / "journal-v1.jsonl", "--format", "json", *CREDENTIALS)
    assert (code, json.loads(capsys.readouterr().out)["target"]) == (0, target.url)


def test_a_request_recorded_without_credentials_is_sent_without_any_whatever_netrc_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    unauthenticated = {
        **_entries()[1],
        "id": 1,
        "headers": {"Accept": "*/*"},
        "status": 401,
        "principal": None,
    }
    unauthenticated["response"] = {"body": {"detail": "x"}, "headers": {}}
    journal = _write(tmp_path / "journal.jsonl", [unauthenticated])
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with fake() as target:
        capsys.readouterr()
        run("replay", journal, "--against", target.url, "--token", "t", "--format", "json")
        sent = target.journal_entries()[-1]
    assert json.loads(capsys.readouterr().out)["requests"][0]["target_status"] == 401
    assert "Authorization" not in sent["headers"]
