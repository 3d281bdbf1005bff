"""``QueueMonitor``: the wallboard's AMI side — feeds a ``QueueBoard`` and sends the supervisor's
commands (pause or resume an agent with a reason, log an agent out of a queue).

After every (re)connection it asks ``QueueStatus`` for the whole picture (Asterisk may have
restarted and forgotten callers, pauses and dynamic members); in between, events keep the board
current. ``changed`` is emitted at most every ``coalesce_ms`` so a burst of events redraws once.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from agent_desktop.gateway_link import GatewayLink
from agent_desktop.telephony.queue_board import QueueBoard
from gateway.protocol import PbxMessage

log = logging.getLogger(__name__)


class QueueMonitor(QObject):
    """Thread-safety: a QObject of the GUI thread, like the ``GatewayLink`` it listens to."""

    changed = Signal()
    synced = Signal()
    actionFinished = Signal(bool, str)  # ok, Asterisk's message

    def __init__(
        self,
        client: GatewayLink,
        board: QueueBoard,
        coalesce_ms: int = 150,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.board = board
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(coalesce_ms)
        self._coalesce.timeout.connect(self.changed)
        client.eventReceived.connect(self._on_event)
        client.pbxReady.connect(self.resync)

    def resync(self) -> None:
        self.client.send("QueueStatus", callback=self._on_status)

    def _on_status(self, response: PbxMessage, events: list[PbxMessage]) -> None:
        if response.get("Response") != "Success":
            log.warning("QueueStatus refused: %s", response.get("Message"))
            return
        self.board.resync(events)
        log.info(
            "wallboard resynchronised queues=%d agents=%d",
            len(self.board.queues),
            len(self.board.agents),
        )
        self.changed.emit()
        self.synced.emit()

    def _on_event(self, event: PbxMessage) -> None:
        if self.board.apply(event) and not self._coalesce.isActive():
            self._coalesce.start()

    # ---------------------------------------------------------------- supervisor commands

    def pause(self, interface: str, reason: str) -> None:
        """Pause the agent in every queue (Asterisk writes PAUSE with the reason to queue_log)."""
        self._command("QueuePause", Interface=interface, Paused="true", Reason=reason)

    def resume(self, interface: str) -> None:
        self._command("QueuePause", Interface=interface, Paused="false")

    def log_out(self, interface: str, queue: str) -> None:
        self._command("QueueRemove", Queue=queue, Interface=interface)

    def _command(self, action: str, **fields: object) -> None:
        def done(response: PbxMessage, _events: list[PbxMessage]) -> None:
            ok = response.get("Response") == "Success"
            log.info("supervisor %s %s ok=%s %s", action, fields, ok, response.get("Message"))
            self.actionFinished.emit(ok, response.get("Message"))

        self.client.send(action, fields, done)
