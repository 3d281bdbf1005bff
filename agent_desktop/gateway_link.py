"""The desktop's link to the agent gateway: one WebSocket on the Qt event loop, with keep-alive
and reconnection. It replaces the AMI connection desktops used to hold.

Events the gateway lets this user see arrive as ``eventReceived(PbxMessage)``; actions go out with
``send(name, fields, callback)`` and ``callback(response, events)`` runs when the gateway answers
(an ``Error`` response when the gateway refused it or the link dropped first). ``pbxReady`` is
emitted whenever the gateway reports a live PBX session — after the first connection, after a
reconnection to the gateway and after the gateway reconnected to Asterisk — and is the owner's
signal to resynchronise. A WebSocket ping every ``ping_interval`` detects a dead gateway that TCP
alone would not notice for minutes; after any loss the link reconnects with an exponential
backoff capped at ``max_delay``, with the token it holds (a shift's worth), so a restarted gateway
does not ask the agent for the password again.

Thread-safety: a QObject of the GUI thread. Call every method from that thread; signals are
emitted there too.
"""

from __future__ import annotations

import enum
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QObject, QTimer, QUrl, Signal
from PySide6.QtNetwork import QAbstractSocket, QNetworkRequest, QSslCertificate, QSslConfiguration
from PySide6.QtWebSockets import QWebSocket, QWebSocketProtocol

from citizen_center.config import DesktopSettings
from gateway.client import GatewaySession
from gateway.protocol import (
    ActionRequest,
    MessageType,
    PbxMessage,
    PbxState,
    ProtocolError,
    decode,
)

log = logging.getLogger(__name__)

ResponseCallback = Callable[[PbxMessage, list[PbxMessage]], None]
# Close codes the gateway uses (``gateway.app``): a refused token needs a new login.
CLOSE_UNAUTHORISED = 4401


class ConnectionState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"  # the gateway is reachable and its PBX session is up
    RETRYING = "retrying"  # the gateway or, behind it, the PBX is lost; waiting to recover


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
    events: list[PbxMessage] = field(default_factory=list)


def _lost(action: str, why: str = "connection lost") -> PbxMessage:
    return PbxMessage.error(f"{why} before {action}")


class GatewayLink(QObject):
    """One gateway session kept alive for the life of the desktop."""

    stateChanged = Signal(object)  # ConnectionState
    pbxReady = Signal()
    eventReceived = Signal(object)  # PbxMessage
    errorText = Signal(str)
    sessionRefused = Signal()  # the token is no longer accepted: log in again

    def __init__(
        self,
        session: GatewaySession,
        *,
        ping_interval: float = 5.0,
        ping_timeout: float = 4.0,
        backoff: Backoff = DEFAULT_BACKOFF,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.backoff = backoff
        self.state = ConnectionState.DISCONNECTED
        self.last_error = ""
        self._socket = QWebSocket("", QWebSocketProtocol.Version.VersionLatest, self)
        self._socket.connected.connect(self._on_socket_connected)
        self._socket.textMessageReceived.connect(self._on_text)
        self._socket.disconnected.connect(self._on_lost)
        self._socket.errorOccurred.connect(self._on_socket_error)
        if session.ca_file:
            self._socket.setSslConfiguration(_trusting(session.ca_file))
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
        self._socket.pong.connect(self._on_pong)

    @classmethod
    def from_settings(cls, desktop: DesktopSettings, session: GatewaySession) -> GatewayLink:
        return cls(
            session,
            ping_interval=desktop.ping_interval,
            ping_timeout=desktop.ping_timeout,
            backoff=Backoff(desktop.reconnect_min_delay, desktop.reconnect_max_delay),
        )

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
        if self.state is ConnectionState.RETRYING and self._retry_timer.isActive():
            self._retry_timer.stop()
            self._connect_now()

    def _connect_now(self) -> None:
        if not self._wanted:
            return
        self._set_state(ConnectionState.CONNECTING)
        self._socket.abort()
        request = QNetworkRequest(QUrl(self.session.stream_url))
        request.setRawHeader(
            QByteArray(b"Authorization"), QByteArray(f"Bearer {self.session.token}".encode())
        )
        self._socket.open(request)

    def _set_state(self, state: ConnectionState) -> None:
        if state is not self.state:
            log.info("gateway state=%s url=%s", state.value, self.session.stream_url)
            self.state = state
            self.stateChanged.emit(state)

    # ---------------------------------------------------------------- actions

    def send(
        self,
        name: str,
        fields: Mapping[str, object] | None = None,
        callback: ResponseCallback | None = None,
    ) -> bool:
        """Ask the gateway for an action; ``callback(response, events)`` runs when it answers.
        False when not connected (the callback then gets an Error at once). The gateway knows
        which actions answer with lists: their events come with the response."""
        if not self.is_connected:
            if callback is not None:
                callback(_lost(name, self.last_error or "not connected"), [])
            return False
        request_id = f"desk-{next(self._ids)}"
        self._pending[request_id] = _Pending(callback)
        text_fields = {key: _text(value) for key, value in (fields or {}).items()}
        self._socket.sendTextMessage(ActionRequest(request_id, name, text_fields).encode())
        return True

    # ---------------------------------------------------------------- socket events

    def _on_socket_connected(self) -> None:
        log.debug("gateway websocket open, waiting for hello")

    def _on_text(self, text: str) -> None:
        try:
            data = decode(text)
        except ProtocolError as error:
            log.warning("gateway sent a bad message: %s", error)
            return
        kind = MessageType(data["type"])
        if kind is MessageType.EVENT:
            self.eventReceived.emit(PbxMessage.from_pairs(data.get("headers", [])))
        elif kind is MessageType.RESPONSE:
            self._complete(data)
        elif kind in (MessageType.HELLO, MessageType.PBX):
            try:
                state = PbxState(str(data.get("pbx") or data.get("state")))
            except ValueError:
                log.warning("gateway sent an unknown PBX state: %r", data)
                return
            self._on_pbx_state(state)

    def _on_pbx_state(self, state: PbxState) -> None:
        if state is PbxState.UP:
            self._attempt = 0
            self.last_error = ""
            self._set_state(ConnectionState.CONNECTED)
            self._ping_timer.start()
            self.pbxReady.emit()
            return
        self.last_error = "a central telefônica não responde ao gateway"
        self.errorText.emit(self.last_error)
        self._fail_pending()
        self._ping_timer.start()  # the gateway itself is alive: keep watching it
        self._set_state(ConnectionState.RETRYING)

    def _complete(self, data: Mapping[str, object]) -> None:
        pending = self._pending.pop(str(data.get("id")), None)
        if pending is None or pending.callback is None:
            return
        headers = data.get("headers")
        events = data.get("events")
        try:
            response = PbxMessage.from_pairs(headers if isinstance(headers, list) else [])
            listed = [
                PbxMessage.from_pairs(item) for item in (events if isinstance(events, list) else [])
            ]
        except ProtocolError as error:
            response, listed = PbxMessage.error(str(error)), []
        pending.callback(response, listed)

    def _on_socket_error(self, _error: QAbstractSocket.SocketError) -> None:
        self.last_error = self._socket.errorString()
        self.errorText.emit(self.last_error)
        if self._socket.state() != QAbstractSocket.SocketState.ConnectedState:
            self._on_lost()

    def _on_lost(self) -> None:
        self._ping_timer.stop()
        self._ping_deadline.stop()
        self._fail_pending()
        if self._refused():
            self.last_error = "sessão recusada pelo servidor da central: entre novamente"
            self.sessionRefused.emit()
        if not self._wanted:
            self._set_state(ConnectionState.DISCONNECTED)
            return
        if self._retry_timer.isActive():
            return
        delay = self.backoff.delay(self._attempt)
        self._attempt += 1
        self._set_state(ConnectionState.RETRYING)
        log.info(
            "gateway reconnect in %.1f s (attempt %d): %s", delay, self._attempt, self.last_error
        )
        self._retry_timer.start(int(delay * 1000))

    def _refused(self) -> bool:
        # Refused before the handshake completes, the gateway answers HTTP 403; after it, with a
        # close code of its own.
        try:
            code = int(self._socket.closeCode().value)
        except (ValueError, AttributeError):
            code = 0
        return code == CLOSE_UNAUTHORISED or "403" in self._socket.errorString()

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for request_id, item in pending.items():
            if item.callback is not None:
                item.callback(_lost(request_id), item.events)

    # ---------------------------------------------------------------- keep-alive

    def _ping(self) -> None:
        if not self._ping_deadline.isActive():
            self._ping_deadline.start(self._ping_timeout_ms)
            self._socket.ping(QByteArray(b"c156"))

    def _on_pong(self, *_args: object) -> None:
        self._ping_deadline.stop()

    def _ping_missed(self) -> None:
        self.last_error = "o servidor da central não responde"
        self.errorText.emit(self.last_error)
        log.warning("gateway ping missed: reconnecting")
        self._socket.abort()
        self._on_lost()


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _trusting(ca_file: str) -> QSslConfiguration:
    config = QSslConfiguration.defaultConfiguration()
    config.setCaCertificates(QSslCertificate.fromPath(ca_file))
    return config
