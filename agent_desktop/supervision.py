"""``WallboardController``: the wallboard's behaviour — live AMI state, the periodic database
snapshot of today (after importing the local queue_log), the clocks, and the supervisor's
commands.

Thread-safety: GUI thread only; the import and the database queries run as ``JobRunner`` jobs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from agent_desktop.gateway_link import ConnectionState, GatewayLink
from agent_desktop.jobs import JobRunner
from agent_desktop.store.supervision import SupervisorStore, TodaySnapshot
from agent_desktop.telephony.queue_monitor import QueueMonitor
from agent_desktop.views.common import error_text, pbx_state_text
from agent_desktop.views.role_window import RoleWindow
from agent_desktop.views.wallboard import WallboardView
from agent_desktop.widgets.banner import BannerLevel
from citizen_center.config import WallboardSettings

log = logging.getLogger(__name__)


class WallboardController(QObject):
    """See the module docstring."""

    todayLoaded = Signal()

    def __init__(
        self,
        window: RoleWindow,
        view: WallboardView,
        client: GatewayLink,
        monitor: QueueMonitor,
        jobs: JobRunner,
        store: SupervisorStore,
        settings: WallboardSettings,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.view = view
        self.client = client
        self.monitor = monitor
        self.jobs = jobs
        self.store = store
        self._loading = False
        self._clock = QTimer(self)
        self._clock.setInterval(settings.refresh_ms)
        self._clock.timeout.connect(self.refresh)
        self._import = QTimer(self)
        self._import.setInterval(int(settings.import_interval_seconds * 1000))
        self._import.timeout.connect(self.load_today)
        self._import_enabled = settings.import_interval_seconds > 0
        monitor.changed.connect(self.refresh)
        monitor.actionFinished.connect(view.show_result)
        client.stateChanged.connect(self._on_pbx_state)
        view.pauseRequested.connect(monitor.pause)
        view.resumeRequested.connect(monitor.resume)
        view.logoutRequested.connect(monitor.log_out)
        self._on_pbx_state(client.state)

    def start(self) -> None:
        self.client.start()
        self._clock.start()
        # Today's figures come from the database even when this machine imports nothing.
        self.load_today()
        if self._import_enabled:
            self._import.start()

    def stop(self) -> None:
        self._clock.stop()
        self._import.stop()
        self.client.stop()

    def refresh(self) -> None:
        self.view.show_snapshot(self.monitor.board.snapshot())
        self.window.bar.clock.setText(datetime.now().strftime("%d/%m/%Y %H:%M:%S"))

    def load_today(self) -> None:
        if self._loading:  # a slow import must not pile up behind itself
            return
        self._loading = True
        self.jobs.run(self.store.today, self._on_today, self._on_today_failed)

    def _on_today(self, snapshot: TodaySnapshot) -> None:
        self._loading = False
        if snapshot.imported is not None and snapshot.imported.new_events:
            log.info("queue_log imported: %s", snapshot.imported.describe())
        self.monitor.board.set_database_today(snapshot.counts, snapshot.cutoff)
        self.refresh()
        self.todayLoaded.emit()

    def _on_today_failed(self, exc: Exception) -> None:
        self._loading = False
        self.window.notice.show_message(
            self.tr(
                "Today's history could not be read (%1); the board counts calls seen live."
            ).replace("%1", error_text(exc)),
            BannerLevel.WARNING,
        )

    def _on_pbx_state(self, state: ConnectionState) -> None:
        dot, text = pbx_state_text(state)
        self.window.bar.pbx.set_state(dot, text)
        if state is ConnectionState.RETRYING:
            self.window.pbx_banner.show_message(
                self.tr(
                    "Connection to the PBX lost (%1). Reconnecting automatically; the "
                    "board resynchronises when it is back."
                ).replace("%1", self.client.last_error or "?"),
                BannerLevel.ERROR,
                self.tr("Reconnect now"),
                self.client.retry_now,
            )
        elif state is ConnectionState.CONNECTED:
            self.window.pbx_banner.hide()
