"""A new request: type-ahead service search, address, description, destination, protocol."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.qtmodels import ServiceFilter, local_date, service_model
from agent_desktop.store.dto import (
    CitizenView,
    FocalPointOption,
    NewRequest,
    RequestDetail,
    ServiceOption,
)
from agent_desktop.views.common import DeskServices, DraftKeeper, error_text, show_message
from agent_desktop.widgets.address_fields import AddressFields
from agent_desktop.widgets.protocol_display import ProtocolDisplay
from agent_desktop.widgets.tables import row_table
from citizen_center.errors import ValidationError

DRAFT = "request-form"


class RequestForm(QWidget):
    """GUI thread only; the catalogue loads and the request is saved in background jobs."""

    registered = Signal(object)  # RequestDetail

    def __init__(self, services: DeskServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.citizen: CitizenView | None = None
        self.call_uniqueid = ""
        self.caller_number = ""
        self.selected: ServiceOption | None = None
        self.focal_points: tuple[FocalPointOption, ...] = ()
        self.model = service_model(self)
        self.filter = ServiceFilter(self.model, self)
        self._build()
        self.keeper = DraftKeeper(services.drafts, DRAFT, self.to_draft, self.load_draft, self)
        self._pending_draft = services.drafts.load(DRAFT)

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        self.search = QLineEdit(self)
        self.search.setObjectName("serviceSearch")
        self.search.setPlaceholderText(
            self.tr("Type what the citizen needs: buraco, lâmpada, lixo, vazamento... (F3)")
        )
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(self._query_changed)
        self.search.returnPressed.connect(self._pick_first)
        self.services_view = row_table(self.filter, "serviceList", self, stretch_column=0)
        self.services_view.setMaximumHeight(150)
        self.services_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.service_info = QLabel(self.tr("No service chosen."), self)
        self.service_info.setObjectName("serviceInfo")
        self.service_info.setWordWrap(True)
        self.address = AddressFields("requestAddress", self)
        self.address.changed.connect(self._touched)
        self.use_citizen_address = QPushButton(self.tr("Use the citizen's address"), self)
        self.use_citizen_address.clicked.connect(self._copy_citizen_address)
        self.description = QPlainTextEdit(self)
        self.description.setObjectName("requestDescription")
        self.description.setPlaceholderText(self.tr("What the citizen reports, in their words"))
        self.description.setMaximumHeight(70)
        self.description.textChanged.connect(self._touched)
        self.other_destination = QCheckBox(self.tr("Forward to another focal point"), self)
        self.other_destination.toggled.connect(self._destination_toggled)
        self.focal_point = QComboBox(self)
        self.focal_point.setObjectName("focalPoint")
        self.forward_reason = QLineEdit(self)
        self.forward_reason.setObjectName("forwardReason")
        self.forward_reason.setPlaceholderText(self.tr("Reason for the other destination"))
        self.submit = QPushButton(self.tr("Register request (Ctrl+Enter)"), self)
        self.submit.setObjectName("registerRequest")
        self.submit.setShortcut("Ctrl+Return")
        self.submit.setStyleSheet("font-weight:600;padding:6px 14px;")
        self.submit.clicked.connect(self.register)
        self.message = QLabel(self)
        self.message.setObjectName("requestMessage")
        self.message.setWordWrap(True)
        self.protocol = ProtocolDisplay(self)
        self._destination_toggled(False)
        self._arrange()

    def _arrange(self) -> None:
        service_box = QGroupBox(self.tr("Service"), self)
        service_layout = QVBoxLayout(service_box)
        service_layout.addWidget(self.search)
        service_layout.addWidget(self.services_view)
        service_layout.addWidget(self.service_info)
        address_box = QGroupBox(self.tr("Where"), self)
        address_layout = QVBoxLayout(address_box)
        address_layout.addWidget(self.address)
        address_layout.addWidget(self.use_citizen_address, 0, Qt.AlignmentFlag.AlignLeft)
        destination = QGridLayout()
        destination.addWidget(self.other_destination, 0, 0)
        destination.addWidget(self.focal_point, 0, 1)
        destination.addWidget(self.forward_reason, 1, 1)
        destination.setColumnStretch(1, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(service_box)
        layout.addWidget(address_box)
        layout.addWidget(QLabel(self.tr("Description")))
        layout.addWidget(self.description)
        layout.addLayout(destination)
        layout.addLayout(bottom)
        layout.addWidget(self.protocol)
        layout.addStretch(1)

    # ---------------------------------------------------------------- catalogue

    def load_catalogue(self) -> None:
        store = self.services.store
        self.services.jobs.run(
            lambda: (store.services(), store.focal_points()),
            self._catalogue_loaded,
            lambda exc: show_message(self.message, error_text(exc)),
        )

    def _catalogue_loaded(
        self, result: tuple[tuple[ServiceOption, ...], tuple[FocalPointOption, ...]]
    ) -> None:
        options, self.focal_points = result
        self.model.set_rows(options)
        self.focal_point.clear()
        for fp in self.focal_points:
            primary = self.tr(" (primary)") if fp.is_primary else ""
            self.focal_point.addItem(f"{fp.secretariat_code} — {fp.name}{primary}", fp.id)
        if self._pending_draft:
            self.load_draft(self._pending_draft)
            self._pending_draft = None

    def _query_changed(self, text: str) -> None:
        self.filter.set_query(text)
        if self.filter.rowCount() == 1:
            self.services_view.selectRow(0)
        self._touched()

    def _pick_first(self) -> None:
        if self.filter.rowCount():
            self.services_view.selectRow(0)
            self.address.street.setFocus()

    def _selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            self.choose(self.filter.option_at(rows[0].row()))

    def choose(self, option: ServiceOption | None) -> None:
        self.selected = option
        if option is None:
            self.service_info.setText(self.tr("No service chosen."))
            return
        needs = (
            self.tr("address required") if option.requires_address else self.tr("address optional")
        )
        self.service_info.setText(
            f"<b>{option.name}</b> — {option.secretariat_code} ({option.secretariat_name}) · "
            + self.tr("deadline")
            + f": {option.deadline_text} · {needs}"
        )
        self._touched()

    def choose_code(self, code: str) -> bool:
        """Select the service the IVR recognised (the agent can still change it)."""
        for row in range(self.filter.rowCount()):
            option = self.filter.option_at(row)
            if option is not None and option.code == code:
                self.services_view.selectRow(row)
                return True
        return False

    # ---------------------------------------------------------------- the call

    def start_call(self, call_uniqueid: str, caller_number: str, service_code: str) -> None:
        self.call_uniqueid = call_uniqueid
        self.caller_number = caller_number
        self.protocol.hide()
        self.message.clear()
        if service_code and not self.selected:
            self.search.clear()
            self.filter.set_query("")
            self.choose_code(service_code)

    def set_citizen(self, citizen: CitizenView | None) -> None:
        self.citizen = citizen
        self.use_citizen_address.setEnabled(bool(citizen and citizen.addresses))

    def _copy_citizen_address(self) -> None:
        if self.citizen and self.citizen.addresses:
            self.address.set_value(self.citizen.addresses[0])
            self._touched()

    def _destination_toggled(self, on: bool) -> None:
        self.focal_point.setEnabled(on)
        self.forward_reason.setEnabled(on)
        self._touched()

    # ---------------------------------------------------------------- register

    def value(self) -> NewRequest:
        if self.selected is None:
            raise ValidationError(self.tr("Choose the service first (type in the search box)."))
        focal_id: int | None = None
        secretariat: str | None = None
        if self.other_destination.isChecked():
            focal_id = self.focal_point.currentData()
            chosen = next((fp for fp in self.focal_points if fp.id == focal_id), None)
            secretariat = chosen.secretariat_code if chosen else None
        return NewRequest(
            service_code=self.selected.code,
            citizen_id=self.citizen.id if self.citizen else None,
            address=self.address.value(),
            description=self.description.toPlainText(),
            secretariat_code=secretariat,
            focal_point_id=focal_id,
            forward_reason=self.forward_reason.text(),
        )

    def register(self) -> None:
        try:
            data = self.value()
        except ValidationError as exc:
            show_message(self.message, str(exc))
            return
        self.keeper.save_now()
        self.submit.setEnabled(False)
        show_message(self.message, self.tr("Registering..."), ok=True)
        uniqueid, caller = self.call_uniqueid, self.caller_number
        self.services.jobs.run(
            lambda: self.services.store.open_request(data, uniqueid, caller),
            self._registered,
            self._failed,
        )

    def _registered(self, detail: RequestDetail) -> None:
        self.submit.setEnabled(True)
        self.keeper.discard()
        self.message.clear()
        destination = detail.secretariat + (
            f" — {detail.focal_point}" if detail.focal_point else ""
        )
        self.protocol.show_protocol(
            detail.number,
            self.tr("Forwarded to")
            + f" {destination}<br>"
            + self.tr("Expected by")
            + f" <b>{local_date(detail.expected_at)}</b> · {detail.service_name}",
        )
        self._reset_fields()
        self.registered.emit(detail)

    def _failed(self, exc: Exception) -> None:
        self.submit.setEnabled(True)
        show_message(self.message, error_text(exc))

    def _reset_fields(self) -> None:
        self.selected = None
        self.services_view.clearSelection()
        self.search.clear()
        self.filter.set_query("")
        self.address.load_draft({})
        self.description.clear()
        self.other_destination.setChecked(False)
        self.forward_reason.clear()
        self.service_info.setText(self.tr("No service chosen."))

    # ---------------------------------------------------------------- drafts

    def _touched(self) -> None:
        if hasattr(self, "keeper"):
            self.keeper.touched()

    def to_draft(self) -> dict[str, Any]:
        return {
            "service_code": self.selected.code if self.selected else "",
            "search": self.search.text(),
            "address": self.address.to_draft(),
            "description": self.description.toPlainText(),
            "other_destination": self.other_destination.isChecked(),
            "focal_point_id": self.focal_point.currentData(),
            "forward_reason": self.forward_reason.text(),
            "call_uniqueid": self.call_uniqueid,
            "caller_number": self.caller_number,
        }

    def load_draft(self, data: dict[str, Any]) -> None:
        self.search.setText(str(data.get("search", "")))
        self.filter.set_query("")
        code = str(data.get("service_code", ""))
        if code:
            self.choose_code(code)
        address = data.get("address")
        self.address.load_draft(address if isinstance(address, dict) else {})
        self.description.setPlainText(str(data.get("description", "")))
        self.other_destination.setChecked(bool(data.get("other_destination")))
        index = self.focal_point.findData(data.get("focal_point_id"))
        if index >= 0:
            self.focal_point.setCurrentIndex(index)
        self.forward_reason.setText(str(data.get("forward_reason", "")))
        self.call_uniqueid = str(data.get("call_uniqueid", ""))
        self.caller_number = str(data.get("caller_number", ""))
