"""The gateway through the real parts: a real Asterisk 22, the gateway's HTTP/WebSocket server,
and WebSocket clients holding agents' and a supervisor's tokens (what an attacker on an agent's
PC holds). Every refusal is checked on Asterisk itself, not only in the gateway's answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from citizen_center.config import Settings, load_settings
from citizen_center.db import Database
from citizen_center.domain.access import LoginFailure
from citizen_center.domain.workflow import Role
from citizen_center.models import LoginAttempt
from citizen_center.services import users
from gateway.client import GatewaySession, login
from gateway.protocol import ActionRequest
from pbx.channel_vars import ChannelVar
from tests.fixtures.asterisk import RunningPbx
from tests.fixtures.databases import fresh_database_url
from tests.fixtures.gateway import gateway_on

PASSWORD = "senha-de-teste-1"
QUEUE = "geral"


@dataclass
class Lab:
    settings: Settings
    database: Database
    ana: str
    bia: str


@pytest.fixture
def lab(request: pytest.FixtureRequest, tmp_path: Path, pbx: RunningPbx) -> Iterator[Lab]:
    database = Database.from_url(next(fresh_database_url("sqlite", request, tmp_path)))
    stamp = time.monotonic_ns() % 10**6
    ana, bia = f"Local/ana{stamp}@c156-test-agent/n", f"Local/bia{stamp}@c156-test-agent/n"
    with database.transaction() as session:
        for name, role, phone in (
            ("ana", Role.AGENT, ana),
            ("bia", Role.AGENT, bia),
            ("sara", Role.SUPERVISOR, ""),
            ("fabi", Role.FOCAL_POINT, ""),
        ):
            users.create_user(
                session,
                username=name,
                full_name=name.title(),
                role=role,
                password=PASSWORD,
                phone_interface=phone,
                secretariat_code="DMAE" if role is Role.FOCAL_POINT else None,
            )
    settings = load_settings().replace(pbx=pbx.settings)
    with gateway_on(settings, database) as (_running, configured):
        yield Lab(configured, database, ana, bia)
    with pbx.ami_client(events="off") as ami:
        for interface in (ana, bia):
            ami.action("QueueRemove", Queue=QUEUE, Interface=interface)
    database.dispose()


def sign_in(lab: Lab, username: str) -> GatewaySession:
    return login(lab.settings.gateway.resolved_url(), username, PASSWORD)


class Desk:
    """A raw WebSocket client: sends whatever it likes, as a hostile desktop would."""

    _answered: tuple[dict[str, str], list[dict[str, str]]]

    def __init__(self, session: GatewaySession) -> None:
        self.connection: ClientConnection = connect(
            session.stream_url,
            additional_headers={"Authorization": f"Bearer {session.token}"},
            open_timeout=5,
            legacy=True,
        )
        self.hello = json.loads(self.connection.recv(timeout=5))
        self.events: list[dict[str, str]] = []
        self._ids = 0

    def ask(self, action: str, **fields: str) -> tuple[dict[str, str], list[dict[str, str]]]:
        self._ids += 1
        request_id = str(self._ids)
        self.connection.send(ActionRequest(request_id, action, fields).encode())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._take(10.0) == request_id:
                return self._answered
        raise AssertionError(f"no answer to {action}")

    def wait_event(self, name: str, timeout: float = 5.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while True:
            found = [event for event in self.events if event.get("Event") == name]
            if found:
                return found[0]
            self._take(max(0.01, deadline - time.monotonic()))

    def _take(self, timeout: float) -> str:
        """Read one message: keep events, remember an answer; the answer's id or ""."""
        message = json.loads(self.connection.recv(timeout=timeout))
        if message["type"] == "event":
            self.events.append(dict(message["headers"]))
        elif message["type"] == "response":
            self._answered = (
                dict(message["headers"]),
                [dict(event) for event in message["events"]],
            )
            return str(message["id"])
        return ""

    def close(self) -> None:
        self.connection.close()


def member(pbx: RunningPbx, interface: str) -> dict[str, str] | None:
    with pbx.ami_client(events="off") as ami:
        _response, events = ami.list_action("QueueStatus", Queue=QUEUE, Member=interface)
    found = [e.as_dict() for e in events if e.get("Event") == "QueueMember"]
    return found[0] if found else None


def test_an_agents_token_acts_on_their_own_phone_and_nothing_else(
    lab: Lab,
    pbx: RunningPbx,
) -> None:
    ana, bia = Desk(sign_in(lab, "ana")), Desk(sign_in(lab, "bia"))
    try:
        assert ana.hello["pbx"] == "up" and ana.hello["user"]["interface"] == lab.ana
        for desk, interface in ((ana, lab.ana), (bia, lab.bia)):
            answer, _ = desk.ask("QueueAdd", Queue=QUEUE, Interface=interface, Paused="false")
            assert answer["Response"] == "Success", answer
        # Her own pause works and reaches Asterisk.
        answer, _ = ana.ask("QueuePause", Interface=lab.ana, Paused="true", Reason="Lanche")
        assert answer["Response"] == "Success"
        assert (member(pbx, lab.ana) or {}).get("Paused") == "1"

        # A colleague: neither paused nor removed.
        for action, fields in (
            ("QueuePause", {"Interface": lab.bia, "Paused": "true"}),
            ("QueueRemove", {"Queue": QUEUE, "Interface": lab.bia}),
        ):
            answer, _ = ana.ask(action, **fields)
            assert answer["Response"] == "Error" and "próprio ramal" in answer["Message"]
        still = member(pbx, lab.bia)
        assert still is not None and still.get("Paused") == "0"

        # The PBX itself: no global set, no call originated, no CLI.
        answer, _ = ana.ask("Setvar", Variable=f"GLOBAL({ChannelVar.AGI})", Value="agi://10.6.6.6")
        assert answer["Response"] == "Error" and "não permitida" in answer["Message"]
        assert "10.6.6.6" not in pbx.cli("dialplan show globals")
        channels_before = pbx.cli("core show channels count")
        answer, _ = ana.ask(
            "Originate",
            Channel="Local/156@c156-from-pstn",
            CallerID="190",
            Application="Wait",
            Data="5",
        )
        assert answer["Response"] == "Error"
        assert ana.ask("Command", Command="core stop now")[0]["Response"] == "Error"
        assert pbx.cli("core show channels count") == channels_before

        # Her status shows her membership, not her colleague's nor the callers waiting.
        answer, events = ana.ask("QueueStatus")
        assert answer["Response"] == "Success"
        seen = {e.get("Location") for e in events if e.get("Event") == "QueueMember"}
        assert seen == {lab.ana}
        assert not [e for e in events if e.get("Event") == "QueueEntry"]
    finally:
        ana.close()
        bia.close()


def test_a_supervisors_token_pauses_and_removes_others(lab: Lab, pbx: RunningPbx) -> None:
    bia, sara = Desk(sign_in(lab, "bia")), Desk(sign_in(lab, "sara"))
    try:
        assert bia.ask("QueueAdd", Queue=QUEUE, Interface=lab.bia)[0]["Response"] == "Success"
        answer, _ = sara.ask("QueuePause", Interface=lab.bia, Paused="true", Reason="Reunião")
        assert answer["Response"] == "Success"
        assert (member(pbx, lab.bia) or {}).get("PausedReason") == "Reunião"
        answer, events = sara.ask("QueueStatus")
        assert answer["Response"] == "Success"
        assert lab.bia in {e.get("Location") for e in events}
        assert sara.ask("QueueSummary")[0]["Response"] == "Success"
        assert sara.ask("QueueRemove", Queue=QUEUE, Interface=lab.bia)[0]["Response"] == "Success"
        assert member(pbx, lab.bia) is None
        assert sara.ask("Originate", Channel="Local/156@c156-from-pstn")[0]["Response"] == "Error"
    finally:
        bia.close()
        sara.close()


def test_events_reach_the_agent_they_concern(lab: Lab, pbx: RunningPbx) -> None:
    ana, bia = Desk(sign_in(lab, "ana")), Desk(sign_in(lab, "bia"))
    try:
        bia.ask("QueueAdd", Queue=QUEUE, Interface=lab.bia)
        added = bia.wait_event("QueueMemberAdded")
        assert added.get("Interface") == lab.bia
        # Ana got nothing about Bia.
        with pytest.raises(TimeoutError):
            ana.wait_event("QueueMemberAdded", timeout=1.0)
        assert not [event for event in ana.events if lab.bia in json.dumps(event)]
    finally:
        ana.close()
        bia.close()


def test_logins_are_checked_and_locked_out(lab: Lab) -> None:
    url = lab.settings.gateway.resolved_url()
    wrong = httpx.post(f"{url}/v1/session", json={"username": "ana", "password": "errada!!"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"].startswith("Usuário ou senha incorretos")
    # A colleague's registered phone is not for the taking.
    taken = httpx.post(
        f"{url}/v1/session", json={"username": "ana", "password": PASSWORD, "interface": lab.bia}
    )
    assert taken.status_code == 403
    garbage = httpx.post(
        f"{url}/v1/session",
        content=b"\x00\xff not json",
        headers={"Content-Type": "application/json"},
    )
    assert garbage.status_code == 400 and "detail" in garbage.json()
    # Four more wrong passwords (five in a row): then even the right one is refused.
    for _ in range(4):
        httpx.post(f"{url}/v1/session", json={"username": "bia", "password": "errada!!"})
    assert (
        httpx.post(
            f"{url}/v1/session", json={"username": "bia", "password": "errada!!"}
        ).status_code
        == 401
    )
    locked = httpx.post(f"{url}/v1/session", json={"username": "bia", "password": PASSWORD})
    assert locked.status_code == 401
    with lab.database.transaction() as session:
        attempts = session.scalars(
            select(LoginAttempt).where(LoginAttempt.username == "bia").order_by(LoginAttempt.id)
        ).all()
        assert [a.failure for a in attempts][-2:] == [
            LoginFailure.WRONG_PASSWORD,
            LoginFailure.LOCKED,
        ]
        assert all(a.source.startswith("gateway:127.0.0.1") for a in attempts)


def test_a_forged_or_missing_token_gets_no_stream(lab: Lab) -> None:
    session = sign_in(lab, "ana")
    for header in (
        {},
        {"Authorization": "Bearer forged.token.here"},
        {"Authorization": f"Bearer {session.token[:-2]}xx"},
    ):
        with pytest.raises(InvalidStatus):
            connect(session.stream_url, additional_headers=header, open_timeout=5)


def test_health_says_whether_the_pbx_is_reachable(lab: Lab) -> None:
    reply = httpx.get(f"{lab.settings.gateway.resolved_url()}/v1/health")
    assert reply.json()["pbx"] == "up"
