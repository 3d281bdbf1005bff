"""When streaming engines fail: every engine down (the IVR records answers as before), and two
engine servers behind one Asterisk with the one serving a call killed in the middle of a turn
(the caller hears the question once more, on the other engine, and is routed).

The engines here are their own processes (``central156 speech serve``), killed with SIGKILL as a
machine dies: Asterisk gets no goodbye.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.speech.caller_voice import CallerVoice, Utterance
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SimulatedAgents, free_port
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    CitizenCaller,
    CommandLog,
    Reply,
    ivr_behind_pbx,
    streaming_ivr_on_sqlite,
)
from tests.fixtures.speech_engines import EngineProcess, point_pbx_at
from tests.ivr.test_call_flow import agent_saw

NO_INPUT_MS = 2000
MAX_UTTERANCE_MS = 4000
ENGINE_ENV = {
    "CENTRAL156_STREAMING_NO_INPUT_MS": str(NO_INPUT_MS),
    "CENTRAL156_STREAMING_MAX_UTTERANCE_MS": str(MAX_UTTERANCE_MS),
}


@pytest.fixture
def pothole(caller_voice: CallerVoice) -> Path:
    return caller_voice.speak(Utterance("a calçada da minha rua está cheia de buracos"))


def test_with_every_engine_down_the_ivr_records_the_answer_as_before(
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    whisper_model: Path,
    tmp_path: Path,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    agents: SimulatedAgents,
    ami: EventCollector,
    pothole: Path,
) -> None:
    nobody = f"ws://127.0.0.1:{free_port()}"  # nothing listens there
    streaming = point_pbx_at(pbx, [nobody])
    agents.add("servicos-urbanos", talk_seconds=1)
    with (
        streaming_ivr_on_sqlite(tmp_path, command_log, streaming) as ivr,
        ivr_behind_pbx(pbx, ivr.address, fake_ivr.address),
    ):
        placed = citizen_call.call([Reply("listen", say=pothole)])
        agent_saw(ami, placed.caller_number, "servicos-urbanos", command_log)
    sent = command_log.of(placed.caller_number)
    creates = [c for c in sent if c.startswith("SPEECH CREATE")]
    assert creates == ["SPEECH CREATE c156-speech-1"], sent
    assert any(c.startswith("RECORD FILE") for c in sent), sent
    assert not any(c.startswith("SPEECH RECOGNIZE") for c in sent), sent


@pytest.fixture
def two_engines(tmp_path: Path, whisper_model: Path) -> Iterator[list[EngineProcess]]:
    engines = [EngineProcess(tmp_path / f"engine-{n}.log", ENGINE_ENV) for n in (1, 2)]
    try:
        yield engines
    finally:
        for engine in engines:
            engine.stop()


def test_two_engines_one_killed_mid_turn_costs_the_caller_one_repeated_question(
    pbx: RunningPbx,
    fake_ivr: FakeFastAgiServer,
    two_engines: list[EngineProcess],
    tmp_path: Path,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    agents: SimulatedAgents,
    ami: EventCollector,
    pothole: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ivr.call")
    streaming = point_pbx_at(pbx, [engine.url for engine in two_engines])
    streaming = streaming.replace(no_input_ms=NO_INPUT_MS, max_utterance_ms=MAX_UTTERANCE_MS)
    agents.add("servicos-urbanos", talk_seconds=1)
    with (
        streaming_ivr_on_sqlite(
            tmp_path / "ivr", command_log, streaming, recognition_wait_s=1.0
        ) as ivr,
        ivr_behind_pbx(pbx, ivr.address, fake_ivr.address),
    ):
        # Silent through the first turn (its engine dies in it), speaks in the second.
        placed = citizen_call.call([Reply("listen"), Reply("listen", say=pothole)], hold_seconds=30)
        first = command_log.wait_for(
            placed.caller_number, 0, lambda c: c.startswith("SPEECH RECOGNIZE"), timeout=30
        )
        assert first is not None
        serving = _engine_of_the_turn(two_engines)
        serving.kill()
        agent_saw(ami, placed.caller_number, "servicos-urbanos", command_log)

    sent = command_log.of(placed.caller_number)
    turns = [c for c in sent if c.startswith("SPEECH RECOGNIZE")]
    assert len(turns) == 2, sent  # the question once more, no more
    creates = [c.split()[-1] for c in sent if c.startswith("SPEECH CREATE")]
    assert len(set(creates)) == 2, creates  # the second turn on the other engine
    assert any("lost mid-turn" in r.getMessage() for r in caplog.records)


def _engine_of_the_turn(engines: list[EngineProcess]) -> EngineProcess:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for engine in engines:
            if "turn 1 begins" in engine.log_file.read_text():
                return engine
        time.sleep(0.1)
    raise AssertionError("no engine began the call's turn")
