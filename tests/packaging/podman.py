"""Podman for the image test, on a machine with no registry: a stand-in base image, and the flags this
sandbox needs.

The Dockerfile starts ``FROM python:3.11-slim``. No registry can be reached here, so when podman's
storage has no image of that name, one is made from Debian's own packages: ``debootstrap`` lays
out a minimal Debian 12 (whose ``python3`` is 3.11, as the real image's) with ``python3-venv``,
``ca-certificates`` and this machine's CA bundle (pip inside the build reaches the package index as
the machine does), imported and tagged ``docker.io/library/python:3.11-slim``. It stays in podman's
storage, so later runs skip this step. It is a stand-in: the official image keeps Python in
/usr/local and has no Debian python3 package; the Dockerfile uses only what both have
(``python3 -m venv``, ``useradd``).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

from dev import CONTAINER_TOOLS

BASE_IMAGE = "docker.io/library/python:3.11-slim"
#: Debian 12, whose python3 is the 3.11 of the base image's name.
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def missing() -> str | None:
    """Why the image cannot be built and run here, or None when it can."""
    absent = [name for name in CONTAINER_TOOLS if shutil.which(name) is None]
    if absent:
        return (
            f"{', '.join(absent)} not installed; to build and run the image here: apt-get install"
            f" {' '.join(CONTAINER_TOOLS)} (python3 dev.py test does it in CI)"
        )
    return None


def podman_command() -> list[str]:
    """``podman`` with the global flags this kind of machine needs.

    runc, because crun refuses a cgroup v1/v2 hybrid hierarchy ("cgroups in hybrid mode not
    supported"); cgroupfs, because no systemd runs here.
    """
    return ["podman", "--runtime", shutil.which("runc") or "runc", "--cgroup-manager=cgroupfs"]


def limits() -> list[str]:
    """``--ulimit`` flags within this process's hard limits: podman's defaults for root exceed them
    in a sandbox ("setrlimit RLIMIT_NOFILE: Operation not permitted")."""
    flags: list[str] = []
    for name, which in (("nofile", resource.RLIMIT_NOFILE), ("nproc", resource.RLIMIT_NPROC)):
        _, hard = resource.getrlimit(which)
        value = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
        flags += ["--ulimit", f"{name}={value}:{value}"]
    return flags


def run(*command: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(command), capture_output=True, text=True, check=False, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done


def ensure_base_image() -> str:
    """The base image's name, after making the stand-in if podman's storage has no such image."""
    exists = subprocess.run([*podman_command(), "image", "exists", BASE_IMAGE], check=False)
    if exists.returncode == 0:
        return BASE_IMAGE
    with tempfile.TemporaryDirectory(prefix="mockrc-base-") as folder:
        root = Path(folder) / "rootfs"
        run(
            "debootstrap",
            "--variant=minbase",
            "--include=python3,python3-venv,ca-certificates",
            SUITE,
            str(root),
            MIRROR,
        )
        shutil.copyfile(HOST_CA_BUNDLE, root / "etc/ssl/certs/ca-certificates.crt")
        for leftover in (root / "var/cache/apt/archives").glob("*.deb"):
            leftover.unlink()
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            [
                *podman_command(),
                "import",
                "--change",
                f"ENV PIP_CERT={HOST_CA_BUNDLE}",
                "--change",
                'CMD ["python3"]',
                "-",
                BASE_IMAGE,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise RuntimeError(f"podman import of the stand-in base image failed:\n{imported.stderr}")
    return BASE_IMAGE
