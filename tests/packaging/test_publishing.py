"""The release workflow parses and does what docs/publishing.md says; the docs name what exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW: dict[Any, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
DOCS = (ROOT / "docs" / "publishing.md").read_text(encoding="utf-8")


def steps(job: str) -> list[dict[str, Any]]:
    return WORKFLOW["jobs"][job]["steps"]


def test_the_release_workflow_runs_on_a_version_tag_only() -> None:
    # YAML 1.1 reads the key "on" as True.
    assert WORKFLOW[True] == {"push": {"tags": ["v*.*.*"]}}
    assert WORKFLOW["permissions"] == {"contents": "read"}


def test_it_checks_the_tag_against_pyproject_and_the_built_wheel_before_publishing() -> None:
    runs = " ".join(step.get("run", "") for step in steps("build"))
    assert '"v$version" = "$GITHUB_REF_NAME"' in runs
    assert "python -m build" in runs
    assert "mockrc --version" in runs
    assert WORKFLOW["jobs"]["pypi"]["needs"] == WORKFLOW["jobs"]["image"]["needs"] == "build"


def test_pypi_is_reached_by_trusted_publishing_from_one_environment() -> None:
    job = WORKFLOW["jobs"]["pypi"]
    assert job["permissions"] == {"id-token": "write"}
    assert job["environment"]["name"] == "pypi"
    assert steps("pypi")[-1]["uses"] == "pypa/gh-action-pypi-publish@release/v1"
    assert all("with" not in s or "password" not in s["with"] for s in steps("pypi"))  # no token


def test_the_image_is_pushed_with_the_tag_as_its_version() -> None:
    push = steps("image")[-1]
    assert push["uses"].startswith("docker/build-push-action@")
    assert "mockrc:${{ github.ref_name }}" in push["with"]["tags"]


def test_the_docs_name_the_workflow_environment_and_command_that_exist() -> None:
    assert "python3 dev.py release 0.2.0" in DOCS
    assert "workflow `release.yml`, environment `pypi`" in DOCS
    for path in re.findall(r"`((?:\.github|tests/packaging)/[\w/.-]+)`", DOCS):
        assert (ROOT / path).exists(), path
