"""The agent desktop against the real Asterisk: screen pop, request, wrap-up, pause, restart,
drafts. Most tests script the IVR's decision with the stand-in ``fastagi`` (``ivr_route``), to
control exactly what the pop must show; the last one goes through the real IVR (speech heard
by Whisper, routed by the call flow) to the pop.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from agent_desktop.app import Desk
from agent_desktop.gateway_link import ConnectionState
from agent_desktop.store.dto import AgentUser
from agent_desktop.telephony.agent_phone import Phase
from agent_desktop.telephony.call_context import CallContext
from agent_desktop.views.main_window import WorkTab
from agent_desktop.views.request_search import RequestSearchView
from agent_desktop.widgets.indicators import DotState
from citizen_center.db import Database
from citizen_center.domain.deadlines import expected_at
from citizen_center.domain.identifiers import complete_cpf, format_cpf
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Role, Status
from citizen_center.models import Call, RequestEvent, ServiceRequest
from citizen_center.services import citizens, requests, users
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import DEFAULT_POLICY, Actor
from demo.simulate import place_call
from ivr.speech.caller_voice import CallerVoice, Utterance
from pbx.channel_vars import ChannelVar
from tests.desktop.desks import (
    PASSWORD,
    QUEUE,
    SILENT_PHONE,
    Gateways,
    agent_interface,
    asterisk_down,
    desk_settings,
    logged_in_desk,
    next_agent_number,
    open_desk,
    queue_log_paused,
    queue_members,
)
from tests.fixtures.asterisk import RunningPbx, unique_caller_number
from tests.fixtures.fastagi import AgiChannel, FakeFastAgiServer
from tests.fixtures.gateway import NOWHERE
from tests.fixtures.ivr import CitizenCaller, IvrUnderTest, Reply

pytestmark = pytest.mark.slow

SAID = "tem um buraco na minha rua"


@pytest.fixture
def ivr_route(fastagi: FakeFastAgiServer) -> Iterator[dict[str, str]]:
    """What "the IVR" sets before queueing (the stand-in: the test writes the variables)."""
    variables: dict[str, str] = {
        ChannelVar.TEXT: SAID,
        ChannelVar.INTENT: "new_request",
        ChannelVar.SERVICE: "VIA-BURACO",
        ChannelVar.CONFIDENCE: "0.91",
    }

    def main_menu(channel: AgiChannel) -> None:
        for name, value in variables.items():
            channel.set_variable(ChannelVar(name).set_name, value)
        channel.set_variable(ChannelVar.ROUTE, QUEUE)

    fastagi.handlers["main-menu"] = main_menu
    yield variables


def test_call_pops_context_and_history_request_then_enforced_wrapup(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    known_citizen: tuple[int, str, str],
    ivr_route: dict[str, str],
    desk_factory: list[Desk],
) -> None:
    citizen_id, phone, old_number = known_citizen
    desk = logged_in_desk(qtbot, gateways, tmp_path, database, agent, desk_factory, talk_seconds=12)
    window = desk.window
    with qtbot.waitSignal(desk.controller.screenPopDrawn, timeout=20000) as popped:
        place_call(
            pbx.settings,
            SAID,
            caller_number=phone,
            lead_seconds=0.3,
            hold_seconds=40,
            folder=tmp_path,
        )
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
        saved = session.scalar(select(ServiceRequest).where(ServiceRequest.number == detail.number))
        assert saved is not None and saved.secretariat.code == "SMSUrb"
        assert saved.citizen_id == citizen_id and saved.focal_point is not None
        service = saved.service_type
        assert saved.expected_at == expected_at(
            saved.created_at, requests.deadline_of(service, DEFAULT_POLICY), DEFAULT_POLICY.tz
        )
        assert saved.status.value == "forwarded"

    qtbot.waitUntil(lambda: desk.phone.phase is Phase.WRAPUP, timeout=20000)
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)
    assert desk.phone.status.reason == "pós-atendimento"
    assert window.current_tab() is WorkTab.WRAPUP
    window.wrapup.finish.click()  # no code chosen: refused, still in wrap-up and paused
    assert (
        "code" in window.wrapup.message.text().lower()
        or "código" in window.wrapup.message.text().lower()
    )
    assert desk.phone.phase is Phase.WRAPUP
    assert window.wrapup.choose("Solicitação registrada")
    with qtbot.waitSignal(desk.controller.wrapupSaved, timeout=10000):
        window.wrapup.finish.click()
    qtbot.waitUntil(lambda: not desk.phone.status.paused, timeout=5000)
    assert window.current_tab() is WorkTab.REQUEST
    with database.transaction() as session:
        call = session.scalar(select(Call).where(Call.agent_id == agent.id))
        assert call is not None and call.caller_number == f"+55{phone}"
        assert call.wrapup_code == "Solicitação registrada"
        assert call.agent_id == agent.id
        assert [link.request.number for link in call.request_links] == [detail.number]


def test_the_agent_hangs_up_their_own_call_from_the_desktop(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    ivr_route: dict[str, str],
    desk_factory: list[Desk],
) -> None:
    """The phone would talk for a minute: the button ends the call now, through the gateway
    (which allows an agent to hang up only the call connected to them), and wrap-up starts."""
    desk = logged_in_desk(qtbot, gateways, tmp_path, database, agent, desk_factory, talk_seconds=60)
    place_call(
        pbx.settings,
        SAID,
        caller_number=unique_caller_number(),
        lead_seconds=0.3,
        hold_seconds=90,
        folder=tmp_path,
    )
    qtbot.waitUntil(lambda: desk.phone.phase is Phase.TALKING, timeout=20000)
    button = desk.window.call_panel.hang_up
    assert button.isVisible()
    began = time.monotonic()
    button.click()
    qtbot.waitUntil(lambda: desk.phone.phase is Phase.WRAPUP, timeout=10000)
    assert time.monotonic() - began < 10
    assert not button.isVisible()


def test_pause_reason_reaches_queue_log(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    desk_factory: list[Desk],
) -> None:
    desk = logged_in_desk(qtbot, gateways, tmp_path, database, agent, desk_factory)
    bar = desk.window.bar
    bar.reasons.setCurrentText("Treinamento")
    bar.pause.click()
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)
    assert desk.phone.status.reason == "Treinamento"
    assert "Treinamento" in bar.state.text()

    qtbot.waitUntil(lambda: queue_log_paused(pbx, "Treinamento", agent.full_name), timeout=5000)
    bar.pause.click()
    qtbot.waitUntil(lambda: not desk.phone.status.paused, timeout=5000)


def test_request_draft_survives_an_app_restart(
    qtbot: QtBot,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
) -> None:
    settings = desk_settings(NOWHERE, tmp_path)
    # No gateway at this address: the desktop must still work, showing that the PBX is offline.
    first = open_desk(qtbot, settings, database, agent, agent_interface(1), offline=True)
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

    second = open_desk(qtbot, settings, database, agent, agent_interface(1), offline=True)
    again = second.window.request_form
    qtbot.waitUntil(lambda: again.description.toPlainText() != "", timeout=5000)
    assert again.description.toPlainText() == "Poste apagado há uma semana"
    assert again.address.street.text() == "Rua Voluntários da Pátria"
    assert again.search.text() == "lampada"
    second.close()
    first.close()


@pytest.mark.faults
def test_asterisk_restart_reconnects_and_resynchronises(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    desk_factory: list[Desk],
) -> None:
    desk = logged_in_desk(qtbot, gateways, tmp_path, database, agent, desk_factory)
    desk.phone.pause("Backoffice")
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)

    with asterisk_down(qtbot, pbx, desk.client):
        assert desk.window.pbx_banner.isVisible()
        assert desk.window.bar.pbx.state is DotState.BAD
    # Asterisk forgets pauses and (without its astdb) members: the desktop puts them back.
    with qtbot.waitSignal(desk.phone.synced, timeout=20000):
        pass
    qtbot.waitUntil(lambda: desk.client.state is ConnectionState.CONNECTED, timeout=5000)
    assert not desk.window.pbx_banner.isVisible()
    mine = queue_members(pbx, QUEUE, desk.phone.interface)
    assert len(mine) == 1
    assert mine[0].get("Paused") == "1" and mine[0].get("PausedReason") == "Backoffice"


@pytest.mark.faults
def test_restarting_asterisk_and_then_the_gateway_the_desktop_comes_back_by_itself(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    desk_factory: list[Desk],
) -> None:
    """The desktop keeps its session token across a restart of the gateway: no new login, and
    its member and pause are back in the restarted Asterisk."""
    desk = logged_in_desk(qtbot, gateways, tmp_path, database, agent, desk_factory)
    desk.phone.pause("Backoffice")
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)
    with asterisk_down(qtbot, pbx, desk.client):
        pass
    gateways.restart(database)
    with qtbot.waitSignal(desk.phone.synced, timeout=20000):
        pass
    qtbot.waitUntil(lambda: desk.client.state is ConnectionState.CONNECTED, timeout=5000)
    assert not desk.window.pbx_banner.isVisible()
    mine = queue_members(pbx, QUEUE, desk.phone.interface)
    assert len(mine) == 1
    assert mine[0].get("Paused") == "1" and mine[0].get("PausedReason") == "Backoffice"


def test_a_spoken_call_through_the_real_ivr_pops_with_what_the_ivr_understood(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    caller_voice: CallerVoice,
    desk_factory: list[Desk],
) -> None:
    """The real IVR (Whisper) hears the citizen, queues the call, the agent's desktop pops."""
    with real_ivr.database.transaction() as session:
        user = users.create_user(
            session,
            username=f"agente.ivr{next_agent_number()}",
            full_name="Bia Atendente",
            role=Role.AGENT,
            password=PASSWORD,
        )
        agent = AgentUser(user.id, user.username, user.full_name, user.role, "")
    desk = logged_in_desk(
        qtbot,
        gateways,
        tmp_path,
        real_ivr.database,
        agent,
        desk_factory,
        talk_seconds=3,
        queues="servicos-urbanos",
    )
    speech = caller_voice.speak(Utterance("tem um buraco enorme na minha rua"))
    with qtbot.waitSignal(desk.controller.screenPopDrawn, timeout=90000):
        citizen_call.call([Reply("listen", say=speech)])
    panel = desk.window.call_panel
    assert "buraco" in panel.said.text().lower()
    assert "Buraco na via" in panel.service.text()
    assert desk.window.request_form.selected is not None
    assert desk.window.request_form.selected.code == "VIA-BURACO"


def test_missed_ring_is_shown_and_pauses_the_agent_in_asterisk(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    ivr_route: dict[str, str],
    desk_factory: list[Desk],
) -> None:
    """A phone that rings through the queue's member timeout (15 s) without answering:
    AgentRingNoAnswer → the missed call on screen, and the agent paused in Asterisk."""
    desk = logged_in_desk(
        qtbot, gateways, tmp_path, database, agent, desk_factory, phone=SILENT_PHONE
    )
    caller = unique_caller_number()
    with qtbot.waitSignal(desk.phone.callOffered, timeout=20000):
        place_call(
            pbx.settings,
            SAID,
            caller_number=caller,
            lead_seconds=0.3,
            hold_seconds=18,
            folder=tmp_path,
        )
    with qtbot.waitSignal(desk.phone.ringMissed, timeout=25000) as missed:
        pass
    call = missed.args[0] if missed.args else None
    assert isinstance(call, CallContext) and call.caller_number.endswith(caller)
    assert desk.phone.phase is Phase.IDLE
    notice = desk.window.notice
    # The tests run without the app's translator: English source or its pt-BR translation.
    assert notice.isVisible() and (
        "Missed call" in notice.label.text() or "Chamada não atendida" in notice.label.text()
    )
    assert caller in notice.label.text()
    reason = desk.phone.settings.missed_ring_pause_reason
    qtbot.waitUntil(lambda: desk.phone.status.paused, timeout=5000)
    assert desk.phone.status.reason == reason == "chamada perdida"
    assert reason in desk.window.bar.state.text()
    mine = queue_members(pbx, QUEUE, desk.phone.interface)
    assert [(m.get("Paused"), m.get("PausedReason")) for m in mine] == [("1", reason)]
    qtbot.waitUntil(lambda: queue_log_paused(pbx, reason, agent.full_name), timeout=5000)
    # The caller is still waiting (nobody else is in the queue): gone before the next test.
    qtbot.waitUntil(lambda: not queue_callers(pbx, QUEUE, caller), timeout=15000)


def queue_callers(pbx: RunningPbx, queue: str, caller: str) -> bool:
    with pbx.ami_client(events="off") as client:
        _response, events = client.list_action("QueueStatus", Queue=queue)
    return any(
        e.get("Event") == "QueueEntry" and e.get("CallerIDNum").endswith(caller) for e in events
    )


SEEDED_CPF = complete_cpf("529982247")


@pytest.fixture
def resolved_request(database: Database) -> tuple[str, str, str]:
    """A citizen with a CPF and a phone, and their resolved request: (number, phone, CPF)."""
    phone = unique_caller_number()
    actor = Actor.system("test")
    with database.transaction() as session:
        citizen = citizens.register_citizen(
            session,
            CitizenInput(name="Maria Aparecida Souza", cpf=SEEDED_CPF, phones=[phone]),
            actor,
        )
        request = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="phone",
            actor=actor,
            citizen_id=citizen.id,
            address=AddressInput(street="Rua da República", house_number="300"),
        )
        requests.change_status(session, request, Status.RESOLVED, actor, "Buraco tapado.")
        return request.number, phone, SEEDED_CPF


def stored_status(database: Database, number: str) -> Status:
    with database.transaction() as session:
        return requests.get_request(session, number).status


def search_for(qtbot: QtBot, view: RequestSearchView, typed: str, number: str) -> None:
    """Type ``typed`` in the search box as the agent does, press Enter, open ``number``."""
    view.query.clear()
    qtbot.keyClicks(view.query, typed)  # type: ignore[no-untyped-call]
    qtbot.keyClick(view.query, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: [m.number for m in view.model.rows] == [number], timeout=5000)
    # Every job reported (a result arriving after the window is gone would hit a dead widget).
    qtbot.waitUntil(
        lambda: view.services.jobs.idle
        and view.current is not None
        and view.current.number == number,
        timeout=5000,
    )


def test_search_note_and_reopen_through_the_request_search_view(
    qtbot: QtBot,
    pbx: RunningPbx,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    resolved_request: tuple[str, str, str],
    desk_factory: list[Desk],
) -> None:
    number, phone, cpf = resolved_request
    # The search needs no PBX.
    desk = open_desk(
        qtbot, desk_settings(NOWHERE, tmp_path), database, agent, agent_interface(1), offline=True
    )
    desk_factory.append(desk)
    view = desk.window.search
    desk.window.show_search()
    assert desk.window.current_tab() is WorkTab.SEARCH
    for typed in (
        format_protocol_number(number),
        f"({phone[:2]}) {phone[2:7]}-{phone[7:]}",
        format_cpf(cpf),
    ):
        search_for(qtbot, view, typed, number)
    assert view.add_note.isEnabled() and view.reopen.isEnabled()

    view.note.setText("Cidadã ligou: o buraco voltou")  # (QTest types ASCII only)
    view.add_note.click()
    qtbot.waitUntil(lambda: view.note.text() == "", timeout=5000)
    assert "Cidadã ligou: o buraco voltou" in view.detail.toPlainText()

    view.reopen.click()  # no reason: refused, in pt-BR, nothing changes
    qtbot.waitUntil(lambda: view.message.text() == "Informe o motivo.", timeout=5000)
    assert stored_status(database, number) is Status.RESOLVED

    view.reason.setText("O buraco reabriu depois da chuva")
    view.reopen.click()
    qtbot.waitUntil(
        lambda: view.current is not None and view.current.status is not Status.RESOLVED,
        timeout=5000,
    )
    assert view.reason.text() == ""
    # Reopened, and sent back to the secretariat at once with the reason.
    assert stored_status(database, number) is Status.FORWARDED
    with database.transaction() as session:
        saved = session.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
        assert saved is not None and saved.reopen_count == 1
        events = session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == saved.id)
            .order_by(RequestEvent.id)
        ).all()
        by_agent = [(e.from_status, e.to_status, e.note) for e in events if e.actor_id == agent.id]
    assert by_agent == [
        (Status.RESOLVED, Status.RESOLVED, "Cidadã ligou: o buraco voltou"),
        (Status.RESOLVED, Status.REOPENED, "O buraco reabriu depois da chuva"),
        (Status.REOPENED, Status.FORWARDED, "Reaberto: O buraco reabriu depois da chuva"),
    ]
    assert view.current is not None and view.current.status is Status.FORWARDED
