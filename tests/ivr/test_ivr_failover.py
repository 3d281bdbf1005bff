"""Two IVR servers behind one Asterisk: ``C156_AGI`` and ``C156_AGI_BACKUP``.

The server serving a call is killed in the middle of it (SIGKILL, as a machine dies: no goodbye,
nothing written on the way out). Asterisk's ``AGI()`` fails, the dialplan hands the call to the
backup server, which finds the call's record, skips the welcome the caller already heard, says
it goes on and asks the question again. The caller answers and reaches an agent: one repeated
question, never the call.

The first server is its own process (``central156 ivr serve``) so that it can really be killed;
the backup runs in the test's process, where the test sees what it sends the caller.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center import migrate
from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call, CallStep
from ivr.intent.actions import KEY_AGENT
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SimulatedAgents
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    LISTEN_COMMANDS,
    CitizenCaller,
    CommandLog,
    IvrUnderTest,
    Reply,
    build_prompts,
    ivr_settings,
    start_ivr,
    stop_ivr,
)
from tests.ivr.test_call_flow import agent_saw, wait_for_call_record
from tests.ivr.test_ivr_process import IvrProcess, launch_ivr

pytestmark = [pytest.mark.faults, pytest.mark.slow]

KEYS_ONLY = "vosk"  # no Portuguese Vosk model here: the menu by keys, and a quick start


@pytest.fixture
def shared_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ivr.sqlite3'}"
    database = Database.from_url(url)
    migrate.upgrade_and_seed(database)
    database.dispose()
    return url


@pytest.fixture
def backup_ivr(
    tmp_path: Path, shared_database: str, command_log: CommandLog
) -> Iterator[IvrUnderTest]:
    base = ivr_settings(shared_database, tmp_path / "backup-recordings")
    settings = base.replace(ivr=base.ivr.replace(speech_engine=KEYS_ONLY))
    build_prompts(settings)
    ivr = start_ivr(settings, command_log)
    try:
        yield ivr
    finally:
        stop_ivr(ivr)


@pytest.fixture
def primary_ivr(
    tmp_path: Path, shared_database: str, backup_ivr: IvrUnderTest
) -> Iterator[IvrProcess]:
    folder = tmp_path / "primary"
    folder.mkdir()
    audio_dir = str(backup_ivr.settings.ivr.resolved_audio_dir())  # the same rendered prompts
    ivr = launch_ivr(folder, shared_database, ivr_speech_engine=KEYS_ONLY, ivr_audio_dir=audio_dir)
    try:
        yield ivr
    finally:
        ivr.kill()


@pytest.fixture
def two_servers_behind_pbx(
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    primary_ivr: IvrProcess,
    backup_ivr: IvrUnderTest,
) -> Iterator[tuple[IvrProcess, IvrUnderTest]]:
    with pbx.ami_client(events="off") as client:
        client.checked_action(
            "Setvar", Variable=ChannelVar.AGI, Value=f"agi://127.0.0.1:{primary_ivr.port}"
        )
        client.checked_action(
            "Setvar", Variable=ChannelVar.AGI_BACKUP, Value=f"agi://{backup_ivr.address}"
        )
    try:
        yield primary_ivr, backup_ivr
    finally:
        with pbx.ami_client(events="off") as client:
            client.checked_action(
                "Setvar", Variable=ChannelVar.AGI, Value=f"agi://{fake_ivr.address}"
            )
            client.checked_action("Setvar", Variable=ChannelVar.AGI_BACKUP, Value="")


def test_the_ivr_server_killed_mid_call_costs_the_caller_one_repeated_question(
    two_servers_behind_pbx: tuple[IvrProcess, IvrUnderTest],
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    agents: SimulatedAgents,
    ami: EventCollector,
    pbx: RunningPbx,
) -> None:
    primary, backup = two_servers_behind_pbx
    agents.add("geral", talk_seconds=1)
    # The caller says nothing to the first server (it dies while asking); to the question
    # asked again they press "talk to an agent".
    # On the line until the agent answered (then the record waits for the caller to hang up).
    placed = citizen_call.call([Reply("listen", keys=KEY_AGENT)], hold_seconds=10)
    began = _first_step_of(backup.database, placed.caller_number)
    time.sleep(1.0)  # the first server is playing the welcome and the question
    primary.kill()

    agent_saw(ami, placed.caller_number, "geral", command_log)
    record = wait_for_call_record(backup.database, placed.caller_number, timeout=60)
    with backup.database.transaction() as session:
        steps = session.scalars(
            select(CallStep.step).where(CallStep.call_id == record.id).order_by(CallStep.seq)
        ).all()

    assert began == "welcome"
    assert steps.count("welcome") == 1, steps  # the welcome once: the backup did not replay it
    assert "taken-over" in steps, steps
    assert record.outcome is CallOutcome.ANSWERED, (record.outcome, steps)
    assert record.queue == "geral"
    sent = command_log.of(placed.caller_number)  # what the backup sent this caller
    questions = [c for c in sent if c.startswith(LISTEN_COMMANDS)]
    assert questions, sent
    assert any("failure/resume" in c for c in sent), sent
    assert not any("/welcome " in f"{c} " for c in sent), sent
    notice = pbx.messages_log.read_text()
    assert "takes over" in notice


def _first_step_of(database: Database, caller: str, timeout: float = 30.0) -> str:
    """The first step the first server recorded for the caller, once it has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database.transaction() as session:
            step = session.scalar(
                select(CallStep.step)
                .join(Call, CallStep.call_id == Call.id)
                .where(Call.caller_number.like(f"%{caller[-8:]}"))
                .order_by(CallStep.seq)
            )
        if step is not None:
            return step
        time.sleep(0.05)
    raise TimeoutError(f"the first IVR server recorded nothing for {caller}")
