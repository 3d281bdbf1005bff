"""Desktop tests run Qt without a display (offscreen), against the session's real Asterisk.

Fixtures shared by the desktop test modules: a fresh ``database``, an ``agent`` user in it, a
``known_citizen`` with a late request, ``gateways`` (agent gateways in front of the real
Asterisk), ``desk_factory`` (the agent desktops a test opened, logged out of the queues and
closed afterwards; see ``tests/desktop/desks.py``), and ``xvfb_run`` for the screenshots taken on
a virtual screen.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from agent_desktop.app import Desk
from agent_desktop.store.dto import AgentUser
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.models import utcnow
from citizen_center.services import citizens, requests, users
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import Actor
from tests.desktop.desks import PASSWORD, Gateways
from tests.fixtures.asterisk import RunningPbx
from tests.fixtures.databases import fresh_database_url


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = next(fresh_database_url("sqlite", request, tmp_path))
    db = Database.from_url(url)
    yield db
    db.dispose()


@pytest.fixture
def agent(database: Database) -> AgentUser:
    with database.transaction() as session:
        user = users.create_user(
            session,
            username="agente.teste",
            full_name="Ana Atendente",
            role=Role.AGENT,
            password=PASSWORD,
        )
        return AgentUser(user.id, user.username, user.full_name, user.role, "")


@pytest.fixture
def known_citizen(database: Database) -> tuple[int, str, str]:
    """A citizen with a late request from last year: (id, phone, that request's number)."""
    phone = f"5199{random.randrange(10**7):07d}"
    actor = Actor.system("test")
    with database.transaction() as session:
        citizen = citizens.register_citizen(
            session,
            CitizenInput(
                name="João da Silva Pereira",
                phones=[phone],
                addresses=[
                    AddressInput(
                        street="Avenida Ipiranga", house_number="1200", neighbourhood="Azenha"
                    )
                ],
            ),
            actor,
        )
        old = requests.open_request(
            session,
            service_code="ILUM-APAGADA",
            channel="phone",
            actor=actor,
            citizen_id=citizen.id,
            address=AddressInput(street="Avenida Ipiranga"),
            now=utcnow() - timedelta(days=200),
        )
        return citizen.id, phone, old.number


@pytest.fixture
def gateways(pbx: RunningPbx) -> Iterator[Gateways]:
    """Agent gateways in front of the session's Asterisk, one per database this test uses."""
    started = Gateways(pbx)
    yield started
    started.stop_all()


@pytest.fixture
def xvfb_run() -> list[str]:
    """The command prefix that runs a Qt program on a virtual 1366x768 screen (Debian's xvfb).

    Using it puts a test in the ``qt`` tier."""
    if shutil.which("xvfb-run") is None:
        pytest.skip("needs Debian's xvfb")
    return ["xvfb-run", "-a", "-s", "-screen 0 1366x768x24"]


@pytest.fixture
def desk_factory(qtbot: QtBot) -> Iterator[list[Desk]]:
    opened: list[Desk] = []
    yield opened
    for desk in opened:
        desk.phone.leave_queues()
        qtbot.wait(200)
        desk.close()
