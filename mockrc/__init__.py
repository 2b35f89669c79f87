"""mockrc: a stateful fake of RingCentral's OAuth 2.0 and SCIM 2.0 APIs.

The public surface: :func:`mock_ringcentral` (in-process), :func:`create_app` (the one app factory),
:class:`MockState`, :class:`Settings`, :class:`FakeClock` and :class:`LiveServer` (a real server).
Importing mockrc patches nothing; only starting a mock or a server does.

The names are imported on first use (PEP 562), so ``mockrc serve`` does not pay for the
in-process transport's libraries at start-up, and ``import mockrc`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockrc.app import create_app
    from mockrc.clock import FakeClock
    from mockrc.mock import MockRingCentral, mock_ringcentral
    from mockrc.settings import Settings
    from mockrc.state import MockState
    from mockrc.transport.server import LiveServer

_WHERE = {
    "create_app": "mockrc.app",
    "FakeClock": "mockrc.clock",
    "MockRingCentral": "mockrc.mock",
    "mock_ringcentral": "mockrc.mock",
    "Settings": "mockrc.settings",
    "MockState": "mockrc.state",
    "LiveServer": "mockrc.transport.server",
}

__all__ = [
    "FakeClock",
    "LiveServer",
    "MockRingCentral",
    "MockState",
    "Settings",
    "create_app",
    "mock_ringcentral",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'mockrc' has no attribute {name!r}")
