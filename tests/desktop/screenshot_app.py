"""Run under Xvfb by test_screenshot.py: the desktop in pt-BR during a call, saved as a PNG.

    xvfb-run -a python -m tests.desktop.screenshot_app DATABASE_URL CITIZEN_PHONE OUT.png

The call's queue events are fed to the desktop's ``AgentPhone`` directly (no PBX needed for a
picture); everything else (store, history, request registration) is the real code.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QScrollArea
from sqlalchemy import select

from agent_desktop.app import build_desk, install_translator, make_services
from agent_desktop.store.dto import AgentUser
from agent_desktop.telephony.agent_phone import MemberStatus
from agent_desktop.views.main_window import WorkTab
from agent_desktop.widgets.indicators import DotState
from citizen_center.config import DesktopSettings, load_settings
from citizen_center.db import Database
from citizen_center.models import User
from gateway.protocol import PbxMessage
from pbx.channel_vars import ChannelVar
from tests.fixtures.gateway import offline_session

INTERFACE = "PJSIP/agent-2001"


def queue_event(name: str, phone: str, **extra: str) -> PbxMessage:
    variables = {
        ChannelVar.CALL_ID: "1764400000.42",
        ChannelVar.TEXT: "tem um buraco na minha rua",
        ChannelVar.SERVICE: "VIA-BURACO",
        ChannelVar.CONFIDENCE: "0.91",
        ChannelVar.INTENT: "new_request",
    }
    headers = [
        ("Event", name),
        ("Interface", INTERFACE),
        ("Queue", "servicos-urbanos"),
        ("Uniqueid", "1764400000.42"),
        ("CallerIDNum", phone),
    ]
    headers += [("ChanVariable", f"{k}={v}") for k, v in variables.items()]
    return PbxMessage(tuple(headers + list(extra.items())))


def demo_agent(database: Database) -> AgentUser:
    """The agent the screenshot test created (no login: the picture needs no gateway)."""
    with database.transaction() as session:
        user = session.scalars(select(User).where(User.username == "agente.teste")).one()
        return AgentUser(user.id, user.username, user.full_name, user.role, INTERFACE)


def spin(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main(url: str, phone: str, out: Path) -> None:
    app = QApplication(sys.argv)
    settings = load_settings().replace(
        desktop=DesktopSettings(
            queues=("servicos-urbanos", "geral"), drafts_dir=Path(tempfile.mkdtemp())
        )
    )
    install_translator(app, "pt_BR")
    database = Database.from_url(url)
    services = make_services(settings, database, "screenshot")
    agent = demo_agent(database)
    services.store.adopt(agent)
    # No gateway: the picture shows a call fed to the desktop, not a live PBX.
    desk = build_desk(settings, services, agent, offline_session(agent, INTERFACE))
    desk.window.resize(1366, 768)
    desk.window.move(0, 0)
    desk.window.show()
    desk.controller.start()
    spin(app, 1.0)
    desk.client.stop()  # the picture shows a call, not the (absent) PBX's banner
    desk.window.pbx_banner.hide()
    desk.window.bar.pbx.set_state(DotState.OK, "Central conectada")
    desk.window.bar.show_status(MemberStatus(frozenset({"servicos-urbanos", "geral"})))
    desk.phone._on_event(queue_event("AgentCalled", phone))
    desk.phone._on_event(queue_event("AgentConnect", phone, HoldTime="23"))
    spin(app, 1.5)
    form = desk.window.request_form
    form.address.street.setText("Rua da República")
    form.address.house_number.setText("300")
    form.address.neighbourhood.setText("Cidade Baixa")
    form.description.setPlainText("Buraco grande em frente ao número 300, perigoso para motos.")
    form.submit.click()
    spin(app, 1.5)
    area = desk.window.page(WorkTab.REQUEST)  # the form's scroll area: show the protocol
    assert isinstance(area, QScrollArea)
    area.verticalScrollBar().setValue(10_000)
    desk.window.notice.hide()
    spin(app, 0.5)
    screen = QGuiApplication.primaryScreen()
    out.parent.mkdir(parents=True, exist_ok=True)
    screen.grabWindow(0, 0, 0, 1366, 768).save(str(out))
    desk.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
