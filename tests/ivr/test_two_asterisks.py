"""Two Asterisks sharing one PostgreSQL (issue 12's scale-out): each with its own IVR server, both
streaming their callers' speech to one engine, both writing to the same database.

Two citizens call at the same moment, one on each box, and say what they need. Each is heard,
routed to the service's queue and answered by an agent of their own box, and the shared database
holds two call records, one per box: the boxes' ``systemname`` keeps their uniqueids apart (two
fresh Asterisks number their channels alike — the second and a counter — so without it the
same uniqueid would name both calls).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center import migrate
from citizen_center.config import load_settings
from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call
from ivr.speech.caller_voice import CallerVoice, Utterance
from ivr.streaming.engine import EngineThread
from pbx import process
from pbx.ami.client import AmiClient
from pbx.channel_vars import ChannelVar
from pbx.provision import AsteriskInstall
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SilenceFiles, SimulatedAgents, start_pbx
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    CitizenCaller,
    CommandLog,
    IvrUnderTest,
    Reply,
    build_prompts,
    ivr_settings,
    start_ivr,
    stop_ivr,
)
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.speech_engines import engine_in_thread, point_pbx_at
from tests.ivr.test_call_flow import agent_saw, wait_for_call_record

pytestmark = pytest.mark.postgresql

BOXES = ("poa-a", "poa-b")


@dataclass
class Box:
    """One Asterisk with its IVR server, its agents and a citizen who calls it."""

    name: str
    pbx: RunningPbx
    ivr: IvrUnderTest
    caller: CitizenCaller
    ami: EventCollector


@pytest.fixture
def shared_database(postgres_server: PostgresServer) -> Iterator[str]:
    name = "c156_two_asterisks"
    url = postgres_server.create_database(name)
    database = Database.from_url(url)
    migrate.upgrade_and_seed(database)
    database.dispose()
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def engine(whisper_model: Path) -> Iterator[EngineThread]:
    with engine_in_thread(load_settings()) as running:
        yield running


@contextlib.contextmanager
def box(
    name: str,
    folder: Path,
    install: AsteriskInstall,
    database_url: str,
    engine: EngineThread,
    commands: CommandLog,
) -> Iterator[Box]:
    driver = FakeFastAgiServer().start()
    pbx = start_pbx(folder / "asterisk", install, "127.0.0.1:9", driver.address, name)
    client: AmiClient | None = None
    try:
        streaming = point_pbx_at(pbx, [engine.url])
        settings = ivr_settings(database_url, folder / "recordings").replace(streaming=streaming)
        build_prompts(settings)
        ivr = start_ivr(settings, commands)
        try:
            pbx.cli(f"dialplan set global {ChannelVar.AGI} agi://{ivr.address}")
            SimulatedAgents(pbx).add("servicos-urbanos", talk_seconds=1)
            client = pbx.ami_client()
            caller = CitizenCaller(pbx, driver, commands, SilenceFiles(folder))
            yield Box(name, pbx, ivr, caller, EventCollector(client))
        finally:
            stop_ivr(ivr)
    finally:
        if client is not None:
            client.close()
        process.stop(pbx.settings)
        driver.stop()


def test_two_asterisks_share_one_postgresql_and_one_speech_engine(
    tmp_path: Path,
    asterisk_install: AsteriskInstall,
    shared_database: str,
    engine: EngineThread,
    command_log: CommandLog,
    caller_voice: CallerVoice,
) -> None:
    pothole = caller_voice.speak(Utterance("a calçada da minha rua está cheia de buracos"))
    with contextlib.ExitStack() as stack:
        boxes = [
            stack.enter_context(
                box(name, tmp_path / name, asterisk_install, shared_database, engine, command_log)
            )
            for name in BOXES
        ]
        # On the line until the agents answered: two turns decoded at once on 2 cores take
        # seconds; the records wait for the callers to hang up.
        placed = [b.caller.call([Reply("listen", say=pothole)], hold_seconds=20) for b in boxes]
        for b, call in zip(boxes, placed, strict=True):
            agent_saw(b.ami, call.caller_number, "servicos-urbanos", command_log)
        records = [
            wait_for_call_record(b.ivr.database, c.caller_number, 60)
            for b, c in zip(boxes, placed, strict=True)
        ]

    for name, record, call in zip(BOXES, records, placed, strict=True):
        assert record.uniqueid.startswith(f"{name}-"), record.uniqueid
        said = command_log.of(call.caller_number)
        assert record.outcome is CallOutcome.ANSWERED, (record.outcome, said)
        assert record.queue == "servicos-urbanos"
        assert any(c.startswith("SPEECH RECOGNIZE") for c in said), said
    database = Database.from_url(shared_database)
    try:
        with database.transaction() as session:
            uniqueids = session.scalars(select(Call.uniqueid)).all()
    finally:
        database.dispose()
    assert sorted(uniqueids) == sorted(r.uniqueid for r in records)
