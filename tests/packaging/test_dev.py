"""dev.py: the two install levels and their stamp, the mockrc pass-through, asking before apt-get,
and the checks of test (ruff, pytest, the strict docs build).

Nothing here installs anything: pip, apt-get and exec are replaced by recorders.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import subprocess
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
    for tool in (
        "pytest",
        "ruff",
        "selenium",
        "ringcentral",
        "scim2-tester",
        "hypothesis",
        "build",
        "mkdocs",
    ):
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


def test_test_runs_lint_types_pytest_then_the_strict_docs_build_into_a_temporary_folder(
    venv: list[tuple[str, ...]],
) -> None:
    assert dev.test(["-k", "wheel"]) == 0

    assert [Path(command[0]).name for command in venv] == ["ruff", "ruff", "mypy", "pytest", "mkdocs"]
    assert venv[2][1:] == ()  # mypy takes its files and strictness from [tool.mypy]
    assert venv[3][-2:] == ("-k", "wheel")
    *build, site = venv[4][1:]
    assert build == ["build", "--strict", "--quiet", "--site-dir"]
    assert Path(site).name.startswith("mockrc-site-") and not Path(site).exists()  # thrown away


def test_a_failing_step_leaves_the_others_to_run_and_its_code_is_returned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []

    def run(*command: str | Path) -> int:
        ran.append(Path(command[0]).name)
        return 3 if Path(command[0]).name == "pytest" else 0

    monkeypatch.setattr(dev, "run", run)

    assert dev.test([]) == 3
    assert ran == ["ruff", "ruff", "mypy", "pytest", "mkdocs"]


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


def test_in_ci_the_container_tools_are_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    apt = Apt(monkeypatch)
    monkeypatch.setenv("CI", "true")

    dev.ensure_container_tools()

    assert apt.calls[-1][-3:] == ["podman", "runc", "debootstrap"]


def test_on_a_developer_s_machine_the_container_tools_are_never_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apt = Apt(monkeypatch)

    dev.ensure_container_tools()

    assert apt.calls == []


# --- dev.py release --------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a pyproject.toml at 0.1.0, a changelog with news, and a bare origin."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    git(tmp_path, "init", "--quiet", "-b", "main", str(work))
    for key, value in (("user.name", "Tester"), ("user.email", "tester@example.com")):
        git(work, "config", key, value)
    (work / "pyproject.toml").write_text('[project]\nname = "mockrc"\nversion = "0.1.0"\n')
    (work / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n### Added\n\n- A thing.\n")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "start")
    git(work, "remote", "add", "origin", str(origin))
    monkeypatch.setattr(dev, "ROOT", work)
    return work


def test_release_sets_the_version_dates_the_changelog_tags_and_pushes(checkout: Path) -> None:
    assert dev.main(["release", "0.2.0"]) == 0

    assert 'version = "0.2.0"' in (checkout / "pyproject.toml").read_text()
    today = datetime.date.today().isoformat()
    assert (
        (checkout / "CHANGELOG.md")
        .read_text()
        .startswith(f"# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - {today}\n\n### Added\n\n- A thing.\n")
    )
    origin = checkout.parent / "origin.git"
    assert git(origin, "tag").split() == ["v0.2.0"]
    assert git(origin, "log", "-1", "--format=%s", "main").strip() == "Release 0.2.0"


@pytest.mark.parametrize(
    ("args", "prepare", "said"),
    [
        (["0.1.0"], None, "0.1.0 is not above the current version 0.1.0"),
        (["v1"], None, "usage: python3 dev.py release X.Y.Z"),
        (["0.2.0"], "dirty", "the work tree has changes"),
        (["0.2.0"], "no news", "Unreleased section lists nothing"),
    ],
)
def test_release_refuses_and_changes_nothing(
    checkout: Path, capsys: pytest.CaptureFixture[str], args: list[str], prepare: str | None, said: str
) -> None:
    if prepare == "dirty":
        (checkout / "stray.txt").write_text("x")
    if prepare == "no news":
        (checkout / "CHANGELOG.md").write_text(
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n\n- Old.\n"
        )
        git(checkout, "commit", "--quiet", "-am", "no news")
    before = git(checkout, "rev-parse", "HEAD")

    assert dev.main(["release", *args]) == 2

    assert said in capsys.readouterr().err
    assert git(checkout, "rev-parse", "HEAD") == before
    assert git(checkout, "tag") == ""
    assert 'version = "0.1.0"' in (checkout / "pyproject.toml").read_text()
