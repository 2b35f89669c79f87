"""Identifiers that look like RingCentral's and are deterministic from a seed.

RingCentral's SCIM user ids are extension ids: decimal numbers as strings (``"255546004"``).
The generic ``scim`` profile uses UUIDs. Both come from one seeded random source, so a test run
with the same seed sees the same ids, and ids never repeat within a state.
"""

from __future__ import annotations

import random
import threading
import uuid
from typing import Literal

IdStyle = Literal["extension", "uuid"]


class IdFactory:
    """Hands out unique ids in the profile's style."""

    def __init__(self, style: IdStyle = "extension", seed: int | None = 0) -> None:
        self._style = style
        self._lock = threading.Lock()
        self.restart(seed)

    def restart(self, seed: int | None, *, above: int = 0) -> None:
        """Hand out the ids of a fresh factory of ``seed`` from now on (a reset), but extension
        ids above ``above`` (a restart on a state file, whose highest id ever issued it is).

        Extension ids are then shifted by one constant, so they still grow in random steps and
        never meet an old one; the random stream is the one a fresh factory of ``seed`` draws.
        """
        with self._lock:
            self._random = random.Random(seed)
            # Extension ids grow from a seeded nine-digit base in seeded steps, like a real account's.
            self._next_extension = 200_000_000 + self._random.randrange(0, 100_000_000, 1000)
            self._above = above
            #: Set by the first extension id drawn, to lift it above ``above`` (0: nothing to lift).
            self._shift: int | None = None if above else 0

    def new_id(self) -> str:
        with self._lock:
            if self._style == "uuid":
                return str(uuid.UUID(int=self._random.getrandbits(128), version=4))
            self._next_extension += self._random.randint(1, 1000)
            if self._shift is None:
                self._shift = max(0, self._above + 1 - self._next_extension)
            return str(self._next_extension + self._shift)

    def new_token(self, prefix: str = "") -> str:
        """An opaque, unguessable-looking token string (deterministic from the seed)."""
        with self._lock:
            return f"{prefix}{self._random.getrandbits(128):032x}"
