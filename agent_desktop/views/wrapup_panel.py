"""After the call: a mandatory wrap-up code, linked to the requests made during the call."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.store.dto import PendingWrapUp
from agent_desktop.views.common import show_message
from citizen_center.domain.protocol import format_protocol_number


class WrapupPanel(QWidget):
    """GUI thread only. Emits ``finishRequested(code)`` only with a code chosen."""

    finishRequested = Signal(str)

    def __init__(self, codes: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size:15px;font-weight:600;")
        self.codes = QListWidget(self)
        self.codes.setObjectName("wrapupCodes")
        for number, code in enumerate(codes, start=1):
            item = QListWidgetItem(f"{number}. {code}")
            item.setData(256, code)
            self.codes.addItem(item)
        self.requests = QLabel(self)
        self.requests.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setObjectName("wrapupMessage")
        self.finish = QPushButton(self.tr("Finish wrap-up (Ctrl+F)"), self)
        self.finish.setObjectName("finishWrapup")
        self.finish.setShortcut("Ctrl+F")
        self.finish.clicked.connect(self._finish)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(QLabel(self.tr("Wrap-up code (required):")))
        layout.addWidget(self.codes, 1)
        layout.addWidget(self.requests)
        layout.addWidget(self.message)
        layout.addWidget(self.finish)
        self.show_pending(None)

    def show_pending(self, pending: PendingWrapUp | None) -> None:
        """The call to wrap up, or None: nothing to wrap up (the panel is disabled)."""
        active = pending is not None
        self.header.setText(
            self.tr(
                "Call ended: choose the wrap-up code. No new call reaches you until you finish."
            )
            if active
            else self.tr("No call to wrap up.")
        )
        self.codes.setEnabled(active)
        self.finish.setEnabled(active)
        if not active:
            self.codes.clearSelection()
            self.message.clear()
        self.show_requests(pending.request_numbers if pending is not None else ())

    def show_requests(self, numbers: tuple[str, ...]) -> None:
        listed = ", ".join(format_protocol_number(n) for n in numbers) or self.tr("none")
        self.requests.setText(self.tr("Requests registered in this call:") + f" {listed}")

    def choose(self, code: str) -> bool:
        for row in range(self.codes.count()):
            if self.codes.item(row).data(256) == code:
                self.codes.setCurrentRow(row)
                return True
        return False

    def selected_code(self) -> str:
        item = self.codes.currentItem()
        return str(item.data(256)) if item is not None and item.isSelected() else ""

    def _finish(self) -> None:
        code = self.selected_code()
        if not code:
            show_message(self.message, self.tr("Choose a wrap-up code first."))
            return
        show_message(self.message, self.tr("Saving..."), ok=True)
        self.finishRequested.emit(code)

    def failed(self, text: str) -> None:
        show_message(self.message, text)
