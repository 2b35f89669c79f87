"""dev.py: the two install levels and their stamp, the mockrc pass-through, and asking before apt-get.

Nothing here installs anything: pip, apt-get and exec are replaced by recorders.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import dev


@pytest.fixture
def venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """A .venv of the temporary folder whose python exists; yields the commands run in it."""
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").touch()
    monkeypatch.setattr(dev, "BIN", bin_dir)
    monkeypatch.setattr(dev, "STAMP", tmp_path / ".venv" / "mockrc-install.stamp")
    ran: list[tuple[str, ...]] = []

    def run(*command: str | Path) -> int:
        ran.append(tuple(str(c) for c in command))
        return 0

    monkeypatch.setattr(dev, "run", run)
    yield ran


def pyproject_hash() -> str:
    return hashlib.sha256((dev.ROOT / "pyproject.toml").read_bytes()).hexdigest()


def test_serve_installs_the_project_without_its_test_extras(venv: list[tuple[str, ...]]) -> None:
    dev.ensure_venv("serve")

    assert venv[-1][-2:] == ("--editable", ".")
    assert dev.STAMP.read_text() == f"serve {pyproject_hash()}\n"


def test_test_adds_the_test_extras_and_then_serve_needs_nothing(venv: list[tuple[str, ...]]) -> None:
    dev.ensure_venv("serve")
    dev.ensure_venv("test")
    assert venv[-1][-2:] == ("--editable", ".[test]")
    assert dev.STAMP.read_text() == f"test {pyproject_hash()}\n"

    dev.ensure_venv("serve")
    dev.ensure_venv("test")

    assert len(venv) == 2


@pytest.mark.parametrize("stamp", ["", "0123abcd\n", "serve 0123abcd\n", "nonsense level here\n"])
def test_a_changed_pyproject_or_an_old_stamp_installs_again(venv: list[tuple[str, ...]], stamp: str) -> None:
    dev.STAMP.write_text(stamp)

    dev.ensure_venv("serve")

    assert len(venv) == 1


def test_the_serve_extras_leave_out_every_test_tool() -> None:
    import tomllib

    project = tomllib.loads((dev.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    serving = " ".join(project["dependencies"]).lower()
    for tool in ("pytest", "ruff", "selenium", "ringcentral", "scim2-tester", "hypothesis", "build"):
        assert tool not in serving
    assert "build" in " ".join(project["optional-dependencies"]["test"])


def test_dev_py_mockrc_passes_every_argument_to_mockrc(
    venv: list[tuple[str, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[tuple[str, list[str]]] = []

    def execv(path: str, argv: list[str]) -> None:
        executed.append((path, argv))
        raise SystemExit(0)

    monkeypatch.setattr(dev.os, "execv", execv)
    monkeypatch.setattr(dev.os, "chdir", lambda _: None)

    with pytest.raises(SystemExit):
        dev.main(["mockrc", "users", "list", "--url", "http://127.0.0.1:9"])

    path = str(dev.BIN / "mockrc")
    assert executed == [(path, [path, "users", "list", "--url", "http://127.0.0.1:9"])]
    assert venv[-1][-1] == "."  # the serve level: no test tools for a mockrc command


class Apt:
    """Records apt-get calls; Chromium is missing, this is root on Debian."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str]] = []
        monkeypatch.setattr(
            dev.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None
        )
        monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
        monkeypatch.setattr(dev.subprocess, "run", self.run)
        for name in ("CI", dev.NO_BROWSER):
            monkeypatch.delenv(name, raising=False)

    def run(self, command: list[str], **_: Any) -> Any:
        self.calls.append(command)
        return dev.subprocess.CompletedProcess(command, 0, "", "")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_ci_chromium_is_installed_without_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    apt = Apt(monkeypatch)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv(dev.NO_BROWSER, "1")  # CI never opts out

    dev.ensure_chromium()

    assert [c[:2] for c in apt.calls] == [["apt-get", "update"], ["apt-get", "install"]]


def test_on_a_developer_s_machine_no_browser_installs_nothing_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    apt = Apt(monkeypatch)
    monkeypatch.setenv(dev.NO_BROWSER, "1")

    dev.ensure_chromium()

    assert apt.calls == []
    assert "MOCKRC_NO_BROWSER=1: not installing Chromium" in capsys.readouterr().err


@pytest.mark.parametrize(("answer", "installs"), [("\n", True), ("y\n", True), ("n\n", False)])
def test_at_a_terminal_it_asks_before_apt_get(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], answer: str, installs: bool
) -> None:
    apt = Apt(monkeypatch)
    monkeypatch.setattr(dev.sys, "stdin", Terminal(answer))

    dev.ensure_chromium()

    assert bool(apt.calls) is installs
    said = capsys.readouterr()
    assert "apt-get install chromium chromium-driver (as root) now? [Y/n]" in said.out
    if not installs:
        assert "the browser tests will skip" in said.err


def test_without_a_terminal_it_says_what_it_runs_and_how_to_opt_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    apt = Apt(monkeypatch)
    monkeypatch.setattr(dev.sys, "stdin", io.StringIO(""))

    dev.ensure_chromium()

    assert apt.calls
    assert "set MOCKRC_NO_BROWSER=1 to skip both" in capsys.readouterr().err
