"""The Asterisk Manager Interface (AMI) protocol without I/O.

Everything here is plain data in, plain data out: no sockets, no threads, no clocks. The
threaded client (``pbx.ami.client``), the asyncio client (``pbx.ami.aio``) and the replay tests
drive the same ``AmiProtocol``, so the rules for matching answers to actions live in one place:

* ``start_action`` gives the action a fresh ``ActionID`` and returns the bytes to send;
* ``receive`` takes whatever the transport delivered and returns what became complete: the
  ``Greeting`` (banner line), ``Completed`` actions and ``Event`` s (everything else);
* ``connection_lost`` fails every pending action with an ``Error`` response, so no caller waits
  for an answer that can no longer come, and readies the object for the next connection.

A *list action* (``QueueStatus``, ``QueueSummary``, ``CoreShowChannels``...) answers with
``EventList: start``, then events carrying its ActionID, then a ``...Complete`` event with
``EventList: Complete``. The core recognises one from the response itself; ``list_action=True``
only matters for a manager that omits ``EventList: start``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

BANNER_PREFIX = "Asterisk Call Manager"


class AmiError(RuntimeError):
    """The manager refused an action, or the connection is gone."""


@dataclass(frozen=True)
class AmiMessage:
    """One AMI packet. Header names are case-insensitive and may repeat (``ChanVariable``)."""

    headers: tuple[tuple[str, str], ...]

    def get(self, key: str, default: str = "") -> str:
        wanted = key.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), default)

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    @property
    def name(self) -> str:
        """The event name, or ``Response:<status>`` for a response."""
        event = self.get("Event")
        return event if event else f"Response:{self.get('Response')}"

    def variables(self, header: str = "ChanVariable") -> dict[str, str]:
        """``ChanVariable: NAME=value`` lines as a dict (``DestChanVariable``: the agent's side)."""
        pairs = (line.partition("=") for line in self.get_all(header))
        return {name: value for name, _, value in pairs}

    def matches(self, criteria: Mapping[str, str]) -> bool:
        return all(self.get(key) == value for key, value in criteria.items())

    def as_dict(self) -> dict[str, str]:
        """Headers as a dict (the first of repeated headers wins)."""
        result: dict[str, str] = {}
        for key, value in self.headers:
            result.setdefault(key, value)
        return result


def parse_packet(text: str) -> AmiMessage:
    headers = []
    for line in text.split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            headers.append((key.strip(), value.strip()))
    return AmiMessage(tuple(headers))


class PacketBuffer:
    """Splits the AMI byte stream into packets.

    Feed it whatever the socket delivered; it returns the complete packets and keeps the rest.
    The greeting line (``Asterisk Call Manager/x.y``) ends with a single CRLF, so it is taken
    apart with ``take_banner`` before packets are read.
    """

    def __init__(self) -> None:
        self._data = b""

    def take_banner(self) -> str | None:
        """The greeting line once it has fully arrived, else None."""
        line, sep, rest = self._data.partition(b"\r\n")
        if not sep:
            return None
        self._data = rest
        return line.decode("utf-8", "replace").strip()

    def append(self, chunk: bytes) -> None:
        """Keep ``chunk`` without parsing (before the banner was taken)."""
        self._data += chunk

    def feed(self, chunk: bytes = b"") -> list[AmiMessage]:
        """Add ``chunk`` and return every complete packet."""
        self._data += chunk
        if b"\r\n\r\n" not in self._data:
            return []
        # One split for the whole buffer: splitting off a packet at a time copied the rest each
        # time, quadratic in the packets of one read (a burst of events, a hostile peer).
        *raws, self._data = self._data.split(b"\r\n\r\n")
        # Decoding whole packets only: a multi-byte character split between two reads
        # (an "Almoço" pause reason) is never decoded in halves.
        return [parse_packet(raw.decode("utf-8", "replace")) for raw in raws]


def format_action(name: str, action_id: str, fields: Mapping[str, object]) -> bytes:
    lines = [f"Action: {_single_line('Action', name)}", f"ActionID: {action_id}"]
    for key, value in fields.items():
        # A list value repeats the header (Originate's Variable:, for instance).
        values = value if isinstance(value, list | tuple) else [value]
        lines.extend(f"{_single_line('header name', key)}: {_single_line(key, v)}" for v in values)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _single_line(key: str, value: object) -> str:
    # A CR or LF in a value would end the header, or the whole action, early: a caller's text
    # could then inject its own AMI action.
    text = str(value)
    if "\r" in text or "\n" in text:
        raise ValueError(f"AMI header {key} must be one line")
    return text


# --------------------------------------------------------------------------- what receive() yields


@dataclass(frozen=True)
class Greeting:
    """The banner line the manager sends first (``Asterisk Call Manager/9.0.0``)."""

    banner: str

    @property
    def is_asterisk(self) -> bool:
        return self.banner.startswith(BANNER_PREFIX)


def after_greeting(received: list[Received], peer: str) -> tuple[str, list[Received]]:
    """The banner of an Asterisk manager and what came with it, once ``received`` is non-empty
    (the banner is always first); AmiError when ``peer`` is something else."""
    greeting = received[0]
    assert isinstance(greeting, Greeting)
    if not greeting.is_asterisk:
        raise AmiError(f"{peer} is not an Asterisk manager: {greeting.banner!r}")
    return greeting.banner, received[1:]


@dataclass(frozen=True)
class Event:
    """A message that answers no pending action: a real event, or a late answer."""

    message: AmiMessage


@dataclass(frozen=True)
class Completed:
    """A finished action: its response and, for a list action, the list's events.

    ``lost`` marks a response made up by ``connection_lost`` (the manager never answered);
    ``events`` then holds the part of the list that had arrived.
    """

    action_id: str
    action: str
    response: AmiMessage
    events: list[AmiMessage] = field(default_factory=list)
    complete: AmiMessage | None = None  # the list's final ``...Complete`` event
    lost: bool = False

    @property
    def ok(self) -> bool:
        return self.response.get("Response") == "Success"

    @property
    def message(self) -> str:
        return self.response.get("Message")


Received = Greeting | Completed | Event


@dataclass
class _Pending:
    action: str
    list_action: bool
    response: AmiMessage | None = None
    events: list[AmiMessage] = field(default_factory=list)


class AmiProtocol:
    """The state of one AMI session: the banner, the byte buffer and the pending actions.

    Not thread-safe; the owner serialises calls (the threaded client holds a lock, the asyncio
    client runs on one loop). The same object may serve successive connections: after
    ``connection_lost`` it expects a new banner, and action ids keep counting, so an id is
    unique over the life of the object (easier to follow in logs across reconnections).
    """

    def __init__(self, id_prefix: str = "c156-") -> None:
        self.id_prefix = id_prefix
        self.banner: str | None = None
        self._ids = itertools.count(1)
        self._buffer = PacketBuffer()
        self._pending: dict[str, _Pending] = {}

    @property
    def pending(self) -> tuple[str, ...]:
        """Ids of the actions still waiting for their answer, oldest first."""
        return tuple(self._pending)

    def start_action(
        self, name: str, fields: Mapping[str, object] | None = None, list_action: bool = False
    ) -> tuple[str, bytes]:
        """Register an action and return its id and the bytes the transport must send.

        Raises ``ValueError`` (and registers nothing) when a value spans several lines.
        """
        action_id = f"{self.id_prefix}{next(self._ids)}"
        data = format_action(name, action_id, fields or {})
        self._pending[action_id] = _Pending(name, list_action)
        return action_id, data

    def forget(self, action_id: str) -> None:
        """The caller stopped waiting (a timeout): a late answer will come out as an ``Event``."""
        self._pending.pop(action_id, None)

    def receive(self, data: bytes) -> list[Received]:
        """Take bytes from the transport; return what they completed, in arrival order."""
        results: list[Received] = []
        if self.banner is None:
            self._buffer.append(data)
            banner = self._buffer.take_banner()
            if banner is None:
                return results
            self.banner = banner
            results.append(Greeting(banner))
            data = b""
        for message in self._buffer.feed(data):
            matched = self._match(message)
            if matched is None:
                results.append(Event(message))
            elif isinstance(matched, Completed):
                results.append(matched)
        return results

    def connection_lost(self) -> list[Completed]:
        """Fail every pending action and get ready for a new connection (a new banner)."""
        pending, self._pending = self._pending, {}
        self._buffer = PacketBuffer()
        self.banner = None
        return [_lost(action_id, item) for action_id, item in pending.items()]

    def _match(self, message: AmiMessage) -> Completed | _Consumed | None:
        action_id = message.get("ActionID")
        pending = self._pending.get(action_id) if action_id else None
        if pending is None:
            return None
        if message.get("Response") and pending.response is None:
            pending.response = message
            if message.get("EventList").lower() == "start":
                pending.list_action = True
            # A list action that failed sends no list; one that succeeded waits for Complete.
            if not pending.list_action or message.get("Response") != "Success":
                return self._finish(action_id, pending)
            return _CONSUMED
        if pending.list_action and message.get("Event"):
            if message.get("EventList").lower() == "complete":
                return self._finish(action_id, pending, complete=message)
            pending.events.append(message)
            return _CONSUMED
        return None

    def _finish(
        self, action_id: str, pending: _Pending, complete: AmiMessage | None = None
    ) -> Completed:
        del self._pending[action_id]
        assert pending.response is not None
        return Completed(action_id, pending.action, pending.response, pending.events, complete)


class _Consumed:
    """A message that went into a pending action without completing it."""


_CONSUMED = _Consumed()


def _lost(action_id: str, pending: _Pending) -> Completed:
    if pending.response is not None and pending.list_action:
        detail = f"{pending.action} was complete ({len(pending.events)} list events received)"
    else:
        detail = f"{pending.action} was answered"
    response = AmiMessage(
        (
            ("Response", "Error"),
            ("ActionID", action_id),
            ("Message", f"connection lost before {detail}"),
        )
    )
    return Completed(action_id, pending.action, response, pending.events, None, lost=True)
