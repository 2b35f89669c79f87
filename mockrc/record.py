"""``mockrc record``: what a journal shows of a server, as files a fake can start from.

A session against RingCentral's sandbox (through ``mockrc proxy``) or against a fake leaves a
journal; from it, :func:`record` collects

- **the users** as the server last answered them (a create's 201, a read, a PATCH or PUT's 200, the
  users of a list or ``.search``; a 204 to a DELETE removes one), in the order they were first seen,
  written as a seed file (:mod:`mockrc.seed`'s format, ``mockrc serve --users FILE``) without the
  attributes a client cannot write (``id``, ``meta``, ``groups``);
- **the answers a fake would not give by itself** (rate limiting's 429, the server's 5xx, and the
  answers a scenario step gave, or with ``all_errors`` every answer of 400 or more), written as
  scenario files (:mod:`mockrc.scenarios`' format, ``mockrc serve --scenario FILE``): one per
  method and path, whose steps answer as the server did, on the same request (``nth``) of that
  method and path.

What cannot be recorded faithfully (an answer the journal cut short, a user answered only in
part because the request asked for some attributes) is left out and counted in the notes.
Every file written is checked by the loader that will read it, before it is written.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockrc.paths import SCIM_PREFIX
from mockrc.scenarios.loader import parse_scenario
from mockrc.seed import add_users, parse_seed
from mockrc.settings import Settings
from mockrc.state import MockState

_USERS = f"{SCIM_PREFIX}/Users"
_ONE_USER = re.compile(re.escape(_USERS) + r"/([^/]+)")
#: Attributes a client cannot write (RFC 7643 §3.1 and §4.1.2: readOnly), left out of the seed.
_READ_ONLY = frozenset({"id", "meta", "groups"})
#: Response headers a recorded answer keeps: how a client is told to wait, and what the body is.
_KEPT_HEADERS = frozenset(
    {
        "content-type",
        "retry-after",
        "x-rate-limit-group",
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-window",
    }
)
_ROUTE_VARIABLE = re.compile(r"<(?:\w+:)?\w+>")


@dataclass
class Recording:
    """The users a journal shows (by id, in the order first seen), the answers to replay, and notes."""

    source: str
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    exchanges: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)

    def notes(self) -> list[str]:
        """What was left out, one line per reason: ``3 answers the journal cut short``."""
        return [f"{count} left out: {reason}" for reason, count in sorted(self.skipped.items())]

    def seed_document(self) -> dict[str, Any]:
        """The seed file: the users, without their read-only attributes."""
        return {
            "description": f"Users recorded by mockrc record from {self.source}",
            "users": [{k: v for k, v in user.items() if k not in _READ_ONLY} for user in self.users.values()],
        }

    def scenario_documents(self) -> dict[str, dict[str, Any]]:
        """The scenario files by name: one per method and path, a step per recorded answer."""
        documents: dict[str, dict[str, Any]] = {}
        for (method, glob), steps in self.exchanges.items():
            name = _name(f"recorded-{method}-{glob}")
            while name in documents:
                name += "-x"
            statuses = ", ".join(sorted({str(step["respond"]["status"]) for step in steps}))
            documents[name] = {
                "name": name,
                "description": f"{method} {glob} answered {statuses}, recorded from {self.source}",
                "steps": steps,
            }
        return documents


def _name(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _partial(entry: Mapping[str, Any]) -> bool:
    """Whether the answer holds only some attributes of the users (RFC 7644 §3.9)."""
    query = entry.get("query") or {}
    body = entry.get("body")
    asked = isinstance(body, Mapping) and ("attributes" in body or "excludedAttributes" in body)
    return "attributes" in query or "excludedAttributes" in query or asked


def record(entries: Iterable[Mapping[str, Any]], *, source: str, all_errors: bool = False) -> Recording:
    """What ``entries`` (a journal, read as a stream) show: see the module's description."""
    recording = Recording(source)
    seen: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        method, path, status = entry["method"], entry["path"], entry["status"]
        response = entry.get("response") or {}
        glob = _ROUTE_VARIABLE.sub("*", entry["route"]) if entry.get("route") else path
        seen[method, glob] += 1
        upstream = entry.get("upstream")  # mockrc proxy's journal: its own 502 when the upstream was silent
        if isinstance(upstream, Mapping) and upstream.get("status") is None:
            recording.skipped["requests the upstream never answered"] += 1
            continue
        if response.get("body_truncated"):
            recording.skipped["answers the journal cut short"] += 1
            continue
        body = response.get("body")
        if status == 429 or status >= 500 or entry.get("served_by") or (all_errors and status >= 400):
            _exchange(recording, entry, method, glob, seen[method, glob])
        elif path.startswith(_USERS) and 200 <= status < 300:
            _users(recording, entry, body)
    return recording


def _users(recording: Recording, entry: Mapping[str, Any], body: Any) -> None:
    method, path = entry["method"], entry["path"]
    one = _ONE_USER.fullmatch(path)
    if method == "DELETE" and one is not None:
        recording.users.pop(one.group(1), None)
        return
    if not isinstance(body, Mapping):
        return
    if _partial(entry):
        recording.skipped["answers with only the attributes the request asked for"] += 1
        return
    found = body.get("Resources") if "Resources" in body else [body]
    for user in found if isinstance(found, list) else ():
        if isinstance(user, Mapping) and isinstance(user.get("id"), str) and "userName" in user:
            recording.users[user["id"]] = dict(user)


def _exchange(recording: Recording, entry: Mapping[str, Any], method: str, glob: str, nth: int) -> None:
    response = entry.get("response") or {}
    body = response.get("body")
    if isinstance(body, str):
        recording.skipped["answers whose body is not JSON"] += 1
        return
    headers = {
        name: value
        for name, value in (response.get("headers") or {}).items()
        if name.lower() in _KEPT_HEADERS
    }
    respond: dict[str, Any] = {"status": entry["status"]}
    if headers:
        respond["headers"] = headers
    if body is not None:
        respond["body"] = body
    steps = recording.exchanges.setdefault((method, glob), [])
    # A step does not see the requests an earlier step of its scenario answered (each earlier step
    # answered one before this one), so its nth counts the others.
    step = {"id": f"request-{nth}", "when": {"method": method, "path": glob}, "nth": nth - len(steps)}
    steps.append({**step, "respond": respond})


def write_seed(recording: Recording, path: str | Path, *, profile: str = "ringcentral") -> int:
    """Write the seed file (JSON), checked first as ``mockrc serve --profile PROFILE --users FILE``
    will check it (the seed schema, then each user through the profile's rules, in a throwaway
    fake); the number of users. :class:`~mockrc.seed.SeedError` naming the user the profile
    refuses (then nothing is written)."""
    document = recording.seed_document()
    seed = parse_seed(document, str(path))
    add_users(MockState(Settings(profile=profile)).users, seed.users)
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(document["users"])


def write_scenarios(recording: Recording, folder: str | Path) -> list[Path]:
    """Write one scenario file (JSON) per method and path into ``folder``, each checked by the
    scenario loader first; the files written. :class:`~mockrc.scenarios.loader.ScenarioError`
    names a document that does not load (then none is written)."""
    documents = recording.scenario_documents()
    target = Path(folder)
    for name, document in documents.items():
        parse_scenario(document, str(target / f"{name}.json"), None)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents.items():
        file = target / f"{name}.json"
        file.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(file)
    return written
