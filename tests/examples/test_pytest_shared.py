"""docs/pytest.md, "A shared mockrc for a whole CI run": its commands, run as the page gives them
(on a free port rather than 8080), on the page's own example suite; and its error message."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import requests

from tests.conformance.live_server import mockrc_serve

pytest_plugins = ("pytester",)

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "pytest.md").read_text(encoding="utf-8")
FIRST = re.search(r"\A# Test your provisioning client in 5 minutes\n(.*?)^## ", PAGE, re.M | re.S)
SHARED = re.search(r"^## A shared mockrc for a whole CI run\n(.*?)(?=^## |\Z)", PAGE, re.M | re.S)
assert FIRST is not None and SHARED is not None, "docs/pytest.md lost a section this test runs"
#: The example suite of the page's first section: the files the reader saved.
FILES = dict(re.findall(r'^```python title="([\w./]+)"\n(.*?)^```', FIRST.group(1), re.M | re.S))
COMMANDS = re.findall(r"^```sh\n(.*?)^```", SHARED.group(1), re.M | re.S)
MESSAGE = re.findall(r"^```text\n(.*?)^```", SHARED.group(1), re.M | re.S)
PORT = "8080"


def test_the_commands_run_the_pages_suite_against_one_shared_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve, export, run = COMMANDS[0].strip().split("\n")
    served = re.fullmatch(rf"mockrc serve (.*?)--port {PORT} &", serve)
    assert served is not None, serve
    assert export == f"export MOCKRC_URL=http://127.0.0.1:{PORT}"
    assert run.startswith("pytest ")
    for name, source in FILES.items():
        pytester.path.joinpath(name).write_text(source, encoding="utf-8")
    tests = sum(
        len(re.findall(r"^def test_", s, re.M)) for name, s in FILES.items() if name.startswith("test_")
    )

    with mockrc_serve(*served.group(1).split()) as (url, _):
        monkeypatch.setenv("MOCKRC_URL", url)
        result = pytester.runpytest_subprocess(*run.split()[1:])
        left = requests.get(f"{url}/__mockrc/accounts", timeout=10).json()["accounts"]

    # The page's first section: every test passes but the one it shows failing.
    result.assert_outcomes(passed=tests - 1, failed=1)
    result.stdout.fnmatch_lines(["FAILED *::test_a_client_that_ignores_a_400_still_fails - *"])
    assert [a["id"] for a in left] == ["default"]


def test_the_container_commands_differ_only_in_the_server_and_its_key() -> None:
    start, export, run = COMMANDS[1].strip().split("\n")
    key = re.fullmatch(rf"docker run -d -p {PORT}:8080 -e MOCKRC_ADMIN_KEY=(\S+) mockrc", start)
    assert key is not None, start
    assert export == f"export MOCKRC_URL=http://127.0.0.1:{PORT} MOCKRC_ADMIN_KEY={key.group(1)}"
    assert run == COMMANDS[0].strip().split("\n")[2]


def test_the_error_message_is_the_one_a_closed_port_gives(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one(mockrc_server):\n    pass\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])

    result = pytester.runpytest_subprocess(f"--mockrc-url=http://127.0.0.1:{port}")

    [shown] = MESSAGE
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert shown.strip().replace(PORT, port) in result.stderr.lines
