"""Asterisk Manager Interface: a sans-I/O protocol core and two clients on it.

``protocol``  parsing, formatting and the action table, no I/O (``AmiProtocol``, ``AmiMessage``)
``client``    the threaded ``AmiClient`` (provisioning, demo, tests)
``aio``       ``AsyncAmiClient``: an asyncio session with keep-alive and reconnection
"""

from pbx.ami.client import AmiClient, EventListener, connect_and_login
from pbx.ami.protocol import (
    AmiError,
    AmiMessage,
    AmiProtocol,
    Completed,
    Event,
    Greeting,
    PacketBuffer,
    format_action,
    parse_packet,
)

__all__ = [
    "AmiClient",
    "AmiError",
    "AmiMessage",
    "AmiProtocol",
    "Completed",
    "Event",
    "EventListener",
    "Greeting",
    "PacketBuffer",
    "connect_and_login",
    "format_action",
    "parse_packet",
]
