"""Agent gateway benchmark: fan-out to 100 desktops, and the screen pop through the gateway.

    python -m bench.gateway [--desktops 100] [--step-seconds 3] [--calls 200] [--database-url URL]

**Fan-out.** A real gateway (``gateway.app.create_app`` served by uvicorn from a thread of this
process, ``gateway.server.uvicorn_config``) whose AMI side is a stand-in that never connects;
accounts in a throwaway SQLite file, one HTTP login (one argon2) per desktop for a real token.
``--desktops`` WebSocket clients (``websockets``, no compression: Qt's QWebSocket offers none) run
in a separate process, so they do not share the GIL with the gateway. This process injects a
recorded ``AgentCalled`` (54 AMI headers, ChanVariables included; ``Uniqueid`` numbered,
``Interface`` set to the agent it concerns) with ``loop.call_soon_threadsafe(hub.on_ami_event,
message)``, paced at a ladder of rates for ``--step-seconds`` each, for three mixes: every desktop
a supervisor (each event goes to all), every desktop an agent (each event concerns one), and the
centre's 95 agents + 5 supervisors. A step *holds* when no desktop was dropped (outbox over
``OUTBOX_LIMIT``), every delivery arrived and the p95 latency is at most 100 ms; a mix's ladder
stops at the first step that does not hold. Reported per step: events injected per second,
deliveries (event × desktop) per second, injection → the last of its desktops receiving it
(p50/p95/max), dropped desktops, the CPU of the gateway's event-loop thread and of the client
process (share of one core), the gateway process's RSS.

**Screen pop.** A throwaway PostgreSQL filled by ``bench.desktop.prepare`` (300,000 citizens,
1,000,000 requests, 200,000 calls; ``--database-url`` reuses one), a gateway over it whose
stand-in AMI answers ``QueueStatus``/``QueueAdd``/``QueuePause`` like an Asterisk with no other
member, and the real desktop (``sign_in`` at the gateway, ``build_desk``, offscreen Qt) started
as an agent starts it. For ``--calls`` calls from random existing callers the bench injects
``AgentCalled`` into the hub, waits for the history drawn (``controller.screenPopDrawn``), then
``AgentConnect`` and ``AgentComplete``, and saves the wrap-up. Latency: injection → history
drawn, split into the hop to the desktop (injection → the desktop handling ``AgentCalled``) and
the desktop's own part. Then ``bench.desktop`` runs the direct path (events fed to the desktop)
on the same database for a same-machine comparison. Both paths run twice: with the desktop idle
``--settle`` seconds before each call (a call reaches an idle desktop), and back to back (the
next call the moment the wrap-up is saved, ``bench.desktop``'s original method, where the pop
also waits for the redraw the wrap-up left). Goal: p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from citizen_center import migrate
from citizen_center.config import DesktopSettings, Settings, load_settings
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.models import User
from citizen_center.services import users
from gateway.app import CLOSE_TOO_SLOW, GatewayParts
from gateway.client import GatewayLoginError, login
from gateway.hub import Hub
from gateway.protocol import PbxMessage
from gateway.server import uvicorn_config
from gateway.tokens import TokenSigner
from pbx.ami.protocol import AmiMessage, parse_packet
from serving.thread import RunningServer, serve_in_thread

QUEUE = "geral"
PASSWORD = "senha-do-bench-156"
RECORDED = Path(__file__).resolve().parent.parent / "tests/fixtures/ami/queue_call.jsonl"
MARK = '"156bench.'  # the numbered Uniqueid, as it appears in the JSON the desktops receive
HOLD_P95_MS = 100.0
POP_GOAL_P95_MS = 50.0
POP_INTERFACE = "PJSIP/agent-bench-gw"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- measuring


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def thread_cpu_seconds(native_id: int) -> float:
    """User + system CPU of one thread of this process."""
    stat = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / CLOCK_TICKS


def quantiles_ms(values: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95, max of seconds, in ms."""
    if not values:
        return (float("nan"),) * 3
    if len(values) == 1:
        return values[0] * 1000, values[0] * 1000, values[0] * 1000
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, max(values) * 1000


# ---------------------------------------------------------------- the gateway


class StandInAmi:
    """The gateway's AMI session answered like an Asterisk whose queues hold only the members
    this stand-in was asked to add; it never connects anywhere."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, str], tuple[bool, str]] = {}  # (queue, interface) → pause

    async def action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> PbxMessage:
        queue, interface = str(fields.get("Queue", "")), str(fields.get("Interface", ""))
        pause = (str(fields.get("Paused")) == "true", str(fields.get("Reason", "")))
        if name == "QueueAdd":
            self.members[(queue, interface)] = pause
        elif name == "QueueRemove":
            self.members.pop((queue, interface), None)
        elif name == "QueuePause":
            for key in self.members:
                if key[1] == interface and queue in ("", key[0]):
                    self.members[key] = pause
        return PbxMessage((("Response", "Success"),))

    async def list_action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> tuple[PbxMessage, list[PbxMessage]]:
        member = str(fields.get("Member", ""))
        listed = [
            self._member(queue, interface, paused, reason)
            for (queue, interface), (paused, reason) in self.members.items()
            if not member or interface == member
        ]
        return PbxMessage((("Response", "Success"), ("EventList", "start"))), listed

    @staticmethod
    def _member(queue: str, interface: str, paused: bool, reason: str) -> PbxMessage:
        return PbxMessage(
            (
                ("Event", "QueueMember"),
                ("Queue", queue),
                ("Location", interface),
                ("StateInterface", interface),
                ("Membership", "dynamic"),
                ("Status", "1"),
                ("Paused", "1" if paused else "0"),
                ("PausedReason", reason if paused else ""),
                ("InCall", "0"),
            )
        )


@dataclass
class Served:
    """A gateway served from a thread of this process (its loop, its thread), and its hub."""

    running: RunningServer[GatewayParts]
    hub: Hub

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self.running.loop

    @property
    def loop_thread_id(self) -> int:
        return self.running.native_thread_id

    def stop(self) -> None:
        self.running.stop(15)


def gateway_settings(url: str = "") -> Settings:
    base = load_settings()
    return base.replace(
        gateway=base.gateway.replace(host="127.0.0.1", url=url, tls_cert_file="", tls_key_file="")
    )


def serve(database: Database, ami: StandInAmi) -> Served:
    """``gateway.server.start_in_thread`` with a stand-in AMI (and its loop kept)."""
    hub = Hub(ami, (QUEUE,))
    hub.on_ami_state(True)  # the desktops hear "PBX up" and synchronise
    parts = GatewayParts(database, TokenSigner("b" * 32, 12 * 3600), hub)
    config = uvicorn_config(gateway_settings(), parts, port=0)
    return Served(serve_in_thread(config, parts, "gateway"), hub)


def inject(served: Served, message: AmiMessage | PbxMessage) -> float:
    """Hand ``message`` to the hub on the gateway's loop, as its AMI reader would; the moment."""
    moment = time.monotonic()
    served.loop.call_soon_threadsafe(served.hub.on_ami_event, message)
    return moment


# ---------------------------------------------------------------- accounts and events


def agent_interface(index: int) -> str:
    return f"PJSIP/bench-{index:03d}"


def create_accounts(database: Database, count: int) -> list[str]:
    """``count`` agents (each with a phone) and ``count`` supervisors, one password; argon2 runs
    once and the others share its hash. Returns the usernames, agents first."""
    with database.transaction() as session:
        first = users.create_user(
            session,
            username="bench-agent-000",
            full_name="Agente 000",
            role=Role.AGENT,
            password=PASSWORD,
            phone_interface=agent_interface(0),
        )
        names = [first.username]
        for role, prefix in ((Role.AGENT, "agent"), (Role.SUPERVISOR, "sup")):
            for index in range(1 if role is Role.AGENT else 0, count):
                name = f"bench-{prefix}-{index:03d}"
                session.add(
                    User(
                        username=name,
                        full_name=f"{prefix} {index:03d}",
                        role=role,
                        password_hash=first.password_hash,
                        phone_interface=agent_interface(index) if role is Role.AGENT else "",
                    )
                )
                names.append(name)
    return names


def log_in(url: str, username: str, attempts: int = 3) -> str:
    for attempt in range(attempts):
        try:
            return login(url, username, PASSWORD).token
        except GatewayLoginError:  # timed out on a busy machine (argon2 costs ~0.2 s a login)
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def log_in_all(url: str, usernames: Sequence[str]) -> dict[str, str]:
    """A token per user, from real logins at the gateway (two at a time: one per core)."""
    with ThreadPoolExecutor(2) as pool:
        return dict(
            zip(usernames, pool.map(lambda name: log_in(url, name), usernames), strict=True)
        )


def recorded_agent_called() -> AmiMessage:
    """The AgentCalled of the recorded Asterisk 22 queue call (tests/fixtures/ami)."""
    for line in RECORDED.read_text().splitlines():
        record = json.loads(line)
        for packet in str(record["text"]).split("\r\n\r\n"):
            if record["dir"] == "in" and packet.startswith("Event: AgentCalled"):
                return parse_packet(packet)
    raise LookupError(f"no AgentCalled in {RECORDED}")


def numbered(template: AmiMessage, seq: int, interface: str) -> AmiMessage:
    replaced = {"uniqueid": MARK.strip('"') + str(seq), "interface": interface}
    return AmiMessage(
        tuple((name, replaced.get(name.lower(), value)) for name, value in template.headers)
    )


# ---------------------------------------------------------------- the desktops' process


@dataclass
class Tally:
    """What the desktops of the client process received since the last ``start``."""

    counts: dict[int, int] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    deliveries: int = 0
    dropped: int = 0
    open: int = 0
    quiet_since: float = field(default_factory=time.monotonic)

    def record(self, text: str | bytes) -> None:
        now = time.monotonic()
        if isinstance(text, bytes):
            text = text.decode()
        start = text.find(MARK)
        if start < 0:
            return
        start += len(MARK)
        seq = int(text[start : text.index('"', start)])
        self.counts[seq] = self.counts.get(seq, 0) + 1
        self.last[seq] = now
        self.deliveries += 1
        self.quiet_since = now

    def reset(self) -> None:
        self.counts, self.last, self.deliveries = {}, {}, 0
        self.quiet_since = time.monotonic()


async def follow(url: str, token: str, tally: Tally) -> None:
    """One desktop: connect with its token, count every event until the gateway closes."""
    headers = {"Authorization": f"Bearer {token}"}
    socket: ClientConnection
    async with connect(
        url,
        additional_headers=headers,
        compression=None,
        max_size=None,
        ping_interval=None,
        open_timeout=60,
    ) as socket:
        await socket.recv()  # hello
        tally.open += 1
        with contextlib.suppress(ConnectionClosed):
            async for text in socket:
                tally.record(text)
        tally.open -= 1
        if socket.close_code == CLOSE_TOO_SLOW:
            tally.dropped += 1


async def drain(tally: Tally, expected: int, timeout: float) -> None:
    """Until ``expected`` deliveries arrived, or nothing came for 2 s, or ``timeout``."""
    deadline = time.monotonic() + timeout
    while tally.deliveries < expected and time.monotonic() < deadline:
        if time.monotonic() - tally.quiet_since > 2.0:
            return
        await asyncio.sleep(0.01)


async def desktops(stream_url: str, tokens: list[str], conn: Connection) -> None:
    tally = Tally()
    followers = [asyncio.create_task(follow(stream_url, token, tally)) for token in tokens]
    deadline = time.monotonic() + 120
    while tally.open < len(tokens) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    conn.send(("ready", tally.open))
    loop = asyncio.get_running_loop()
    cpu = time.process_time()
    while True:
        command: tuple[Any, ...] = await loop.run_in_executor(None, conn.recv)
        if command[0] == "start":
            tally.reset()
            cpu = time.process_time()
            conn.send(("started",))
        elif command[0] == "collect":
            await drain(tally, command[1], command[2])
            conn.send(
                (
                    tally.counts,
                    tally.last,
                    tally.deliveries,
                    tally.dropped,
                    time.process_time() - cpu,
                    tally.open,
                )
            )
        else:
            break
    for task in followers:
        task.cancel()
    await asyncio.gather(*followers, return_exceptions=True)


def desktops_main(stream_url: str, tokens: list[str], conn: Connection) -> None:
    """The client process's body (spawned: no inherited threads or loop)."""
    asyncio.run(desktops(stream_url, tokens, conn))


# ---------------------------------------------------------------- fan-out steps


@dataclass(frozen=True)
class Mix:
    name: str
    agents: int
    supervisors: int
    rates: tuple[float, ...]

    def interface(self, seq: int) -> str:
        # An event about one agent (round robin); with no agents, a phone nobody has.
        return agent_interface(seq % self.agents) if self.agents else "PJSIP/nobody"

    @property
    def recipients(self) -> int:
        return self.supervisors + (1 if self.agents else 0)

    def usernames(self) -> list[str]:
        return [f"bench-agent-{index:03d}" for index in range(self.agents)] + [
            f"bench-sup-{index:03d}" for index in range(self.supervisors)
        ]


@dataclass(frozen=True)
class Step:
    mix: str
    desktops: int
    rate: float
    injected_per_s: float
    deliveries_per_s: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    dropped: int
    missing: int
    loop_cpu: float
    client_cpu: float
    rss_mib: float

    @property
    def holds(self) -> bool:
        return self.dropped == 0 and self.missing == 0 and self.p95_ms <= HOLD_P95_MS


def pace(served: Served, events: Sequence[AmiMessage], rate: float) -> tuple[list[float], float]:
    """Inject ``events`` at ``rate`` per second (the ones due each millisecond); the injection
    moments and how long it took."""
    moments: list[float] = []
    began = time.monotonic()
    while len(moments) < len(events):
        due = min(len(events), int((time.monotonic() - began) * rate) + 1)
        while len(moments) < due:
            moments.append(inject(served, events[len(moments)]))
        time.sleep(0.001)
    return moments, time.monotonic() - began


def run_step(
    served: Served,
    conn: Connection,
    mix: Mix,
    rate: float,
    seconds: float,
    first_seq: int,
    template: AmiMessage,
) -> Step:
    count = max(1, round(rate * seconds))
    events = [numbered(template, first_seq + i, mix.interface(first_seq + i)) for i in range(count)]
    conn.send(("start",))
    conn.recv()
    loop_cpu, began = thread_cpu_seconds(served.loop_thread_id), time.monotonic()
    moments, took = pace(served, events, rate)
    conn.send(("collect", count * mix.recipients, 30.0))
    counts, last, deliveries, dropped, client_cpu, _open = conn.recv()
    loop_cpu = thread_cpu_seconds(served.loop_thread_id) - loop_cpu
    latencies = [
        last[first_seq + i] - moment
        for i, moment in enumerate(moments)
        if counts.get(first_seq + i, 0) >= mix.recipients
    ]
    span = max(last.values(), default=began + took) - began
    p50, p95, worst = quantiles_ms(latencies)
    return Step(
        mix.name,
        mix.agents + mix.supervisors,
        rate,
        count / took,
        deliveries / span,
        p50,
        p95,
        worst,
        dropped,
        count * mix.recipients - deliveries,
        loop_cpu / span,
        client_cpu / span,
        rss_mib(),
    )


def run_mix(
    served: Served,
    tokens: dict[str, str],
    mix: Mix,
    seconds: float,
    template: AmiMessage,
    first_seq: int,
) -> list[Step]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    stream = served.url.replace("http", "ws", 1) + "/v1/stream"
    process = context.Process(
        target=desktops_main,
        name="bench-desktops",
        args=(stream, [tokens[name] for name in mix.usernames()], child),
    )
    process.start()
    _ready, connected = parent.recv()
    print(f"  {mix.name}: {connected} desktops connected", flush=True)
    steps: list[Step] = []
    try:
        for rate in mix.rates:
            step = run_step(served, parent, mix, rate, seconds, first_seq, template)
            first_seq += 10_000_000
            steps.append(step)
            print(
                f"    {rate:>6.0f} ev/s: p95 {step.p95_ms:.1f} ms, dropped {step.dropped}, "
                f"missing {step.missing}, loop CPU {step.loop_cpu:.0%}",
                flush=True,
            )
            if not step.holds:
                break
    finally:
        parent.send(("stop",))
        process.join(30)
        if process.is_alive():
            process.kill()
    wait_for(lambda: not served.hub.sessions, 30)
    return steps


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def mixes(desktops: int) -> list[Mix]:
    supervisors = max(1, desktops // 20)
    return [
        Mix("all supervisors", 0, desktops, (10, 50, 100, 150, 200, 250, 300, 400, 800)),
        Mix("all agents", desktops, 0, (10, 250, 500, 650, 800, 1000, 2000, 4000)),
        Mix(
            f"{desktops - supervisors} agents + {supervisors} supervisors",
            desktops - supervisors,
            supervisors,
            (10, 100, 200, 300, 400, 500, 750, 1500),
        ),
    ]


def fan_out(desktops: int, seconds: float) -> list[Step]:
    folder = Path(tempfile.mkdtemp(prefix="c156-bench-gateway-"))
    database = Database.from_url(f"sqlite:///{folder / 'accounts.sqlite3'}")
    migrate.upgrade(database.engine)
    names = create_accounts(database, desktops)
    served = serve(database, StandInAmi())
    try:
        began = time.monotonic()
        tokens = log_in_all(served.url, names)
        print(
            f"fan-out: {len(tokens)} logins in {time.monotonic() - began:.0f} s; "
            f"gateway RSS {rss_mib():.0f} MiB",
            flush=True,
        )
        template = recorded_agent_called()
        steps: list[Step] = []
        for index, mix in enumerate(mixes(desktops)):
            steps += run_mix(served, tokens, mix, seconds, template, index * 1_000_000_000)
        return steps
    finally:
        served.stop()
        database.dispose()


def print_fan_out(steps: Sequence[Step]) -> None:
    print(
        "\n| mix | desktops | events/s asked | injected/s | deliveries/s | p50 ms | p95 ms "
        "| max ms | dropped | missing | holds | loop CPU | client CPU | RSS MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for s in steps:
        print(
            f"| {s.mix} | {s.desktops} | {s.rate:.0f} | {s.injected_per_s:.0f} | "
            f"{s.deliveries_per_s:.0f} | {s.p50_ms:.1f} | {s.p95_ms:.1f} | {s.max_ms:.1f} | "
            f"{s.dropped} | {s.missing} | {'yes' if s.holds else 'no'} | "
            f"{s.loop_cpu:.0%} | {s.client_cpu:.0%} | {s.rss_mib:.0f} |"
        )


# ---------------------------------------------------------------- screen pop


@dataclass(frozen=True)
class PopRow:
    label: str
    seconds: list[float]
    goal: bool = False  # the figure the goal is about


def pop_account(database: Database) -> str:
    username = "bench-gw-agent"
    with database.transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            users.create_user(
                session,
                username=username,
                full_name="Agente Bench Gateway",
                role=Role.AGENT,
                password=PASSWORD,
                phone_interface=POP_INTERFACE,
            )
    return username


def pop_through_gateway(
    url: str, calls: int, settle: float, seed: int
) -> tuple[list[float], list[float]]:
    from PySide6.QtWidgets import QApplication

    from agent_desktop.app import build_desk, make_services, sign_in
    from bench import desktop as direct

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    database = Database.from_url(url)
    username = pop_account(database)
    served = serve(database, StandInAmi())
    settings = gateway_settings(served.url).replace(
        desktop=DesktopSettings(
            queues=(QUEUE,), drafts_dir=Path(tempfile.mkdtemp(prefix="c156-bench-drafts-"))
        )
    )
    agent, session = sign_in(settings, username, PASSWORD)
    services = make_services(settings, database, agent.username)
    services.store.adopt(agent)
    desk = build_desk(settings, services, agent, session)
    synced: list[bool] = []
    desk.phone.synced.connect(lambda: synced.append(True))
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.controller.start()
    direct.wait_until(app, lambda: bool(synced))
    drawn: dict[str, tuple[float, float]] = {}
    saved: list[str] = []
    desk.controller.screenPopDrawn.connect(
        lambda uniqueid, ms: drawn.__setitem__(uniqueid, (time.monotonic(), ms / 1000))
    )
    desk.controller.wrapupSaved.connect(saved.append)
    direct._desk.append(desk)
    through: list[float] = []
    inside: list[float] = []
    try:
        for index, phone in enumerate(direct.pick_phones(database, calls, seed)):
            uniqueid = f"gw-{time.time_ns()}-{index}"
            direct.settle(app, settle)
            began = inject(served, direct.event("AgentCalled", uniqueid, phone, POP_INTERFACE))
            direct.wait_until(app, lambda u=uniqueid: u in drawn)
            through.append(drawn[uniqueid][0] - began)
            inside.append(drawn[uniqueid][1])
            inject(
                served, direct.event("AgentConnect", uniqueid, phone, POP_INTERFACE, HoldTime="12")
            )
            inject(
                served, direct.event("AgentComplete", uniqueid, phone, POP_INTERFACE, TalkTime="60")
            )
            direct.wait_until(app, lambda: desk.controller.wrapup_call is not None)
            desk.window.wrapup.choose("Informação prestada")
            desk.window.wrapup.finish.click()
            direct.wait_until(app, lambda n=index: len(saved) > n)
    finally:
        desk.close()
        served.stop()
        database.dispose()
    return through, inside


def screen_pop(url: str, calls: int, settle: float, with_direct: bool) -> list[PopRow]:
    """Through the gateway then direct, each with the desktop idle ``settle`` s before each
    call and back to back (the next call as soon as the wrap-up is saved)."""
    from bench import desktop as direct

    rows: list[PopRow] = []
    # Each run its own callers (seeds), so none finds another's rows already cached.
    for pause, when, seed in ((settle, f"idle {settle:g} s", 157), (0.0, "back to back", 158)):
        through, inside = pop_through_gateway(url, calls, pause, seed)
        print(f"screen pop through the gateway, {when}: {len(through)} calls", flush=True)
        rows += [
            PopRow(
                f"{when}: through the gateway (injection → history drawn)",
                through,
                goal=pause == settle,
            ),
            PopRow(
                f"{when}: … hop to the desktop (→ AgentCalled handled)",
                [total - own for total, own in zip(through, inside, strict=True)],
            ),
            PopRow(f"{when}: … in the desktop (AgentCalled → drawn)", inside),
        ]
        if with_direct:
            measured = direct.bench(url, calls, seed + 100, pause)
            rows.append(
                PopRow(
                    f"{when}: direct (bench.desktop, same database)", [ms / 1000 for ms in measured]
                )
            )
    return rows


def print_pop(rows: Sequence[PopRow]) -> None:
    print("\n| screen pop (1 M requests, PostgreSQL) | calls | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        p50, p95, worst = quantiles_ms(row.seconds)
        print(f"| {row.label} | {len(row.seconds)} | {p50:.1f} | {p95:.1f} | {worst:.1f} |")
    for row in rows:
        if row.goal:
            p95 = quantiles_ms(row.seconds)[1]
            verdict = "met" if p95 <= POP_GOAL_P95_MS else "NOT met"
            print(
                f"\ngoal p95 ≤ {POP_GOAL_P95_MS:.0f} ms through the gateway: {verdict} "
                f"({p95:.1f} ms, {row.label.split(':')[0]})"
            )


def pop_database(args: argparse.Namespace) -> contextlib.AbstractContextManager[str]:
    """The 1 M-request database: ``--database-url`` or a throwaway PostgreSQL filled now."""
    if args.database_url:
        return contextlib.nullcontext(str(args.database_url))
    return generated_database(args.citizens, args.requests, args.history_calls)


@contextlib.contextmanager
def generated_database(citizens: int, requests: int, calls: int) -> Iterator[str]:
    from bench.desktop import prepare
    from tests.fixtures.postgres import PostgresServer

    with PostgresServer() as server:
        url = server.create_database("bench_gateway")
        print(
            f"generating demo data ({citizens:,} citizens, {requests:,} requests, "
            f"{calls:,} calls; about 2-3 minutes)",
            flush=True,
        )
        seconds = prepare(url, citizens, requests, calls, progress=True)
        print(f"demo data generated in {seconds:.0f} s", flush=True)
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desktops", type=int, default=100)
    parser.add_argument("--step-seconds", type=float, default=3.0)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument(
        "--database-url", default="", help="an already generated database (skips the generation)"
    )
    parser.add_argument("--citizens", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--history-calls", type=int, default=200_000)
    parser.add_argument("--skip-fan-out", action="store_true")
    parser.add_argument("--skip-screen-pop", action="store_true")
    parser.add_argument(
        "--settle", type=float, default=0.2, help="seconds the desktop stays idle before each call"
    )
    parser.add_argument(
        "--no-direct", action="store_true", help="skip the direct (bench.desktop) comparison"
    )
    args = parser.parse_args()
    began = time.monotonic()
    steps = [] if args.skip_fan_out else fan_out(args.desktops, args.step_seconds)
    pop: list[PopRow] = []
    if not args.skip_screen_pop:
        with pop_database(args) as url:
            pop = screen_pop(url, args.calls, args.settle, not args.no_direct)
    if steps:
        print_fan_out(steps)
    if pop:
        print_pop(pop)
    print(f"\nbench run time {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
