"""An AMI client that lives on the Qt event loop (``QTcpSocket``), with keep-alive and reconnection.

Protocol parsing and formatting are shared with the threaded client (``pbx.ami``). Here the
socket never blocks: bytes arrive through ``readyRead``, responses go to the callback given with
the action, and every other event is emitted as ``eventReceived``. A ``Ping`` every
``ping_interval`` seconds detects a dead peer that TCP alone would not notice for minutes; after
any loss the client reconnects with an exponential backoff capped at ``max_delay`` and emits
``loggedIn`` again, which is the signal for the owner to resynchronise its state.
"""

from __future__ import annotations

import enum
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QAbstractSocket, QTcpSocket

from pbx.ami import AmiMessage, PacketBuffer, format_action

log = logging.getLogger(__name__)

ResponseCallback = Callable[[AmiMessage, list[AmiMessage]], None]


class ConnectionState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"  # logged in, events flowing
    RETRYING = "retrying"  # lost; waiting for the next attempt


@dataclass(frozen=True)
class AmiEndpoint:
    host: str
    port: int
    username: str
    secret: str


@dataclass(frozen=True)
class Backoff:
    """Reconnection delays: ``min_delay`` doubling up to ``max_delay`` (seconds)."""

    min_delay: float = 0.5
    max_delay: float = 15.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_delay, self.min_delay * 2 ** min(attempt, 30)))


DEFAULT_BACKOFF = Backoff()


@dataclass
class _Pending:
    callback: ResponseCallback | None
    list_action: bool
    response: AmiMessage | None = None
    events: list[AmiMessage] = field(default_factory=list)


def _lost(action: str) -> AmiMessage:
    return AmiMessage((("Response", "Error"), ("Message", f"connection lost before {action}")))


class QtAmiClient(QObject):
    """One AMI session kept alive for the life of the desktop.

    Thread-safety: a QObject of the GUI thread. Call every method from that thread; signals are
    emitted there too.
    """

    stateChanged = Signal(object)  # ConnectionState
    loggedIn = Signal()
    eventReceived = Signal(object)  # AmiMessage
    errorText = Signal(str)

    def __init__(
        self,
        endpoint: AmiEndpoint,
        *,
        ping_interval: float = 5.0,
        ping_timeout: float = 4.0,
        backoff: Backoff = DEFAULT_BACKOFF,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.endpoint = endpoint
        self.backoff = backoff
        self.state = ConnectionState.DISCONNECTED
        self.last_error = ""
        self._socket = QTcpSocket(self)
        self._socket.connected.connect(self._on_tcp_connected)
        self._socket.readyRead.connect(self._on_ready_read)
        self._socket.disconnected.connect(self._on_lost)
        self._socket.errorOccurred.connect(self._on_socket_error)
        self._buffer = PacketBuffer()
        self._banner_seen = False
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._attempt = 0
        self._wanted = False
        self._retry_timer = self._single_shot(self._connect_now)
        self._ping_timer = QTimer(self)
        self._ping_timer.setInterval(int(ping_interval * 1000))
        self._ping_timer.timeout.connect(self._ping)
        self._ping_deadline = self._single_shot(self._ping_missed)
        self._ping_timeout_ms = int(ping_timeout * 1000)

    def _single_shot(self, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(slot)
        return timer

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Connect now and keep reconnecting until ``stop()``."""
        self._wanted = True
        self._attempt = 0
        self._connect_now()

    def stop(self) -> None:
        self._wanted = False
        self._retry_timer.stop()
        self._ping_timer.stop()
        self._ping_deadline.stop()
        self._socket.abort()
        self._fail_pending()
        self._set_state(ConnectionState.DISCONNECTED)

    @property
    def is_connected(self) -> bool:
        return self.state is ConnectionState.CONNECTED

    @property
    def next_retry_seconds(self) -> float:
        return self._retry_timer.remainingTime() / 1000 if self._retry_timer.isActive() else 0.0

    def retry_now(self) -> None:
        """Skip the backoff wait (the agent pressed "retry")."""
        if self.state is ConnectionState.RETRYING:
            self._retry_timer.stop()
            self._connect_now()

    def _connect_now(self) -> None:
        if not self._wanted:
            return
        self._set_state(ConnectionState.CONNECTING)
        self._buffer = PacketBuffer()
        self._banner_seen = False
        self._socket.abort()
        self._socket.connectToHost(self.endpoint.host, self.endpoint.port)

    def _set_state(self, state: ConnectionState) -> None:
        if state is not self.state:
            log.info("ami state=%s host=%s port=%d", state.value, self.endpoint.host,
                     self.endpoint.port)
            self.state = state
            self.stateChanged.emit(state)

    # ---------------------------------------------------------------- actions

    def send(
        self,
        name: str,
        fields: Mapping[str, object] | None = None,
        callback: ResponseCallback | None = None,
        *,
        list_action: bool = False,
    ) -> bool:
        """Send an action; ``callback(response, events)`` runs when it is answered (an Error
        response if the connection drops first). False when not connected."""
        if self._socket.state() != QAbstractSocket.SocketState.ConnectedState or not (
            self.is_connected or name == "Login"
        ):
            if callback is not None:
                callback(_lost(name), [])
            return False
        action_id = f"desk-{next(self._ids)}"
        self._pending[action_id] = _Pending(callback, list_action)
        self._socket.write(format_action(name, action_id, fields or {}))
        return True

    # ---------------------------------------------------------------- socket events

    def _on_tcp_connected(self) -> None:
        log.debug("ami tcp connected, waiting for the banner")

    def _on_ready_read(self) -> None:
        data = bytes(self._socket.readAll().data())
        messages = self._buffer.feed(data) if self._banner_seen else self._read_banner(data)
        for message in messages:
            self._dispatch(message)

    def _read_banner(self, data: bytes) -> list[AmiMessage]:
        # The greeting may arrive together with the first packets: split it off, then parse.
        self._buffer.append(data)
        banner = self._buffer.take_banner()
        if banner is None:
            return []
        self._banner_seen = True
        if not banner.startswith("Asterisk Call Manager"):
            self._give_up_attempt(f"not an Asterisk manager: {banner!r}")
            return []
        self.send(
            "Login",
            {"Username": self.endpoint.username, "Secret": self.endpoint.secret, "Events": "on"},
            self._on_login,
        )
        return self._buffer.feed()

    def _on_login(self, response: AmiMessage, _events: list[AmiMessage]) -> None:
        if response.get("Response") != "Success":
            self._give_up_attempt(f"AMI login refused: {response.get('Message')}")
            return
        self._attempt = 0
        self.last_error = ""
        self._set_state(ConnectionState.CONNECTED)
        self._ping_timer.start()
        self.loggedIn.emit()

    def _give_up_attempt(self, reason: str) -> None:
        self.last_error = reason
        self.errorText.emit(reason)
        log.warning("ami attempt failed: %s", reason)
        self._socket.abort()
        self._on_lost()

    def _on_socket_error(self, _error: QAbstractSocket.SocketError) -> None:
        self.last_error = self._socket.errorString()
        self.errorText.emit(self.last_error)
        # A refused connection never emits "disconnected": schedule the retry from here too.
        if self._socket.state() != QAbstractSocket.SocketState.ConnectedState:
            self._on_lost()

    def _on_lost(self) -> None:
        self._ping_timer.stop()
        self._ping_deadline.stop()
        self._fail_pending()
        if not self._wanted:
            self._set_state(ConnectionState.DISCONNECTED)
            return
        if self._retry_timer.isActive():
            return
        delay = self.backoff.delay(self._attempt)
        self._attempt += 1
        self._set_state(ConnectionState.RETRYING)
        log.info("ami reconnect in %.1f s (attempt %d): %s", delay, self._attempt, self.last_error)
        self._retry_timer.start(int(delay * 1000))

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for action_id, item in pending.items():
            if item.callback is not None:
                item.callback(_lost(action_id), item.events)

    # ---------------------------------------------------------------- keep-alive

    def _ping(self) -> None:
        if not self._ping_deadline.isActive():
            self._ping_deadline.start(self._ping_timeout_ms)
            self.send("Ping", callback=lambda *_: self._ping_deadline.stop())

    def _ping_missed(self) -> None:
        self._give_up_attempt("no answer to Ping: the PBX is not responding")

    # ---------------------------------------------------------------- dispatch

    def _dispatch(self, message: AmiMessage) -> None:
        pending = self._pending.get(message.get("ActionID"))
        if pending is not None and self._feed_pending(message.get("ActionID"), pending, message):
            return
        if message.get("Event"):
            self.eventReceived.emit(message)

    def _feed_pending(self, action_id: str, pending: _Pending, message: AmiMessage) -> bool:
        if message.get("Response"):
            pending.response = message
            if not pending.list_action or message.get("Response") != "Success":
                self._complete(action_id, pending)
            return True
        if pending.list_action and message.get("Event"):
            if message.get("EventList") == "Complete":
                self._complete(action_id, pending)
            else:
                pending.events.append(message)
            return True
        return False

    def _complete(self, action_id: str, pending: _Pending) -> None:
        self._pending.pop(action_id, None)
        if pending.callback is not None and pending.response is not None:
            pending.callback(pending.response, pending.events)
