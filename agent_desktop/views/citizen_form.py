"""Register or update a citizen: name, CPF, phones, e-mail, address (validated by the domain)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.store.dto import CitizenView
from agent_desktop.views.common import DeskServices, DraftKeeper, error_text, show_message
from agent_desktop.widgets.address_fields import AddressFields
from citizen_center.domain.identifiers import format_cpf, format_phone
from citizen_center.services.citizens import CitizenInput

DRAFT = "citizen-form"


class CitizenForm(QWidget):
    """GUI thread only; saving runs as a background job."""

    saved = Signal(object)  # CitizenView

    def __init__(self, services: DeskServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.citizen_id: int | None = None
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size:15px;font-weight:600;")
        self.name = self._line("citizenName")
        self.cpf = self._line("citizenCpf")
        self.cpf.setPlaceholderText("000.000.000-00")
        self.phones = self._line("citizenPhones")
        self.phones.setPlaceholderText(self.tr("(51) 99999-1234, (51) 3333-4444"))
        self.email = self._line("citizenEmail")
        self.address = AddressFields("citizenAddress", self)
        self.address.changed.connect(self._touched)
        self.message = QLabel(self)
        self.message.setObjectName("citizenMessage")
        self.message.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save citizen (Ctrl+S)"), self)
        self.save_button.setObjectName("saveCitizen")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton(self.tr("New citizen"), self)
        self.new_button.clicked.connect(lambda: self.edit(None, ""))
        self._layout()
        self.keeper = DraftKeeper(services.drafts, DRAFT, self.to_draft, self.load_draft, self)
        self.edit(None, "")
        self.keeper.restore_saved()

    def _line(self, name: str) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(name)
        line.textEdited.connect(lambda _t: self._touched())
        return line

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("Name *"), self.name)
        form.addRow(self.tr("CPF"), self.cpf)
        form.addRow(self.tr("Phones"), self.phones)
        form.addRow(self.tr("E-mail"), self.email)
        box = QGroupBox(self.tr("Address"), self)
        QVBoxLayout(box).addWidget(self.address)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(box)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def _touched(self) -> None:
        self.keeper.touched()

    # ---------------------------------------------------------------- content

    def edit(self, citizen: CitizenView | None, caller_number: str) -> None:
        """Show ``citizen`` for update, or an empty form with the caller's number."""
        self.citizen_id = citizen.id if citizen else None
        self.title.setText(self.tr("Update citizen") if citizen else self.tr("New citizen"))
        self.name.setText(citizen.name if citizen else "")
        self.cpf.setText(format_cpf(citizen.cpf) if citizen and citizen.cpf else "")
        phones = citizen.phones if citizen else ((caller_number,) if caller_number else ())
        self.phones.setText(", ".join(_readable_phone(p) for p in phones))
        self.email.setText(citizen.email if citizen else "")
        addresses = citizen.addresses if citizen else ()
        if addresses:
            self.address.set_value(addresses[0])
        else:
            self.address.load_draft({})
        self.message.clear()

    def value(self) -> CitizenInput:
        phones = [p.strip() for p in self.phones.text().split(",") if p.strip()]
        address = self.address.value()
        return CitizenInput(
            name=self.name.text(),
            cpf=self.cpf.text() or None,
            phones=phones,
            addresses=[address] if not address.is_empty else [],
            email=self.email.text(),
        )

    def to_draft(self) -> dict[str, Any]:
        return {
            "citizen_id": self.citizen_id,
            "name": self.name.text(),
            "cpf": self.cpf.text(),
            "phones": self.phones.text(),
            "email": self.email.text(),
            "address": self.address.to_draft(),
        }

    def load_draft(self, data: dict[str, Any]) -> None:
        raw_id = data.get("citizen_id")
        self.citizen_id = raw_id if isinstance(raw_id, int) else None
        self.name.setText(str(data.get("name", "")))
        self.cpf.setText(str(data.get("cpf", "")))
        self.phones.setText(str(data.get("phones", "")))
        self.email.setText(str(data.get("email", "")))
        address = data.get("address")
        self.address.load_draft(address if isinstance(address, dict) else {})
        self.title.setText(self.tr("Update citizen") if self.citizen_id else self.tr("New citizen"))

    # ---------------------------------------------------------------- saving

    def save(self) -> None:
        data, citizen_id = self.value(), self.citizen_id
        self.keeper.save_now()
        self.save_button.setEnabled(False)
        show_message(self.message, self.tr("Saving..."), ok=True)
        self.services.jobs.run(
            lambda: self.services.store.save_citizen(citizen_id, data), self._saved, self._failed
        )

    def _saved(self, citizen: CitizenView) -> None:
        self.save_button.setEnabled(True)
        self.keeper.discard()
        self.edit(citizen, "")
        show_message(self.message, self.tr("Citizen saved."), ok=True)
        self.saved.emit(citizen)

    def _failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        show_message(self.message, error_text(exc))


def _readable_phone(e164: str) -> str:
    try:
        return format_phone(e164)
    except Exception:  # a number that did not parse as E.164 stays as typed
        return e164
