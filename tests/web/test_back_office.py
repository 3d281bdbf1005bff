"""A request filed on the citizen page reaches the back office like a phone one: the focal
point's inbox (the service and the real inbox window) and the caller's history on the agent
desktop's screen pop (the desktop's store and its real call panel), with the channel shown."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agent_desktop.roles import build_inbox
from agent_desktop.store.dto import AgentUser
from agent_desktop.store.service import DesktopStore
from agent_desktop.views.call_panel import CallPanel
from citizen_center.db import Database
from citizen_center.domain.workflow import Channel, Role
from citizen_center.services import citizens, inbox, users
from citizen_center.services.citizens import CitizenInput
from citizen_center.services.common import Actor
from tests.fixtures.databases import fresh_database_url
from tests.web.conftest import PROTOCOL, Citizen, jpeg_with_gps, web_settings
from web.server import start_in_thread

CALLER = "(51) 99123-4567"


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    db = Database.from_url(next(fresh_database_url("sqlite", request, tmp_path)))
    yield db
    db.dispose()


def file_on_the_web(database: Database) -> str:
    running = start_in_thread(web_settings(), database)
    try:
        with httpx.Client(base_url=running.url, follow_redirects=True) as client:
            page = Citizen(client).file(
                {
                    "servico": "VIA-BURACO",
                    "rua": "Rua da República",
                    "numero": "500",
                    "bairro": "Cidade Baixa",
                    "descricao": "Buraco na frente do bar.",
                    "nome": "Joana Caller da Silva",
                    "telefone": CALLER,
                },
                photos=[("buraco.jpg", jpeg_with_gps(), "image/jpeg")],
            )
    finally:
        running.stop()
    found = PROTOCOL.search(page.text)
    assert page.status_code == 200 and found, page.text
    return found.group(1).replace("-", "")


@pytest.mark.web  # starts its own server
def test_a_web_request_reaches_the_inbox_and_the_callers_history(
    qtbot: QtBot, database: Database
) -> None:
    with database.transaction() as session:  # she called 156 before: known by her phone
        known = citizens.register_citizen(
            session,
            CitizenInput(name="Joana Caller da Silva", phones=[CALLER]),
            Actor.system("test"),
        ).id
        focal = users.create_user(
            session,
            username="pf.smsurb",
            full_name="Paula Focal",
            role=Role.FOCAL_POINT,
            password="senha-segura-1",
            secretariat_code="SMSUrb",
        )
        focal_point = AgentUser(focal.id, focal.username, focal.full_name, focal.role, "")
    number = file_on_the_web(database)

    with database.transaction() as session:
        assert number in [item.number for item in inbox.inbox(session, focal_point.id)]
    desk = build_inbox(database, focal_point)
    qtbot.addWidget(desk.window)
    desk.window.show()
    try:
        with qtbot.waitSignal(desk.inbox.loaded, timeout=10000):
            desk.start()
        row = next(i for i in desk.inbox.model.rows if i.number == number)
        assert row.street == "Rua da República" and row.description == "Buraco na frente do bar."
    finally:
        desk.close()

    # She calls 156: the screen pop finds her by the caller number, with the web request.
    pop = DesktopStore(database).screen_pop(CALLER, None, "", "")
    assert pop.history is not None and pop.history.citizen.id == known
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.show_history(pop.history)
    model = panel.requests_model
    assert [r.number for r in model.rows] == [number]
    assert model.rows[0].channel is Channel.WEB
    channel_column = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) in ("Channel", "Canal")
    )
    assert model.data(model.index(0, channel_column)) == "Web"
