"""The supervisor's wallboard against the real Asterisk: a waiting, an answered and an abandoned
call placed through the PBX, a supervisor's pause with a reason on the agent's tile and in
Asterisk's queue_log, and today's counters that do not double count across imports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from agent_desktop.app import Desk, sign_in
from agent_desktop.gateway_link import ConnectionState
from agent_desktop.roles import SupervisorDesk, build_supervisor
from agent_desktop.store.dto import AgentUser
from agent_desktop.telephony.queue_board import AgentState, AgentTile, TodayCounts
from agent_desktop.widgets.indicators import DotState
from citizen_center.config import ReportsSettings, Settings, WallboardSettings, load_settings
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.services import users
from pbx.channel_vars import ChannelVar
from tests.desktop.desks import PASSWORD, Gateways, asterisk_down, logged_in_desk
from tests.fixtures.asterisk import LocalCaller, RunningPbx, SimulatedAgents
from tests.fixtures.fastagi import AgiChannel, FakeFastAgiServer

pytestmark = pytest.mark.slow

QUEUE = "geral"


def board_settings(pbx: RunningPbx, gateway_url: str) -> Settings:
    base = load_settings()
    return base.replace(
        pbx=pbx.settings,
        gateway=base.gateway.replace(url=gateway_url),
        reports=ReportsSettings(queue_log_path=pbx.layout.queue_log),
        wallboard=WallboardSettings(import_interval_seconds=1.0, refresh_ms=500),
        desktop=base.desktop.replace(
            ping_interval=1.0, ping_timeout=1.0, reconnect_min_delay=0.2, reconnect_max_delay=1.0
        ),
    )


@pytest.fixture
def route_to_queue(fastagi: FakeFastAgiServer) -> None:
    def main_menu(channel: AgiChannel) -> None:
        channel.set_variable(ChannelVar.ROUTE, QUEUE)

    fastagi.handlers["main-menu"] = main_menu


@pytest.fixture
def board(
    qtbot: QtBot, pbx: RunningPbx, database: Database, gateways: Gateways
) -> Iterator[SupervisorDesk]:
    """The wallboard of a real supervisor account, logged in at the gateway."""
    with database.transaction() as session:
        users.create_user(
            session,
            username="supervisora",
            full_name="Sara Supervisora",
            role=Role.SUPERVISOR,
            password=PASSWORD,
        )
    settings = board_settings(pbx, gateways.url_for(database))
    user, gateway_session = sign_in(settings, "supervisora", PASSWORD)
    desk = build_supervisor(settings, database, user, gateway_session)
    qtbot.addWidget(desk.window)
    desk.window.resize(1366, 768)
    desk.window.show()
    try:
        # The first "today" figures wait for the import of the session's whole queue_log.
        with qtbot.waitSignals([desk.monitor.synced, desk.controller.todayLoaded], timeout=45000):
            desk.start()
        yield desk
    finally:
        # Also when start-up failed: a half-started desk left to Qt crashes a later test.
        desk.close()


def today(desk: SupervisorDesk) -> TodayCounts:
    return desk.monitor.board.today(QUEUE, desk.monitor.board.clock())


def shown_tile(desk: SupervisorDesk, name: str) -> AgentTile | None:
    return next((t for t in desk.wallboard.model.tiles if t.name == name), None)


def pbx_dot(desk: SupervisorDesk) -> DotState:
    # A call, not the attribute: mypy would keep the first assertion's narrowing for the second.
    return desk.window.bar.pbx.state


def tile_shows(desk: SupervisorDesk, name: str, state: AgentState, detail: str) -> bool:
    tile = shown_tile(desk, name)
    return tile is not None and tile.state is state and tile.detail == detail


def test_wallboard_follows_real_calls_and_supervisor_pause(
    qtbot: QtBot,
    pbx: RunningPbx,
    board: SupervisorDesk,
    local_caller: LocalCaller,
    agents: SimulatedAgents,
    route_to_queue: None,
) -> None:
    before = today(board)
    card = board.wallboard.card(QUEUE)

    local_caller.call(hold_seconds=25)  # nobody in the queue yet: the caller waits
    qtbot.waitUntil(lambda: card.waiting.text() == "1", timeout=15000)
    assert board.wallboard.total.waiting.text() == "1"

    member = agents.add(QUEUE, talk_seconds=2, name="Agente Quadro")
    qtbot.waitUntil(lambda: today(board).answered == before.answered + 1, timeout=15000)
    qtbot.waitUntil(lambda: card.waiting.text() == "0", timeout=5000)
    assert card.answered.text() == str(before.answered + 1)

    # The supervisor pauses the agent from the wallboard, with a reason.
    qtbot.waitUntil(lambda: board.wallboard.select(member.interface), timeout=5000)
    board.wallboard.reason.setCurrentText("Treinamento")
    board.wallboard.pause.click()
    qtbot.waitUntil(
        lambda: tile_shows(board, "Agente Quadro", AgentState.PAUSED, "Treinamento"), timeout=10000
    )
    queue_log = pbx.layout.queue_log
    qtbot.waitUntil(
        lambda: any(
            "|PAUSE|Treinamento" in line and "Agente Quadro" in line
            for line in queue_log.read_text(errors="replace").splitlines()
        ),
        timeout=5000,
    )

    local_caller.call(hold_seconds=2)  # the only agent is paused: the caller gives up
    qtbot.waitUntil(lambda: today(board).abandoned == before.abandoned + 1, timeout=20000)

    # Another import of the queue_log brings the same calls from the database: counted once.
    for _ in range(2):
        with qtbot.waitSignal(board.controller.todayLoaded, timeout=10000):
            pass
    after = today(board)
    assert (after.answered, after.abandoned) == (before.answered + 1, before.abandoned + 1)


@pytest.mark.faults
def test_wallboard_reconnects_and_resynchronises_after_an_asterisk_restart(
    qtbot: QtBot,
    gateways: Gateways,
    pbx: RunningPbx,
    tmp_path: Path,
    board: SupervisorDesk,
    database: Database,
    agent: AgentUser,
    desk_factory: list[Desk],
) -> None:
    """The agent's desktop is the one that puts its member and pause back in the restarted
    Asterisk (as in test_desktop); the board, reconnected, shows the agent paused again."""
    desk = logged_in_desk(qtbot, gateways, tmp_path, database, agent, desk_factory)
    desk.phone.pause("Backoffice")
    name = agent.full_name
    qtbot.waitUntil(lambda: tile_shows(board, name, AgentState.PAUSED, "Backoffice"), timeout=10000)

    with asterisk_down(qtbot, pbx, board.client):
        assert board.window.pbx_banner.isVisible()
        assert pbx_dot(board) is DotState.BAD
    with qtbot.waitSignals([board.monitor.synced, desk.phone.synced], timeout=20000):
        pass
    qtbot.waitUntil(lambda: board.client.state is ConnectionState.CONNECTED, timeout=5000)
    assert not board.window.pbx_banner.isVisible()
    assert pbx_dot(board) is DotState.OK
    qtbot.waitUntil(lambda: tile_shows(board, name, AgentState.PAUSED, "Backoffice"), timeout=10000)
    # A fresh QueueStatus (what every reconnection asks) gives the same picture.
    with qtbot.waitSignal(board.monitor.synced, timeout=5000):
        board.monitor.resync()
    assert tile_shows(board, name, AgentState.PAUSED, "Backoffice")
    assert [t.name for t in board.wallboard.model.tiles].count(name) == 1
