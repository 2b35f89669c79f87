"""A shared mockrc for the shared-server mode's tests: ``mockrc serve`` in its own process, as a
CI run starts it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.conformance.live_server import mockrc_serve


@contextmanager
def shared_mockrc(*args: str) -> Iterator[str]:
    """Start ``mockrc serve --port 0 ARGS``; yield its URL."""
    with mockrc_serve(*args) as (url, _):
        yield url
