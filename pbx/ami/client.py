"""A small synchronous AMI client on the sans-I/O core (``pbx.ami.protocol``).

One TCP connection, one reader thread. ``action()`` sends an action with a fresh ActionID and
blocks until its response (and, for list actions such as ``QueueStatus``, the events up to
``EventList: Complete``) arrives. Every other event goes to the listeners registered with
``add_listener`` (called on the reader thread: keep them short).

No reconnection: a lost connection fails the waiting actions with ``AmiError`` and stays lost.
Long-lived sessions use ``pbx.ami.aio.AsyncAmiClient``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pbx.ami.protocol import (
    AmiError,
    AmiMessage,
    AmiProtocol,
    Completed,
    Event,
    Received,
    after_greeting,
)

log = logging.getLogger(__name__)

EventListener = Callable[[AmiMessage], None]


@dataclass
class _Waiter:
    done: threading.Event = field(default_factory=threading.Event)
    completed: Completed | None = None


class AmiClient:
    """A logged-in AMI connection. Use as a context manager, or call ``close()``.

    Thread-safety: ``action`` and friends may be called from any thread at once; the protocol
    core and the table of waiters are guarded by one lock, writes by another.
    """

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None
        self._protocol = AmiProtocol("c156-")
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._waiters: dict[str, _Waiter] = {}
        self._alive = False
        self._listeners: list[EventListener] = []
        self._reader: threading.Thread | None = None
        self._closed = threading.Event()
        self.banner = ""

    # ---------------------------------------------------------------- connection

    def connect(self) -> AmiClient:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            early = self._read_greeting(sock)
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)
        self._sock = sock
        self._alive = True
        self._reader = threading.Thread(target=self._read_loop, name="ami-reader", daemon=True)
        self._reader.start()
        self._dispatch(early)
        return self

    def _read_greeting(self, sock: socket.socket) -> list[Received]:
        while True:
            try:
                chunk = sock.recv(4096)
            except OSError as error:
                raise AmiError(f"{self.host}:{self.port} sent no AMI banner: {error}") from error
            if not chunk:
                raise AmiError(f"{self.host}:{self.port} closed before the AMI banner")
            received = self._protocol.receive(chunk)
            if received:
                break
        self.banner, rest = after_greeting(received, f"{self.host}:{self.port}")
        return rest

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
        return self._send(name, False, timeout, fields).response

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
        completed = self._send(name, True, timeout, fields)
        return completed.response, completed.events

    def command(self, cli_command: str) -> str:
        """Run a CLI command through AMI and return its output."""
        response = self.checked_action("Command", Command=cli_command)
        return "\n".join(response.get_all("Output"))

    def _send(
        self, name: str, list_action: bool, timeout: float | None, fields: Mapping[str, object]
    ) -> Completed:
        wait = timeout or self.timeout
        with self._lock:
            if self._sock is None or not self._alive:
                raise AmiError(f"not connected to AMI {self.host}:{self.port} ({name})")
            action_id, data = self._protocol.start_action(name, fields, list_action)
            waiter = self._waiters[action_id] = _Waiter()
        try:
            with self._write_lock:
                self._sock.sendall(data)
            if not waiter.done.wait(wait):
                raise AmiError(f"no answer to {name} within {wait} s")
        except OSError as error:
            raise AmiError(f"AMI connection lost while sending {name}: {error}") from error
        finally:
            with self._lock:
                if self._waiters.pop(action_id, None) is not None:
                    self._protocol.forget(action_id)
        completed = waiter.completed
        assert completed is not None
        if completed.lost:
            raise AmiError(f"AMI {completed.message}")
        return completed

    def _read_loop(self) -> None:
        assert self._sock is not None
        try:
            while not self._closed.is_set():
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                with self._lock:
                    received = self._protocol.receive(chunk)
                self._dispatch(received)
        except OSError:
            pass
        finally:
            with self._lock:
                self._alive = False
                lost = self._protocol.connection_lost()
            self._dispatch(list(lost))

    def _dispatch(self, received: list[Received]) -> None:
        for item in received:
            if isinstance(item, Completed):
                with self._lock:
                    waiter = self._waiters.pop(item.action_id, None)
                if waiter is not None:
                    waiter.completed = item
                    waiter.done.set()
            elif isinstance(item, Event):
                self._notify(item.message)

    def _notify(self, message: AmiMessage) -> None:
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:  # a broken listener must not kill the reader
                log.exception("AMI listener failed on %s", message.name)


def connect_and_login(
    host: str, port: int, username: str, secret: str, events: str = "on", timeout: float = 10.0
) -> AmiClient:
    client = AmiClient(host, port, timeout).connect()
    try:
        return client.login(username, secret, events)
    except BaseException:
        client.close()
        raise
