"""The ``mockrc`` command as a process, the way a shell or a CI job runs it: pipes, the environment,
exit statuses and what reaches the terminal."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mockrc.cli.main import _all_parsers, _parser, parse_args
from mockrc.seed import load_seed_file, shipped_seeds
from tests.conformance.live_server import mockrc_serve

MOCKRC = [sys.executable, "-m", "mockrc"]


def run(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``mockrc ARGS`` in a fresh process; its output as text."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOCKRC_")}
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*MOCKRC, *args], env={**environ, **(env or {})}, text=True, timeout=60, **kwargs
    )


# --- a reader that stops reading ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (["scenarios", "list"], 1),
        (["report", "{journal}", "--markdown", "-"], 1),
        (["serve", "--port", "0"], 1),  # the banner meets the closed pipe: no server starts
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_a_closed_pipe_ends_the_command_quietly(command: list[str], status: int, tmp_path: Path) -> None:
    """``mockrc scenarios list | head -1``: the reader has gone, so there is nothing to say to it
    and no traceback to show (Python ignores SIGPIPE, so the write raises BrokenPipeError)."""
    journal = tmp_path / "journal.jsonl"
    journal.write_text("")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: every write fails, every time
    try:
        done = run(
            *[part.format(journal=journal) for part in command], stdout=write_end, stderr=subprocess.PIPE
        )
    finally:
        os.close(write_end)

    assert done.stderr == ""
    assert done.returncode == status


# --- the banner -------------------------------------------------------------------------------------


def test_the_banner_says_all_each_grant_needs() -> None:
    """Every grant signs in with what the banner prints, client_credentials (which needs the
    account's id) included."""
    with mockrc_serve() as (_, output):
        line = next(line for line in output if line.startswith("mockrc: OAuth token URL "))
        said = dict(
            part.split(" ", 1) for part in line.split("(", 1)[1].removesuffix(")").split(", ") if " " in part
        )
        account_id = said["account_id"].split()[0]
        answer = requests.post(
            line.split()[4],
            data={"grant_type": "client_credentials", "account_id": account_id},
            auth=(said["client_id"], said["client_secret"]),
            timeout=10,
        )

    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "bearer"


# --- users seed against a running fake ---------------------------------------------------------------


def test_seed_files_seeded_into_a_running_fake_leave_the_journal_empty(tmp_path: Path) -> None:
    """``mockrc users seed small-team --url`` (a seed file's users carry no ``schemas``) adds the
    users, and a CI gate reading the journal sees none of it: seeding is not the client's traffic."""
    journal = tmp_path / "journal.jsonl"
    with mockrc_serve("--journal", str(journal)) as (url, _):
        seeded = [run("users", "seed", name, "--url", url, capture_output=True) for name in shipped_seeds()]
        users = requests.get(f"{url}/__mockrc/users", timeout=10).json()
        recorded = requests.get(f"{url}/__mockrc/journal", timeout=10).json()

    assert [(done.returncode, done.stdout) for done in seeded] == [
        (0, f"mockrc: {len(load_seed_file(name).users)} users created at {url}\n") for name in shipped_seeds()
    ]
    assert users["totalResults"] == sum(len(load_seed_file(name).users) for name in shipped_seeds())
    assert recorded["total"] == 0
    assert journal.read_text() == ""


# --- mockrc report on a journal with nothing in it -------------------------------------------------


def test_a_journal_the_client_never_reached_fails_the_report_unless_allowed(tmp_path: Path) -> None:
    """A CI job whose client never reached the fake must not go green: ``mockrc report`` needs at
    least one request by default (``--min-requests 0``, or MOCKRC_MIN_REQUESTS=0, accepts none)."""
    journal = tmp_path / "journal.jsonl"
    with mockrc_serve("--journal", str(journal)):
        pass  # nobody calls

    gate = run("report", str(journal), "--json", str(tmp_path / "r.json"), capture_output=True)
    allowed = run("report", str(journal), "--min-requests", "0", capture_output=True)
    from_env = run("report", str(journal), env={"MOCKRC_MIN_REQUESTS": "0"}, capture_output=True)
    bad = run("report", str(journal), "--min-requests", "-1", capture_output=True)

    assert (gate.returncode, gate.stdout) == (
        1,
        "mockrc report: FAIL: nothing was recorded (0 requests, at least 1 expected by --min-requests): "
        "did the client reach the fake?\n",
    )
    assert '"verdict": "fail"' in (tmp_path / "r.json").read_text()
    assert (allowed.returncode, from_env.returncode) == (0, 0)
    assert allowed.stdout.startswith("mockrc report: PASS: nothing was recorded (0 requests)")
    assert bad.returncode == 2
    assert "--min-requests: '-1' is not a whole number of requests, zero or more" in bad.stderr


# --- MOCKRC_* settings ------------------------------------------------------------------------------


def test_a_bad_environment_value_says_what_the_variable_must_hold() -> None:
    done = run("serve", env={"MOCKRC_PORT": "abc"}, capture_output=True)

    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "mockrc serve: error: MOCKRC_PORT='abc': must be a whole number (it sets --port PORT)"
    )
    assert "invalid literal" not in done.stderr


def _typed_options() -> list[tuple[list[str], argparse.Action]]:
    """Every option of every command whose value can be wrong: numbers, choices, switches."""
    found = []
    for parser in _all_parsers(_parser()):
        command = parser.prog.split()[1:]
        if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
            continue
        for action in parser._actions:
            if action.option_strings and (
                action.type is int
                or action.choices is not None
                or isinstance(action, argparse._StoreTrueAction)
            ):
                found.append((command, action))
    return found


@pytest.mark.parametrize(
    ("command", "action"), _typed_options(), ids=lambda v: " ".join(v) if isinstance(v, list) else v.dest
)
def test_every_typed_setting_says_what_it_must_hold(
    command: list[str], action: argparse.Action, capsys: pytest.CaptureFixture[str]
) -> None:
    variable = f"MOCKRC_{action.dest.upper()}"
    with pytest.raises(SystemExit):
        parse_args([*command, *(["x"] * _positionals(command))], {variable: "not-a-value"})

    said = capsys.readouterr().err.splitlines()[-1]
    assert said.startswith(f"mockrc {' '.join(command)}: error: {variable}='not-a-value': must be ")
    assert f"(it sets {action.option_strings[-1]}" in said


def _positionals(command: list[str]) -> int:
    positionals = {
        ("report",): 1,
        ("replay",): 1,
        ("record",): 1,
        ("scenarios", "check"): 1,
        ("users", "seed"): 1,
    }
    return positionals.get(tuple(command), 0)


# --- bound to every address --------------------------------------------------------------------------


def _has_ipv6_loopback() -> bool:
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("0.0.0.0", "127.0.0.1"),
        pytest.param(
            "::",
            "[::1]",
            marks=pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback"),
        ),
    ],
)
def test_a_server_bound_to_every_address_prints_urls_that_reach_it(host: str, loopback: str) -> None:
    """``http://0.0.0.0:PORT`` is no address to connect to: the banner gives loopback's URL, and the
    URLs of the host name and the interface addresses for other machines; each one answers."""
    with mockrc_serve("--host", host, "--allow-remote") as (url, output):
        port = url.rsplit(":", 1)[1]
        remote = next(line for line in output if line.startswith(f"mockrc: bound to {host} "))
        others = remote.split("from other machines: ", 1)[1].split(", ")
        answers = [requests.get(f"{u}/__mockrc/health", timeout=10).status_code for u in [url, *others[1:]]]

    assert url == f"http://{loopback}:{port}"
    assert not any(f"//{host}:" in line or f"//[{host}]:" in line for line in output)
    assert others[0] == f"http://{socket.gethostname()}:{port}"
    assert set(answers) == {200}
