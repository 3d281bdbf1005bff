"""Small status widgets: a coloured dot with a text (PBX, database, agent state)."""

from __future__ import annotations

import enum

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


class DotState(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    IDLE = "idle"
    BUSY = "busy"


COLOURS = {
    DotState.OK: "#12b76a",
    DotState.WARN: "#f79009",
    DotState.BAD: "#d92d20",
    DotState.IDLE: "#98a2b3",
    DotState.BUSY: "#2e90fa",
}


class StatusDot(QWidget):
    """``set_state(DotState.OK, text)``. GUI thread only."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        self.dot = QLabel("●", self)
        self.text = QLabel(self)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        self.state = DotState.IDLE

    def set_state(self, state: DotState, text: str) -> None:
        self.state = state
        self.dot.setStyleSheet(f"color:{COLOURS[self.state]};font-size:16px;")
        self.text.setText(text)
