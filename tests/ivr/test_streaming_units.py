"""Streaming turns, piece by piece (fast tier): the AEAP messages as Asterisk sends and reads them,
the end-pointer on speech and on coughs, and the engine's sessions over a real WebSocket.

The engine tests stand a fixed recogniser in for Whisper (the real one runs in
``test_streaming_calls``): here what is checked is the protocol and the turn logic, with the real
Silero VAD deciding on real (espeak-ng) speech.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from websockets.asyncio.client import connect

from citizen_center.config import StreamingSettings
from ivr.intent import MenuContext
from ivr.speech.base import Hypothesis, Pcm, Recognition, read_wav
from ivr.speech.evaluation.dataset import _breath, _cough
from ivr.streaming import aeap
from ivr.streaming.endpointing import CHUNK, Endpointer, EndpointSettings, TurnEvent
from ivr.streaming.engine import (
    EngineThread,
    RecognitionScheduler,
    build_engine,
    ulaw_to_linear,
)
from ivr.streaming.listen import EnginePool, PromptFiles, trailing_silence_ms, wav_ms
from pbx import audio

# --- AEAP messages -----------------------------------------------------------------------------


def setup_request(*codecs: str) -> aeap.Message:
    # What res_speech_aeap's speech_aeap_engine_create sends (ast_json_pack + message_json).
    text = json.dumps(
        {
            "request": "setup",
            "id": "5b7e0f4c-0000-4000-8000-000000000001",
            "version": "0.1.0",
            "codecs": [{"name": c} for c in codecs],
            "params": {"language": "pt-BR"},
        }
    )
    return aeap.parse(text)


def test_setup_takes_the_first_offered_codec_the_engine_knows() -> None:
    assert aeap.choose_codec(setup_request("slin")) == "slin"
    assert aeap.choose_codec(setup_request("opus", "ulaw")) == "ulaw"
    assert aeap.choose_codec(setup_request("opus")) is None
    answer = json.loads(aeap.response(setup_request("slin"), codecs=[{"name": "slin"}]))
    assert answer == {
        "response": "setup",
        "id": "5b7e0f4c-0000-4000-8000-000000000001",
        "codecs": [{"name": "slin"}],
    }


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"id": "x"}'])
def test_what_is_not_an_aeap_message_is_refused(text: str) -> None:
    with pytest.raises(aeap.ProtocolError):
        aeap.parse(text)


def heard(*texts: str, no_speech: float = 0.02, engine: str = "whisper") -> Recognition:
    hypotheses = tuple(Hypothesis(t, -0.1 * (i + 1)) for i, t in enumerate(texts))
    return Recognition(
        text=texts[0],
        confidence=0.9,
        engine=engine,
        seconds=0.31,
        transcript=texts[0],
        audio_seconds=2.4,
        hypotheses=hypotheses,
        no_speech_prob=no_speech,
    )


def agi_reply(results: list[aeap.SpeechResult]) -> str:
    """The line res_agi's handle_speechrecognize prints for these results."""
    fields = " ".join(
        f'score{i}={r.score} text{i}="{r.text}" grammar{i}={r.grammar}'
        for i, r in enumerate(results)
    )
    return f"200 result=1 (speech) endpos=0 results={len(results)} {fields}\n"


def test_a_recognition_survives_the_trip_through_asterisk() -> None:
    original = heard('tem um "buraco" na rua', "tem um buraco na lua")
    results_out = aeap.recognition_to_results(original, speech_end=1_700_000_000.25)
    request = json.loads(aeap.results_request(results_out))
    assert request["request"] == "set" and request["id"]
    results = [aeap.SpeechResult(**r) for r in request["params"]["results"]]
    reply = aeap.parse_recognize_reply(agi_reply(results))
    assert reply.kind is aeap.ReplyKind.SPEECH and not reply.busy
    back = aeap.results_to_recognition(reply.results)
    assert back.text == "tem um 'buraco' na rua"  # Asterisk quotes texts without escaping
    assert [h.text for h in back.hypotheses] == [back.text, "tem um buraco na lua"]
    assert [h.logprob for h in back.hypotheses] == [-0.1, -0.2]
    assert back.no_speech_prob == pytest.approx(0.02)
    assert back.audio_seconds == pytest.approx(2.4)
    assert back.confidence == pytest.approx(round(np.exp(-0.1) * 0.98, 3))
    assert aeap.speech_end_of(reply.results) == pytest.approx(1_700_000_000.25)


@pytest.mark.parametrize(
    ("line", "kind", "digit"),
    [
        ("200 result=1 (digit) digit=7 endpos=1200\n", aeap.ReplyKind.DIGIT, "7"),
        ("200 result=1 (timeout) endpos=0\n", aeap.ReplyKind.TIMEOUT, ""),
        ("200 result=1 (hangup) endpos=0\n", aeap.ReplyKind.HANGUP, ""),
        ("200 result=0\n", aeap.ReplyKind.FAILED, ""),
        ("200 result=0 endpos=0\n", aeap.ReplyKind.FAILED, ""),
    ],
)
def test_recognize_replies_other_than_speech(line: str, kind: aeap.ReplyKind, digit: str) -> None:
    reply = aeap.parse_recognize_reply(line)
    assert (reply.kind, reply.digit) == (kind, digit)


def test_no_input_and_busy_are_answers_and_no_results_is_a_lost_engine() -> None:
    no_input = aeap.parse_recognize_reply(agi_reply(aeap.no_input_results()))
    assert no_input.no_input and not no_input.engine_lost and not no_input.busy
    busy = aeap.parse_recognize_reply(agi_reply(aeap.busy_results()))
    assert busy.busy and not busy.engine_lost and not busy.no_input
    # What Asterisk 22 replies when the engine's connection failed mid-turn.
    lost = aeap.parse_recognize_reply("200 result=1 (speech) endpos=0 results=0 \n")
    assert lost.engine_lost


# --- the end-pointer -------------------------------------------------------------------------

QUIET = EndpointSettings(no_input_ms=3000)


def samples_of(path: Path) -> npt.NDArray[np.int16]:
    return read_wav(path).samples


def silence(seconds: float) -> npt.NDArray[np.int16]:
    return np.zeros(int(8000 * seconds), dtype=np.int16)


def feed_in_frames(endpointer: Endpointer, audio: npt.NDArray[np.int16]) -> list[TurnEvent]:
    """As Asterisk sends it: 20 ms frames."""
    events: list[TurnEvent] = []
    for start in range(0, len(audio), 160):
        events += endpointer.feed(audio[start : start + 160])
    return events


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> npt.NDArray[np.int16]:
    folder = tmp_path_factory.mktemp("spoken")
    return samples_of(audio.synthesize("eu quero falar com um atendente", folder / "s.wav"))


def test_speech_starts_and_ends_after_the_trailing_silence(
    spoken: npt.NDArray[np.int16],
) -> None:
    endpointer = Endpointer(QUIET)
    events = feed_in_frames(endpointer, np.concatenate([silence(0.5), spoken, silence(2.0)]))
    assert events == [TurnEvent.SPEECH_STARTED, TurnEvent.END_OF_SPEECH]
    outcome = endpointer.outcome
    assert outcome is not None
    waited = outcome.decided_ms - outcome.speech_end_ms
    assert QUIET.trailing_silence_ms <= waited < QUIET.trailing_silence_ms + 100
    # The utterance holds the speech whole (pre-roll and a little tail), not the long silence.
    assert len(spoken) - 800 <= len(outcome.audio) <= len(spoken) + 8000


def test_a_pause_before_the_end_is_announced_for_an_early_decode(
    spoken: npt.NDArray[np.int16],
) -> None:
    endpointer = Endpointer(EndpointSettings(early_decode_after_ms=300))
    events = feed_in_frames(endpointer, np.concatenate([silence(0.3), spoken, silence(1.0)]))
    assert events == [TurnEvent.SPEECH_STARTED, TurnEvent.PAUSED, TurnEvent.END_OF_SPEECH]
    assert endpointer.outcome is not None


def test_a_cough_or_a_breath_is_not_speech_and_silence_is_no_input() -> None:
    rng = np.random.default_rng(12)
    noises = [_cough(rng), _breath(rng), _cough(rng)]
    audio_in = np.concatenate(
        [np.concatenate([silence(0.4), n.astype(np.int16)]) for n in noises] + [silence(4.0)]
    )
    endpointer = Endpointer(QUIET)
    events = feed_in_frames(endpointer, audio_in)
    assert events == [TurnEvent.NO_INPUT]


def test_line_silence_is_not_sent_through_the_model(spoken: npt.NDArray[np.int16]) -> None:
    class Counting:
        def __init__(self, session: Any) -> None:
            self.session, self.runs = session, 0

        def run(self, *args: Any) -> Any:
            self.runs += 1
            return self.session.run(*args)

    endpointer = Endpointer(EndpointSettings(no_input_ms=5000))
    counting = Counting(endpointer.vad._session)
    endpointer.vad._session = counting
    events = feed_in_frames(endpointer, np.concatenate([silence(3.0), spoken, silence(1.0)]))
    assert events == [TurnEvent.SPEECH_STARTED, TurnEvent.END_OF_SPEECH]
    speech_chunks = len(spoken) // CHUNK + 1
    assert counting.runs <= speech_chunks + 2  # the 4 s of line silence: no model run


def test_no_input_counts_from_the_end_of_the_prompt() -> None:
    endpointer = Endpointer(QUIET)
    endpointer.begin(listen_from_ms=4000)
    assert feed_in_frames(endpointer, silence(6.5)) == []
    assert feed_in_frames(endpointer, silence(0.6)) == [TurnEvent.NO_INPUT]
    assert endpointer.outcome is not None
    assert endpointer.outcome.decided_ms >= 7000


def test_a_caller_who_never_stops_is_cut_at_the_longest_utterance(
    spoken: npt.NDArray[np.int16],
) -> None:
    endpointer = Endpointer(EndpointSettings(max_utterance_ms=2000))
    events = feed_in_frames(endpointer, np.concatenate([spoken] * 4))
    assert events == [TurnEvent.SPEECH_STARTED, TurnEvent.MAX_LENGTH]
    assert endpointer.outcome is not None
    assert len(endpointer.outcome.audio) <= 8000 * 2.5


def test_mu_law_decoding_matches_the_standard_table() -> None:
    # G.711: 0xFF and 0x7F are the two zeros, 0x00 the most negative, 0x80 the most positive.
    codes = np.array([0xFF, 0x7F, 0x00, 0x80, 0xF0], dtype=np.uint8)
    assert ulaw_to_linear(codes).tolist() == [0, 0, -32124, 32124, 120]


# --- the engine over a WebSocket ---------------------------------------------------------------


NO_INPUT = [{"text": "", "score": 0, "grammar": "noinput", "best": 0}]


class FixedRecognizer:
    """Stands in for Whisper: answers ``text`` after ``delay`` seconds."""

    engine = "fixed"

    def __init__(self, text: str, delay: float = 0.0) -> None:
        self.text, self.delay, self.calls = text, delay, 0
        self.seconds: list[float] = []  # of each utterance recognised

    def recognize_pcm(self, pcm: Pcm, phrases: Any = None, *, vocabulary: str = "") -> Recognition:
        self.calls += 1
        self.seconds.append(pcm.seconds)
        time.sleep(self.delay)
        return heard(self.text or " ", no_speech=0.02 if self.text else 0.9, engine=self.engine)


@pytest.fixture
def engine_for() -> Iterator[Any]:
    started: list[EngineThread] = []

    def start(recognizer: FixedRecognizer, wait_s: float = 2.0, decoders: int = 1) -> EngineThread:
        settings = StreamingSettings(no_input_ms=1000, decoders=decoders)
        engine = EngineThread(build_engine(settings, recognizer, wait_s), "127.0.0.1", 0)
        started.append(engine.start())
        return engine

    yield start
    for engine in started:
        engine.stop()


async def asterisk_turn(
    url: str, audio_in: npt.NDArray[np.int16], prompt_ms: int = 0, trailing_ms: int = 0
) -> Any:
    """Play Asterisk's part of one turn: setup, SPEECH SET (trailing,) turn, audio in 20 ms
    frames until the engine sets results; returns those results."""
    async with connect(url, subprotocols=[aeap.SUBPROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"request": "setup", "id": "1", "codecs": [{"name": "slin"}]}))
        assert json.loads(await ws.recv())["codecs"] == [{"name": "slin"}]
        if trailing_ms:
            params = {"trailing": str(trailing_ms)}
            await ws.send(json.dumps({"request": "set", "id": "t", "params": params}))
            assert json.loads(await ws.recv()) == {"response": "set", "id": "t"}
        await ws.send(json.dumps({"request": "set", "id": "2", "params": {"turn": str(prompt_ms)}}))
        assert json.loads(await ws.recv()) == {"response": "set", "id": "2"}
        for start in range(0, len(audio_in), 160):
            await ws.send(audio_in[start : start + 160].astype("<i2").tobytes())
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["request"] == "set"
        await ws.send(json.dumps({"response": "set", "id": message["id"]}))
        return message["params"]["results"]


def test_the_engine_answers_a_turn_with_what_was_heard(
    engine_for: Any, spoken: npt.NDArray[np.int16]
) -> None:
    recognizer = FixedRecognizer("quero um atendente")
    engine = engine_for(recognizer)
    turn = np.concatenate([silence(0.3), spoken, silence(1.5)])
    results = asyncio.run(asterisk_turn(engine.url, turn))
    assert [r["text"] for r in results] == ["quero um atendente"]
    assert results[0]["grammar"].startswith("fixed:")
    # Decoded once: at the pause, early, and that decode was the answer.
    assert recognizer.calls == 1


def test_an_early_decode_is_thrown_away_when_the_caller_goes_on(
    engine_for: Any, spoken: npt.NDArray[np.int16]
) -> None:
    recognizer = FixedRecognizer("quero um atendente")
    engine = engine_for(recognizer)
    voiced = spoken[: int(np.flatnonzero(np.abs(spoken) > 300)[-1]) + 1]  # no trailing quiet
    turn = np.concatenate([voiced, silence(0.42), voiced, silence(1.5)])
    results = asyncio.run(asterisk_turn(engine.url, turn))
    assert [r["text"] for r in results] == ["quero um atendente"]
    assert recognizer.calls == 2


def test_a_question_with_long_answers_waits_out_a_pause_in_the_middle(
    engine_for: Any, spoken: npt.NDArray[np.int16]
) -> None:
    voiced = spoken[: int(np.flatnonzero(np.abs(spoken) > 300)[-1]) + 1]
    turn = np.concatenate([voiced, silence(0.7), voiced, silence(1.5)])
    short_turns = FixedRecognizer("quero um atendente")
    asyncio.run(asterisk_turn(engine_for(short_turns).url, turn, trailing_ms=600))
    long_turns = FixedRecognizer("quero um atendente")
    asyncio.run(asterisk_turn(engine_for(long_turns).url, turn, trailing_ms=800))
    # 600 ms ends the turn in the pause: half the answer; 800 ms hears both halves.
    assert short_turns.seconds[-1] < len(voiced) / 8000 + 0.6
    assert long_turns.seconds[-1] > 2 * len(voiced) / 8000


def test_the_ivr_asks_longer_silence_for_the_questions_callers_answer_in_parts() -> None:
    settings = StreamingSettings()
    assert trailing_silence_ms(settings, MenuContext.MAIN) == 800
    assert trailing_silence_ms(settings, MenuContext.PROTOCOL) == 800
    assert trailing_silence_ms(settings, MenuContext.CONFIRM) == 600
    assert trailing_silence_ms(settings, MenuContext.SURVEY) == 600


def test_the_engine_answers_no_input_with_no_results(engine_for: Any) -> None:
    recognizer = FixedRecognizer("never asked")
    engine = engine_for(recognizer)
    results = asyncio.run(asterisk_turn(engine.url, silence(3.0), prompt_ms=1000))
    assert results == NO_INPUT and recognizer.calls == 0


def test_words_nobody_said_do_not_end_the_turn(
    engine_for: Any, spoken: npt.NDArray[np.int16]
) -> None:
    # The recogniser hears nothing in the speech (as Whisper in noise): the engine listens on
    # until the no-input time instead of answering an empty turn.
    recognizer = FixedRecognizer("")
    engine = engine_for(recognizer)
    turn = np.concatenate([spoken, silence(3.0)])
    results = asyncio.run(asterisk_turn(engine.url, turn))
    assert results == NO_INPUT and recognizer.calls == 1


def test_a_saturated_engine_answers_busy_at_once(
    engine_for: Any, spoken: npt.NDArray[np.int16]
) -> None:
    # The decode outlasts the wait three times over (the test waits for the decode, so no longer).
    recognizer = FixedRecognizer("um buraco", delay=0.6)
    engine = engine_for(recognizer, wait_s=0.2)
    turn = np.concatenate([spoken, silence(1.0)])

    async def two_callers() -> list[Any]:
        return list(
            await asyncio.gather(asterisk_turn(engine.url, turn), asterisk_turn(engine.url, turn))
        )

    answers = asyncio.run(two_callers())
    grammars = sorted(a[0]["grammar"].split(":")[0] for a in answers)
    assert grammars == [aeap.BUSY_GRAMMAR, "fixed"]


class BatchRecognizer(FixedRecognizer):
    """Decodes batches, as Whisper's ``recognize_batch``; notes each batch's size."""

    def __init__(self, text: str, delay: float = 0.0) -> None:
        super().__init__(text, delay)
        self.batches: list[int] = []

    def recognize_batch(self, pcms: list[Pcm], vocabularies: list[str]) -> list[Recognition]:
        self.batches.append(len(pcms))
        time.sleep(self.delay)
        return [heard(self.text, engine=self.engine) for _ in pcms]


def test_waiting_turns_are_decoded_together_up_to_the_batch_size() -> None:
    recognizer = BatchRecognizer("um buraco")
    scheduler = RecognitionScheduler(recognizer, decoders=1, wait_s=5.0, batch_size=4)

    async def five_turns() -> list[Recognition | None]:
        turns = (scheduler.recognize(silence(1.0), "") for _ in range(5))
        return list(await asyncio.gather(*turns))

    try:
        answers = asyncio.run(five_turns())
    finally:
        scheduler.shutdown()
    assert recognizer.batches == [4] and recognizer.calls == 1  # the fifth alone
    assert [a.text if a else None for a in answers] == ["um buraco"] * 5


def test_a_lone_turn_gets_the_lone_decoder_and_turns_under_load_the_parallel_ones() -> None:
    alone, parallel = FixedRecognizer("sozinho", delay=0.3), BatchRecognizer("em lote", delay=0.3)
    scheduler = RecognitionScheduler(parallel, decoders=2, wait_s=5.0, batch_size=2, alone=alone)

    async def turns() -> list[str]:
        first = asyncio.ensure_future(scheduler.recognize(silence(1.0), ""))
        await asyncio.sleep(0.05)  # the first is being decoded: the engine is no longer quiet
        others = [scheduler.recognize(silence(1.0), "") for _ in range(4)]
        answers = await asyncio.gather(first, *others)
        later = await scheduler.recognize(silence(1.0), "")  # quiet again
        return [a.text if a else "busy" for a in [*answers, later]]

    try:
        texts = asyncio.run(turns())
    finally:
        scheduler.shutdown()
    assert texts == ["sozinho", "em lote", "em lote", "em lote", "em lote", "sozinho"]
    assert alone.calls == 2
    assert parallel.batches == [2, 2]  # both decoders, each taking two waiting turns
    assert scheduler.stats.alone == 2 and scheduler.stats.running == 0


def test_waiting_turns_are_split_evenly_over_the_free_decoders() -> None:
    recognizer = BatchRecognizer("um buraco", delay=0.2)
    scheduler = RecognitionScheduler(recognizer, decoders=2, wait_s=5.0, batch_size=8)

    async def six_turns() -> list[Recognition | None]:
        return list(
            await asyncio.gather(*(scheduler.recognize(silence(1.0), "") for _ in range(6)))
        )

    try:
        answers = asyncio.run(six_turns())
    finally:
        scheduler.shutdown()
    assert recognizer.batches == [3, 3]  # not one decoder with six and the other idle
    assert all(a is not None for a in answers)


def test_a_turn_that_would_be_answered_past_its_wait_is_busy_at_once() -> None:
    recognizer = BatchRecognizer("um buraco", delay=0.4)
    scheduler = RecognitionScheduler(recognizer, decoders=1, wait_s=0.6, batch_size=1)

    async def turns() -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        await scheduler.recognize(silence(1.0), "")  # times a batch of one: 0.4 s
        started = loop.time()

        async def one() -> tuple[str, float]:
            answer = await scheduler.recognize(silence(1.0), "")
            return (answer.text if answer else "busy", loop.time() - started)

        return list(await asyncio.gather(one(), one(), one()))

    try:
        answers = asyncio.run(turns())
    finally:
        scheduler.shutdown()
    # The first at 0.4 s; the second, taken at 0.4 s, would end at 0.8 s > 0.6 s: busy then,
    # not at 0.8 s; the third is still in line at 0.6 s: busy.
    assert [text for text, _ in answers] == ["um buraco", "busy", "busy"]
    assert all(at < 0.7 for _, at in answers[1:]), answers
    assert scheduler.stats.busy == 2


def test_turns_no_batch_decoder_takes_in_time_are_busy() -> None:
    recognizer = BatchRecognizer("um buraco", delay=0.6)  # twice the wait
    scheduler = RecognitionScheduler(recognizer, decoders=1, wait_s=0.3, batch_size=2)

    async def five_turns() -> list[Recognition | None]:
        turns = (scheduler.recognize(silence(1.0), "") for _ in range(5))
        return list(await asyncio.gather(*turns))

    try:
        answers = asyncio.run(five_turns())
    finally:
        scheduler.shutdown()
    assert sum(a is None for a in answers) == 3
    assert recognizer.batches == [2]


# --- the IVR's side -------------------------------------------------------------------------------


def test_calls_spread_over_the_engines_and_skip_one_that_failed() -> None:
    pool = EnginePool(("a", "b"), retry_after_s=60)
    firsts = {pool.order_for(f"1700000000.{n}")[0] for n in range(20)}
    assert firsts == {"a", "b"}
    pool.failed("a")
    assert all(pool.order_for(f"1700000000.{n}") == ["b"] for n in range(20))
    pool.worked("a")
    assert sorted(pool.order_for("x")) == ["a", "b"]


def test_prompt_keys_are_joined_into_one_file_once(tmp_path: Path) -> None:
    first = audio.write_wav(tmp_path / "a.wav", audio.tone(0.5, (440.0,)))
    second = audio.write_wav(tmp_path / "b.wav", audio.tone(0.25, (660.0,)))
    files = PromptFiles(tmp_path / "joined")
    joined = files.joined([first, second])
    assert joined.ms == wav_ms(first) + wav_ms(second)
    assert files.joined([first, second]) == joined
    assert len(list((tmp_path / "joined").iterdir())) == 1
    assert files.joined([first]).path == str(first.with_suffix(""))
    assert files.joined([]).ms == 100


def test_threads_share_one_vad_model() -> None:
    from ivr.streaming.endpointing import vad_session

    sessions: list[object] = []
    threads = [threading.Thread(target=lambda: sessions.append(vad_session())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(s) for s in sessions}) == 1
    assert CHUNK == 256
