"""A proxy's journal in ``mockrc report``: findings in their own section, gated by ``--fail-on``."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from mockrc.cli.main import main
from mockrc.json_schema import fixture_schema
from mockrc.report import build_report, load_journal
from tests.proxy.conftest import ProxyFactory, ScriptedUpstream, mockrc_upstream, serving
from tests.proxy.test_findings import USER_URN, _user


def _journal_with_findings_only(proxy: ProxyFactory, path: Path) -> None:
    upstream = ScriptedUpstream()  # a 201 without Location: a finding, and no violation
    upstream.answer(
        "POST",
        "/scim/v2/Users",
        201,
        {
            "schemas": [USER_URN],
            "id": "u1",
            "userName": "ann@example.com",
            "meta": {"resourceType": "User", "created": "c", "lastModified": "m", "location": "l"},
        },
    )
    with serving(upstream) as url:
        px = proxy(url)
        px.state.journal.stream_to(path)
        px.request("POST", "/scim/v2/Users", json=_user())
        px.state.journal.close()


def _journal_with_violations_only(proxy: ProxyFactory, path: Path) -> None:
    with mockrc_upstream() as (_, url):
        px = proxy(url)
        px.state.journal.stream_to(path)
        px.request("POST", "/scim/v2/Users", json={**_user(), "userName": 7})
        px.state.journal.close()


@pytest.mark.parametrize(("fail_on", "status"), [("violations", 0), ("findings", 1), ("both", 1)])
def test_findings_fail_the_verdict_only_when_gated(
    proxy: ProxyFactory, tmp_path: Path, fail_on: str, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    _journal_with_findings_only(proxy, journal)
    report_json, junit, markdown = tmp_path / "r.json", tmp_path / "r.xml", tmp_path / "r.md"

    code = main(
        [
            "report",
            str(journal),
            "--fail-on",
            fail_on,
            "--json",
            str(report_json),
            "--junit",
            str(junit),
            "--markdown",
            str(markdown),
        ]
    )

    assert code == status
    out = capsys.readouterr().out
    assert "1 fidelity finding" in out and "fidelity.header-missing: #1 POST /scim/v2/Users -> 201" in out
    document = json.loads(report_json.read_text(encoding="utf-8"))
    assert list(fixture_schema("schemas", "mockrc", "report.schema.json").iter_errors(document)) == []
    assert document["fail_on"] == fail_on
    assert document["fidelity"]["summary"] == {
        "proxied_requests": 1,
        "findings": 1,
        "requests_with_findings": 1,
    }
    (item,) = document["fidelity"]["findings"]
    assert (item["rule"], item["pointer"], item["request_id"]) == ("fidelity.header-missing", "Location", 1)
    assert document["violations"] == []
    suites = ElementTree.fromstring(junit.read_text(encoding="utf-8"))
    fidelity = suites.find("testsuite[@name='mockrc fidelity findings']")
    assert fidelity is not None
    assert fidelity.get("failures") == ("0" if fail_on == "violations" else "1")
    assert "## Fidelity findings" in markdown.read_text(encoding="utf-8")


@pytest.mark.parametrize(("fail_on", "status"), [("violations", 1), ("findings", 0), ("both", 1)])
def test_violations_fail_the_verdict_unless_only_findings_are_gated(
    proxy: ProxyFactory, tmp_path: Path, fail_on: str, status: int
) -> None:
    journal = tmp_path / "journal.jsonl"
    _journal_with_violations_only(proxy, journal)

    report = build_report(load_journal(journal), source="j", fail_on=fail_on)  # type: ignore[arg-type]

    assert report.exit_status == status
    assert report.fidelity_items == []
    assert [f.rule for f in report.findings] == ["schema.type"]
    assert main(["report", str(journal), "--fail-on", fail_on]) == status


def test_an_unknown_fail_on_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["report", str(tmp_path / "j.jsonl"), "--fail-on", "everything"])
    assert exited.value.code == 2
    assert "--fail-on" in capsys.readouterr().err


def test_the_live_report_refuses_an_unknown_fail_on(proxy: ProxyFactory) -> None:
    with mockrc_upstream() as (_, url):
        px = proxy(url)
        answer = px.session.get(f"{px.base_url}/__mockrc/report", params={"fail_on": "all"}, timeout=10)

    assert answer.status_code == 400
    assert "fail_on must be one of ['violations', 'findings', 'both'], not [all]" in answer.text
