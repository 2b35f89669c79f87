"""mockrc: a stateful fake of RingCentral's OAuth 2.0 and SCIM 2.0 APIs.

The public surface: :func:`mock_ringcentral` (in-process), :func:`create_app` (the one app factory),
:class:`MockState`, :class:`Settings`, :class:`FakeClock` and :class:`LiveServer` (a real server).
Importing mockrc patches nothing; only starting a mock or a server does.
"""

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.mock import MockRingCentral, mock_ringcentral
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer

__all__ = [
    "FakeClock",
    "LiveServer",
    "MockRingCentral",
    "MockState",
    "Settings",
    "create_app",
    "mock_ringcentral",
]
