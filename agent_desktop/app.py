"""Building and running the desktop: settings → login at the gateway → store, gateway link,
agent phone, window.

``build_desk`` is what both ``central156 desktop`` and the tests use, so the tests drive the
very objects an agent gets.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QDialog

from agent_desktop.controller import DeskController
from agent_desktop.gateway_link import GatewayLink
from agent_desktop.jobs import JobRunner
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
from agent_desktop.telephony.agent_phone import AgentPhone
from agent_desktop.views.common import DeskServices
from agent_desktop.views.login_dialog import LoginDialog
from agent_desktop.views.main_window import MainWindow
from citizen_center.config import Settings
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.errors import ValidationError
from citizen_center.services.common import Policy
from gateway.client import GatewayLoginError, GatewaySession, login

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).with_name("i18n")
PASSWORD_ENV = "CENTRAL156_DESKTOP_PASSWORD"


@dataclass
class Desk:
    """One running desktop (what an agent sees) and its parts."""

    window: MainWindow
    controller: DeskController
    client: GatewayLink
    phone: AgentPhone
    services: DeskServices
    agent: AgentUser

    def close(self) -> None:
        self.client.stop()
        self.services.jobs.wait(10000)
        if shiboken6.isValid(self.window):  # a test harness may have deleted it already
            self.window.close()


def sign_in(
    settings: Settings, username: str, password: str, interface: str = ""
) -> tuple[AgentUser, GatewaySession]:
    """Log in at the agent gateway (which checks the password, the lockout and the phone)."""
    session = login(
        settings.gateway.resolved_url(), username, password, interface, settings.gateway.tls_ca_file
    )
    user = session.user
    return AgentUser(
        user.id, user.username, user.full_name, Role(user.role), user.interface
    ), session


def install_translator(app: QApplication, language: str) -> None:
    """pt-BR texts from the compiled .qm (the sources are English, the fallback), plus Qt's own
    translations for standard buttons."""
    if language.startswith("en"):
        return
    for folder, name in (
        (str(I18N_DIR), f"central156_{language}"),
        (QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath), f"qtbase_{language}"),
    ):
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


def build_desk(
    settings: Settings, services: DeskServices, agent: AgentUser, session: GatewaySession
) -> Desk:
    """Wire a logged-in agent's desktop (not shown, not started: call ``start``)."""
    desktop = settings.desktop
    interface = session.user.interface
    client = GatewayLink.from_settings(desktop, session)
    phone = AgentPhone(client, interface, agent.full_name, desktop.queues, desktop)
    window = MainWindow(
        services, f"{agent.full_name} · {interface}", desktop.pause_reasons, desktop.wrapup_codes
    )
    controller = DeskController(window, services, client, phone, agent)
    # The agent works in their queues from the start: the first login's resync adds them.
    phone.join_queues()
    return Desk(window, controller, client, phone, services, agent)


def run(
    settings: Settings, username: str = "", interface: str = "", non_interactive: bool = False
) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    install_translator(app, settings.desktop.language)
    signed_in = _login(settings, username, interface, non_interactive)
    if signed_in is None:
        return 1
    agent, session = signed_in
    database = Database.from_settings(settings)
    if agent.role is not Role.AGENT:
        return _run_role(app, settings, database, agent, session)
    services = make_services(settings, database, agent.username)
    services.store.adopt(agent)
    desk = build_desk(settings, services, agent, session)
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.controller.start()
    code = app.exec()
    desk.close()
    database.dispose()
    return int(code)


def _run_role(
    app: QApplication,
    settings: Settings,
    database: Database,
    user: AgentUser,
    session: GatewaySession,
) -> int:
    """Supervisors and admins get the wallboard and statistics; focal points their inbox."""
    desk: SupervisorDesk | InboxDesk = (
        build_supervisor(settings, database, user, session)
        if user.role in SUPERVISOR_ROLES
        else build_inbox(database, user)
    )
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.start()
    code = app.exec()
    desk.close()
    database.dispose()
    return int(code)


def _login(
    settings: Settings, username: str, interface: str, non_interactive: bool
) -> tuple[AgentUser, GatewaySession] | None:
    password = os.environ.get(PASSWORD_ENV, "")
    if non_interactive or (username and password):
        try:
            return sign_in(settings, username, password, interface)
        except GatewayLoginError as error:
            raise ValidationError(str(error)) from error
    dialog = LoginDialog(partial(sign_in, settings), username, interface)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.signed_in is None:
        return None
    return dialog.signed_in
