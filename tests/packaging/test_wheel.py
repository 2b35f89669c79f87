"""The built wheel, installed in a fresh virtualenv, is a working mockrc: what ``pip install`` gives.

Once per test run (shared by the xdist workers under a file lock) a copy of the checkout is built
with ``python -m build`` (an sdist, then the wheel from that sdist, as PyPI's users get it), and
the wheel is installed with its dependencies and pytest into a new virtualenv. The tests then run
that virtualenv's ``mockrc`` and ``python`` from a folder outside the checkout, so nothing of the
checkout can stand in for a file the wheel forgot.

Marked ``packaging``: ``-m "not packaging"`` leaves them out of a quick local run.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conformance.live_server import mockrc_serve

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
#: Never copied into the build: what a fresh clone does not have, or what a build would leave.
NOT_SOURCE = (".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache")


@dataclass(frozen=True)
class Built:
    """The sdist, the wheel, and a virtualenv with the wheel installed."""

    sdist: Path
    wheel: Path
    venv: Path
    scratch: Path

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)


def clean_environment() -> dict[str, str]:
    """This process's environment without what would point the fresh virtualenv back at the checkout."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("PYTEST_")
    }


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command``; a failure fails the test with what the command printed."""
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def build_and_install(folder: Path) -> None:
    source = folder / "source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    run(sys.executable, "-m", "build", "--outdir", folder / "dist", source, cwd=folder)
    (wheel,) = (folder / "dist").glob("mockrc-*.whl")
    venv.EnvBuilder(with_pip=True, clear=True).create(folder / "venv")
    pip = [folder / "venv" / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run(*pip, "install", wheel, "pytest", cwd=folder)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own basetemp; their parent is this run's, shared by all.
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "mockrc-wheel"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "installed").exists():
            build_and_install(shared)
            (shared / "installed").touch()
    (sdist,) = (shared / "dist").glob("mockrc-*.tar.gz")
    (wheel,) = (shared / "dist").glob("mockrc-*.whl")
    scratch = tmp_path_factory.mktemp("outside-the-checkout")
    return Built(sdist, wheel, shared / "venv", scratch)


def data_files() -> set[str]:
    """Every file of the checkout's data folders, as the wheel must carry it (under mockrc/_data/)."""
    return {
        f"mockrc/_data/{path.relative_to(ROOT).as_posix()}"
        for folder in ("fixtures", "scenarios")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_carries_every_data_file_and_no_test_sample(built: Built) -> None:
    names = set(zipfile.ZipFile(built.wheel).namelist())

    shipped = {n for n in names if n.startswith("mockrc/_data/")}
    assert shipped == data_files()
    for kind in ("schemas", "profiles", "accounts", "seed", "oauth"):
        assert any(n.startswith(f"mockrc/_data/fixtures/{kind}/") for n in shipped), kind
    assert "mockrc/_data/scenarios/auth-failure.yaml" in shipped
    assert "mockrc/_data/scenarios/bodies/oauth-invalid-client.json" in shipped
    assert [n for n in names if "samples" in n or n.startswith("tests/")] == []
    assert "mockrc-0.1.0.dist-info/licenses/LICENSE".replace("0.1.0", built.wheel.name.split("-")[1]) in names


def test_the_sdist_has_the_sources_the_data_and_the_license_but_no_tests(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}

    for name in ("pyproject.toml", "README.md", "LICENSE", "mockrc/cli/main.py", "mockrc/resources.py"):
        assert name in names
    assert {f"{n.removeprefix('mockrc/_data/')}" for n in data_files()} <= names
    assert [n for n in names if n.startswith("tests/")] == []


def test_the_installed_package_finds_its_data_in_site_packages(built: Built) -> None:
    script = textwrap.dedent(
        """
        import json, mockrc
        from mockrc.resources import data_folder
        from mockrc.profile import available_profiles
        from mockrc.scenarios.loader import load_scenario, shipped_scenarios
        from mockrc.seed import shipped_seeds
        print(json.dumps({
            "package": mockrc.__file__,
            "fixtures": str(data_folder("fixtures")),
            "scenarios": str(data_folder("scenarios")),
            "profiles": list(available_profiles()),
            "shipped": list(shipped_scenarios()),
            "loaded": [load_scenario(name).name for name in shipped_scenarios()],
            "seed": list(shipped_seeds()),
        }))
        """
    )

    found = json.loads(run(built.bin("python"), "-c", script, cwd=built.scratch).stdout)

    site = str(built.venv)
    assert found["package"].startswith(site)
    assert found["fixtures"].startswith(site) and found["fixtures"].endswith("mockrc/_data/fixtures")
    assert found["scenarios"].startswith(site) and found["scenarios"].endswith("mockrc/_data/scenarios")
    assert found["profiles"] == sorted(p.stem for p in (ROOT / "fixtures" / "profiles").glob("*.json"))
    assert found["shipped"] == found["loaded"] == sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    assert found["seed"] == sorted(p.stem for p in (ROOT / "fixtures" / "seed").iterdir())


def test_mockrc_version_and_serve_from_the_wheel_answer(built: Built) -> None:
    version = run(built.bin("mockrc"), "--version", cwd=built.scratch).stdout
    assert version == f"mockrc {built.wheel.name.split('-')[1]}\n"

    with mockrc_serve("--users", "acme", program=[built.bin("mockrc")]) as (url, banner):
        health = requests.get(f"{url}/__mockrc/health", timeout=10)
        users = requests.get(
            f"{url}/scim/v2/Users", headers={"Authorization": "Bearer mockrc-admin-token"}, timeout=10
        )
        activated = requests.post(f"{url}/__mockrc/scenarios/auth-failure/activate", json={}, timeout=10)
        refused = requests.post(f"{url}/restapi/oauth/token", data={"grant_type": "password"}, timeout=10)

    assert any(line.startswith("mockrc: profile ringcentral, scenarios: none") for line in banner)
    assert health.status_code == 200
    # The profile, its schemas, the account and the seed file acme came out of the wheel.
    assert users.status_code == 200 and users.json()["totalResults"] >= 1
    # So did the shipped scenario and the body file it sends.
    assert activated.ok, activated.text
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"


def test_the_pytest_plugin_loads_from_the_wheel(built: Built) -> None:
    (built.scratch / "test_uses_mockrc.py").write_text(
        textwrap.dedent(
            """
            import mockrc
            import requests

            def test_the_fixture_answers(mockrc):
                answer = requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers)
                assert answer.status_code == 200

            def test_the_plugin_is_the_installed_one():
                assert "site-packages" in mockrc.__file__
            """
        ),
        encoding="utf-8",
    )

    done = run(built.bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=built.scratch)

    assert "2 passed" in done.stdout
