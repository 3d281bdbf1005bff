"""The top bar: who is logged in, queues, pause with reason, connection state of PBX and DB."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from agent_desktop.telephony.agent_phone import MemberStatus
from agent_desktop.widgets.indicators import StatusDot


class AgentBar(QWidget):
    """GUI thread only. Emits the agent's commands; shows what the PBX reports."""

    joinRequested = Signal()
    leaveRequested = Signal()
    pauseRequested = Signal(str)
    resumeRequested = Signal()

    def __init__(
        self, agent_text: str, reasons: tuple[str, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("agentBar")
        # A plain QWidget subclass paints a style-sheet background only with this attribute.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "QWidget#agentBar{background:#101828;} QWidget#agentBar QLabel{color:#f2f4f7;}"
        )
        self.agent = QLabel(agent_text, self)
        self.agent.setStyleSheet("font-weight:600;")
        self.pbx = StatusDot("pbxStatus", self)
        self.database = StatusDot("dbStatus", self)
        self.state = QLabel(self)
        self.state.setObjectName("agentState")
        self.queues = QPushButton(self)
        self.queues.setObjectName("queueToggle")
        self.queues.clicked.connect(self._toggle_queues)
        self.reasons = QComboBox(self)
        self.reasons.setObjectName("pauseReason")
        self.reasons.addItems(list(reasons))
        self.pause = QPushButton(self)
        self.pause.setObjectName("pauseToggle")
        self.pause.clicked.connect(self._toggle_pause)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        widgets: list[QWidget] = [self.agent, self.pbx, self.database]
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)
        for widget in (self.state, self.queues, self.reasons, self.pause):
            layout.addWidget(widget)
        self.status = MemberStatus()
        self.pending_pause = ""
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._refresh_state)
        self._clock.start(1000)
        self.show_status(self.status)

    def show_status(self, status: MemberStatus) -> None:
        self.status = status
        self.queues.setText(
            self.tr("Leave queues (F9)") if status.logged_in else self.tr("Join queues (F9)")
        )
        self.pause.setText(self.tr("Resume (F8)") if status.paused else self.tr("Pause (F8)"))
        self.reasons.setEnabled(not status.paused)
        self._refresh_state()

    def _refresh_state(self) -> None:
        status = self.status
        if not status.logged_in:
            text = self.tr("Out of the queues")
        elif status.paused:
            since = status.paused_since or time.monotonic()
            minutes, seconds = divmod(int(time.monotonic() - since), 60)
            text = (
                self.tr("Paused: %1").replace("%1", status.reason)
                + f" ({minutes:02d}:{seconds:02d})"
            )
        else:
            text = self.tr("Available in %n queue(s)", "", len(status.queues))
        if self.pending_pause:
            text += " · " + self.tr("pause after the call: %1").replace("%1", self.pending_pause)
        self.state.setText(text)

    def _toggle_queues(self) -> None:
        if self.status.logged_in:
            self.leaveRequested.emit()
        else:
            self.joinRequested.emit()

    def _toggle_pause(self) -> None:
        if self.status.paused:
            self.resumeRequested.emit()
        else:
            self.pauseRequested.emit(self.reasons.currentText())
