"""Login: the agent's user (from the database, roles checked) and the phone interface."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.store.dto import AgentUser
from agent_desktop.store.service import DesktopStore
from agent_desktop.views.common import error_text, show_message
from citizen_center.domain.workflow import Role


class LoginDialog(QDialog):
    """Modal; authenticates synchronously (one argon2 check, well under a second).

    Thread-safety: GUI thread only.
    """

    def __init__(self, store: DesktopStore, username: str = "", interface: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user: AgentUser | None = None
        self.setWindowTitle(self.tr("Central 156 — Login"))
        self.username = QLineEdit(username, self)
        self.username.setObjectName("loginUser")
        self.password = QLineEdit(self)
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.interface = QLineEdit(interface, self)
        self.interface.setObjectName("loginInterface")
        self.interface.setPlaceholderText(self.tr("e.g. PJSIP/agent-2001 (empty: your "
                                                  "registered phone)"))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._try_login)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("User"), self.username)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Phone"), self.interface)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def _try_login(self) -> None:
        try:
            self.user = self.store.login(self.username.text().strip(), self.password.text())
        except Exception as exc:  # shown to the agent; they may retry
            show_message(self.message, error_text(exc))
            self.password.clear()
            return
        # Only agents take calls; supervisors and focal points need no phone.
        needs_phone = self.user.role is Role.AGENT
        if needs_phone and not (self.interface.text().strip() or self.user.phone_interface):
            show_message(self.message, self.tr("Type your phone (no phone is registered for "
                                               "this user)."))
            return
        self.accept()

    def chosen_interface(self) -> str:
        assert self.user is not None
        return self.interface.text().strip() or self.user.phone_interface
