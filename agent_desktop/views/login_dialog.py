"""Login at the agent gateway: the user, the password and the phone interface."""

from __future__ import annotations

from collections.abc import Callable

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
from agent_desktop.views.common import error_text, show_message
from citizen_center.domain.workflow import Role
from gateway.client import GatewaySession

SignIn = Callable[[str, str, str], tuple[AgentUser, GatewaySession]]


class LoginDialog(QDialog):
    """Modal; authenticates synchronously at the gateway (one argon2 check, well under a
    second on the LAN). ``signed_in`` holds the user and their gateway session once accepted.

    Thread-safety: GUI thread only.
    """

    def __init__(
        self,
        sign_in: SignIn,
        username: str = "",
        interface: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sign_in = sign_in
        self.signed_in: tuple[AgentUser, GatewaySession] | None = None
        self.setWindowTitle(self.tr("Central 156 — Login"))
        self.username = QLineEdit(username, self)
        self.username.setObjectName("loginUser")
        self.password = QLineEdit(self)
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.interface = QLineEdit(interface, self)
        self.interface.setObjectName("loginInterface")
        self.interface.setPlaceholderText(
            self.tr("e.g. PJSIP/agent-2001 (empty: your registered phone)")
        )
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
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
            user, session = self.sign_in(
                self.username.text().strip(), self.password.text(), self.interface.text().strip()
            )
        except Exception as exc:  # shown to the agent; they may retry
            show_message(self.message, error_text(exc))
            self.password.clear()
            return
        # Only agents take calls; supervisors and focal points need no phone.
        if user.role is Role.AGENT and not user.phone_interface:
            show_message(
                self.message, self.tr("Type your phone (no phone is registered for this user).")
            )
            return
        self.signed_in = (user, session)
        self.accept()
