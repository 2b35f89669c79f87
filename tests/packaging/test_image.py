"""The container image, built from the Dockerfile with podman and run: what ``docker run`` gives.

Built once per test run (xdist workers share it under a file lock) on the base image of
tests/packaging/podman.py (the real one where podman's storage has it, else a stand-in made from
Debian's packages). Containers use the host's network, on a free port given as MOCKRC_PORT, so the
tests reach them on loopback only. Needs podman, runc and debootstrap: outside CI the tests skip
saying how to install them; in CI (where dev.py installs them) they fail instead.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conformance.live_server import READY_PREFIX, output_lines
from tests.packaging import podman

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/mockrc:test"

ADMIN = {"Authorization": "Bearer mockrc-admin-token"}


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    why = podman.missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the image tests must run in CI, never skip there: {why}")
        pytest.skip(why)
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "mockrc-image"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "built").exists():
            podman.ensure_base_image()
            podman.run(
                *podman.podman_command(),
                "build",
                "--pull=never",
                "--network=host",
                *podman.limits(),
                "--format=docker",  # OCI images have no HEALTHCHECK
                "--tag",
                IMAGE,
                str(ROOT),
            )
            (shared / "built").touch()
    return IMAGE


@dataclass(frozen=True)
class Running:
    name: str
    url: str
    banner: list[str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def container(image: str, *options: str) -> Iterator[Running]:
    """``podman run IMAGE`` on the host's network, with a free MOCKRC_PORT; stopped on exit."""
    name = f"mockrc-test-{uuid.uuid4().hex[:10]}"
    port = free_port()
    process = subprocess.Popen(
        [
            *podman.podman_command(),
            "run",
            "--rm",
            "--name",
            name,
            "--network=host",
            *podman.limits(),
            "--env",
            f"MOCKRC_PORT={port}",
            *options,
            image,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = output_lines(process)
    banner: list[str] = []
    try:
        while not banner or not banner[-1].startswith(READY_PREFIX):
            line = lines.get(timeout=120)
            if line is None:
                raise RuntimeError("the container stopped before it served:\n" + "\n".join(banner))
            banner.append(line)
        yield Running(name, f"http://127.0.0.1:{port}", banner)
    finally:
        subprocess.run(
            [*podman.podman_command(), "stop", "--time", "10", name], capture_output=True, check=False
        )
        process.wait(timeout=60)


def on_container(running: Running, verb: tuple[str, ...], *args: str) -> subprocess.CompletedProcess[str]:
    """``podman VERB NAME ARGS``: ``("exec",)``, ``("healthcheck", "run")``."""
    return subprocess.run(
        [*podman.podman_command(), *verb, running.name, *args], capture_output=True, text=True, check=False
    )


def test_the_image_serves_as_a_user_without_privileges_locked_by_the_key_and_healthy(image: str) -> None:
    with container(image, "--env", "MOCKRC_ADMIN_KEY=image-key") as running:
        user = on_container(running, ("exec",), "id", "-u")
        health = on_container(running, ("healthcheck", "run"))
        answers = [
            requests.get(f"{running.url}/__mockrc/health", timeout=10).status_code,
            requests.get(f"{running.url}/__mockrc/journal", timeout=10).status_code,
            requests.get(
                f"{running.url}/__mockrc/journal", headers={"X-Mockrc-Admin-Key": "image-key"}, timeout=10
            ).status_code,
            requests.get(f"{running.url}/scim/v2/Users", headers=ADMIN, timeout=10).status_code,
        ]

    assert user.stdout.strip() == "10001"
    assert health.returncode == 0, health.stdout + health.stderr
    assert answers == [200, 401, 200, 200]
    assert "mockrc: reachable from the network: /__mockrc needs the admin key image-key" in " ".join(
        running.banner
    )


def test_mockrc_settings_given_to_the_container_win_over_the_image_s(image: str) -> None:
    with container(image, "--env", "MOCKRC_PROFILE=scim", "--env", "MOCKRC_USERS=acme") as running:
        users = requests.get(f"{running.url}/scim/v2/Users", headers=ADMIN, timeout=10).json()

    assert any(line.startswith("mockrc: profile scim, scenarios: none") for line in running.banner)
    assert users["totalResults"] >= 1


def test_a_state_file_on_a_volume_outlives_the_container(image: str) -> None:
    volume = f"mockrc-test-{uuid.uuid4().hex[:10]}"
    state = ("--volume", f"{volume}:/data", "--env", "MOCKRC_STATE_FILE=/data/mockrc.db")
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "kept@example.com",
        "name": {"givenName": "Kept", "familyName": "Across"},
        "emails": [{"value": "kept@example.com", "type": "work", "primary": True}],
    }
    try:
        with container(image, *state) as first:
            created = requests.post(f"{first.url}/scim/v2/Users", json=user, headers=ADMIN, timeout=10)
        with container(image, *state) as second:
            found = requests.get(f"{second.url}/scim/v2/Users", headers=ADMIN, timeout=10).json()
    finally:
        subprocess.run(
            [*podman.podman_command(), "volume", "rm", "--force", volume], capture_output=True, check=False
        )

    assert created.status_code == 201, created.text
    assert [u["userName"] for u in found["Resources"]] == ["kept@example.com"]
