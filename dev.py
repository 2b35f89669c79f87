"""Developer and CI entry point; needs nothing but Python 3.11+ (standard library only).

    python3 dev.py serve [ARGS...]   run the fake: ``mockrc serve ARGS...``
    python3 dev.py test [ARGS...]    ruff check, ruff format --check, then ``pytest ARGS...``

Both first make sure ``.venv`` (next to this file) exists and holds the project installed
editable with its test extras. The install runs again only when pyproject.toml changed since the
last successful one, tracked by a hash in ``.venv/mockrc-install.stamp``: a change to a
dependency is picked up, a change to code needs nothing (the install is editable). ``test`` also
installs Debian's ``chromium`` and ``chromium-driver`` (apt-get, as root, only when missing) for
the dashboard's browser tests. POSIX only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / "mockrc-install.stamp"
USAGE = "usage: python3 dev.py {serve|test} [ARGS...]"


def say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def run(*command: str | Path) -> int:
    """Run ``command`` in the project root; its exit code."""
    return subprocess.run([str(part) for part in command], cwd=ROOT, check=False).returncode


def ensure_venv() -> None:
    """Create ``.venv`` if missing and (re)install the project when pyproject.toml changed."""
    if not (BIN / "python").exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("installing the project and its test tools into .venv (pyproject.toml changed)")
    pip = [BIN / "python", "-m", "pip", "--disable-pip-version-check"]
    code = run(*pip, "install", "--quiet", "--editable", ".[test]")
    if code != 0:
        sys.exit(code)
    STAMP.write_text(wanted + "\n")


def ensure_chromium() -> None:
    """Install Debian's Chromium and its driver for tests/browser/ when either is missing.

    Quietly, and only as root on a machine with apt-get (CI and the project's machines); elsewhere
    it says what to install, and the browser tests skip (outside CI) or fail (in CI).
    """
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        say("chromium and chromedriver are missing: install them (Debian: chromium chromium-driver)")
        return
    say("installing chromium and chromium-driver for the browser tests (apt-get)")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
    ):
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            say(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
            return


def serve(args: list[str]) -> NoReturn:
    """Replace this process with ``mockrc serve``, so signals and the exit code are the server's."""
    command = [str(BIN / "mockrc"), "serve", *args]
    say(" ".join(["mockrc", "serve", *args]))
    os.chdir(ROOT)
    os.execv(command[0], command)


def test(args: list[str]) -> int:
    """Run every check, even after a failure, so one run shows all problems; the first failure's code."""
    steps = [
        ("ruff check", [BIN / "ruff", "check"]),
        ("ruff format --check", [BIN / "ruff", "format", "--check"]),
        ("pytest", [BIN / "pytest", "-p", "randomly", "-n", "auto", *args]),
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


def main(argv: list[str]) -> int:
    # Not dead code: dev.py runs under whatever python3 the machine has, before any venv exists.
    if sys.version_info < (3, 11):  # noqa: UP036
        say(f"Python 3.11+ is needed, this is {sys.version.split()[0]}")
        return 2
    if not argv or argv[0] not in ("serve", "test"):
        print(USAGE, file=sys.stderr)
        return 2
    ensure_venv()
    if argv[0] == "serve":
        serve(argv[1:])
    ensure_chromium()
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
