"""From outside: ``mockrc serve --state-file``, a burst of creates, ``kill -9`` mid-burst, a restart.

Every user whose create was answered 201 must be there after the restart, exactly as created,
and nothing else may be: a user is either wholly in the file or not at all. The kill comes from
another thread while creates are in flight on several connections, so some requests are cut
off unanswered; those may or may not have been written, but whatever was written is whole.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.conformance.live_server import READY_PREFIX, mockrc_serve
from tests.helpers import minimal_user

TOKEN = "kill9-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
CONNECTIONS = 4
#: Creates per connection at most: the kill comes long before (after KILL_AFTER answers).
PER_CONNECTION = 400
KILL_AFTER = 150


def start(state_file: Path) -> tuple[subprocess.Popen[str], str]:
    """``mockrc serve --state-file`` in its own process; returns it and its URL once it is ready."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockrc",
            "serve",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--state-file",
            str(state_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(READY_PREFIX):
            return process, line.rsplit(" at ", 1)[1].strip()
    raise AssertionError(f"mockrc serve exited with {process.wait()} before it was ready")


def burst(
    url: str, worker: int, answered: dict[str, dict[str, Any]], lock: threading.Lock, enough: threading.Event
) -> None:
    """Create users on one keep-alive connection until it breaks (the kill), noting each 201."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        for n in range(PER_CONNECTION):
            body = minimal_user(f"w{worker}-{n}@example.com", title=f"burst {worker}/{n}")
            connection.request("POST", "/scim/v2/Users", json.dumps(body), AUTH)
            response = connection.getresponse()
            created = json.loads(response.read())
            assert response.status == 201, created
            with lock:
                answered[created["id"]] = created
                if len(answered) >= KILL_AFTER:
                    enough.set()
    except (OSError, http.client.HTTPException):
        return  # the server was killed under this request
    finally:
        connection.close()


def test_every_answered_create_survives_kill_9_and_nothing_is_half_written(tmp_path: Path) -> None:
    state_file = tmp_path / "state.db"
    process, url = start(state_file)
    answered: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    enough = threading.Event()
    workers = [
        threading.Thread(target=burst, args=(url, w, answered, lock, enough), daemon=True)
        for w in range(CONNECTIONS)
    ]
    try:
        for worker in workers:
            worker.start()
        assert enough.wait(timeout=120), "the burst never reached the kill point"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for worker in workers:
        worker.join(timeout=60)
    with lock:
        acknowledged = dict(answered)
    assert len(acknowledged) >= KILL_AFTER

    with closing(sqlite3.connect(state_file)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    with mockrc_serve("--token", TOKEN, "--state-file", str(state_file)) as (again, _):
        found = requests.get(
            f"{again}/scim/v2/Users", params={"count": 10_000}, headers=AUTH, timeout=30
        ).json()
    restored = {user["id"]: user for user in found["Resources"]}
    missing = sorted(set(acknowledged) - set(restored))
    assert not missing, f"{len(missing)} users answered 201 are gone after kill -9: {missing[:5]}"
    for user_id, created in acknowledged.items():
        assert restored[user_id] == _located(created, again), user_id
    # Creates cut off by the kill may have been written, but only whole: a valid, complete user.
    for user_id in set(restored) - set(acknowledged):
        user = restored[user_id]
        assert user["userName"] == user["emails"][0]["value"]
        assert user["title"].startswith("burst ")
    assert found["totalResults"] == len(restored)


def _located(user: dict[str, Any], base_url: str) -> dict[str, Any]:
    """``user`` as the restarted server (on another port) renders it: only meta.location differs."""
    location = f"{base_url}/scim/v2/Users/{user['id']}"
    return {**user, "meta": {**user["meta"], "location": location}}
