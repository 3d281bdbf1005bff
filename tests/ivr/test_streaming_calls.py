"""Streaming speech turns through the real parts: Asterisk (``res_speech_aeap``), the FastAGI IVR,
the streaming engine (Silero VAD + Whisper) and a Kokoro-voiced citizen on a Local channel.

The engine's log lines are the witnesses of what the caller lived: when speech started (on the
audio clock of the turn, which begins with the prompt), and when and why the turn ended.
"""

from __future__ import annotations

import logging
import re
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from citizen_center.config import load_settings
from citizen_center.logs import current_call
from ivr.speech.caller_voice import CallerVoice, Utterance
from ivr.streaming.engine import EngineThread
from ivr.streaming.listen import wav_ms
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SimulatedAgents
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    CitizenCaller,
    CommandLog,
    IvrUnderTest,
    Reply,
    ivr_behind_pbx,
    streaming_ivr_on_sqlite,
)
from tests.fixtures.speech_engines import engine_in_thread, point_pbx_at
from tests.ivr.test_call_flow import agent_saw, steps_of, wait_for_call_record

NO_INPUT_MS = 3000


@pytest.fixture(scope="module")
def speech_engine(whisper_model: Path) -> Iterator[EngineThread]:
    settings = load_settings()
    settings = settings.replace(streaming=settings.streaming.replace(no_input_ms=NO_INPUT_MS))
    with engine_in_thread(settings) as engine:
        yield engine


@pytest.fixture(scope="module")
def streaming_ivr(
    tmp_path_factory: pytest.TempPathFactory,
    speech_engine: EngineThread,
    pbx: RunningPbx,
    command_log: CommandLog,
) -> Iterator[IvrUnderTest]:
    streaming = point_pbx_at(pbx, [speech_engine.url])
    with streaming_ivr_on_sqlite(
        tmp_path_factory.mktemp("streaming-ivr"),
        command_log,
        streaming.replace(no_input_ms=NO_INPUT_MS),
    ) as ivr:
        yield ivr


@pytest.fixture
def behind_pbx(
    streaming_ivr: IvrUnderTest, pbx: RunningPbx, fake_ivr: FakeFastAgiServer
) -> Iterator[IvrUnderTest]:
    with ivr_behind_pbx(pbx, streaming_ivr.address, fake_ivr.address):
        yield streaming_ivr


@pytest.fixture
def engine_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The engine's log lines, each with the call it was about (``record.call``, as the
    service's log format shows it): an earlier test's call may still be in its survey."""

    def name_the_call(record: logging.LogRecord) -> bool:
        record.call = current_call.get()
        return True

    caplog.set_level(logging.INFO, logger="ivr.streaming.engine")
    caplog.handler.addFilter(name_the_call)
    yield caplog
    caplog.handler.removeFilter(name_the_call)


def uniqueid_of(commands: CommandLog, caller: str) -> str:
    """The call's uniqueid, as the IVR told the engine (``SPEECH SET uniqueid``)."""
    told = [c.split()[-1] for c in commands.of(caller) if c.startswith("SPEECH SET uniqueid")]
    assert told, commands.of(caller)
    return told[0].strip('"')


def engine_lines(
    caplog: pytest.LogCaptureFixture, uniqueid: str, pattern: str
) -> list[re.Match[str]]:
    found = (
        re.search(pattern, r.getMessage())
        for r in caplog.records
        if getattr(r, "call", "") == uniqueid
    )
    return [m for m in found if m is not None]


def prompt_ms(ivr: IvrUnderTest, *keys: str) -> int:
    folder = ivr.settings.ivr.resolved_audio_dir() / "pt_BR"
    return sum(wav_ms(folder / f"{key}.wav") for key in keys)


def cough_wav(folder: Path) -> Path:
    """A cough as the evaluation set makes one: a burst of band-limited noise, sharp attack."""
    rng = np.random.default_rng(156)
    length = int(0.35 * 8000)
    burst = np.convolve(rng.standard_normal(length), np.ones(4) / 4, mode="same")
    envelope = np.exp(-np.arange(length) / 640) * (1 - np.exp(-np.arange(length) / 40))
    samples = np.concatenate([np.zeros(1600), burst * envelope * 9000.0, np.zeros(1600)])
    path = folder / "cough.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())
    return path


def test_a_caller_who_talks_over_the_welcome_is_heard_and_routed(
    behind_pbx: IvrUnderTest,
    citizen_call: CitizenCaller,
    caller_voice: CallerVoice,
    agents: SimulatedAgents,
    ami: EventCollector,
    command_log: CommandLog,
    engine_log: pytest.LogCaptureFixture,
) -> None:
    agents.add("servicos-urbanos", talk_seconds=1)
    pothole = caller_voice.speak(Utterance("a calçada da minha rua está cheia de buracos"))
    # The caller speaks as soon as the IVR starts its first turn: over the welcome.
    placed = citizen_call.call([Reply("listen", say=pothole)])
    connect = agent_saw(ami, placed.caller_number, "servicos-urbanos", command_log)
    assert connect is not None

    sent = command_log.of(placed.caller_number)
    assert not any(c.startswith("RECORD FILE") for c in sent), sent
    assert not any("/welcome" in c for c in sent if c.startswith("STREAM FILE")), sent
    started = engine_lines(
        engine_log, uniqueid_of(command_log, placed.caller_number), r"speech started at (\d+) ms"
    )
    assert started, "the engine never heard the caller start"
    # Heard while the welcome was still playing (the turn's clock starts with its prompt).
    assert int(started[0].group(1)) < prompt_ms(behind_pbx, "welcome")

    record = wait_for_call_record(
        behind_pbx.database, placed.caller_number, done=lambda call: bool(call.queue)
    )
    heard = [intent for name, intent, _ in steps_of(behind_pbx.database, record)]
    assert heard[1].startswith(("VIA", "CALCADA")), heard  # a service of servicos-urbanos


def test_a_cough_during_the_prompt_does_not_cut_it_and_silence_gets_the_no_input_prompt(
    behind_pbx: IvrUnderTest,
    citizen_call: CitizenCaller,
    command_log: CommandLog,
    engine_log: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    cough = cough_wav(tmp_path)
    # Coughs while the welcome plays, then says nothing.
    placed = citizen_call.call(
        [Reply("listen", say=cough, delay=0.5), Reply("menu/no_input", hang_up=True)]
    )
    placed.wait(90)
    assert placed.answered == ["listen", "menu/no_input"]

    uniqueid = uniqueid_of(command_log, placed.caller_number)
    assert not engine_lines(engine_log, uniqueid, "speech started"), "the cough taken for speech"
    answered = engine_lines(
        engine_log, uniqueid, r"turn 1 answered no_input .*\((\d+) ms of the turn\)"
    )
    assert answered, [r.getMessage() for r in engine_log.records]
    # The whole prompt played (nothing cut it), then the no-input time ran from its end.
    played = prompt_ms(behind_pbx, "welcome", "menu/ask_reason")
    assert int(answered[0].group(1)) >= played + NO_INPUT_MS
