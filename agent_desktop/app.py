"""Building and running the desktop: settings → store, AMI client, agent phone, window.

``build_desk`` is what both ``central156 desktop`` and the tests use, so the tests drive the
very objects an agent gets.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QDialog

from agent_desktop.controller import DeskController
from agent_desktop.jobs import JobRunner
from agent_desktop.pbx.agent_phone import AgentPhone
from agent_desktop.pbx.qt_ami import AmiEndpoint, Backoff, QtAmiClient
from agent_desktop.roles import (
    SUPERVISOR_ROLES,
    InboxDesk,
    SupervisorDesk,
    build_inbox,
    build_supervisor,
)
from agent_desktop.store.drafts import DraftStore
from agent_desktop.store.dto import AgentUser
from agent_desktop.store.service import DesktopStore
from agent_desktop.views.common import DeskServices
from agent_desktop.views.login_dialog import LoginDialog
from agent_desktop.views.main_window import MainWindow
from citizen_center.config import DesktopSettings, PbxSettings, Settings
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.services.common import Policy
from ivr.pbx.render import RuntimeLayout, SecretStore

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).with_name("i18n")
PASSWORD_ENV = "CENTRAL156_DESKTOP_PASSWORD"


@dataclass
class Desk:
    """One running desktop (what an agent sees) and its parts."""

    window: MainWindow
    controller: DeskController
    client: QtAmiClient
    phone: AgentPhone
    services: DeskServices
    agent: AgentUser

    def close(self) -> None:
        self.client.stop()
        self.services.jobs.wait(10000)
        if shiboken6.isValid(self.window):  # a test harness may have deleted it already
            self.window.close()


def desktop_ami_endpoint(pbx: PbxSettings, desktop: DesktopSettings) -> AmiEndpoint:
    """The desktops' AMI user; its secret from the settings or the local PBX's secret store."""
    secret = desktop.ami_secret
    if not secret:
        store = SecretStore(RuntimeLayout(pbx.resolved_runtime_dir()).secrets_file)
        secret = store.get(f"ami-{desktop.ami_user}")
    return AmiEndpoint(pbx.host, pbx.ami_port, desktop.ami_user, secret)


def install_translator(app: QApplication, language: str) -> None:
    """pt-BR texts from the compiled .qm (the sources are English, the fallback), plus Qt's own
    translations for standard buttons."""
    if language.startswith("en"):
        return
    for folder, name in ((str(I18N_DIR), f"central156_{language}"),
                         (QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
                          f"qtbase_{language}")):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
        else:
            log.warning("translation %s not found in %s", name, folder)
    QLocale.setDefault(QLocale(language))


def make_services(settings: Settings, database: Database, agent_name: str = "") -> DeskServices:
    drafts = DraftStore(settings.desktop.resolved_drafts_dir() / (agent_name or "_"))
    store = DesktopStore(database, Policy.from_settings(settings.catalogue))
    return DeskServices(store, JobRunner(), drafts)


def build_desk(settings: Settings, services: DeskServices, agent: AgentUser,
               interface: str, endpoint: AmiEndpoint | None = None) -> Desk:
    """Wire a logged-in agent's desktop (not shown, not started: call ``start``)."""
    desktop = settings.desktop
    client = QtAmiClient(
        endpoint or desktop_ami_endpoint(settings.pbx, desktop),
        ping_interval=desktop.ping_interval, ping_timeout=desktop.ping_timeout,
        backoff=Backoff(desktop.reconnect_min_delay, desktop.reconnect_max_delay),
    )
    phone = AgentPhone(client, interface, agent.full_name, desktop.queues, desktop)
    window = MainWindow(services, f"{agent.full_name} · {interface}", desktop.pause_reasons,
                        desktop.wrapup_codes)
    controller = DeskController(window, services, client, phone, agent)
    # The agent works in their queues from the start: the first login's resync adds them.
    phone.join_queues()
    return Desk(window, controller, client, phone, services, agent)


def run(settings: Settings, username: str = "", interface: str = "",
        non_interactive: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    install_translator(app, settings.desktop.language)
    database = Database.from_settings(settings)
    services = make_services(settings, database, username)
    agent, phone = _login(services.store, username, interface, non_interactive)
    if agent is None:
        return 1
    if agent.role is not Role.AGENT:
        return _run_role(app, settings, database, agent)
    if username != agent.username:
        services.drafts = DraftStore(settings.desktop.resolved_drafts_dir() / agent.username)
    desk = build_desk(settings, services, agent, phone)
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.controller.start()
    code = app.exec()
    desk.close()
    database.dispose()
    return int(code)


def _run_role(app: QApplication, settings: Settings, database: Database,
              user: AgentUser) -> int:
    """Supervisors and admins get the wallboard and statistics; focal points their inbox."""
    desk: SupervisorDesk | InboxDesk = (
        build_supervisor(settings, database, user) if user.role in SUPERVISOR_ROLES
        else build_inbox(database, user))
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.start()
    code = app.exec()
    desk.close()
    database.dispose()
    return int(code)


def _login(store: DesktopStore, username: str, interface: str,
           non_interactive: bool) -> tuple[AgentUser | None, str]:
    password = os.environ.get(PASSWORD_ENV, "")
    if non_interactive or (username and password):
        agent = store.login(username, password)
        return agent, interface or agent.phone_interface
    dialog = LoginDialog(store, username, interface)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
        return None, ""
    return dialog.user, dialog.chosen_interface()
