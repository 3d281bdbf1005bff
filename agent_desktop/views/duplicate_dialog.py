"""Asking for the protocol a request repeats, before it is marked as that one's duplicate."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from citizen_center.domain.protocol import format_protocol_number


class DuplicateDialog(QDialog):
    """Window-modal, opened with ``open()`` (the inbox keeps refreshing behind it); ``parent``
    holds what was typed once accepted. The number is checked by the domain when the mark is
    made, whose refusal the view shows.

    Thread-safety: GUI thread only.
    """

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateDialog")
        self.setWindowTitle(self.tr("Mark as duplicate"))
        shown = format_protocol_number(number)
        question = QLabel(
            self.tr("%1 is the same problem as the protocol:").replace("%1", shown), self
        )
        self.parent_number = QLineEdit(self)
        self.parent_number.setObjectName("duplicateParent")
        self.parent_number.setPlaceholderText(self.tr("Protocol number, e.g. 2026-0001234-0"))
        question.setBuddy(self.parent_number)
        hint = QLabel(
            self.tr(
                "%1 will be closed as its duplicate, and the citizen told to follow that "
                "protocol. It can be undone."
            ).replace("%1", shown),
            self,
        )
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Mark as duplicate"))
        ok.setEnabled(False)
        self.parent_number.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(self.parent_number)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)

    @property
    def parent_text(self) -> str:
        return self.parent_number.text().strip()
