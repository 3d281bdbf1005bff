"""Small status widgets: a coloured dot with a text (PBX, database, agent state)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

COLOURS = {"ok": "#12b76a", "warn": "#f79009", "bad": "#d92d20", "idle": "#98a2b3",
           "busy": "#2e90fa"}


class StatusDot(QWidget):
    """``set_state("ok" | "warn" | "bad" | "idle" | "busy", text)``. GUI thread only."""

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
        self.state = "idle"

    def set_state(self, state: str, text: str) -> None:
        self.state = state
        self.dot.setStyleSheet(f"color:{COLOURS[state]};font-size:16px;")
        self.text.setText(text)
