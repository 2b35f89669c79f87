"""``mockrc proxy`` as a CI job runs it: a process of its own, a journal file, then ``mockrc report``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from mockrc.cli.main import main
from tests.conformance.live_server import READY_PREFIX, mockrc_serve, output_lines


def test_a_proxy_process_journals_and_the_report_gates_on_its_findings(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    with mockrc_serve("--profile", "scim", "--token", "up-token") as (upstream, _):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockrc",
                "proxy",
                "--upstream",
                upstream,
                "--port",
                "0",
                "--journal",
                str(journal),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            lines = output_lines(process)
            seen: list[str] = []
            while not seen or not seen[-1].startswith(READY_PREFIX):
                line = lines.get(timeout=30)
                assert line is not None, seen
                seen.append(line)
            url = seen[-1].rsplit(" at ", 1)[1].strip()
            answer = requests.get(
                f"{url}/scim/v2/Users",
                params={"filter": 'userName co "a"'},
                headers={"Authorization": "Bearer up-token"},
                timeout=10,
            )
        finally:
            process.terminate()
            process.wait(timeout=30)

    assert answer.status_code == 200  # the upstream's answer, not the fake's 400
    assert any(line.startswith(f"mockrc: forwarding to {upstream}") for line in seen)
    assert main(["report", str(journal), "--fail-on", "findings"]) == 1
    assert main(["report", str(journal), "--fail-on", "violations"]) == 1  # ringcentral.filter-unsupported
