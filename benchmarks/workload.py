"""The users and request bodies the benchmark works with, and how it loads them into a state.

Users go through :meth:`UserService.create` (normalisation, JSON Schema validation, RingCentral's
rules) rather than straight into the store, so what is measured afterwards is a store exactly as
real requests would have left it.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import ViolationLog

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#: The bearer token every benchmark server accepts.
TOKEN = "bench-token"


def user_email(index: int, prefix: str = "user") -> str:
    return f"{prefix}{index:07d}@bench.example.com"


def user_body(email: str) -> dict[str, Any]:
    """The smallest valid RingCentral user: userName equal to the work email, and a name."""
    return {
        "schemas": [CORE_USER],
        "userName": email,
        "name": {"givenName": "Bench", "familyName": "User"},
        "emails": [{"type": "work", "value": email}],
    }


def patch_body(title: str) -> dict[str, Any]:
    """A PatchOp replacing ``title``: what Entra sends when one mapped attribute changed."""
    return {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": title}]}


@dataclass(frozen=True)
class Loaded:
    """What a load left behind: every user's id and userName, in creation order."""

    ids: list[str]
    user_names: list[str]


def new_state(state_file: str | None = None) -> MockState:
    """A RingCentral-profile state accepting :data:`TOKEN`, as ``mockrc serve --token`` builds it
    (with ``--state-file`` when ``state_file`` is given)."""
    return MockState(Settings(tokens=(TOKEN,), state_file=state_file))


def create_users(state: MockState, count: int) -> Iterator[tuple[str, str]]:
    """Create ``count`` users through the Users service (validated like any POST): (id, userName)."""
    for index in range(count):
        email = user_email(index)
        yield state.users.create(user_body(email), ViolationLog()).id, email


def load_users(state: MockState, count: int) -> Loaded:
    """Create ``count`` users and remember who they are."""
    ids: list[str] = []
    user_names: list[str] = []
    for user_id, user_name in create_users(state, count):
        ids.append(user_id)
        user_names.append(user_name)
    return Loaded(ids, user_names)


def sample(loaded: Loaded, size: int, seed: int = 7) -> Loaded:
    """Up to ``size`` users picked at random from the whole store (the same ones for a seed)."""
    picked = random.Random(seed).sample(range(len(loaded.ids)), k=min(size, len(loaded.ids)))
    return Loaded([loaded.ids[i] for i in picked], [loaded.user_names[i] for i in picked])


def traced_bytes_per_user(count: int) -> float:
    """Python heap kept per user after loading ``count`` users into a fresh state (tracemalloc).

    The state is built before tracing starts, so the figure is what the users themselves cost:
    their attributes, the store's records and both indexes; the garbage of each request is freed
    and not counted.
    """
    state = new_state()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in create_users(state, count):
            pass  # the ids are not kept: only the state's own memory is counted
        after = tracemalloc.get_traced_memory()[0]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return (after - before) / count


def traced_journal_bytes_per_entry(count: int) -> float:
    """Python heap the journal keeps per request: ``count`` users POSTed through the app with the
    default journal, minus the same with a one-entry journal, per request (tracemalloc).

    The journal keeps the last ``--journal-size`` requests (10,000 by default) whatever the number
    of users: its share is bounded, which is why it is reported apart from the users'.
    """
    from mockrc.app import create_app

    def traced(journal_size: int) -> int:
        state = MockState(Settings(tokens=(TOKEN,), journal_size=journal_size))
        client = create_app(state).test_client()
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
        was_tracing = tracemalloc.is_tracing()
        if not was_tracing:
            tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for index in range(count):
                body = user_body(user_email(index, prefix="journal"))
                answer = client.post("/scim/v2/Users", json=body, headers=headers)
                if answer.status_code != 201:
                    raise RuntimeError(f"POST answered {answer.status_code}: {answer.get_data(as_text=True)}")
            return tracemalloc.get_traced_memory()[0] - before
        finally:
            if not was_tracing:
                tracemalloc.stop()

    return (traced(max(count, 1)) - traced(1)) / count
