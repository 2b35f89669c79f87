"""A shared mockrc with the accounts API, for the shared-server mode's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.plugin.accounts_standin import standin_server


@contextmanager
def shared_mockrc() -> Iterator[str]:
    """Start a server with the accounts API on a free loopback port; yield its URL."""
    with standin_server() as server:
        yield server.url
