"""Building agent desktops against the session's real Asterisk, through a real agent gateway,
shared by the desktop tests (the fixtures that use these live in ``tests/desktop/conftest.py``).

A desktop logs in at the gateway with the agent's password, exactly as ``central156 desktop``
does; ``Gateways`` serves one gateway per test database (the accounts live there)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytestqt.qtbot import QtBot

from agent_desktop.app import Desk, build_desk, make_services, sign_in
from agent_desktop.gateway_link import ConnectionState, GatewayLink
from agent_desktop.store.dto import AgentUser
from citizen_center.config import DesktopSettings, Settings, load_settings
from citizen_center.db import Database
from gateway.server import RunningGateway, start_in_thread
from pbx import process
from tests.fixtures.asterisk import RunningPbx
from tests.fixtures.gateway import offline_session, with_gateway_url

PASSWORD = "senha-do-agente"
QUEUE = "geral"
# Lab dialplan contexts (tests/fixtures/extensions_lab.conf) for an agent's phone.
ANSWERING_PHONE = "c156-test-agent"
SILENT_PHONE = "c156-test-noanswer"
_agent_ids = itertools.count(random.randrange(100, 900) * 10)


def next_agent_number() -> int:
    """A number no other agent of the session uses (usernames, phone interfaces)."""
    return next(_agent_ids)


class Gateways:
    """The gateways a test started, one per database, stopped when the test ends."""

    def __init__(self, pbx: RunningPbx) -> None:
        self.pbx = pbx
        self.running: dict[int, tuple[RunningGateway, Database]] = {}

    def settings(self) -> Settings:
        # Fast keep-alive so that a lost PBX or gateway is noticed within a second or two.
        base = load_settings()
        return base.replace(pbx=self.pbx.settings, gateway=base.gateway.replace(ping_interval=1.0))

    def url_for(self, database: Database) -> str:
        key = id(database)
        if key not in self.running:
            self.running[key] = (start_in_thread(self.settings(), database), database)
        return self.running[key][0].url

    def restart(self, database: Database) -> None:
        """Stop the gateway of ``database`` and start a new one on the same port (a restart of
        the gateway process: desktops keep their tokens and must come back by themselves)."""
        old, _ = self.running.pop(id(database))
        old.stop()
        port = int(old.url.rsplit(":", 1)[1])
        self.running[id(database)] = (start_in_thread(self.settings(), database, port), database)

    def stop_all(self) -> None:
        for running, _database in self.running.values():
            running.stop()
        self.running.clear()


def desk_settings(gateway_url: str, tmp_path: Path, queues: str = QUEUE) -> Settings:
    desktop = DesktopSettings(
        queues=(queues,),
        drafts_dir=tmp_path / "drafts",
        ping_interval=1.0,
        ping_timeout=1.0,
        reconnect_min_delay=0.2,
        reconnect_max_delay=1.0,
    )
    return with_gateway_url(load_settings().replace(desktop=desktop), gateway_url)


def agent_interface(talk_seconds: int, context: str = ANSWERING_PHONE) -> str:
    """A phone of the lab dialplan: answers at once and talks ``talk_seconds``
    (``ANSWERING_PHONE``), or rings without ever answering (``SILENT_PHONE``)."""
    return f"Local/a{next_agent_number():04d}t{talk_seconds}@{context}/n"


def open_desk(
    qtbot: QtBot,
    settings: Settings,
    database: Database,
    agent: AgentUser,
    interface: str,
    offline: bool = False,
) -> Desk:
    """The agent's desktop, logged in at the settings' gateway (``offline``: pointed at no
    gateway at all, for what must work without the PBX)."""
    if offline:
        session = offline_session(agent, interface)
    else:
        agent, session = sign_in(settings, agent.username, PASSWORD, interface)
    services = make_services(settings, database, agent.username)
    services.store.adopt(agent)
    desk = build_desk(settings, services, agent, session)
    qtbot.addWidget(desk.window)
    desk.window.resize(1366, 768)
    desk.window.show()
    desk.controller.start()
    return desk


def logged_in_desk(
    qtbot: QtBot,
    gateways: Gateways,
    tmp_path: Path,
    database: Database,
    agent: AgentUser,
    opened: list[Desk],
    talk_seconds: int = 6,
    queues: str = QUEUE,
    phone: str = ANSWERING_PHONE,
) -> Desk:
    """An agent desktop logged into ``queues`` and available (not paused)."""
    desk = open_desk(
        qtbot,
        desk_settings(gateways.url_for(database), tmp_path, queues),
        database,
        agent,
        agent_interface(talk_seconds, phone),
    )
    opened.append(desk)
    qtbot.waitUntil(
        lambda: desk.phone.status.logged_in and not desk.phone.status.paused, timeout=10000
    )
    return desk


def queue_members(pbx: RunningPbx, queue: str, interface: str) -> list[dict[str, str]]:
    """Asterisk's own view (QueueStatus) of ``interface`` in ``queue``: its QueueMember events."""
    with pbx.ami_client(events="off") as client:
        _response, events = client.list_action("QueueStatus", Queue=queue, Member=interface)
    return [e.as_dict() for e in events if e.get("Event") == "QueueMember"]


def queue_log_paused(pbx: RunningPbx, reason: str, member_name: str) -> bool:
    """Asterisk wrote a PAUSE of ``member_name`` with ``reason`` to its queue_log."""
    lines = pbx.layout.queue_log.read_text(errors="replace").splitlines()
    return any(f"|PAUSE|{reason}" in line and member_name in line for line in lines)


@contextmanager
def asterisk_down(qtbot: QtBot, pbx: RunningPbx, client: GatewayLink) -> Iterator[None]:
    """Asterisk stopped, and ``client`` noticed it (the gateway reported the PBX lost), for the
    body of the ``with``;
    then started again on the same settings (always, so a failed check inside cannot leave the
    rest of the session without its PBX). A restart loses the pauses and, without the astdb,
    the dynamic members: the desktops must put them back themselves."""
    process.stop(pbx.settings)
    try:
        qtbot.waitUntil(lambda: client.state is ConnectionState.RETRYING, timeout=10000)
        yield
    finally:
        process.start(pbx.settings, pbx.ivr, pbx.install, stop_with_caller=True)
