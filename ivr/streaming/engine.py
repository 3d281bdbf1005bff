"""The streaming speech engine: an AEAP WebSocket server Asterisk streams each call's audio to.

One connection per call's speech object (``SPEECH CREATE``). Before each ``SPEECH RECOGNIZE``
the IVR sets ``turn`` (the prompt's length in ms: audio flows while the prompt plays, and the
no-input time counts from its end), ``uniqueid`` (for the logs) and ``vocabulary`` (Whisper's
prompt for this question). The session runs the audio through the ``Endpointer`` (Silero VAD) as
it arrives and, at the end of the caller's speech, has the turn recognised from memory; the
result (or the no-input answer, or "busy") goes back to Asterisk as a ``set results`` request,
which ends ``SPEECH RECOGNIZE``. An utterance Whisper hears no word in (noise the VAD let
through) does not end the turn: the session listens on, and the prompt keeps playing.

Recognitions from every call go through one ``RecognitionScheduler``: a lone turn on a decoder
with every core (``alone_threads``), turns under load on ``decoders`` one-core decoders taking
up to ``batch_size`` waiting turns each, the rest waiting in line for at most ``wait_s``; past
that the turn's answer is "busy" and the IVR offers keys (admission control: a saturated engine
answers at once, never with silence). Several engines behind one Asterisk
are several ``aeap.conf`` clients; the IVR picks one per call (``ivr.streaming.listen``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from citizen_center.config import StreamingSettings
from citizen_center.logs import call_context, log_safe
from ivr.speech.base import Pcm, Recognition
from ivr.streaming import aeap
from ivr.streaming.endpointing import (
    RATE,
    TAIL_KEPT_MS,
    Endpointer,
    EndpointSettings,
    TurnEvent,
    TurnOutcome,
)

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w", re.UNICODE)


class PcmRecognizer(Protocol):
    engine: str

    def recognize_pcm(
        self, pcm: Pcm, phrases: Any = None, *, vocabulary: str = ""
    ) -> Recognition: ...


def endpoint_settings(
    settings: StreamingSettings, trailing_silence_ms: int | None = None
) -> EndpointSettings:
    """The end-pointer's settings; ``trailing_silence_ms`` instead of the configured one (a
    question whose answers are long)."""
    return EndpointSettings(
        trailing_silence_ms=trailing_silence_ms or settings.trailing_silence_ms,
        no_input_ms=settings.no_input_ms,
        max_utterance_ms=settings.max_utterance_ms,
        min_speech_ms=settings.min_speech_ms,
        threshold=settings.vad_threshold,
        release=settings.vad_release,
        # Never before the utterance's kept tail is complete: the early decode then hears
        # exactly the audio the turn ends with.
        early_decode_after_ms=(
            max(settings.early_decode_after_ms, TAIL_KEPT_MS)
            if settings.early_decode_after_ms
            else 0
        ),
    )


@dataclass
class SchedulerStats:
    running: int = 0
    waiting: int = 0
    done: int = 0
    busy: int = 0
    alone: int = 0  # turns decoded by the lone decoder (nobody else was being recognised)


@dataclass(eq=False)  # a job is itself: found in the queue by identity
class _Job:
    audio: npt.NDArray[np.int16]
    vocabulary: str
    future: asyncio.Future[Recognition | None]
    queued_at: float  # the loop's clock


class BatchTimes:
    """How long a batch of n turns takes on this machine (moving average per size): what a
    decoder checks before taking a turn that has already waited."""

    def __init__(self, weight: float = 0.3) -> None:
        self.weight = weight
        self._seconds: dict[int, float] = {}

    def expected(self, size: int) -> float:
        """0 until a batch of this size (or a smaller one, scaled) has been timed."""
        if size in self._seconds:
            return self._seconds[size]
        smaller = [n for n in self._seconds if n < size]
        if not smaller:
            return 0.0
        n = max(smaller)
        return self._seconds[n] * size / n

    def record(self, size: int, seconds: float) -> None:
        before = self._seconds.get(size)
        self._seconds[size] = (
            seconds if before is None else before + self.weight * (seconds - before)
        )


class RecognitionScheduler:
    """Every call's recognitions, placed for latency when the engine is quiet and for
    throughput when it is not.

    - A turn that arrives while no other is being recognised or waiting goes to ``alone`` (a
      recogniser whose one decode uses every core: the lowest latency, what a lone caller
      waits for).
    - Otherwise it waits in line for one of ``decoders`` parallel decoders (``recognizer``,
      one core each: on 2 cores two one-thread decoders carry about 1.5 times the answers
      of one two-thread decoder); a free decoder takes up to ``batch_size`` waiting turns at
      once when the recogniser decodes batches (Whisper).
    - A turn no decoder takes within ``wait_s`` gets None (busy: the IVR offers keys at once,
      never silence); so does one that, taken now, would still be decoding past ``wait_s``
      (``BatchTimes``: under overload a turn's wait stays near ``wait_s``, not that plus a
      batch).

    Runs on the engine's event loop; the decodes run in executor threads.
    """

    def __init__(
        self,
        recognizer: PcmRecognizer,
        decoders: int,
        wait_s: float,
        batch_size: int = 1,
        alone: PcmRecognizer | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.alone = alone
        self.decoders = decoders
        self.wait_s = wait_s
        self.batch_size = batch_size if hasattr(recognizer, "recognize_batch") else 1
        self.stats = SchedulerStats()
        self._executor = ThreadPoolExecutor(decoders, thread_name_prefix="decoder")
        self._alone_executor = ThreadPoolExecutor(1, thread_name_prefix="decoder-alone")
        self._jobs: deque[_Job] = deque()
        self._ready: asyncio.Event | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._decoding = 0  # decoders busy with a batch
        self.batch_times = BatchTimes()

    async def recognize(self, audio: npt.NDArray[np.int16], vocabulary: str) -> Recognition | None:
        """The recognition, or None when no decoder came free within ``wait_s`` (busy)."""
        if self.alone is not None and self.stats.running == 0 and self.stats.waiting == 0:
            return await self._decode_alone(self.alone, audio, vocabulary)
        return await self._in_line(audio, vocabulary)

    async def _decode_alone(
        self, recognizer: PcmRecognizer, audio: npt.NDArray[np.int16], vocabulary: str
    ) -> Recognition:
        self.stats.running += 1
        self.stats.alone += 1
        try:
            job = partial(recognizer.recognize_pcm, Pcm(audio, RATE), vocabulary=vocabulary)
            return await asyncio.get_running_loop().run_in_executor(self._alone_executor, job)
        finally:
            self.stats.running -= 1
            self.stats.done += 1

    async def _in_line(self, audio: npt.NDArray[np.int16], vocabulary: str) -> Recognition | None:
        loop = asyncio.get_running_loop()
        if self._ready is None:  # made on the engine's loop
            self._ready = asyncio.Event()
            self._workers = [loop.create_task(self._decoder()) for _ in range(self.decoders)]
        job = _Job(audio, vocabulary, loop.create_future(), loop.time())
        self._jobs.append(job)
        self.stats.waiting += 1
        self._ready.set()
        try:
            return await asyncio.wait_for(asyncio.shield(job.future), self.wait_s)
        except TimeoutError:
            if job in self._jobs:  # no decoder took it in time
                self._jobs.remove(job)
                self.stats.waiting -= 1
                self.stats.busy += 1
                return None
            return await job.future  # being decoded: worth the rest of the wait

    async def _decoder(self) -> None:
        assert self._ready is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._ready.wait()
            batch = self._take_batch(loop.time())
            if not self._jobs:
                self._ready.clear()
            if not batch:
                continue
            self.stats.running += len(batch)
            self._decoding += 1
            started = loop.time()
            try:
                results = await loop.run_in_executor(self._executor, self._decode, batch)
                self.batch_times.record(len(batch), loop.time() - started)
                for job, result in zip(batch, results, strict=True):
                    job.future.set_result(result)
            except Exception as exc:  # the turns fail, the decoder goes on
                log.exception("batch of %d failed", len(batch))
                for job in batch:
                    job.future.set_exception(exc)
            finally:
                self._decoding -= 1
                self.stats.running -= len(batch)
                self.stats.done += len(batch)

    def _take_batch(self, now: float) -> list[_Job]:
        """The next batch from the line; turns that would finish past their wait are answered
        busy instead."""
        batch: list[_Job] = []
        wanted = self._share()
        while self._jobs and len(batch) < wanted:
            job = self._jobs.popleft()
            self.stats.waiting -= 1
            finish = now - job.queued_at + self.batch_times.expected(len(batch) + 1)
            if finish > self.wait_s and not job.future.done():
                self.stats.busy += 1
                job.future.set_result(None)
                continue
            batch.append(job)
        return batch

    def _share(self) -> int:
        """How many waiting turns a decoder that just came free takes: the line split evenly
        over the free decoders (a batch costs more the larger it is, so two decoders with
        two turns each answer sooner than one with four), at most ``batch_size``."""
        free = max(1, self.decoders - self._decoding)
        return min(self.batch_size, -(-len(self._jobs) // free))

    def _decode(self, batch: list[_Job]) -> list[Recognition]:
        """In a decoder thread."""
        if len(batch) == 1:
            job = batch[0]
            return [self.recognizer.recognize_pcm(Pcm(job.audio, RATE), vocabulary=job.vocabulary)]
        recognize_batch = self.recognizer.recognize_batch  # type: ignore[attr-defined]
        pcms = [Pcm(job.audio, RATE) for job in batch]
        return list(recognize_batch(pcms, [job.vocabulary for job in batch]))

    @property
    def idle(self) -> bool:
        """A decoder is free and nobody waits: speculative work costs no caller anything."""
        return self.stats.running < self.decoders and self.stats.waiting == 0

    async def stop_decoders(self) -> None:
        """On the engine's loop, before it stops: the decoder tasks end there."""
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    def shutdown(self) -> None:
        """After the loop stopped: the decoders' threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._alone_executor.shutdown(wait=False, cancel_futures=True)


class TurnState(Enum):
    LISTENING = "listening"
    RECOGNISING = "recognising"
    DONE = "done"


@dataclass
class SpeechSession:
    """One call's speech object as the engine sees it."""

    endpointer: Endpointer
    codec: str = "slin"
    uniqueid: str = "-"
    vocabulary: str = ""
    state: TurnState = TurnState.LISTENING
    turns: int = 0
    turn_started: float = field(default_factory=time.monotonic)
    # Audio that arrived while an utterance was being recognised.
    held: list[npt.NDArray[np.int16]] = field(default_factory=list)
    speech_end: float = 0.0  # Unix time the last voiced audio of the turn arrived
    # A speculative recognition started at a pause: (turn, utterance id, its task).
    early: tuple[int, int, asyncio.Task[Recognition | None]] | None = None

    def begin_turn(self, listen_from_ms: int) -> None:
        self.endpointer.begin(listen_from_ms)
        self.state = TurnState.LISTENING
        self.held = []
        self.early = None
        self.turns += 1
        self.turn_started = time.monotonic()

    def samples(self, frame: bytes) -> npt.NDArray[np.int16]:
        if self.codec == "ulaw":
            return ulaw_to_linear(np.frombuffer(frame, dtype=np.uint8))
        return np.frombuffer(frame[: len(frame) // 2 * 2], dtype="<i2")


def trailing_ms(value: str) -> int | None:
    """The trailing silence the IVR asks for a turn, in ms; None (the configured one) when the
    value is not a sane one."""
    return int(value) if value.isdigit() and 100 <= int(value) <= 5000 else None


def ulaw_to_linear(codes: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    """G.711 μ-law bytes to 16-bit samples (ITU-T G.711)."""
    inverted = ~codes.astype(np.int32) & 0xFF
    sign, exponent, mantissa = inverted & 0x80, (inverted >> 4) & 0x07, inverted & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


class SpeechEngine:
    """The AEAP server; ``serve`` runs it on the current event loop."""

    def __init__(self, settings: StreamingSettings, scheduler: RecognitionScheduler) -> None:
        self.settings = settings
        self.scheduler = scheduler
        self.endpointing = endpoint_settings(settings)
        self.sessions = 0

    async def serve(self, host: str, port: int) -> Server:
        return await serve(
            self._connection,
            host,
            port,
            subprotocols=[aeap.SUBPROTOCOL],  # type: ignore[list-item]
            max_size=2**20,
            ping_interval=None,  # Asterisk answers pings, but a call must not die of one late
            compression=None,
        )

    async def _connection(self, connection: ServerConnection) -> None:
        session = SpeechSession(Endpointer(self.endpointing))
        self.sessions += 1
        try:
            async for frame in connection:
                if isinstance(frame, bytes):
                    await self._audio(connection, session, frame)
                else:
                    await self._message(connection, session, frame)
        except ConnectionClosed:
            pass
        finally:
            self.sessions -= 1
            with call_context(session.uniqueid):
                log.info("speech session closed turns=%d", session.turns)

    # --- messages ---------------------------------------------------------------------------
    async def _message(
        self, connection: ServerConnection, session: SpeechSession, text: str
    ) -> None:
        try:
            message = aeap.parse(text)
        except aeap.ProtocolError as exc:
            log.warning("unreadable AEAP message: %s", exc)
            return
        if message.kind is aeap.Kind.RESPONSE:
            if message.error:
                with call_context(session.uniqueid):
                    log.warning("Asterisk refused %s: %s", message.name, message.error)
            return
        await connection.send(self._answer(session, message))

    def _answer(self, session: SpeechSession, request: aeap.Message) -> str:
        if request.name == "setup":
            codec = aeap.choose_codec(request)
            if codec is None:
                return aeap.error_response(request, "no supported codec (slin, ulaw)")
            session.codec = codec
            return aeap.response(request, codecs=[{"name": codec}], params={})
        if request.name == "set" and isinstance(request.params, dict):
            self._set(session, request.params)
            return aeap.response(request)
        if request.name == "get" and isinstance(request.params, list):
            # Asterisk asks for results only when it has none (we always send some).
            values: dict[str, Any] = {name: "" for name in request.params if name != "results"}
            if "results" in request.params:
                values = {"results": []}
            return aeap.response(request, params=values)
        return aeap.error_response(request, f"unsupported request {request.name!r}")

    def _set(self, session: SpeechSession, params: dict[str, Any]) -> None:
        if "uniqueid" in params:
            session.uniqueid = log_safe(str(params["uniqueid"]), 40)
        if "vocabulary" in params:
            session.vocabulary = str(params["vocabulary"])[:2000]
        if "trailing" in params:
            session.endpointer.settings = endpoint_settings(
                self.settings, trailing_ms(str(params["trailing"]))
            )
        if "turn" in params:
            listen_from = int(params["turn"]) if str(params["turn"]).isdigit() else 0
            session.begin_turn(listen_from)
            with call_context(session.uniqueid):
                log.info("turn %d begins, prompt %d ms", session.turns, listen_from)

    # --- audio ------------------------------------------------------------------------------
    async def _audio(
        self, connection: ServerConnection, session: SpeechSession, frame: bytes
    ) -> None:
        samples = session.samples(frame)
        if session.state is TurnState.RECOGNISING:
            # Kept: if the utterance held no words, the turn goes on with this audio.
            session.held.append(samples)
        elif session.state is TurnState.LISTENING:
            self._consume(connection, session, samples)

    def _consume(
        self, connection: ServerConnection, session: SpeechSession, samples: npt.NDArray[np.int16]
    ) -> None:
        events = session.endpointer.feed(samples)
        outcome = session.endpointer.outcome
        if outcome is None:
            if TurnEvent.SPEECH_STARTED in events:
                with call_context(session.uniqueid):
                    log.info("speech started at %d ms", session.endpointer.elapsed_ms)
            if TurnEvent.PAUSED in events and self.scheduler.idle:
                self._decode_early(session)
            return
        session.state = TurnState.RECOGNISING
        session.held = []
        # The audio arrives as it is spoken: the last voiced chunk arrived this long ago.
        session.speech_end = time.time() - (outcome.decided_ms - outcome.speech_end_ms) / 1000
        # The recognition runs beside the connection's reader, so Asterisk's requests
        # (SPEECH SET, a hang-up's close) are answered meanwhile.
        asyncio.get_running_loop().create_task(self._finish_turn(connection, session, outcome))

    def _decode_early(self, session: SpeechSession) -> None:
        identity, audio = session.endpointer.utterance()
        job = self.scheduler.recognize(audio, session.vocabulary)
        session.early = (session.turns, identity, asyncio.get_running_loop().create_task(job))

    async def _recognise(self, session: SpeechSession, outcome: TurnOutcome) -> Recognition | None:
        """The turn's recognition: the speculative one if it decoded this very utterance."""
        early, session.early = session.early, None
        if early is not None and early[:2] == (session.turns, outcome.utterance_id):
            return await early[2]
        return await self.scheduler.recognize(outcome.audio, session.vocabulary)

    async def _finish_turn(
        self, connection: ServerConnection, session: SpeechSession, outcome: TurnOutcome
    ) -> None:
        with call_context(session.uniqueid):
            turn = session.turns
            results = await self._results(session, outcome)
            if session.turns != turn or session.state is not TurnState.RECOGNISING:
                return  # the IVR moved on (keys, hang-up) while we recognised
            if results is None:
                log.info(
                    "no words heard in %.2fs of audio: listening on", outcome.audio.size / RATE
                )
                session.endpointer.resume()
                session.state = TurnState.LISTENING
                held, session.held = session.held, []
                if held:
                    self._consume(connection, session, np.concatenate(held))
                return
            session.state = TurnState.DONE
            try:
                await connection.send(aeap.results_request(results))
            except ConnectionClosed:
                return
            log.info(
                "turn %d answered %s after %d ms of silence (%d ms of the turn)",
                turn,
                outcome.event.value,
                outcome.decided_ms - outcome.speech_end_ms if outcome.audio.size else 0,
                outcome.decided_ms,
            )

    async def _results(
        self, session: SpeechSession, outcome: TurnOutcome
    ) -> list[aeap.SpeechResult] | None:
        """The turn's results; None when the audio held no words (listen on)."""
        if outcome.event is TurnEvent.NO_INPUT:
            return aeap.no_input_results()
        heard = await self._recognise(session, outcome)
        if heard is None:
            log.warning(
                "recogniser saturated (%d waiting, %d running): busy",
                self.scheduler.stats.waiting,
                self.scheduler.stats.running,
            )
            return aeap.busy_results()
        if not _WORD.search(heard.transcript or heard.text):
            return None
        log.info(
            "heard %r in %.2fs (audio %.2fs, no-speech %.2f)",
            heard.transcript or heard.text,
            heard.seconds,
            heard.audio_seconds,
            heard.no_speech_prob,
        )
        return aeap.recognition_to_results(heard, session.speech_end)


class EngineThread:
    """The engine on its own event loop in a thread (the demo, tests, the bench)."""

    def __init__(self, engine: SpeechEngine, host: str, port: int) -> None:
        self.engine = engine
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(host, port), name="speech-engine", daemon=True
        )

    def start(self) -> EngineThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _run(self, host: str, port: int) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(self.engine.serve(host, port))
        except BaseException as exc:  # reported to start()'s caller
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._server is not None:
            server = self._server

            async def close() -> None:
                server.close()
                await server.wait_closed()
                await self.engine.scheduler.stop_decoders()

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self.engine.scheduler.shutdown()


def build_engine(
    settings: StreamingSettings,
    recognizer: PcmRecognizer,
    wait_s: float,
    alone: PcmRecognizer | None = None,
) -> SpeechEngine:
    scheduler = RecognitionScheduler(
        recognizer, settings.decoders, wait_s, settings.batch_size, alone
    )
    return SpeechEngine(settings, scheduler)
