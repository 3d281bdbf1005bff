"""The address block shared by the citizen form and the request form."""

from __future__ import annotations

from dataclasses import asdict, fields

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGridLayout, QLabel, QLineEdit, QWidget

from citizen_center.services.citizens import AddressInput


class AddressFields(QWidget):
    """Street, number, complement, neighbourhood, CEP, reference. GUI thread only."""

    changed = Signal()

    def __init__(self, object_prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.street = self._line(object_prefix, "street", self.tr("Street (logradouro)"))
        self.house_number = self._line(object_prefix, "number", self.tr("Number"))
        self.complement = self._line(object_prefix, "complement", self.tr("Complement"))
        self.neighbourhood = self._line(object_prefix, "neighbourhood", self.tr("Neighbourhood"))
        self.zipcode = self._line(object_prefix, "zipcode", self.tr("CEP"))
        self.zipcode.setInputMask("00000-000;_")
        self.reference = self._line(object_prefix, "reference", self.tr("Reference point"))
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(self.tr("Street")), 0, 0)
        grid.addWidget(self.street, 0, 1, 1, 3)
        grid.addWidget(QLabel(self.tr("No.")), 0, 4)
        grid.addWidget(self.house_number, 0, 5)
        grid.addWidget(QLabel(self.tr("Neighbourhood")), 1, 0)
        grid.addWidget(self.neighbourhood, 1, 1)
        grid.addWidget(QLabel(self.tr("CEP")), 1, 2)
        grid.addWidget(self.zipcode, 1, 3)
        grid.addWidget(QLabel(self.tr("Compl.")), 1, 4)
        grid.addWidget(self.complement, 1, 5)
        grid.addWidget(QLabel(self.tr("Reference")), 2, 0)
        grid.addWidget(self.reference, 2, 1, 1, 5)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(5, 1)

    def _line(self, prefix: str, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(f"{prefix}_{name}")
        line.setPlaceholderText(placeholder)
        line.textEdited.connect(lambda _text: self.changed.emit())
        return line

    def _zipcode_digits(self) -> str:
        return "".join(ch for ch in self.zipcode.text() if ch.isdigit())

    def value(self) -> AddressInput:
        return AddressInput(
            street=self.street.text(),
            house_number=self.house_number.text(),
            complement=self.complement.text(),
            neighbourhood=self.neighbourhood.text(),
            zipcode=self._zipcode_digits(),
            reference=self.reference.text(),
        )

    def set_value(self, address: AddressInput) -> None:
        self.street.setText(address.street)
        self.house_number.setText(address.house_number)
        self.complement.setText(address.complement)
        self.neighbourhood.setText(address.neighbourhood)
        self.zipcode.setText(address.zipcode)
        self.reference.setText(address.reference)

    def to_draft(self) -> dict[str, str]:
        return asdict(self.value())

    def load_draft(self, data: dict[str, str]) -> None:
        known = {f.name for f in fields(AddressInput)}
        self.set_value(AddressInput(**{k: str(v) for k, v in data.items() if k in known}))


def form_row(layout: QFormLayout, label: str, widget: QWidget) -> None:
    layout.addRow(label, widget)
