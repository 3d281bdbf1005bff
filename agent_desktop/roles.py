"""The supervisor's desktop (wallboard + statistics) and the focal point's (inbox), built from the
settings; ``app.run`` picks one by the logged-in user's role. The tests build them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication

from agent_desktop.gateway_link import GatewayLink
from agent_desktop.jobs import JobRunner
from agent_desktop.store.dto import AgentUser
from agent_desktop.store.inbox_store import InboxStore
from agent_desktop.store.supervision import SupervisorStore
from agent_desktop.supervision import WallboardController
from agent_desktop.telephony.queue_board import QueueBoard, Thresholds
from agent_desktop.telephony.queue_monitor import QueueMonitor
from agent_desktop.views.inbox import InboxView
from agent_desktop.views.role_window import RoleWindow
from agent_desktop.views.statistics import StatisticsView
from agent_desktop.views.wallboard import WallboardView
from agent_desktop.widgets.indicators import DotState
from citizen_center.config import Settings
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.services.reports import ReportOptions
from gateway.client import GatewaySession

SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def thresholds(settings: Settings) -> Thresholds:
    reports = settings.reports
    return Thresholds.from_settings(
        settings.wallboard,
        reports.service_level_seconds,
        reports.service_level_target_percent,
        reports.short_abandon_seconds,
        settings.desktop.wrapup_pause_reason,
    )


def supervisor_store(
    settings: Settings, database: Database, levels: tuple[int, ...]
) -> SupervisorStore:
    options = ReportOptions.from_settings(settings.reports, settings.catalogue.timezone)
    importing = settings.wallboard.import_interval_seconds > 0
    queue_log = settings.reports.resolved_queue_log_path(settings.pbx) if importing else None
    return SupervisorStore(database, options, queue_log, levels)


@dataclass
class SupervisorDesk:
    window: RoleWindow
    wallboard: WallboardView
    statistics: StatisticsView
    controller: WallboardController
    monitor: QueueMonitor
    client: GatewayLink
    jobs: JobRunner

    def start(self) -> None:
        self.controller.start()

    def close(self) -> None:
        # The controller (and its timers) are children of the window: a test harness that
        # deleted the window took them along, but the AMI client (no parent) still runs.
        if shiboken6.isValid(self.controller):
            self.controller.stop()
        else:
            self.client.stop()
        self.jobs.wait(10000)
        if shiboken6.isValid(self.window):
            self.window.close()


def build_supervisor(
    settings: Settings, database: Database, user: AgentUser, session: GatewaySession
) -> SupervisorDesk:
    """Wire the supervisor's desktop (not shown, not started: call ``start``)."""
    desktop, limits = settings.desktop, thresholds(settings)
    client = GatewayLink.from_settings(desktop, session)
    jobs = JobRunner()
    store = supervisor_store(settings, database, limits.service_level_seconds)
    monitor = QueueMonitor(client, QueueBoard(limits, settings.catalogue.timezone))
    title = QCoreApplication.translate("RoleWindow", "Central 156 — Supervision")
    window = RoleWindow(title, user.full_name, with_pbx=True)
    wallboard = WallboardView(limits.service_level_seconds, desktop.pause_reasons, window)
    statistics = StatisticsView(store, jobs, settings.reports.service_level_target_percent, window)
    window.add_tab(wallboard, QCoreApplication.translate("RoleWindow", "Queue board"), "F5")
    window.add_tab(statistics, QCoreApplication.translate("RoleWindow", "Statistics"), "F6")
    window.bar.database.set_state(DotState.OK, QCoreApplication.translate("RoleWindow", "Database"))
    controller = WallboardController(
        window, wallboard, client, monitor, jobs, store, settings.wallboard
    )
    return SupervisorDesk(window, wallboard, statistics, controller, monitor, client, jobs)


@dataclass
class InboxDesk:
    window: RoleWindow
    inbox: InboxView
    jobs: JobRunner

    def start(self) -> None:
        self.inbox.start()

    def close(self) -> None:
        self.jobs.wait(10000)
        if shiboken6.isValid(self.window):
            self.window.close()


def build_inbox(database: Database, user: AgentUser) -> InboxDesk:
    jobs = JobRunner()
    title = QCoreApplication.translate("RoleWindow", "Central 156 — Secretariat inbox")
    window = RoleWindow(title, user.full_name, with_pbx=False)
    view = InboxView(InboxStore(database, user.id), jobs, window)
    window.add_tab(view, QCoreApplication.translate("RoleWindow", "Inbox"), "F2")
    window.bar.database.set_state(DotState.OK, QCoreApplication.translate("RoleWindow", "Database"))
    return InboxDesk(window, view, jobs)
