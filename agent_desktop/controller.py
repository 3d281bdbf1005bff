"""``DeskController``: the call workflow that ties the PBX, the data and the views together.

ring → screen pop (PBX data at once, database history from a background job) → talk → the
agent registers requests → hang-up → mandatory wrap-up (the agent stays paused) → available.
Also: missed rings, lost PBX or database (banners, retry), the wrap-up draft that survives a
crash of the app.

Thread-safety: GUI thread only; database work goes through ``JobRunner``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from agent_desktop.gateway_link import ConnectionState, GatewayLink
from agent_desktop.store.dto import (
    AgentUser,
    CitizenView,
    PendingWrapUp,
    RequestDetail,
    ScreenPop,
)
from agent_desktop.telephony.agent_phone import AgentPhone, MemberStatus, Phase
from agent_desktop.telephony.call_context import CallContext
from agent_desktop.views.common import DeskServices, error_text, pbx_state_text
from agent_desktop.views.main_window import MainWindow
from agent_desktop.widgets.banner import BannerLevel
from agent_desktop.widgets.indicators import DotState
from citizen_center.logs import call_context

log = logging.getLogger(__name__)

WRAPUP_DRAFT = "wrapup"
DB_RETRY_MS = 5000


class DeskController(QObject):
    """See the module docstring."""

    screenPopDrawn = Signal(str, float)  # uniqueid, ms from AgentCalled to the history drawn
    wrapupSaved = Signal(str)

    def __init__(
        self,
        window: MainWindow,
        services: DeskServices,
        client: GatewayLink,
        phone: AgentPhone,
        agent: AgentUser,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.client = client
        self.phone = phone
        self.agent = agent
        self.requests_made: list[str] = []
        self.citizen: CitizenView | None = None
        self.wrapup_call: PendingWrapUp | None = None
        self._offered_at: dict[str, float] = {}
        self._db_retry = QTimer(self)
        self._db_retry.setInterval(DB_RETRY_MS)
        self._db_retry.timeout.connect(self._probe_database)
        self._connect()

    def _connect(self) -> None:
        w, phone = self.window, self.phone
        phone.callOffered.connect(self._on_offered)
        phone.callConnected.connect(self._on_connected)
        phone.callEnded.connect(self._on_ended)
        phone.callWithdrawn.connect(self._on_withdrawn)
        phone.ringMissed.connect(self._on_missed)
        phone.statusChanged.connect(self._on_status)
        phone.actionFailed.connect(lambda text: w.notice.show_message(text, BannerLevel.WARNING))
        self.client.stateChanged.connect(self._on_pbx_state)
        self.services.jobs.databaseLost.connect(self._on_db_lost)
        self.services.jobs.databaseBack.connect(self._on_db_back)
        w.bar.joinRequested.connect(phone.join_queues)
        w.bar.leaveRequested.connect(phone.leave_queues)
        w.bar.pauseRequested.connect(self._on_pause_requested)
        w.bar.resumeRequested.connect(self._on_resume_requested)
        w.call_panel.historyDrawn.connect(self._on_history_drawn)
        w.call_panel.editCitizen.connect(self._edit_citizen)
        w.call_panel.citizenChosen.connect(self._choose_citizen)
        w.call_panel.hangUpRequested.connect(phone.hang_up)
        w.citizen_form.saved.connect(self._choose_citizen)
        w.request_form.registered.connect(self._on_registered)
        w.wrapup.finishRequested.connect(self._finish_wrapup)
        self._on_pbx_state(self.client.state)
        w.bar.database.set_state(DotState.OK, self.tr("Database"))

    def start(self) -> None:
        """Load the catalogue, restore an unfinished wrap-up, connect to the PBX."""
        self.window.request_form.load_catalogue()
        self._restore_wrapup()
        self.client.start()

    # ---------------------------------------------------------------- the call

    def _on_offered(self, call: CallContext) -> None:
        with call_context(call.uniqueid):
            log.info("screen pop caller=%s queue=%s", call.caller_number, call.queue)
        self._offered_at[call.uniqueid] = call.offered_at
        w = self.window
        w.notice.hide()
        w.call_panel.show_call(call)
        w.call_panel.set_phase(Phase.RINGING, self.tr("Ringing"))
        w.request_form.start_call(call.uniqueid, call.caller_number, call.ivr.service_code)
        w.show_request_form()
        self.requests_made = []
        store, ivr = self.services.store, call.ivr
        self.services.jobs.run(
            lambda: store.screen_pop(
                call.caller_number, ivr.citizen_id, ivr.protocol, ivr.service_code
            ),
            lambda pop: self._on_pop(call, pop),
            lambda exc: w.notice.show_message(error_text(exc), BannerLevel.WARNING),
        )

    def _on_pop(self, call: CallContext, pop: ScreenPop) -> None:
        citizen = pop.history.citizen if pop.history else None
        self.citizen = citizen
        self.window.request_form.set_citizen(citizen)
        if citizen is None and not self.window.citizen_form.citizen_id:
            self.window.citizen_form.edit(None, pop.caller_number)
        self.window.call_panel.show_pop(call.uniqueid, pop)
        if call.ivr.service_code:
            self.window.request_form.choose_code(call.ivr.service_code)

    def _on_history_drawn(self, uniqueid: str) -> None:
        began = self._offered_at.pop(uniqueid, None)
        if began is not None:
            elapsed = (time.monotonic() - began) * 1000
            log.info("screen pop drawn call=%s ms=%.1f", uniqueid, elapsed)
            self.screenPopDrawn.emit(uniqueid, elapsed)

    def _on_connected(self, call: CallContext) -> None:
        w = self.window
        w.call_panel.set_phase(Phase.TALKING, self.tr("In call"))
        w.call_panel.show_wait(call.wait_seconds)
        store, citizen_id = self.services.store, self.citizen.id if self.citizen else None
        self.services.jobs.run(
            lambda: store.call_answered(
                call.uniqueid, call.caller_number, call.queue, self.agent_interface, citizen_id
            )
        )

    @property
    def agent_interface(self) -> str:
        return self.phone.interface

    def _on_ended(self, call: CallContext) -> None:
        self._enter_wrapup(
            PendingWrapUp(
                call_uniqueid=call.uniqueid,
                caller_number=call.caller_number,
                queue=call.queue,
                citizen_id=self.citizen.id if self.citizen else None,
                request_numbers=tuple(self.requests_made),
            )
        )

    def _enter_wrapup(self, pending: PendingWrapUp) -> None:
        self._keep_wrapup(pending)
        w = self.window
        w.call_panel.set_phase(Phase.WRAPUP, self.tr("Wrap-up"))
        w.wrapup.show_pending(pending)
        w.show_wrapup()
        w.wrapup.codes.setFocus()

    def _keep_wrapup(self, pending: PendingWrapUp) -> None:
        """The pending wrap-up, in memory and on disk (it must survive a crash of the app)."""
        self.wrapup_call = pending
        self.services.drafts.save(WRAPUP_DRAFT, pending.to_draft())

    def _restore_wrapup(self) -> None:
        saved = self.services.drafts.load(WRAPUP_DRAFT)
        pending = PendingWrapUp.from_draft(saved) if saved else None
        if pending is not None:
            log.info("unfinished wrap-up restored call=%s", pending.call_uniqueid)
            self.requests_made = list(pending.request_numbers)
            self.phone.restore_wrapup()
            self._enter_wrapup(pending)

    def _finish_wrapup(self, code: str) -> None:
        if self.wrapup_call is None:
            return
        wrapup = self.wrapup_call.finished(code, self.agent_interface)
        self.services.jobs.run(
            lambda: self.services.store.save_wrapup(wrapup),
            lambda _r: self._wrapup_done(wrapup.call_uniqueid),
            lambda exc: self.window.wrapup.failed(error_text(exc)),
        )

    def _wrapup_done(self, uniqueid: str) -> None:
        self.services.drafts.discard(WRAPUP_DRAFT)
        self.wrapup_call = None
        self.requests_made = []
        self.citizen = None
        w = self.window
        w.wrapup.show_pending(None)
        w.call_panel.clear()
        w.request_form.set_citizen(None)
        w.request_form.protocol.hide()
        w.show_request_form()
        self.phone.finish_wrapup()
        w.bar.pending_pause = ""
        self.wrapupSaved.emit(uniqueid)

    def _on_withdrawn(self, call: CallContext) -> None:
        self.window.call_panel.clear()
        self.window.notice.show_message(
            self.tr("The caller hung up before the answer."), BannerLevel.INFO
        )

    def _on_missed(self, call: CallContext) -> None:
        self.window.call_panel.clear()
        when = datetime.now().strftime("%H:%M")
        text = (
            self.tr("Missed call at %1 (caller %2).")
            .replace("%1", when)
            .replace("%2", call.caller_number or "?")
        )
        if self.phone.settings.pause_on_missed_ring:
            text += " " + self.tr("You were paused: resume (F8) when you are back.")
        self.window.notice.show_message(text, BannerLevel.WARNING)

    # ---------------------------------------------------------------- citizen and requests

    def _edit_citizen(self, citizen: CitizenView | None) -> None:
        number = self.window.request_form.caller_number
        self.window.citizen_form.edit(citizen, number if citizen is None else "")
        self.window.show_citizen()

    def _choose_citizen(self, citizen: CitizenView) -> None:
        self.citizen = citizen
        if self.wrapup_call is not None:
            self._keep_wrapup(self.wrapup_call.with_citizen(citizen.id))
        self.window.request_form.set_citizen(citizen)
        self.window.call_panel.show_citizen(citizen)
        self._reload_history(citizen.id)

    def _reload_history(self, citizen_id: int) -> None:
        self.services.jobs.run(
            lambda: self.services.store.history(citizen_id), self.window.call_panel.show_history
        )

    def _on_registered(self, detail: RequestDetail) -> None:
        if self.phone.phase is not Phase.IDLE or self.wrapup_call is not None:
            self.requests_made.append(detail.number)
            if self.wrapup_call is not None:
                self._keep_wrapup(self.wrapup_call.with_requests(self.requests_made))
            self.window.wrapup.show_requests(tuple(self.requests_made))
        if self.citizen is not None:
            self._reload_history(self.citizen.id)

    # ---------------------------------------------------------------- pauses and state

    def _on_pause_requested(self, reason: str) -> None:
        self.phone.pause(reason)
        if self.phone.pause_after_call:
            self.window.bar.pending_pause = reason
            self.window.bar.show_status(self.phone.status)

    def _on_resume_requested(self) -> None:
        self.window.bar.pending_pause = ""
        self.phone.resume()

    def _on_status(self, status: MemberStatus) -> None:
        self.window.bar.show_status(status)

    def _on_pbx_state(self, state: ConnectionState) -> None:
        w = self.window
        dot, text = pbx_state_text(state)
        w.bar.pbx.set_state(dot, text)
        if state is ConnectionState.RETRYING:
            w.pbx_banner.show_message(
                self.tr(
                    "Connection to the PBX lost (%1). Reconnecting automatically; your "
                    "forms are kept."
                ).replace("%1", self.client.last_error or "?"),
                BannerLevel.ERROR,
                self.tr("Reconnect now"),
                self.client.retry_now,
            )
        elif state is ConnectionState.CONNECTED:
            w.pbx_banner.hide()

    def _on_db_lost(self, message: str) -> None:
        w = self.window
        w.bar.database.set_state(DotState.BAD, self.tr("Database offline"))
        w.db_banner.show_message(
            self.tr(
                "Database unavailable. What you typed is kept (also on disk); retrying every 5 s."
            ),
            BannerLevel.ERROR,
            self.tr("Retry now"),
            self._probe_database,
        )
        self._db_retry.start()

    def _on_db_back(self) -> None:
        self._db_retry.stop()
        self.window.bar.database.set_state(DotState.OK, self.tr("Database"))
        self.window.db_banner.hide()

    def _probe_database(self) -> None:
        self.services.jobs.run(self.services.store.ping, on_error=lambda _exc: None)

    def restore_phase_text(self) -> None:
        if self.phone.phase is Phase.IDLE:
            self.window.call_panel.clear()
