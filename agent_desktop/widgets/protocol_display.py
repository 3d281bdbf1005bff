"""The protocol number, big and grouped the way agents read it out on the phone."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QWidget

from citizen_center.domain.protocol import format_protocol_number


def spoken_groups(number: str) -> str:
    """``202600012345`` → ``2026 · 000 12 34 · 5``: year, the sequence in pairs, check digit."""
    year, sequence, check = number[:4], number[4:11], number[11:]
    pairs = " ".join([sequence[:3], sequence[3:5], sequence[5:]])
    return f"{year} · {pairs} · {check}"


class ProtocolDisplay(QFrame):
    """Hidden until a request is registered. GUI thread only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protocolDisplay")
        self.setStyleSheet(
            "QFrame#protocolDisplay{background:#ecfdf3;border:2px solid #12b76a;border-radius:8px;}"
        )
        grid = QGridLayout(self)
        self.caption = QLabel(self)
        self.number = QLabel(self)
        self.number.setObjectName("protocolNumber")
        self.number.setStyleSheet(
            "font-size:30px;font-weight:700;color:#054f31;font-family:'DejaVu Sans Mono',monospace;"
        )
        self.spoken = QLabel(self)
        self.spoken.setStyleSheet("font-size:15px;color:#054f31;")
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.copy = QPushButton(QCoreApplication.translate("ProtocolDisplay", "Copy"), self)
        self.copy.clicked.connect(self._copy)
        grid.addWidget(self.caption, 0, 0, 1, 2)
        grid.addWidget(self.number, 1, 0)
        grid.addWidget(self.copy, 1, 1)
        grid.addWidget(self.spoken, 2, 0, 1, 2)
        grid.addWidget(self.details, 3, 0, 1, 2)
        self.current = ""
        self.hide()

    def show_protocol(self, number: str, details: str) -> None:
        self.current = number
        self.caption.setText(
            QCoreApplication.translate(
                "ProtocolDisplay", "Protocol number — read it out to the citizen:"
            )
        )
        self.number.setText(format_protocol_number(number))
        self.spoken.setText(spoken_groups(number))
        self.details.setText(details)
        self.show()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(format_protocol_number(self.current))
