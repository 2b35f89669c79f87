"""The Dockerfile, .dockerignore and docs/container.md's examples, checked without a container engine.

What the image would run is run here: the image's entry point and command with its environment,
its HEALTHCHECK command against that server, and that page's GitHub Actions job (curl) against a
server started with that job's service settings. tests/packaging/test_image.py builds and runs the
image itself where a container engine works.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from mockrc.cli.environment import env_name
from mockrc.cli.main import _all_parsers, _parser
from tests.conformance.live_server import mockrc_serve

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
PAGE = (ROOT / "docs" / "container.md").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Instruction:
    name: str
    args: str
    stage: int


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions: comments dropped, continuation lines joined, stages counted."""
    found: list[Instruction] = []
    logical = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    stage = -1
    for line in logical.splitlines():
        if not line.strip():
            continue
        name, _, args = line.strip().partition(" ")
        if name.upper() == "FROM":
            stage += 1
        found.append(Instruction(name.upper(), args.strip(), stage))
    return found


INSTRUCTIONS = instructions(DOCKERFILE)
FINAL = [i for i in INSTRUCTIONS if i.stage == max(i.stage for i in INSTRUCTIONS)]


def final(name: str) -> list[Instruction]:
    return [i for i in FINAL if i.name == name]


def image_environment() -> dict[str, str]:
    """The final stage's ENV, as the image's processes see it (PATH left to this machine)."""
    env: dict[str, str] = {}
    for instruction in final("ENV"):
        for word in shlex.split(instruction.args):
            key, _, value = word.partition("=")
            env[key] = value
    env.pop("PATH")
    return env


def exec_form(args: str) -> list[str]:
    command = json.loads(args)
    assert isinstance(command, list), f"use the exec form (a JSON list): {args}"
    return command


def healthcheck_command() -> list[str]:
    (check,) = final("HEALTHCHECK")
    options, _, command = check.args.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    return exec_form(command)


def serve_options() -> set[str]:
    """Every MOCKRC_* variable that mockrc's commands read."""
    return {
        env_name(action)
        for parser in _all_parsers(_parser())
        for action in parser._actions
        if action.option_strings and action.dest not in ("help", "==SUPPRESS==")
    }


# --- the Dockerfile, read ---------------------------------------------------------------------------


def test_the_image_is_slim_python_from_one_overridable_argument() -> None:
    assert DOCKERFILE.startswith("# ")
    (argument,) = [i for i in INSTRUCTIONS if i.name == "ARG" and i.stage == -1]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim", argument.args)
    assert [i.args.split()[0] for i in INSTRUCTIONS if i.name == "FROM"] == ["${PYTHON_IMAGE}"] * 2


def test_the_image_runs_as_a_user_without_privileges() -> None:
    (user,) = final("USER")
    assert user.args not in ("root", "0")
    assert any(f"useradd --system --uid {10001}" in i.args and user.args in i.args for i in final("RUN"))


def test_the_image_serves_on_every_interface_through_its_environment_not_flags() -> None:
    env = image_environment()
    assert env["MOCKRC_HOST"] == "0.0.0.0"
    assert env["MOCKRC_ALLOW_REMOTE"] == "true"
    assert env["MOCKRC_PORT"] == "8080"
    assert "MOCKRC_ADMIN_KEY" not in env  # never baked in: the key comes from docker run
    # No option on the command line, so every MOCKRC_* given to docker run wins over the image's.
    assert exec_form(final("ENTRYPOINT")[0].args) == ["mockrc"]
    assert exec_form(final("CMD")[0].args) == ["serve"]
    assert final("EXPOSE")[0].args == env["MOCKRC_PORT"]


def test_every_mockrc_variable_the_image_sets_is_one_mockrc_reads() -> None:
    assert {k for k in image_environment() if k.startswith("MOCKRC_")} <= serve_options()


def test_no_volume_is_declared_but_the_state_folder_belongs_to_the_user() -> None:
    assert final("VOLUME") == []
    assert final("WORKDIR")[-1].args == "/data"
    assert any("chown mockrc:mockrc /data" in i.args for i in final("RUN"))


def test_the_healthcheck_asks_the_health_route() -> None:
    command = healthcheck_command()
    assert command[:2] == ["python3", "-c"]
    assert "/__mockrc/health" in command[2]


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` out of the build context (the last matching pattern wins)."""
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.removeprefix("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(
            fnmatch.fnmatchcase(p, bare) or fnmatch.fnmatchcase(p, bare.removeprefix("**/"))
            for p in (prefixes if not bare.startswith("**/") else parts)
        ):
            ignored = not negated
    return ignored


def test_the_build_context_holds_what_the_dockerfile_copies_and_nothing_else() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = [
        source.rstrip("/")
        for i in INSTRUCTIONS
        if i.name == "COPY" and not i.args.startswith("--from")
        for source in i.args.split()[:-1]
    ]
    for source in copied:
        assert (ROOT / source).exists(), source
        for path in [source, *(str(p.relative_to(ROOT)) for p in (ROOT / source).rglob("*.*"))]:
            if "__pycache__" not in path:
                assert not dockerignored(path, patterns), path
    for left_out in (
        "tests/samples/expectations.json",
        ".venv/bin/python",
        ".git/HEAD",
        "dev.py",
        "mockrc/__pycache__/cli.cpython-311.pyc",
    ):
        assert dockerignored(left_out, patterns), left_out


# --- what the image runs, run here ------------------------------------------------------------------


@pytest.fixture
def image_server() -> Iterator[tuple[str, dict[str, str]]]:
    """``mockrc serve`` with the image's environment and an admin key, as ``docker run -e`` gives it."""
    env = {**os.environ, **image_environment(), "MOCKRC_ADMIN_KEY": "image-admin-key"}
    mockrc = str(Path(sys.executable).with_name("mockrc"))
    with mockrc_serve(program=[mockrc], env=env) as (url, _):
        port = urlsplit(url).port
        yield f"http://127.0.0.1:{port}", {**env, "MOCKRC_PORT": str(port)}


def test_the_image_s_command_serves_locked_by_the_key_from_the_environment(
    image_server: tuple[str, dict[str, str]],
) -> None:
    url, _ = image_server

    assert requests.get(f"{url}/__mockrc/health", timeout=10).status_code == 200
    assert requests.get(f"{url}/__mockrc/journal", timeout=10).status_code in (401, 403)
    keyed = requests.get(
        f"{url}/__mockrc/journal", headers={"X-Mockrc-Admin-Key": "image-admin-key"}, timeout=10
    )
    assert keyed.status_code == 200


def test_the_healthcheck_command_passes_against_it_and_fails_without_it(
    image_server: tuple[str, dict[str, str]],
) -> None:
    _, env = image_server
    command = healthcheck_command()
    command[0] = sys.executable

    assert subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0
    nobody = {**env, "MOCKRC_PORT": "9"}  # the discard port: nothing listens there
    assert subprocess.run(command, env=nobody, capture_output=True, check=False).returncode != 0


# --- the container page's examples ------------------------------------------------------------------


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", PAGE, flags=re.DOTALL)]


def test_the_page_s_docker_commands_use_only_settings_mockrc_reads() -> None:
    section = PAGE
    assert "docker build -t mockrc ." in section
    named = set(re.findall(r"\b(MOCKRC_[A-Z_]+)=", section))
    assert named and named <= serve_options()
    compose, workflow = yaml_blocks()
    service = compose["services"]["ringcentral"]
    assert set(service["environment"]) <= serve_options()
    assert compose["services"]["provisioning-client"]["depends_on"]["ringcentral"] == {
        "condition": "service_healthy"
    }
    assert set(workflow["jobs"]["provisioning-contract"]["services"]["ringcentral"]["env"]) <= serve_options()


@pytest.mark.skipif(not Path("/usr/bin/curl").exists(), reason="curl is not installed (Debian: curl)")
def test_the_page_s_github_actions_job_passes_against_its_service(tmp_path: Path) -> None:
    (_, workflow) = yaml_blocks()
    job = workflow["jobs"]["provisioning-contract"]
    service = job["services"]["ringcentral"]
    assert service["ports"] == ["8080:8080"]
    env = {**os.environ, **image_environment(), "MOCKRC_HOST": "127.0.0.1", **service["env"]}
    mockrc = str(Path(sys.executable).with_name("mockrc"))

    with mockrc_serve(program=[mockrc], env=env) as (url, _):
        for step in job["steps"]:
            script = step["run"].replace("http://localhost:8080", url)
            done = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", script],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, (step["name"], done.stdout, done.stderr)
        created = requests.get(
            f"{url}/__mockrc/users", headers={"X-Mockrc-Admin-Key": "ci-admin-key"}, timeout=10
        )

    assert [u["userName"] for u in created.json()["Resources"]] == ["ann@example.com"]
