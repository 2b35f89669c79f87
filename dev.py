"""Developer and CI entry point; needs nothing but Python 3.11+ (standard library only).

    python3 dev.py serve [ARGS...]    run the fake: ``mockrc serve ARGS...``
    python3 dev.py mockrc [ARGS...]   any ``mockrc`` command: ``mockrc ARGS...``
    python3 dev.py test [ARGS...]     ruff check, ruff format --check, mypy, ``pytest ARGS...``, then
                                      ``mkdocs build --strict`` (the documentation site)
    python3 dev.py release X.Y.Z      version, changelog, commit, tag, push (docs/publishing.md)

Each first makes sure ``.venv`` (next to this file) exists and holds the project installed
editable, at one of two levels: ``serve`` and ``mockrc`` need only what serving needs (the
project's own dependencies, a quick first start); ``test`` adds the test extras (pytest, ruff, mypy,
selenium, the SDK and conformance tools). The install runs again only when pyproject.toml changed
since the last successful one, or a higher level is wanted, tracked by the level and a hash in
``.venv/mockrc-install.stamp``: a change to a dependency is picked up, a change to code needs
nothing (the install is editable).

``test`` also needs Debian's ``chromium`` and ``chromium-driver`` for the dashboard's browser tests.
In CI (``CI=true``) it installs them with apt-get as root when missing, without asking. On a
developer's machine it says what it will do and asks first (a terminal) or says how to opt out;
``MOCKRC_NO_BROWSER=1`` skips the install and the browser tests. In CI only, it also installs
podman, runc and debootstrap, with which tests/packaging/test_image.py builds and runs the
container image (elsewhere those tests skip, saying what to install). POSIX only.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, NoReturn

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / "mockrc-install.stamp"
USAGE = "usage: python3 dev.py {serve|mockrc|test} [ARGS...] | release X.Y.Z [--no-push]"

Level = Literal["serve", "test"]
#: What each level installs (pip requirement of the project), lowest first.
LEVELS: dict[Level, str] = {"serve": ".", "test": ".[test]"}
#: Set to 1 on a developer's machine: install no browser, skip the browser tests.
NO_BROWSER = "MOCKRC_NO_BROWSER"
APT_PACKAGES = ("chromium", "chromium-driver")
#: What tests/packaging/test_image.py needs to build and run the container image (installed in CI).
CONTAINER_TOOLS = ("podman", "runc", "debootstrap")


def say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def run(*command: str | Path) -> int:
    """Run ``command`` in the project root; its exit code."""
    return subprocess.run([str(part) for part in command], cwd=ROOT, check=False).returncode


def flag(name: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on)."""
    return environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def installed_level(pyproject_hash: str) -> Level | None:
    """The level the stamp records for this pyproject.toml, or None (none, or pyproject.toml changed)."""
    try:
        level, recorded = STAMP.read_text().split()
    except (OSError, ValueError):  # no stamp, or the older one-hash format
        return None
    if recorded != pyproject_hash or level not in LEVELS:
        return None
    return level  # type: ignore[return-value]


def ensure_venv(level: Level = "test") -> None:
    """Create ``.venv`` if missing and install the project at ``level`` unless it already is (or higher)."""
    if not (BIN / "python").exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    have = installed_level(wanted)
    order = list(LEVELS)
    if have is not None and order.index(have) >= order.index(level):
        return
    what = "the project" if level == "serve" else "the project and its test tools"
    say(f"installing {what} into .venv (level {level}: pip install --editable '{LEVELS[level]}')")
    pip = [BIN / "python", "-m", "pip", "--disable-pip-version-check"]
    code = run(*pip, "install", "--quiet", "--editable", LEVELS[level])
    if code != 0:
        sys.exit(code)
    STAMP.write_text(f"{level} {wanted}\n")


def ensure_chromium() -> None:
    """Install Debian's Chromium and its driver for tests/browser/ when either is missing.

    In CI, quietly (apt-get as root). On a developer's machine, only after saying so: asked at a
    terminal, announced otherwise, skipped with ``MOCKRC_NO_BROWSER=1`` (the browser tests then
    skip and say how to run them). Without root or apt-get it says what to install; the browser
    tests then skip, or fail in CI.
    """
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    ci = flag("CI")
    if flag(NO_BROWSER) and not ci:
        say(f"{NO_BROWSER}=1: not installing Chromium; the browser tests (tests/browser/) will skip")
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        say(f"chromium and chromedriver are missing: install them (Debian: {' '.join(APT_PACKAGES)})")
        return
    if not ci:
        plan = f"apt-get update && apt-get install {' '.join(APT_PACKAGES)} (as root)"
        if sys.stdin.isatty():
            answer = input(f"dev.py: the browser tests need Chromium: run {plan} now? [Y/n] ")
            if answer.strip().lower() not in ("", "y", "yes"):
                say(f"not installed; the browser tests will skip ({NO_BROWSER}=1 stops this question)")
                return
        else:
            say(f"the browser tests need Chromium: running {plan}; set {NO_BROWSER}=1 to skip both")
    else:
        say(f"installing {' and '.join(APT_PACKAGES)} for the browser tests (apt-get)")
    apt_install(APT_PACKAGES)


def ensure_container_tools() -> None:
    """In CI, install podman, runc and debootstrap for tests/packaging/test_image.py when missing.

    They build and run the Dockerfile's image (on a base image made from Debian's packages when no
    registry is reachable): a few minutes and some hundred MB, so never on a developer's machine,
    where the image tests skip and say what to install.
    """
    if not flag("CI") or all(shutil.which(tool) for tool in CONTAINER_TOOLS):
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        say(f"{', '.join(CONTAINER_TOOLS)} are missing: install them (Debian: {' '.join(CONTAINER_TOOLS)})")
        return
    say(f"installing {', '.join(CONTAINER_TOOLS)} for the container image tests (apt-get)")
    apt_install(CONTAINER_TOOLS)


def apt_install(packages: tuple[str, ...]) -> bool:
    """``apt-get update`` and ``apt-get install PACKAGES``, quietly; False (having said why) on failure."""
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", *packages],
    ):
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            say(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
            return False
    return True


def exec_mockrc(args: list[str]) -> NoReturn:
    """Replace this process with ``mockrc ARGS``, so signals and the exit code are mockrc's."""
    command = [str(BIN / "mockrc"), *args]
    say(" ".join(["mockrc", *args]))
    os.chdir(ROOT)
    os.execv(command[0], command)


def test(args: list[str]) -> int:
    """Run every check, even after a failure, so one run shows all problems; the first failure's code.

    The documentation site is built with warnings as errors (a broken link or anchor fails) into a
    temporary folder: the build is the check, the pages are thrown away.
    """
    with tempfile.TemporaryDirectory(prefix="mockrc-site-") as site:
        return run_steps(args, site)


def run_steps(args: list[str], site: str) -> int:
    """The checks of ``test``, the site built into ``site``."""
    steps = [
        ("ruff check", [BIN / "ruff", "check"]),
        ("ruff format --check", [BIN / "ruff", "format", "--check"]),
        ("mypy", [BIN / "mypy"]),
        ("pytest", [BIN / "pytest", "-p", "randomly", "-n", "auto", *args]),
        ("mkdocs build --strict", [BIN / "mkdocs", "build", "--strict", "--quiet", "--site-dir", site]),
    ]
    failures: list[tuple[str, int]] = []
    for name, command in steps:
        say(name)
        code = run(*command)
        if code != 0:
            failures.append((name, code))
    if failures:
        say("FAILED: " + ", ".join(name for name, _ in failures))
        return failures[0][1]
    say("all checks passed")
    return 0


def release(args: list[str]) -> int:
    """Release VERSION: set it in pyproject.toml, date the changelog's Unreleased section, commit,
    tag ``vVERSION`` and push both; the tag's workflow (.github/workflows/release.yml) publishes.

    Refuses, changing nothing, unless VERSION is X.Y.Z and above the current one, the work tree is
    clean, and the Unreleased section says something. ``--no-push`` stops before pushing.
    """
    push = "--no-push" not in args
    words = [a for a in args if a != "--no-push"]
    if len(words) != 1 or not re.fullmatch(r"\d+\.\d+\.\d+", words[0]):
        say("usage: python3 dev.py release X.Y.Z [--no-push]")
        return 2
    version = words[0]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    current = re.search(r'^version = "([^"]+)"$', pyproject, flags=re.MULTILINE)
    if current is None:
        say('pyproject.toml has no line version = "X.Y.Z"')
        return 2
    as_tuple = [tuple(int(n) for n in v.split(".")) for v in (current[1], version)]
    if as_tuple[1] <= as_tuple[0]:
        say(f"{version} is not above the current version {current[1]}")
        return 2
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    if status.stdout.strip():
        say("the work tree has changes: commit or stash them first")
        return 2
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased = re.search(r"^## \[Unreleased\]\n(.*?)(?=^## |\Z)", changelog, flags=re.MULTILINE | re.DOTALL)
    if unreleased is None or not re.search(r"^- ", unreleased[1], flags=re.MULTILINE):
        say("CHANGELOG.md's Unreleased section lists nothing: say what this release changes first")
        return 2
    today = datetime.date.today().isoformat()
    (ROOT / "pyproject.toml").write_text(
        pyproject.replace(current[0], f'version = "{version}"', 1), encoding="utf-8"
    )
    (ROOT / "CHANGELOG.md").write_text(
        changelog.replace("## [Unreleased]\n", f"## [Unreleased]\n\n## [{version}] - {today}\n", 1),
        encoding="utf-8",
    )
    steps = [
        ["git", "commit", "--quiet", "-am", f"Release {version}"],
        ["git", "tag", "-a", f"v{version}", "-m", f"mockrc {version}"],
    ]
    if push:
        steps.append(["git", "push", "--atomic", "origin", "HEAD", f"v{version}"])
    for command in steps:
        code = run(*command)
        if code != 0:
            say(f"{' '.join(command)} failed ({code})")
            return code
    say(f"released {version}" + ("" if push else f": push with git push --atomic origin HEAD v{version}"))
    return 0


def main(argv: list[str]) -> int:
    # Not dead code: dev.py runs under whatever python3 the machine has, before any venv exists.
    if sys.version_info < (3, 11):  # noqa: UP036
        say(f"Python 3.11+ is needed, this is {sys.version.split()[0]}")
        return 2
    if argv and argv[0] == "release":
        return release(argv[1:])
    if not argv or argv[0] not in ("serve", "mockrc", "test"):
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] == "serve":
        ensure_venv("serve")
        exec_mockrc(["serve", *argv[1:]])
    if argv[0] == "mockrc":
        ensure_venv("serve")
        exec_mockrc(argv[1:])
    ensure_venv("test")
    ensure_chromium()
    ensure_container_tools()
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
