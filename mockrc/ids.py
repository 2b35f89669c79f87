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
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        # Extension ids grow from a seeded nine-digit base in seeded steps, like a real account's.
        self._next_extension = 200_000_000 + self._random.randrange(0, 100_000_000, 1000)

    def new_id(self) -> str:
        with self._lock:
            if self._style == "uuid":
                return str(uuid.UUID(int=self._random.getrandbits(128), version=4))
            self._next_extension += self._random.randint(1, 1000)
            return str(self._next_extension)

    def new_token(self, prefix: str = "") -> str:
        """An opaque, unguessable-looking token string (deterministic from the seed)."""
        with self._lock:
            return f"{prefix}{self._random.getrandbits(128):032x}"
