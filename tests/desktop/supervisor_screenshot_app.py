"""Run under Xvfb by test_supervisor_screenshot.py: the wallboard with 64 agents and the
statistics views in pt-BR, saved as PNGs.

    xvfb-run -a python -m tests.desktop.supervisor_screenshot_app DATABASE_URL OUT_DIR

The board is fed synthetic queue events (a picture needs no PBX); the statistics come from the
real reports over the demo data generator's calls, requests and surveys.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from agent_desktop.app import install_translator
from agent_desktop.roles import SupervisorDesk, build_supervisor
from agent_desktop.store.dto import AgentUser
from agent_desktop.store.supervision import ReportKind
from agent_desktop.telephony.queue_board import QueueBoard, TodayCounts
from agent_desktop.views.statistics import PeriodPreset
from agent_desktop.widgets.indicators import DotState
from citizen_center import demo_data
from citizen_center.config import Settings, WallboardSettings, load_settings
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.services.common import DEFAULT_POLICY
from gateway.protocol import PbxMessage
from tests.fixtures.gateway import offline_session

QUEUES = ("agua-esgoto", "limpeza-urbana", "servicos-urbanos", "transito-transporte", "geral")
FIRST = (
    "Ana",
    "Bruno",
    "Carla",
    "Diego",
    "Elisa",
    "Fábio",
    "Gabriela",
    "Heitor",
    "Isabel",
    "João",
    "Karen",
    "Lucas",
    "Marina",
    "Nelson",
    "Olívia",
    "Paulo",
    "Queila",
    "Rafael",
    "Sofia",
    "Tiago",
    "Úrsula",
    "Vítor",
)
LAST = ("Silva", "Souza", "Oliveira", "Pereira", "Costa", "Rodrigues", "Almeida", "Lima")
REASONS = ("Almoço", "Treinamento", "Backoffice", "Banheiro")


def event(name: str, **headers: str) -> PbxMessage:
    return PbxMessage((("Event", name), *headers.items()))


def at(board: QueueBoard, moment: float, message: PbxMessage) -> None:
    """Apply an event as if it had arrived at ``moment``."""
    clock = board.clock
    board.clock = lambda: moment
    board.apply(message)
    board.clock = clock


def feed(board: QueueBoard, now: float, rng: random.Random) -> None:
    board.resync([event("QueueParams", Queue=q) for q in QUEUES])
    for n in range(64):
        interface = f"PJSIP/agent-{2001 + n}"
        name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
        queues = (QUEUES[n % 4], "geral") if n % 3 else (QUEUES[n % 4],)
        for queue in queues:
            board.apply(
                event(
                    "QueueMember",
                    Queue=queue,
                    Location=interface,
                    Name=name,
                    Status="1",
                    Paused="0",
                    InCall="0",
                    CallsTaken=str(rng.randrange(3, 40)),
                )
            )
        roll = rng.random()
        if roll < 0.55:
            at(
                board,
                now - rng.randrange(5, 700),
                event(
                    "AgentConnect",
                    Queue=queues[-1],
                    Interface=interface,
                    Uniqueid=f"c{n}",
                    HoldTime=str(rng.randrange(2, 40)),
                ),
            )
        elif roll < 0.68:
            at(
                board,
                now - rng.randrange(60, 1500),
                event(
                    "QueueMemberPause",
                    Queue=queues[0],
                    Interface=interface,
                    Paused="1",
                    PausedReason=rng.choice(REASONS),
                ),
            )
        elif roll < 0.76:
            at(
                board,
                now - rng.randrange(5, 200),
                event(
                    "QueueMemberPause",
                    Queue=queues[0],
                    Interface=interface,
                    Paused="1",
                    PausedReason="pós-atendimento",
                ),
            )
        elif roll < 0.80:
            at(board, now - 4, event("AgentCalled", Queue=queues[-1], Interface=interface))
        elif roll < 0.83:
            board.apply(event("QueueMemberRemoved", Queue=queues[0], Interface=interface))
            if len(queues) > 1:
                board.apply(event("QueueMemberRemoved", Queue="geral", Interface=interface))
    for i, (queue, waits) in enumerate(
        (
            ("agua-esgoto", (3, 12)),
            ("servicos-urbanos", (41,)),
            ("geral", (8, 17, 26)),
            ("transito-transporte", ()),
        )
    ):
        for j, wait in enumerate(waits):
            at(board, now - wait, event("QueueCallerJoin", Queue=queue, Uniqueid=f"w{i}{j}"))
    board.set_database_today(
        {
            q: TodayCounts(
                answered=a,
                abandoned=b,
                short_abandoned=s,
                within=(w30, w20),
                wait_sum=a * asa,
                other_exits=o,
            )
            for q, a, b, s, w30, w20, asa, o in (
                ("agua-esgoto", 412, 31, 9, 352, 318, 17.0, 2),
                ("limpeza-urbana", 298, 14, 5, 281, 266, 9.5, 0),
                ("servicos-urbanos", 537, 58, 12, 401, 350, 29.0, 4),
                ("transito-transporte", 206, 9, 3, 197, 188, 8.0, 1),
                ("geral", 655, 47, 16, 540, 497, 19.0, 3),
            )
        },
        now,
    )


def spin(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def grab(out: Path) -> None:
    screen = QGuiApplication.primaryScreen()
    out.parent.mkdir(parents=True, exist_ok=True)
    screen.grabWindow(0, 0, 0, 1366, 768).save(str(out))


def statistics(app: QApplication, desk: SupervisorDesk, kind: ReportKind, out: Path) -> None:
    view = desk.statistics
    desk.window.show_tab(view)
    shown: list[object] = []
    view.reportShown.connect(shown.append)
    view.choose(kind)
    end = time.monotonic() + 30
    while not shown and time.monotonic() < end:
        spin(app, 0.1)
    spin(app, 0.5)
    grab(out)


def main(url: str, out_dir: Path) -> None:
    app = QApplication(sys.argv)
    install_translator(app, "pt_BR")
    database = Database.from_url(url)
    demo_data.generate(
        database,
        citizens=400,
        requests=6000,
        calls=6000,
        seed=156,
        policy=DEFAULT_POLICY,
        progress=False,
    )
    settings = Settings(
        wallboard=WallboardSettings(import_interval_seconds=0), desktop=load_settings().desktop
    )
    user = AgentUser(1, "supervisora", "Sara Supervisora", Role.SUPERVISOR, "")
    desk = build_supervisor(settings, database, user, offline_session(user))
    desk.window.resize(1366, 768)
    desk.window.move(0, 0)
    desk.window.show()
    desk.controller.refresh()
    board = desk.monitor.board
    feed(board, board.clock(), random.Random(156))
    desk.controller._clock.start()
    spin(app, 1.2)
    desk.window.pbx_banner.hide()
    desk.window.notice.hide()
    desk.window.bar.pbx.set_state(DotState.OK, "Central conectada")
    spin(app, 0.3)
    grab(out_dir / "wallboard.png")
    desk.statistics.choose_preset(PeriodPreset.LAST_12_MONTHS)
    statistics(app, desk, ReportKind.CALLS_BY_HOUR, out_dir / "statistics-by-hour.png")
    statistics(app, desk, ReportKind.CHANNELS_BY_MONTH, out_dir / "statistics-channels.png")
    statistics(app, desk, ReportKind.SATISFACTION_BY_MONTH, out_dir / "statistics-satisfaction.png")
    desk.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
