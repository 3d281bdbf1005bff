"""Where a caller's spoken turn starts and ends, decided on the audio as it arrives.

``SileroVad`` runs Silero VAD (v6, the ONNX file faster-whisper ships, through onnxruntime: no
new dependency) on 32 ms chunks, keeping the model's recurrent state between chunks, so each
chunk costs well under a millisecond. ``Endpointer`` turns its speech probabilities into the
turn's events:

- the turn **starts** when the probability reaches ``vad_threshold`` and stays above
  ``vad_release`` for ``min_speech_ms`` (a cough or a click is shorter: it does not count, so it
  never stops a prompt);
- it **ends** after ``trailing_silence_ms`` below ``vad_release``, or at ``max_utterance_ms``;
- **no input** when nothing started ``no_input_ms`` after the prompt ended (``listen_from_ms``:
  the engine is told the prompt's length, since audio flows while the prompt plays).

The utterance handed to the recogniser is the audio from a short pre-roll before the start (the
first phoneme is quiet and the VAD is a chunk late) to the end of speech: in memory, no file.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from ivr.speech.base import LINE_SILENCE_PEAK

RATE = 8000
VAD_RATE = 16000
CHUNK = 256  # samples at 8 kHz: 32 ms, one Silero chunk of 512 samples at 16 kHz
CHUNK_MS = CHUNK * 1000 // RATE
_VAD_CONTEXT = 64  # Silero's input: each chunk with the last 64 samples of the previous one
_PRE_ROLL_MS = 300
# A chunk whose loudest sample is under this is line silence: the model is not run on it.
QUIET_PEAK = LINE_SILENCE_PEAK
_QUIET_RESET_CHUNKS = 10  # 320 ms of line silence
TAIL_KEPT_MS = 200  # of the trailing silence, kept after the last voiced chunk


@cache
def _vad_session() -> Any:
    """One onnxruntime session per process, shared by every call (it is thread-safe)."""
    import faster_whisper
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1  # a chunk is tiny: threads cost more than they give
    options.log_severity_level = 4
    path = os.path.join(os.path.dirname(faster_whisper.__file__), "assets", "silero_vad_v6.onnx")
    return onnxruntime.InferenceSession(
        path, providers=["CPUExecutionProvider"], sess_options=options
    )


_session_lock = threading.Lock()


def vad_session() -> Any:
    with _session_lock:
        return _vad_session()


class SileroVad:
    """Speech probability of each 32 ms chunk of one call's 8 kHz audio (state kept between)."""

    def __init__(self) -> None:
        self._session = vad_session()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_VAD_CONTEXT, dtype=np.float32)
        self._last = np.float32(0.0)
        self._quiet_chunks = 0

    def probability(self, chunk: npt.NDArray[np.int16]) -> float:
        """The speech probability of one ``CHUNK`` of samples."""
        if int(np.abs(chunk.astype(np.int32)).max(initial=0)) < QUIET_PEAK:
            return self._quiet()
        self._quiet_chunks = 0
        audio = upsample_2x(chunk.astype(np.float32) / 32768.0, self._last)
        self._last = audio[-1]
        window = np.concatenate([self._context, audio])[np.newaxis, :]
        self._context = audio[-_VAD_CONTEXT:]
        out, self._h, self._c = self._session.run(
            None, {"input": window, "h": self._h, "c": self._c}
        )
        return float(np.asarray(out).reshape(-1)[0])

    def _quiet(self) -> float:
        """A chunk of line silence: no speech, and not worth the model's time. Callers are
        silent most of a call (while prompts play), so skipping these saves most of the VAD's
        CPU; after a while of silence the state starts afresh, as the model's own state would
        have settled."""
        self._quiet_chunks += 1
        if self._quiet_chunks == _QUIET_RESET_CHUNKS:
            self.reset()
        return 0.0


def upsample_2x(audio: npt.NDArray[np.float32], previous: np.float32) -> npt.NDArray[np.float32]:
    """8 kHz to 16 kHz by linear interpolation (the VAD's rate; telephone audio has nothing
    above 4 kHz to lose), continuous with the previous chunk's last sample."""
    out = np.empty(2 * len(audio), dtype=np.float32)
    before = np.concatenate([[previous], audio[:-1]])
    out[0::2] = (before + audio) / 2
    out[1::2] = audio
    return out


class TurnEvent(Enum):
    SPEECH_STARTED = "speech_started"
    END_OF_SPEECH = "end_of_speech"
    MAX_LENGTH = "max_length"
    NO_INPUT = "no_input"
    PAUSED = "paused"  # silence long enough to start decoding early (``early_decode_after_ms``)


@dataclass(frozen=True)
class EndpointSettings:
    trailing_silence_ms: int = 600
    no_input_ms: int = 5000
    max_utterance_ms: int = 10000
    min_speech_ms: int = 300
    threshold: float = 0.5
    release: float = 0.35
    # Speculative decoding: after this much silence (less than ``trailing_silence_ms``) the
    # utterance so far is worth recognising already (if the caller goes on, that work is
    # thrown away). 0: off.
    early_decode_after_ms: int = 0


@dataclass(frozen=True)
class TurnOutcome:
    event: TurnEvent
    audio: npt.NDArray[np.int16]  # the utterance (empty for no input)
    speech_end_ms: int  # turn time of the last voiced chunk's end (0 for no input)
    decided_ms: int  # turn time at which this was decided
    utterance_id: int = -1  # ``Endpointer.utterance``'s identity of ``audio``


class Endpointer:
    """One turn's state; ``feed`` audio as it arrives, get the turn's outcome once decided.

    Times are in milliseconds of audio since the turn began (``begin``): the audio clock, not
    the wall clock, so a test fed faster than real time decides the same.
    """

    def __init__(self, settings: EndpointSettings, vad: SileroVad | None = None) -> None:
        self.settings = settings
        self.vad = vad or SileroVad()
        self.begin(0)

    def begin(self, listen_from_ms: int) -> None:
        """A new turn; its no-input time counts from ``listen_from_ms`` (the prompt's end)."""
        self.vad.reset()
        self.listen_from_ms = listen_from_ms
        self._pending = np.zeros(0, dtype=np.int16)
        self._chunks: list[npt.NDArray[np.int16]] = []
        self._elapsed_ms = 0
        self._candidate: int | None = None  # chunk index where a possible start began
        self._voiced_ms = 0
        self._start: int | None = None  # chunk index of the confirmed start
        self._last_voiced = 0  # chunk index after the last voiced chunk
        self._silence_ms = 0
        self.started = False
        self.outcome: TurnOutcome | None = None

    @property
    def elapsed_ms(self) -> int:
        return self._elapsed_ms

    def feed(self, samples: npt.NDArray[np.int16]) -> list[TurnEvent]:
        """Add audio; returns the events it caused (at most a start and an end)."""
        if self.outcome is not None:
            return []
        events: list[TurnEvent] = []
        self._pending = np.concatenate([self._pending, samples])
        while len(self._pending) >= CHUNK and self.outcome is None:
            chunk, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
            event = self._step(chunk)
            if event is not None:
                events.append(event)
        return events

    def resume(self) -> None:
        """Go on listening after an utterance that held no words (noise the VAD let through)."""
        listen_from = self.listen_from_ms
        elapsed = self._elapsed_ms
        self.begin(listen_from)
        self._elapsed_ms = elapsed

    def _step(self, chunk: npt.NDArray[np.int16]) -> TurnEvent | None:
        index = len(self._chunks)
        self._chunks.append(chunk)
        self._elapsed_ms += CHUNK_MS
        probability = self.vad.probability(chunk)
        if self._start is None:
            return self._waiting(index, probability)
        return self._speaking(index, probability)

    def _waiting(self, index: int, probability: float) -> TurnEvent | None:
        s = self.settings
        if self._candidate is None and probability >= s.threshold:
            self._candidate, self._voiced_ms = index, 0
        if self._candidate is not None:
            if probability >= s.release:
                self._voiced_ms += CHUNK_MS
                self._last_voiced = index + 1
            else:
                self._candidate = None  # a burst too short to be speech (cough, click)
        if self._candidate is not None and self._voiced_ms >= s.min_speech_ms:
            self._start, self.started = self._candidate, True
            return TurnEvent.SPEECH_STARTED
        if self._candidate is None and self._elapsed_ms >= self.listen_from_ms + s.no_input_ms:
            self.outcome = TurnOutcome(
                TurnEvent.NO_INPUT, np.zeros(0, dtype=np.int16), 0, self._elapsed_ms
            )
            return TurnEvent.NO_INPUT
        self._forget_old_chunks()
        return None

    def _speaking(self, index: int, probability: float) -> TurnEvent | None:
        s = self.settings
        if probability >= s.release:
            self._last_voiced, self._silence_ms = index + 1, 0
        else:
            self._silence_ms += CHUNK_MS
        assert self._start is not None
        if self._silence_ms >= s.trailing_silence_ms:
            return self._finish(TurnEvent.END_OF_SPEECH)
        if (index + 1 - self._start) * CHUNK_MS >= s.max_utterance_ms:
            return self._finish(TurnEvent.MAX_LENGTH)
        early = s.early_decode_after_ms
        if 0 < early < s.trailing_silence_ms and early <= self._silence_ms < early + CHUNK_MS:
            return TurnEvent.PAUSED
        return None

    def utterance(self) -> tuple[int, npt.NDArray[np.int16]]:
        """The utterance so far and its identity (the same while no voice came back): what a
        speculative decode on ``PAUSED`` recognises, and ``outcome.audio`` if the turn ends
        before the caller speaks again."""
        assert self._start is not None
        first = max(0, self._start - _PRE_ROLL_MS // CHUNK_MS)
        last = min(len(self._chunks), self._last_voiced + TAIL_KEPT_MS // CHUNK_MS)
        return self._last_voiced, np.concatenate(self._chunks[first:last])

    def _finish(self, event: TurnEvent) -> TurnEvent:
        identity, audio = self.utterance()
        speech_end_ms = self._elapsed_ms - (len(self._chunks) - self._last_voiced) * CHUNK_MS
        self.outcome = TurnOutcome(event, audio, speech_end_ms, self._elapsed_ms, identity)
        return event

    def _forget_old_chunks(self) -> None:
        """Before speech starts only the pre-roll is needed: keep memory flat on long prompts."""
        keep = _PRE_ROLL_MS // CHUNK_MS + 1
        if self._candidate is None and len(self._chunks) > 4 * keep:
            dropped = len(self._chunks) - keep
            self._chunks = self._chunks[dropped:]
            self._last_voiced = max(0, self._last_voiced - dropped)
