"""A recorded answer heard the way the streaming engine hears a call: for the evaluation set.

``StreamedTurnRecognizer`` plays a WAV file through the engine's ``Endpointer`` (Silero VAD) in
20 ms frames, as Asterisk sends them, then recognises the utterance the end-pointer cut, from
memory; an utterance with no word in it is skipped and the turn listens on, as in the engine.
So ``central156 speech eval --streaming`` scores the streaming path's own audio (where its
turn starts and ends) with the same understanding, and its table can be set beside the
recorded path's before streaming is turned on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from citizen_center.config import StreamingSettings
from ivr.intent import MenuContext
from ivr.speech.base import Pcm, Recognition, read_wav
from ivr.streaming.endpointing import RATE, Endpointer, TurnEvent
from ivr.streaming.engine import PcmRecognizer, endpoint_settings
from ivr.streaming.listen import trailing_silence_ms

_FRAME = RATE // 50  # 20 ms, Asterisk's framing
_LINE_SILENCE_S = 6.0  # the line after the clip: long enough for no-input to be decided
_WORD = re.compile(r"\w", re.UNICODE)


def telephone_samples(pcm: Pcm) -> npt.NDArray[np.int16]:
    """The clip at the line's 8 kHz, as the engine receives it."""
    if pcm.rate == RATE:
        return pcm.samples
    return (np.clip(pcm.as_float(RATE), -1.0, 1.0) * 32767).astype(np.int16)


class StreamedTurnRecognizer:
    """A ``Recognizer`` over files whose audio goes through the end-pointer first, with the
    settings of one question (``for_context``: the trailing silence the IVR asks for it)."""

    def __init__(
        self, recognizer: PcmRecognizer, streaming: StreamingSettings, context: MenuContext
    ) -> None:
        self.recognizer = recognizer
        self.streaming = streaming
        self.settings = endpoint_settings(streaming, trailing_silence_ms(streaming, context))
        self.engine = f"{recognizer.engine}-streaming"
        self.language = "pt"

    def for_context(self, context: MenuContext) -> StreamedTurnRecognizer:
        return StreamedTurnRecognizer(self.recognizer, self.streaming, context)

    def recognize(
        self, wav_path: Path, phrases: Sequence[str] | None = None, *, vocabulary: str = ""
    ) -> Recognition:
        samples = telephone_samples(read_wav(wav_path))
        line = np.concatenate([samples, np.zeros(int(_LINE_SILENCE_S * RATE), dtype=np.int16)])
        endpointer = Endpointer(self.settings)
        position = 0
        while position < len(line):
            endpointer.feed(line[position : position + _FRAME])
            position += _FRAME
            outcome = endpointer.outcome
            if outcome is None:
                continue
            if outcome.event is TurnEvent.NO_INPUT:
                break
            heard = self.recognizer.recognize_pcm(
                Pcm(outcome.audio, RATE), phrases, vocabulary=vocabulary
            )
            if _WORD.search(heard.transcript or heard.text):
                return heard
            endpointer.resume()  # noise the VAD let through: the turn listens on
        return Recognition("", 0.0, "silence", 0.0)
