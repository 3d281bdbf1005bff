"""The recogniser interface the call flow uses, whatever the engine."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

# A recording quieter than this (RMS of 16-bit samples) holds no speech worth recognising.
SPEECH_RMS_FLOOR = 120.0


class SpeechUnavailableError(RuntimeError):
    """No usable recogniser: the message says which model to install and how."""


@dataclass(frozen=True)
class Alternative:
    text: str
    score: float


@dataclass(frozen=True)
class Hypothesis:
    """One of the n best transcripts and its mean token log-probability (higher is likelier)."""

    text: str
    logprob: float


@dataclass(frozen=True)
class Recognition:
    """What an engine heard.

    ``text`` is the best answer: one of the allowed phrases when phrases were given and one fits,
    else the free transcript (possibly empty). ``confidence`` is in 0..1. ``seconds`` is the
    wall-clock recognition time (the caller's wait after the end of speech). ``transcript`` is the
    free transcription where the engine makes one (Whisper), else the same as ``text``.
    ``hypotheses`` are the n best transcripts, best first (engines without n-best give none),
    and ``no_speech_prob`` the engine's probability that the audio holds no speech at all.
    """

    text: str
    confidence: float
    engine: str
    seconds: float
    alternatives: tuple[Alternative, ...] = field(default_factory=tuple)
    transcript: str = ""
    audio_seconds: float = 0.0
    hypotheses: tuple[Hypothesis, ...] = field(default_factory=tuple)
    no_speech_prob: float = 0.0

    @property
    def real_time_factor(self) -> float:
        return self.seconds / self.audio_seconds if self.audio_seconds else 0.0


@runtime_checkable
class Recognizer(Protocol):
    """Recognise one utterance in a WAV file (8 or 16 kHz mono 16-bit, as Asterisk records).

    Implementations load their model once per process and are safe to call from many threads
    (one call per thread at a time; concurrent calls share the model).
    """

    engine: str
    language: str

    def recognize(
        self, wav_path: Path, phrases: Sequence[str] | None = None, *, vocabulary: str = ""
    ) -> Recognition:
        """Recognise ``wav_path``; with ``phrases``, prefer (or restrict to) those phrases;
        ``vocabulary`` is text in the words callers use here, for engines that take a prompt."""
        ...


# The loudest sample of line silence is under this (-54 dBFS), far below any speech (G.711's
# idle line is around -70 dBFS): audio that never reaches it holds nothing to recognise.
LINE_SILENCE_PEAK = 64


@dataclass(frozen=True)
class Pcm:
    samples: npt.NDArray[np.int16]
    rate: int

    @property
    def is_line_silence(self) -> bool:
        """No sample above line silence (or no sample at all): an engine hears nothing in it.
        Whisper given silence makes up a word ("a", read as "água turva"), so it is not run."""
        return int(np.abs(self.samples.astype(np.int32)).max(initial=0)) < LINE_SILENCE_PEAK

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0

    def as_float(self, rate: int) -> npt.NDArray[np.float32]:
        """Samples in -1..1 at ``rate`` (linear interpolation: enough for telephone audio)."""
        audio = self.samples.astype(np.float32) / 32768.0
        if rate == self.rate or len(audio) == 0:
            return audio
        count = round(len(audio) * rate / self.rate)
        positions = np.arange(count, dtype=np.float64) * (self.rate / rate)
        resampled = np.interp(positions, np.arange(len(audio)), audio)
        return np.asarray(resampled, dtype=np.float32)


def read_wav(path: Path) -> Pcm:
    """Read a mono 16-bit PCM WAV; stereo is mixed down."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM, got {8 * wav.getsampwidth()}-bit")
        frames = wav.readframes(wav.getnframes())
        channels, rate = wav.getnchannels(), wav.getframerate()
    samples = np.frombuffer(frames, dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return Pcm(samples.astype(np.int16), rate)


def has_speech(wav: Path) -> bool:
    """False for a recording of silence or line noise (nothing to recognise)."""
    try:
        pcm = read_wav(wav)
    except (OSError, ValueError, EOFError):
        return False
    if len(pcm.samples) == 0:
        return False
    rms = float(np.sqrt(np.mean(pcm.samples.astype(np.float64) ** 2)))
    return rms >= SPEECH_RMS_FLOOR
