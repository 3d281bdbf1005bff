"""The screen pop: caller, what the IVR learned, the citizen and their history."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.qtmodels import call_history_model, local_date, request_history_model
from agent_desktop.store.dto import CitizenView, HistoryView, ScreenPop
from agent_desktop.telephony.agent_phone import Phase
from agent_desktop.telephony.call_context import CallContext
from agent_desktop.widgets.tables import row_table
from citizen_center.domain.identifiers import format_cpf, format_phone
from citizen_center.domain.protocol import format_protocol_number

PHASE_STYLE = {
    Phase.RINGING: "background:#fdb022;color:#1d1d1d;",
    Phase.TALKING: "background:#12b76a;color:white;",
    Phase.WRAPUP: "background:#7a5af8;color:white;",
    Phase.IDLE: "background:#eaecf0;color:#344054;",
}


def readable_phone(number: str) -> str:
    try:
        return format_phone(number)
    except Exception:  # not a Brazilian number in E.164: show as received
        return number


class CallPanel(QWidget):
    """GUI thread only. ``historyDrawn(uniqueid)`` fires once the history tables are filled."""

    historyDrawn = Signal(str)
    editCitizen = Signal(object)  # CitizenView | None (new)
    citizenChosen = Signal(object)  # CitizenView
    hangUpRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.uniqueid = ""
        self.pop: ScreenPop | None = None
        self.citizen: CitizenView | None = None
        self.phase = QLabel(self)
        self.phase.setObjectName("callPhase")
        self.caller = QLabel(self)
        self.caller.setObjectName("callerNumber")
        self.caller.setStyleSheet("font-size:22px;font-weight:700;")
        self.queue = QLabel(self)
        self.hang_up = QPushButton(self.tr("Hang up"), self)
        self.hang_up.setObjectName("hangUp")
        self.hang_up.setToolTip(self.tr("End this call (the citizen hears the survey)"))
        self.hang_up.clicked.connect(self.hangUpRequested)
        self._build_ivr()
        self._build_citizen()
        self._build_history()
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(self.caller, 1)
        header.addWidget(self.hang_up)
        header.addWidget(self.phase)
        layout.addLayout(header)
        layout.addWidget(self.queue)
        layout.addWidget(self.ivr_box)
        layout.addWidget(self.citizen_box)
        layout.addWidget(self.history, 1)
        self.clear()

    def _build_ivr(self) -> None:
        self.ivr_box = QGroupBox(self.tr("What the IVR learned"), self)
        form = QFormLayout(self.ivr_box)
        self.said = QLabel(self)
        self.said.setObjectName("ivrText")
        self.said.setWordWrap(True)
        self.said.setStyleSheet("font-style:italic;font-size:14px;")
        self.service = QLabel(self)
        self.service.setObjectName("ivrService")
        self.consulted = QLabel(self)
        self.consulted.setObjectName("ivrProtocol")
        self.consulted.setWordWrap(True)
        self.waited = QLabel(self)
        self.waited.setObjectName("waitTime")
        form.addRow(self.tr("Said:"), self.said)
        form.addRow(self.tr("Service:"), self.service)
        form.addRow(self.tr("Protocol consulted:"), self.consulted)
        form.addRow(self.tr("Waited:"), self.waited)

    def _build_citizen(self) -> None:
        self.citizen_box = QGroupBox(self.tr("Citizen"), self)
        layout = QVBoxLayout(self.citizen_box)
        self.candidates = QComboBox(self)
        self.candidates.setObjectName("citizenCandidates")
        self.candidates.activated.connect(self._candidate_chosen)
        self.citizen_label = QLabel(self)
        self.citizen_label.setObjectName("citizenName")
        self.citizen_label.setWordWrap(True)
        self.citizen_button = QPushButton(self)
        self.citizen_button.setObjectName("citizenEdit")
        self.citizen_button.clicked.connect(lambda: self.editCitizen.emit(self.citizen))
        row = QHBoxLayout()
        row.addWidget(self.citizen_label, 1)
        row.addWidget(self.citizen_button)
        layout.addWidget(self.candidates)
        layout.addLayout(row)

    def _build_history(self) -> None:
        self.history = QTabWidget(self)
        self.requests_model = request_history_model(self)
        self.calls_model = call_history_model(self)
        self.requests_view = row_table(self.requests_model, "historyRequests", self)
        self.calls_view = row_table(self.calls_model, "historyCalls", self)
        self.history.addTab(self.requests_view, self.tr("Requests"))
        self.history.addTab(self.calls_view, self.tr("Calls"))

    # ---------------------------------------------------------------- content

    def clear(self) -> None:
        self.uniqueid = ""
        self.pop = None
        self.set_phase(Phase.IDLE, self.tr("Available"))
        self.caller.setText(self.tr("No call"))
        self.queue.setText("")
        for label in (self.said, self.service, self.consulted, self.waited):
            label.setText("—")
        self.show_citizen(None)
        self.candidates.hide()
        self.requests_model.set_rows([])
        self.calls_model.set_rows([])

    def set_phase(self, phase: Phase, text: str) -> None:
        # Only a call in progress can be ended from here; ringing calls go back to the queue.
        self.hang_up.setVisible(phase is Phase.TALKING)
        self.phase.setText(f"  {text}  ")
        self.phase.setStyleSheet(
            f"{PHASE_STYLE[phase]}border-radius:10px;font-weight:600;padding:3px;"
        )

    def show_call(self, call: CallContext) -> None:
        """Everything the PBX told us, at once (the database part follows in ``show_pop``)."""
        self.uniqueid = call.uniqueid
        name = f" — {call.caller_name}" if call.caller_name else ""
        number = (
            readable_phone(call.caller_number) if call.caller_number else self.tr("Unknown number")
        )
        self.caller.setText(f"☎ {number}{name}")
        self.queue.setText(self.tr("Queue:") + f" {call.queue}")
        ivr = call.ivr
        self.said.setText(f"“{html.escape(ivr.text)}”" if ivr.text else self.tr("(nothing)"))
        confidence = f" — {ivr.confidence:.0%}" if ivr.confidence is not None else ""
        self.service.setText((ivr.service_code or ivr.intent or "—") + confidence)
        self.consulted.setText(
            format_protocol_number(ivr.protocol)
            if len(ivr.protocol) == 12
            else (ivr.protocol or "—")
        )
        self.show_wait(call.wait_seconds)

    def show_wait(self, seconds: float | None) -> None:
        if seconds is None:
            self.waited.setText("—")
            return
        minutes, secs = divmod(int(seconds), 60)
        self.waited.setText(f"{minutes} min {secs:02d} s" if minutes else f"{secs} s")

    def show_pop(self, uniqueid: str, pop: ScreenPop) -> None:
        if uniqueid != self.uniqueid:
            return  # a late answer for a call that is gone
        self.pop = pop
        if pop.service_name:
            confidence = self.service.text().partition(" — ")[2]
            self.service.setText(pop.service_name + (f" — {confidence}" if confidence else ""))
        if pop.consulted is not None:
            c = pop.consulted
            late = self.tr(" — LATE") if c.late else ""
            self.consulted.setText(
                f"{format_protocol_number(c.number)} · {c.service_name} · "
                f"{c.status.label_pt} · "
                + self.tr("expected")
                + f" {local_date(c.expected_at)}{late}"
            )
        self._fill_candidates(pop.candidates)
        self.show_history(pop.history)
        self.historyDrawn.emit(uniqueid)

    def _fill_candidates(self, candidates: tuple[CitizenView, ...]) -> None:
        self.candidates.clear()
        for citizen in candidates:
            self.candidates.addItem(f"{citizen.name} ({citizen.id})", citizen.id)
        self.candidates.setVisible(len(candidates) > 1)

    def _candidate_chosen(self, index: int) -> None:
        if self.pop is not None and 0 <= index < len(self.pop.candidates):
            self.citizenChosen.emit(self.pop.candidates[index])

    def show_history(self, history: HistoryView | None) -> None:
        self.show_citizen(history.citizen if history else None)
        self.requests_model.set_rows(history.requests if history else [])
        self.calls_model.set_rows(history.calls if history else [])
        late = sum(1 for r in history.requests if r.late) if history else 0
        self.history.setTabText(0, self.tr("Requests") + (f" ({late} ⚠)" if late else ""))

    def show_citizen(self, citizen: CitizenView | None) -> None:
        self.citizen = citizen
        if citizen is None:
            self.citizen_label.setText(self.tr("Citizen not identified."))
            self.citizen_button.setText(self.tr("New citizen (F2)"))
            return
        cpf = "CPF " + format_cpf(citizen.cpf) if citizen.cpf else self.tr("no CPF")
        phones = ", ".join(readable_phone(p) for p in citizen.phones)
        address = citizen.addresses[0] if citizen.addresses else None
        where = (
            f"<br>{html.escape(address.street)}, {html.escape(address.house_number)} — "
            f"{html.escape(address.neighbourhood)}"
            if address
            else ""
        )
        self.citizen_label.setText(
            f"<b style='font-size:15px'>{html.escape(citizen.name)}</b> · {cpf}<br>{phones}{where}"
        )
        self.citizen_button.setText(self.tr("Edit (F2)"))
