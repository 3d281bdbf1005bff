"""Desktop benchmark: screen-pop latency and memory, against a large PostgreSQL database.

    python -m bench.desktop [--calls 200] [--database-url URL]

Without ``--database-url`` it starts a throwaway PostgreSQL (``tests.fixtures.postgres``),
migrates, seeds and fills it with ``citizen_center.demo_data.generate`` (300,000 citizens,
1,000,000 requests, 200,000 calls; about 2 minutes). Then it builds the real desktop offscreen
(the objects ``central156 desktop`` builds) and feeds its ``AgentPhone`` the queue events of
``--calls`` calls from random existing callers: ``AgentCalled`` → screen pop (phone lookup,
history, audit rows) → ``AgentConnect`` → ``AgentComplete`` → wrap-up saved. Screen-pop latency
is measured from the ``AgentCalled`` event's arrival to the history tables drawn. Prints a table
with p50/p95/max and the process's resident memory before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from agent_desktop.app import Desk, build_desk, make_services
from agent_desktop.store.dto import AgentUser
from citizen_center import migrate
from citizen_center.catalogue import shipped_catalogue
from citizen_center.config import DesktopSettings, load_settings
from citizen_center.db import Database
from citizen_center.demo_data import generate
from citizen_center.domain.workflow import Role
from citizen_center.models import CitizenPhone, User
from citizen_center.services.catalogue import load_catalogue
from citizen_center.services.common import DEFAULT_POLICY
from gateway.client import GatewaySession, GatewayUser
from gateway.protocol import PbxMessage
from pbx.channel_vars import ChannelVar
from tests.fixtures.postgres import PostgresServer

INTERFACE = "PJSIP/agent-bench"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def prepare(url: str, citizens: int, requests: int, calls: int, progress: bool = False) -> float:
    database = Database.from_url(url)
    migrate.upgrade(database.engine)
    with database.transaction() as session:
        load_catalogue(session, shipped_catalogue())
    began = time.perf_counter()
    generate(
        database,
        citizens=citizens,
        requests=requests,
        calls=calls,
        seed=156,
        policy=DEFAULT_POLICY,
        progress=progress,
    )
    database.dispose()
    return time.perf_counter() - began


def event(
    name: str, uniqueid: str, phone: str, interface: str = INTERFACE, **extra: str
) -> PbxMessage:
    headers = [
        ("Event", name),
        ("Interface", interface),
        ("Queue", "geral"),
        ("Uniqueid", uniqueid),
        ("Channel", f"PJSIP/trunk-{uniqueid}"),
        ("CallerIDNum", phone),
        ("CallerIDName", "<unknown>"),
        ("ChanVariable", f"{ChannelVar.CALL_ID}={uniqueid}"),
        ("ChanVariable", f"{ChannelVar.TEXT}=tem um buraco na minha rua"),
        ("ChanVariable", f"{ChannelVar.SERVICE}=VIA-BURACO"),
        ("ChanVariable", f"{ChannelVar.CONFIDENCE}=0.91"),
    ]
    return PbxMessage(tuple(headers + list(extra.items())))


_desk: list[Desk] = []


def desk_message() -> str:
    """What the wrap-up panel says (an error message when saving failed)."""
    return _desk[-1].window.wrapup.message.text() if _desk else ""


def wait_until(app: QApplication, condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the desktop did not finish in time: " + desk_message())
        app.processEvents()
        time.sleep(0.0005)


def settle(app: QApplication, seconds: float) -> None:
    """Let the desktop finish what the last call left to do (redraws) for ``seconds``: a call
    reaches an idle desktop, not one still drawing the previous wrap-up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)


def run_calls(desk: Desk, app: QApplication, phones: list[str], pause: float = 0.0) -> list[float]:
    latencies: list[float] = []
    saved: list[str] = []
    desk.controller.screenPopDrawn.connect(lambda _u, ms: latencies.append(ms))
    desk.controller.wrapupSaved.connect(saved.append)
    _desk.append(desk)
    for index, phone in enumerate(phones):
        uniqueid = f"bench-{time.time_ns()}-{index}"
        settle(app, pause)
        desk.phone._on_event(event("AgentCalled", uniqueid, phone))
        wait_until(app, lambda n=index: len(latencies) > n)
        desk.phone._on_event(event("AgentConnect", uniqueid, phone, HoldTime="12"))
        desk.phone._on_event(event("AgentComplete", uniqueid, phone, TalkTime="60"))
        desk.window.wrapup.choose("Informação prestada")
        desk.window.wrapup.finish.click()
        wait_until(app, lambda n=index: len(saved) > n)
    return latencies


def pick_phones(database: Database, calls: int, seed: int = 156) -> list[str]:
    """``calls`` random numbers of existing callers (national form, as the PBX reports them)."""
    with database.transaction() as session:
        phones = list(
            session.scalars(select(CitizenPhone.e164).order_by(CitizenPhone.id).limit(50_000))
        )
    rng = random.Random(seed)
    return [rng.choice(phones).removeprefix("+55") for _ in range(calls)]


def bench(url: str, calls: int, seed: int = 156, pause: float = 0.0) -> list[float]:
    """Print the table; return the screen-pop latencies (ms)."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    database = Database.from_url(url)
    with database.transaction() as session:
        user = session.scalar(select(User).where(User.role == Role.AGENT).limit(1))
        assert user is not None, "no agent user: the demo data creates them"
        agent = AgentUser(user.id, user.username, user.full_name, user.role, INTERFACE)
    chosen = pick_phones(database, calls, seed)
    settings = load_settings().replace(
        desktop=DesktopSettings(
            queues=("geral",), drafts_dir=Path(tempfile.mkdtemp(prefix="c156-bench-drafts-"))
        )
    )
    services = make_services(settings, database, agent.username)
    # Events are fed to the desktop directly: this measures the desktop alone (bench.gateway
    # measures the pop through the gateway).
    services.store.adopt(agent)
    desk = build_desk(
        settings,
        services,
        agent,
        GatewaySession(
            "http://127.0.0.1:9",
            "none",
            0.0,
            GatewayUser(agent.id, agent.username, agent.full_name, agent.role.value, INTERFACE),
        ),
    )
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.window.request_form.load_catalogue()
    app.processEvents()
    before = rss_mib()
    latencies = run_calls(desk, app, chosen, pause)
    after = rss_mib()
    q = statistics.quantiles(latencies, n=100)
    print(f"\n{'metric':<44}{'value':>12}")
    print("-" * 56)
    rows = [
        ("calls handled (pop → wrap-up saved)", f"{len(latencies)}"),
        ("screen pop AgentCalled → history drawn p50", f"{q[49]:.1f} ms"),
        ("screen pop AgentCalled → history drawn p95", f"{q[94]:.1f} ms"),
        ("screen pop max", f"{max(latencies):.1f} ms"),
        ("RSS after start (window shown)", f"{before:.0f} MiB"),
        (f"RSS after {len(latencies)} calls", f"{after:.0f} MiB"),
    ]
    for name, value in rows:
        print(f"{name:<44}{value:>12}")
    desk.close()
    database.dispose()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument(
        "--database-url", default="", help="an already generated database (skips the generation)"
    )
    parser.add_argument("--citizens", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--history-calls", type=int, default=200_000)
    args = parser.parse_args()
    if args.database_url:
        bench(args.database_url, args.calls)
        return
    with PostgresServer() as server:
        url = server.create_database("bench_desktop")
        seconds = prepare(url, args.citizens, args.requests, args.history_calls)
        print(f"demo data generated in {seconds:.0f} s")
        bench(url, args.calls)


if __name__ == "__main__":
    main()
