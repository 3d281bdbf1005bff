"""The 156 call flow through the real Asterisk, the real IVR (FastAGI, Whisper) and a database.

Each test places a simulated citizen call (Local channel) whose side answers when the IVR asks,
with Kokoro-spoken pt-BR or keys, and checks what reached the queue, the agent's channel, the
AGI commands the IVR sent and the call record in the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center import migrate
from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call, CallRequest, SurveyResponse
from citizen_center.services import requests
from citizen_center.services.citizens import AddressInput, CitizenInput, register_citizen
from citizen_center.services.common import Actor
from ivr.speech.caller_voice import CallerVoice, Utterance
from pbx.ami import AmiMessage
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SimulatedAgents, unique_caller_number
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    CitizenCaller,
    CommandLog,
    IvrUnderTest,
    Reply,
    ivr_behind_pbx,
    ivr_settings,
    start_ivr,
    stop_ivr,
)
from tests.fixtures.postgres import PostgresServer

AGENT = Actor.system("teste")


def ended(call: Call) -> bool:
    return call.ended_at is not None


def wait_for_call_record(
    database: Database, caller: str, timeout: float = 30.0, done: Callable[[Call], bool] = ended
) -> Call:
    """The caller's call record once ``done`` holds (by default: completed, ``ended_at`` set)."""
    deadline = time.monotonic() + timeout
    while True:
        with database.transaction() as session:
            call = session.scalar(select(Call).where(Call.caller_number.like(f"%{caller[-8:]}")))
            if call is not None and done(call):
                session.expunge_all()
                return call
        if time.monotonic() > deadline:
            raise TimeoutError(f"no completed call record for {caller}")
        time.sleep(0.2)


def steps_of(database: Database, call: Call) -> list[tuple[str, str, str]]:
    with database.transaction() as session:
        stored = session.get_one(Call, call.id)
        return [(s.step, s.intent, s.keys) for s in stored.steps]


def agent_saw(
    ami: EventCollector, caller: str, queue: str, commands: CommandLog | None = None
) -> AmiMessage:
    try:
        return ami.wait_for("AgentConnect", 60, CallerIDNum=caller, Queue=queue)
    except TimeoutError as exc:
        said = "\n".join(commands.of(caller)) if commands else "(not logged)"
        raise AssertionError(f"{exc}\nthe IVR sent:\n{said}") from exc


@pytest.fixture
def no_ivr_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("ivr")]
    assert not errors, [r.getMessage() for r in errors]


def test_spoken_request_reaches_the_service_queue_with_what_the_ivr_learned(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    caller_voice: CallerVoice,
    agents: SimulatedAgents,
    ami: EventCollector,
    no_ivr_errors: None,
) -> None:
    agents.add("servicos-urbanos", talk_seconds=1)
    speech = caller_voice.speak(Utterance("tem um buraco enorme na minha rua"))
    placed = citizen_call.call([Reply("listen", say=speech)])

    connect = agent_saw(ami, placed.caller_number, "servicos-urbanos", citizen_call.commands)
    variables = connect.variables("DestChanVariable")
    assert variables[ChannelVar.SERVICE] == "VIA-BURACO"
    assert variables[ChannelVar.INTENT] == "VIA-BURACO"
    assert "buraco" in variables[ChannelVar.TEXT].lower()
    assert float(variables[ChannelVar.CONFIDENCE]) >= 0.5
    assert variables[ChannelVar.CALL_ID]

    record = wait_for_call_record(
        real_ivr.database,
        placed.caller_number,
        done=lambda call: call.outcome is CallOutcome.QUEUED,
    )
    assert record.queue == "servicos-urbanos" and record.ended_at is None  # still on the line
    steps = steps_of(real_ivr.database, record)
    assert [s[0] for s in steps][:3] == ["welcome", "main-menu", "route"]
    assert steps[1][1] == "VIA-BURACO"


def test_keys_only_call_and_a_key_during_the_welcome_is_honoured_at_once(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    ami: EventCollector,
    command_log: CommandLog,
    no_ivr_errors: None,
) -> None:
    agents.add("limpeza-urbana", talk_seconds=1)
    placed = citizen_call.call([Reply("welcome", keys="3", delay=1.0)])

    connect = agent_saw(ami, placed.caller_number, "limpeza-urbana")
    assert connect.variables("DestChanVariable")[ChannelVar.INTENT] == "queue:limpeza-urbana"
    sent = command_log.of(placed.caller_number)
    # The key interrupted the welcome: the IVR never asked the open question.
    assert not any("menu/ask_reason" in c for c in sent)
    assert not any(c.startswith("RECORD FILE") for c in sent)


@pytest.fixture
def known_citizen_request(real_ivr: IvrUnderTest) -> tuple[str, str]:
    """A citizen (by phone) with one open pothole request; returns (phone, protocol)."""
    phone = unique_caller_number()
    with real_ivr.database.transaction() as session:
        citizen = register_citizen(session, CitizenInput(name="Joana Prado", phones=[phone]), AGENT)
        request = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="app",
            actor=AGENT,
            citizen_id=citizen.id,
            address=AddressInput(street="Rua Voluntários da Pátria", house_number="800"),
        )
        return phone, request.number


def test_protocol_status_is_read_back_and_recorded_on_the_call(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    known_citizen_request: tuple[str, str],
    no_ivr_errors: None,
) -> None:
    phone, number = known_citizen_request
    placed = citizen_call.call(
        [
            Reply("open_requests/offer", keys="8", delay=0.5),
            Reply("protocol/ask", keys=number + "#", delay=0.5),
            Reply("protocol/another", keys="#", delay=0.5),
        ],
        caller_number=phone,
    )
    placed.wait(90)
    record = wait_for_call_record(real_ivr.database, phone)
    assert record.outcome is CallOutcome.SELF_SERVICE
    assert record.citizen_id is not None

    sent = command_log.of(phone)
    spoken = [c.split()[2].rsplit("/pt_BR/", 1)[-1] for c in sent if c.startswith("STREAM FILE")]
    assert "open_requests/one" in spoken  # "Você tem uma solicitação em aberto."
    readback = spoken[spoken.index("protocol/number") :]
    digits = [k.removeprefix("digit/") for k in readback if k.startswith("digit/")]
    assert "".join(digits) == number
    assert {"service/VIA-BURACO", "status/forwarded", "deadline/on_time"} <= set(readback)
    assert "goodbye" in spoken
    with real_ivr.database.transaction() as session:
        links = session.scalars(select(CallRequest).where(CallRequest.call_id == record.id)).all()
        assert [(link.kind, link.request.number) for link in links] == [("consulted", number)]
    assert ("protocol", "found", number) in steps_of(real_ivr.database, record)


def test_garbage_keys_get_a_clear_answer_and_the_caller_still_gets_through(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    ami: EventCollector,
    command_log: CommandLog,
    no_ivr_errors: None,
) -> None:
    agents.add("geral", talk_seconds=1)
    placed = citizen_call.call(
        [
            Reply("listen", keys="7"),  # no such option
            Reply("menu/invalid_key"),
            Reply("menu/ask_reason", keys="8"),  # consult a protocol...
            Reply("protocol/ask", keys="2026123#", delay=0.5),  # ...with a malformed number
            Reply("protocol/invalid"),
            Reply("protocol/ask", keys="0", delay=0.5),  # give up: an agent
        ]
    )
    agent_saw(ami, placed.caller_number, "geral")
    record = wait_for_call_record(
        real_ivr.database,
        placed.caller_number,
        done=lambda call: call.outcome is CallOutcome.QUEUED,
    )
    steps = steps_of(real_ivr.database, record)
    assert ("main-menu", "unknown", "7") in steps
    assert ("protocol", "invalid", "2026123") in steps


def test_survey_score_is_stored_with_the_call_and_the_agent(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    ami: EventCollector,
    no_ivr_errors: None,
) -> None:
    member = agents.add("agua-esgoto", talk_seconds=1)
    placed = citizen_call.call([Reply("listen", keys="2"), Reply("survey/ask", keys="4")])
    placed.wait(90)
    deadline = time.monotonic() + 20
    while True:
        with real_ivr.database.transaction() as session:
            response = session.scalar(
                select(SurveyResponse)
                .join(Call, SurveyResponse.call_id == Call.id)
                .where(Call.caller_number.like(f"%{placed.caller_number[-8:]}"))
            )
            if response is not None:
                assert response.score == 4
                assert response.agent_interface == member.interface
                call = session.get_one(Call, response.call_id)
                assert call.answered_at is not None and call.queue == "agua-esgoto"
                break
        assert time.monotonic() < deadline, "no survey response stored"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("script", "outcome"),
    [
        ([Reply("welcome", hang_up=True, delay=1.0)], CallOutcome.HANGUP_IN_IVR),
        ([Reply("listen", hang_up=True, delay=1.0)], CallOutcome.HANGUP_IN_IVR),
        (
            [Reply("listen", keys="8"), Reply("protocol/ask", hang_up=True, delay=1.0)],
            CallOutcome.HANGUP_IN_IVR,
        ),
        (
            [Reply("listen", keys="9"), Reply("survey/ask", hang_up=True, delay=0.5)],
            CallOutcome.ANSWERED,
        ),
    ],
    ids=["welcome", "main-menu", "protocol", "survey"],
)
def test_hang_up_at_any_step_leaves_a_complete_call_record(
    real_ivr: IvrUnderTest,
    citizen_call: CitizenCaller,
    agents: SimulatedAgents,
    script: list[Reply],
    outcome: CallOutcome,
    no_ivr_errors: None,
) -> None:
    agents.add("geral", talk_seconds=1)
    placed = citizen_call.call(script)
    placed.wait(90)
    record = wait_for_call_record(real_ivr.database, placed.caller_number)
    assert record.outcome is outcome
    assert record.ended_at is not None and record.ended_at <= datetime.now(UTC)
    assert steps_of(real_ivr.database, record)[0][0] in ("welcome", "survey")


@pytest.mark.postgresql  # a server of its own, to stop mid-call: no fixture says so
def test_database_stopped_mid_call_apologises_and_routes_to_the_general_queue(
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    agents: SimulatedAgents,
    ami: EventCollector,
    tmp_path: Path,
    whisper_model: Path,
) -> None:
    with PostgresServer() as server:
        url = server.create_database("ivr_down")
        database = Database.from_url(url)
        migrate.upgrade_and_seed(database)
        ivr = start_ivr(ivr_settings(url, tmp_path / "recordings"), command_log)
        try:
            with ivr_behind_pbx(pbx, ivr.address, fake_ivr.address):
                agents.add("geral", talk_seconds=1)
                placed = citizen_call.call([Reply("listen", keys="2")])
                found = command_log.wait_for(
                    placed.caller_number, 0, lambda c: "/welcome " in c, 60
                )
                assert found is not None
                server.pause()  # the database goes down while the caller hears the welcome
                connect = agent_saw(ami, placed.caller_number, "geral", command_log)
                assert connect.variables()[ChannelVar.ROUTE_REASON] == "database-unavailable"
                sent = command_log.of(placed.caller_number)
                assert any("failure/apology" in c for c in sent)
                server.resume()
                # What was recorded before the failure is still there.
                with database.transaction() as session:
                    call = session.scalar(
                        select(Call).where(Call.caller_number.like(f"%{placed.caller_number[-8:]}"))
                    )
                    assert call is not None
                    assert call.steps[0].step == "welcome"
        finally:
            stop_ivr(ivr)
            database.dispose()
