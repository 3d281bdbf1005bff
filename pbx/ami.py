"""A small synchronous Asterisk Manager Interface (AMI) client.

One TCP connection, one reader thread. ``action()`` sends an action with a fresh ActionID and
blocks until its response (and, for list actions such as ``QueueStatus``, the events up to
``EventList: Complete``) arrives. Every other event goes to the listeners registered with
``add_listener`` (called on the reader thread: keep them short) and can be awaited with an
``EventCollector``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

EventListener = Callable[["AmiMessage"], None]


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
    """Splits the AMI byte stream into packets; shared by the threaded and the Qt clients.

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
        packets = []
        while b"\r\n\r\n" in self._data:
            raw, self._data = self._data.split(b"\r\n\r\n", 1)
            packets.append(parse_packet(raw.decode("utf-8", "replace")))
        return packets


def format_action(name: str, action_id: str, fields: Mapping[str, object]) -> bytes:
    lines = [f"Action: {name}", f"ActionID: {action_id}"]
    for key, value in fields.items():
        # A list value repeats the header (Originate's Variable:, for instance).
        values = value if isinstance(value, list | tuple) else [value]
        lines.extend(f"{key}: {_single_line(key, v)}" for v in values)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _single_line(key: str, value: object) -> str:
    text = str(value)
    if "\r" in text or "\n" in text:
        raise ValueError(f"AMI header {key} must be one line")
    return text


@dataclass
class _Pending:
    list_action: bool
    done: threading.Event = field(default_factory=threading.Event)
    response: AmiMessage | None = None
    events: list[AmiMessage] = field(default_factory=list)


class AmiClient:
    """A logged-in AMI connection. Use as a context manager, or call ``close()``."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None
        self._write_lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._pending_lock = threading.Lock()
        self._listeners: list[EventListener] = []
        self._ids = itertools.count(1)
        self._reader: threading.Thread | None = None
        self._closed = threading.Event()
        self.banner = ""

    # ---------------------------------------------------------------- connection

    def connect(self) -> AmiClient:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        banner = _read_line(sock)
        if not banner.startswith("Asterisk Call Manager"):
            sock.close()
            raise AmiError(f"{self.host}:{self.port} is not an Asterisk manager: {banner!r}")
        self.banner = banner
        sock.settimeout(None)
        self._sock = sock
        self._reader = threading.Thread(target=self._read_loop, name="ami-reader", daemon=True)
        self._reader.start()
        return self

    def login(self, username: str, secret: str, events: str = "on") -> AmiClient:
        response = self.action("Login", Username=username, Secret=secret, Events=events)
        if response.get("Response") != "Success":
            raise AmiError(f"AMI login as {username} refused: {response.get('Message')}")
        return self

    def close(self) -> None:
        self._closed.set()
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=2)

    def __enter__(self) -> AmiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    # ---------------------------------------------------------------- actions and events

    def add_listener(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: EventListener) -> None:
        self._listeners.remove(listener)

    def action(self, name: str, timeout: float | None = None, **fields: object) -> AmiMessage:
        """Send an action and return its response (errors are returned, not raised)."""
        done = self._send(name, list_action=False, timeout=timeout, fields=fields)
        return done.response_or_raise()

    def checked_action(
        self, name: str, timeout: float | None = None, **fields: object
    ) -> AmiMessage:
        """Like ``action`` but raises ``AmiError`` unless the response is Success."""
        response = self.action(name, timeout=timeout, **fields)
        if response.get("Response") != "Success":
            raise AmiError(f"{name} failed: {response.get('Message')}")
        return response

    def list_action(
        self, name: str, timeout: float | None = None, **fields: object
    ) -> tuple[AmiMessage, list[AmiMessage]]:
        """An action whose answer is a list of events ending with ``EventList: Complete``."""
        done = self._send(name, list_action=True, timeout=timeout, fields=fields)
        return done.response_or_raise(), done.events

    def command(self, cli_command: str) -> str:
        """Run a CLI command through AMI and return its output."""
        response = self.checked_action("Command", Command=cli_command)
        return "\n".join(response.get_all("Output"))

    def _send(
        self, name: str, list_action: bool, timeout: float | None, fields: Mapping[str, object]
    ) -> _Completed:
        if self._sock is None:
            raise AmiError("not connected")
        action_id = f"c156-{next(self._ids)}"
        pending = _Pending(list_action)
        with self._pending_lock:
            self._pending[action_id] = pending
        try:
            with self._write_lock:
                self._sock.sendall(format_action(name, action_id, fields))
            if not pending.done.wait(timeout or self.timeout):
                raise AmiError(f"no answer to {name} within {timeout or self.timeout} s")
        except OSError as error:
            raise AmiError(f"AMI connection lost while sending {name}: {error}") from error
        finally:
            with self._pending_lock:
                self._pending.pop(action_id, None)
        return _Completed(name, pending.response, pending.events)

    def _read_loop(self) -> None:
        assert self._sock is not None
        packets = PacketBuffer()
        try:
            while not self._closed.is_set():
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                for message in packets.feed(chunk):
                    self._dispatch(message)
        except OSError:
            pass
        finally:
            self._fail_pending()

    def _dispatch(self, message: AmiMessage) -> None:
        pending = self._pending_for(message.get("ActionID"))
        if pending is not None and self._complete_pending(pending, message):
            return
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:  # a broken listener must not kill the reader
                log.exception("AMI listener failed on %s", message.name)

    def _pending_for(self, action_id: str) -> _Pending | None:
        if not action_id:
            return None
        with self._pending_lock:
            return self._pending.get(action_id)

    @staticmethod
    def _complete_pending(pending: _Pending, message: AmiMessage) -> bool:
        """Feed a message to the action waiting for it; False when it is an ordinary event."""
        if message.get("Response"):
            pending.response = message
            # A list action that failed sends no list; one that succeeded waits for Complete.
            if not pending.list_action or message.get("Response") != "Success":
                pending.done.set()
            return True
        if pending.list_action and message.get("Event"):
            if message.get("EventList") == "Complete":
                pending.done.set()
            else:
                pending.events.append(message)
            return True
        return False

    def _fail_pending(self) -> None:
        with self._pending_lock:
            for pending in self._pending.values():
                pending.done.set()


@dataclass(frozen=True)
class _Completed:
    name: str
    response: AmiMessage | None
    events: list[AmiMessage]

    def response_or_raise(self) -> AmiMessage:
        if self.response is None:
            raise AmiError(f"AMI connection closed before {self.name} was answered")
        return self.response


def _read_line(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace").strip()


def connect_and_login(
    host: str, port: int, username: str, secret: str, events: str = "on", timeout: float = 10.0
) -> AmiClient:
    client = AmiClient(host, port, timeout).connect()
    try:
        return client.login(username, secret, events)
    except BaseException:
        client.close()
        raise


class EventCollector:
    """Keeps every event of a connection and lets a caller wait for the one it expects."""

    def __init__(self, client: AmiClient) -> None:
        self.client = client
        self.events: list[AmiMessage] = []
        self._condition = threading.Condition()
        client.add_listener(self._on_event)

    def _on_event(self, message: AmiMessage) -> None:
        with self._condition:
            self.events.append(message)
            self._condition.notify_all()

    def clear(self) -> None:
        with self._condition:
            self.events.clear()

    def find(
        self, name: str, *, where: Callable[[AmiMessage], bool] | None = None, **headers: str
    ) -> list[AmiMessage]:
        with self._condition:
            return [e for e in self.events if _wanted(e, name, where, headers)]

    def wait_for(
        self,
        name: str,
        timeout: float = 10.0,
        *,
        where: Callable[[AmiMessage], bool] | None = None,
        **headers: str,
    ) -> AmiMessage:
        """The first event (already seen or to come) named ``name`` whose headers match."""
        return self._wait(name, timeout, where, headers)

    def wait_for_all(
        self, names: Iterable[str], timeout: float = 10.0, **headers: str
    ) -> list[AmiMessage]:
        """One event of each name, in order, all within ``timeout``."""
        deadline = time.monotonic() + timeout
        return [
            self._wait(n, max(0.0, deadline - time.monotonic()), None, headers) for n in names
        ]

    def _wait(
        self,
        name: str,
        timeout: float,
        where: Callable[[AmiMessage], bool] | None,
        headers: Mapping[str, str],
    ) -> AmiMessage:
        deadline = time.monotonic() + timeout
        seen = 0
        with self._condition:
            while True:
                for event in self.events[seen:]:
                    if _wanted(event, name, where, headers):
                        return event
                seen = len(self.events)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(_timeout_message(name, headers, self.events))
                self._condition.wait(remaining)

    def close(self) -> None:
        self.client.remove_listener(self._on_event)


def _wanted(
    event: AmiMessage,
    name: str,
    where: Callable[[AmiMessage], bool] | None,
    headers: Mapping[str, str],
) -> bool:
    return event.get("Event") == name and event.matches(headers) and (where is None or where(event))


def _timeout_message(name: str, headers: Mapping[str, str], events: list[AmiMessage]) -> str:
    recent = ", ".join(e.name for e in events[-25:])
    return f"no {name} event matching {dict(headers)}; last events: {recent}"
