"""A coloured strip across the window for what the agent must not miss (PBX or database lost)."""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class BannerLevel(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


STYLES = {
    BannerLevel.ERROR: "background:#b42318;color:white;",
    BannerLevel.WARNING: "background:#fdb022;color:#1d1d1d;",
    BannerLevel.INFO: "background:#1570ef;color:white;",
}


class Banner(QFrame):
    """Hidden until ``show_message``; an optional action button (e.g. retry).

    Thread-safety: GUI thread only.
    """

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.hide()
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self._action: Callable[[], None] | None = None
        self.button.clicked.connect(self._clicked)
        self.hide()

    def show_message(
        self,
        text: str,
        level: BannerLevel = BannerLevel.ERROR,
        action_text: str = "",
        action: Callable[[], None] | None = None,
    ) -> None:
        self.setStyleSheet(
            f"QFrame#{self.objectName()}{{{STYLES[level]}}} QLabel{{font-weight:600;"
            f"{STYLES[level]}}}"
        )
        self.label.setText(text)
        self._action = action
        self.button.setText(action_text)
        self.button.setVisible(bool(action_text and action))
        self.show()

    def _clicked(self) -> None:
        if self._action is not None:
            self._action()
