"""The agent desktop against the real Asterisk: screen pop, request, wrap-up, pause, restart,
drafts. Most tests script the IVR's decision with the stand-in ``fastagi`` (``ivr_route``), to
control exactly what the pop must show; the last one goes through the real IVR (speech heard
by Whisper, routed by the call flow) to the pop.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from agent_desktop.app import Desk, build_desk, make_services
from agent_desktop.pbx.agent_phone import Phase
from agent_desktop.pbx.qt_ami import AmiEndpoint, ConnectionState
from agent_desktop.store.dto import AgentUser
from citizen_center.config import DesktopSettings, IvrSettings, Settings, load_settings
from citizen_center.db import Database
from citizen_center.domain.deadlines import expected_at
from citizen_center.domain.workflow import Role
from citizen_center.models import Call, ServiceRequest, utcnow
from citizen_center.services import citizens, requests, users
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import DEFAULT_POLICY, Actor
from ivr.pbx import process
from ivr.pbx.simulate import place_call
from ivr.speech.caller_voice import CallerVoice, Utterance
from tests.fixtures.asterisk import RunningPbx
from tests.fixtures.databases import fresh_database_url
from tests.fixtures.fastagi import AgiChannel, FakeFastAgiServer
from tests.fixtures.ivr import CitizenCaller, IvrUnderTest, Reply

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

PASSWORD = "senha-do-agente"
QUEUE = "geral"
SAID = "tem um buraco na minha rua"
_agent_ids = itertools.count(random.randrange(100, 900) * 10)


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = next(fresh_database_url("sqlite", request, tmp_path))
    db = Database.from_url(url)
    yield db
    db.dispose()


@pytest.fixture
def agent(database: Database) -> AgentUser:
    with database.transaction() as session:
        user = users.create_user(session, username="agente.teste", full_name="Ana Atendente",
                                 role=Role.AGENT, password=PASSWORD)
        return AgentUser(user.id, user.username, user.full_name, user.role, "")


@pytest.fixture
def known_citizen(database: Database) -> tuple[int, str, str]:
    """A citizen with a late request from last year: (id, phone, that request's number)."""
    phone = f"5199{random.randrange(10**7):07d}"
    actor = Actor.system("test")
    with database.transaction() as session:
        citizen = citizens.register_citizen(session, CitizenInput(
            name="João da Silva Pereira", phones=[phone],
            addresses=[AddressInput(street="Avenida Ipiranga", house_number="1200",
                                    neighbourhood="Azenha")]), actor)
        old = requests.open_request(
            session, service_code="ILUM-APAGADA", channel="phone", actor=actor,
            citizen_id=citizen.id, address=AddressInput(street="Avenida Ipiranga"),
            now=utcnow() - timedelta(days=200))
        return citizen.id, phone, old.number


@pytest.fixture
def ivr_route(fastagi: FakeFastAgiServer) -> Iterator[dict[str, str]]:
    """What "the IVR" sets before queueing (the stand-in: the test writes the variables)."""
    variables = {"C156_TEXT": SAID, "C156_INTENT": "new_request", "C156_SERVICE": "VIA-BURACO",
                 "C156_CONFIDENCE": "0.91"}

    def main_menu(channel: AgiChannel) -> None:
        for name, value in variables.items():
            channel.set_variable(f"__{name}", value)
        channel.set_variable("C156_ROUTE", QUEUE)

    fastagi.handlers["main-menu"] = main_menu
    yield variables


def desk_settings(pbx: RunningPbx, tmp_path: Path, queues: str = QUEUE) -> Settings:
    desktop = DesktopSettings(queues=queues, drafts_dir=str(tmp_path / "drafts"),
                              ping_interval=1.0, ping_timeout=1.0, reconnect_min_delay=0.2,
                              reconnect_max_delay=1.0)
    return replace(load_settings(), pbx=pbx.settings, desktop=desktop)


def agent_interface(talk_seconds: int) -> str:
    """An auto-answering phone of the lab dialplan (tests/fixtures/extensions_lab.conf)."""
    return f"Local/a{next(_agent_ids):04d}t{talk_seconds}@c156-test-agent/n"


def open_desk(qtbot: QtBot, settings: Settings, database: Database, agent: AgentUser,
              interface: str, endpoint: AmiEndpoint | None = None) -> Desk:
    services = make_services(settings, database, agent.username)
    services.store.login(agent.username, PASSWORD)
    desk = build_desk(settings, services, agent, interface, endpoint)
    qtbot.addWidget(desk.window)
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.controller.start()
    return desk


@pytest.fixture
def desk_factory(qtbot: QtBot) -> Iterator[list[Desk]]:
    opened: list[Desk] = []
    yield opened
    for desk in opened:
        desk.phone.leave_queues()
        qtbot.wait(200)
        desk.close()


def logged_in_desk(qtbot: QtBot, pbx: RunningPbx, tmp_path: Path, database: Database,
                   agent: AgentUser, opened: list[Desk], talk_seconds: int = 6,
                   queues: str = QUEUE) -> Desk:
    desk = open_desk(qtbot, desk_settings(pbx, tmp_path, queues), database, agent,
                     agent_interface(talk_seconds))
    opened.append(desk)
    qtbot.waitUntil(lambda: desk.phone.status.logged_in and not desk.phone.status.paused,
                    timeout=10000)
    return desk


def test_call_pops_context_and_history_request_then_enforced_wrapup(
    qtbot: QtBot, pbx: RunningPbx, tmp_path: Path, database: Database, agent: AgentUser,
    known_citizen: tuple[int, str, str], ivr_route: dict[str, str], desk_factory: list[Desk],
) -> None:
    citizen_id, phone, old_number = known_citizen
    desk = logged_in_desk(qtbot, pbx, tmp_path, database, agent, desk_factory, talk_seconds=12)
    window = desk.window
    with qtbot.waitSignal(desk.controller.screenPopDrawn, timeout=20000) as popped:
        place_call(pbx.settings, SAID, caller_number=phone, lead_seconds=0.3, hold_seconds=40,
                   folder=tmp_path)
    assert popped.args is not None and popped.args[1] < 2000
    panel = window.call_panel
    assert SAID in panel.said.text() and "91%" in panel.service.text()
    assert "Buraco na via" in panel.service.text()
    assert "João da Silva Pereira" in panel.citizen_label.text()
    assert panel.requests_model.rowCount() == 1
    assert panel.requests_model.rows[0].number == old_number and panel.requests_model.rows[0].late
    qtbot.waitUntil(lambda: desk.phone.phase is Phase.TALKING, timeout=10000)

    form = window.request_form
    assert form.selected is not None and form.selected.code == "VIA-BURACO"
    form.address.street.setText("Rua da República")
    form.address.house_number.setText("300")
    form.description.setPlainText("Buraco grande em frente ao número 300")
    with qtbot.waitSignal(form.registered, timeout=10000) as registered:
        form.submit.click()
    detail = registered.args[0] if registered.args else None
    assert detail is not None and form.protocol.isVisible()
    assert form.protocol.number.text().startswith(f"{detail.number[:4]}-")
    with database.transaction() as session:
        saved = session.scalar(select(ServiceRequest).where(ServiceRequest.number ==
                                                            detail.number))
        assert saved is not None and saved.secretariat.code == "SMSUrb"
        assert saved.citizen_id == citizen_id and saved.focal_point is not None
        service = saved.service_type
        assert saved.expected_at == expected_at(
            saved.created_at, requests.deadline_of(service, DEFAULT_POLICY), DEFAULT_POLICY.tz)
        assert saved.status.value == "forwarded"

    qtbot.waitUntil(lambda: desk.phone.phase is Phase.WRAPUP, timeout=20000)
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)
    assert desk.phone.status.reason == "pós-atendimento"
    window.wrapup.finish.click()  # no code chosen: refused, still in wrap-up and paused
    assert "code" in window.wrapup.message.text().lower() or "código" in \
        window.wrapup.message.text().lower()
    assert desk.phone.phase is Phase.WRAPUP
    assert window.wrapup.choose("Solicitação registrada")
    with qtbot.waitSignal(desk.controller.wrapupSaved, timeout=10000):
        window.wrapup.finish.click()
    qtbot.waitUntil(lambda: not desk.phone.status.paused, timeout=5000)
    with database.transaction() as session:
        call = session.scalar(select(Call).where(Call.agent_id == agent.id))
        assert call is not None and call.caller_number == f"+55{phone}"
        assert call.wrapup_code == "Solicitação registrada"
        assert call.agent_id == agent.id
        assert [link.request.number for link in call.request_links] == [detail.number]


def test_pause_reason_reaches_queue_log(
    qtbot: QtBot, pbx: RunningPbx, tmp_path: Path, database: Database, agent: AgentUser,
    desk_factory: list[Desk],
) -> None:
    desk = logged_in_desk(qtbot, pbx, tmp_path, database, agent, desk_factory)
    bar = desk.window.bar
    bar.reasons.setCurrentText("Treinamento")
    bar.pause.click()
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)
    assert desk.phone.status.reason == "Treinamento"
    assert "Treinamento" in bar.state.text()

    def logged() -> bool:
        lines = pbx.layout.queue_log.read_text(errors="replace").splitlines()
        return any("|PAUSE" in line and "Treinamento" in line and agent.full_name in line
                   for line in lines)

    qtbot.waitUntil(logged, timeout=5000)
    bar.pause.click()
    qtbot.waitUntil(lambda: not desk.phone.status.paused, timeout=5000)


def test_request_draft_survives_an_app_restart(
    qtbot: QtBot, pbx: RunningPbx, tmp_path: Path, database: Database, agent: AgentUser,
) -> None:
    settings = desk_settings(pbx, tmp_path)
    # No PBX at this address: the desktop must still work, showing that the PBX is offline.
    nowhere = AmiEndpoint("127.0.0.1", 9, "c156-desktop", "x")
    first = open_desk(qtbot, settings, database, agent, agent_interface(1), nowhere)
    form = first.window.request_form
    qtbot.waitUntil(lambda: form.model.rowCount() > 0, timeout=5000)
    qtbot.keyClicks(form.search, "lampada")  # type: ignore[no-untyped-call]
    form.address.street.setText("Rua Voluntários da Pátria")
    qtbot.keyClicks(form.description, "Poste apagado")  # type: ignore[no-untyped-call]
    form.description.insertPlainText(" há uma semana")
    qtbot.waitUntil(lambda: first.client.state is ConnectionState.RETRYING, timeout=5000)
    assert first.window.pbx_banner.isVisible()
    qtbot.wait(500)  # the draft is written 300 ms after the last keystroke
    first.client.stop()  # the app "crashes": nothing is discarded
    first.window.hide()

    second = open_desk(qtbot, settings, database, agent, agent_interface(1), nowhere)
    again = second.window.request_form
    qtbot.waitUntil(lambda: again.description.toPlainText() != "", timeout=5000)
    assert again.description.toPlainText() == "Poste apagado há uma semana"
    assert again.address.street.text() == "Rua Voluntários da Pátria"
    assert again.search.text() == "lampada"
    second.close()
    first.close()


def test_asterisk_restart_reconnects_and_resynchronises(
    qtbot: QtBot, pbx: RunningPbx, tmp_path: Path, database: Database, agent: AgentUser,
    desk_factory: list[Desk],
) -> None:
    desk = logged_in_desk(qtbot, pbx, tmp_path, database, agent, desk_factory)
    desk.phone.pause("Backoffice")
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)

    process.stop(pbx.settings)
    qtbot.waitUntil(lambda: desk.client.state is ConnectionState.RETRYING, timeout=10000)
    assert desk.window.pbx_banner.isVisible()
    assert desk.window.bar.pbx.state == "bad"
    process.start(pbx.settings, IvrSettings(), pbx.install)
    # Asterisk forgets pauses and (without its astdb) members: the desktop puts them back.
    with qtbot.waitSignal(desk.phone.synced, timeout=20000):
        pass
    qtbot.waitUntil(lambda: desk.client.state is ConnectionState.CONNECTED, timeout=5000)
    assert not desk.window.pbx_banner.isVisible()
    with pbx.ami_client(events="off") as client:
        _response, members = client.list_action("QueueStatus", Queue=QUEUE,
                                                 Member=desk.phone.interface)
    mine = [m for m in members if m.get("Event") == "QueueMember"]
    assert len(mine) == 1
    assert mine[0].get("Paused") == "1" and mine[0].get("PausedReason") == "Backoffice"


def test_a_spoken_call_through_the_real_ivr_pops_with_what_the_ivr_understood(
    qtbot: QtBot, pbx: RunningPbx, tmp_path: Path, real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller, caller_voice: CallerVoice, desk_factory: list[Desk],
) -> None:
    """The real IVR (Whisper) hears the citizen, queues the call, the agent's desktop pops."""
    with real_ivr.database.transaction() as session:
        user = users.create_user(session, username=f"agente.ivr{next(_agent_ids)}",
                                 full_name="Bia Atendente", role=Role.AGENT, password=PASSWORD)
        agent = AgentUser(user.id, user.username, user.full_name, user.role, "")
    desk = logged_in_desk(qtbot, pbx, tmp_path, real_ivr.database, agent, desk_factory,
                          talk_seconds=3, queues="servicos-urbanos")
    speech = caller_voice.speak(Utterance("tem um buraco enorme na minha rua"))
    with qtbot.waitSignal(desk.controller.screenPopDrawn, timeout=90000):
        citizen_call.call([Reply("listen", say=speech)])
    panel = desk.window.call_panel
    assert "buraco" in panel.said.text().lower()
    assert "Buraco na via" in panel.service.text()
    assert desk.window.request_form.selected is not None
    assert desk.window.request_form.selected.code == "VIA-BURACO"
