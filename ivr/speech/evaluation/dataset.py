"""The evaluation set (``ivr/speech/data/eval_utterances.tsv``) and the audio of its clips.

Each utterance is written as a Porto Alegre caller speaks and labelled with the IVR context it
answers and the expected outcome. The set was split once (stratified by expected outcome, 40 %
``dev`` to tune and calibrate on, 60 % ``test`` to report only); the split is a column of the file,
so it never moves.

Each utterance is spoken by two voices: one Kokoro style (Japanese styles fed pt-BR phonemes, the
most natural speech obtainable offline) and one espeak-ng variant (robotic: the hard extreme),
at a speed between 0.9 and 1.15. A third of the clips get street, pink or hum noise at 5-15 dB
SNR. Every clip goes through one G.711 μ-law round trip, as a phone line carries it. Markers stand
for non-speech: ``[tosse]`` (a cough), ``[respiração]`` (breathing) and ``[tv] …`` (a television in
the background, the caller silent). Everything is seeded by the clip, so the audio is the same on
every machine; rendered clips are cached by content.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import threading
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ivr.intent.actions import MenuContext
from ivr.speech.caller_voice import ESPEAK_VOICES, CallerVoice, Utterance

RATE = 8000
KOKORO_EVAL_VOICES = ("jf_alpha", "jm_kumo", "jf_nezumi", "jf_gongitsune", "jf_tebukuro")
NATURAL_VOICES = frozenset(KOKORO_EVAL_VOICES)
_COUGH = "[tosse]"
_BREATH = "[respiração]"
_TV = "[tv]"
_NOISE_EVERY = 3  # a third of the clips are noisy
_TV_LEVEL_DB = -16.0  # the television's speech against a caller's normal level


class Split(StrEnum):
    DEV = "dev"
    TEST = "test"


class Group(StrEnum):
    SERVICE = "service"
    STATUS = "status"
    MENU = "menu"
    NUMBER = "number"
    OFF_MENU = "off_menu"


@dataclass(frozen=True)
class EvalItem:
    id: str
    split: Split
    context: MenuContext
    expected: str  # a service code, "queue:<code>", an action, "off_menu" or "digits:<d>"
    group: Group
    text: str
    # Its position within its split: what picks its voices and noise, so a clip is the same
    # whichever subset of the set is being rendered.
    slot: int = 0

    @property
    def is_speech(self) -> bool:
        return not self.text.startswith("[")


@dataclass(frozen=True)
class EvalClip:
    item: EvalItem
    voice: str
    speed: float
    snr_db: float | None  # None: a clean line
    noise: str  # "street", "pink" or "hum" when snr_db is set

    @property
    def natural(self) -> bool:
        return self.voice in NATURAL_VOICES

    @property
    def key(self) -> str:
        fields = (self.item.text, self.voice, self.speed, self.snr_db, self.noise, "g711-v1")
        return hashlib.sha256(repr(fields).encode()).hexdigest()[:24]


def eval_set_path() -> Path:
    return Path(str(resources.files("ivr.speech") / "data" / "eval_utterances.tsv"))


def load_items(path: Path | None = None) -> list[EvalItem]:
    items: list[EvalItem] = []
    slots = dict.fromkeys(Split, 0)
    with (path or eval_set_path()).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            split = Split(row["split"])
            items.append(
                EvalItem(
                    row["id"],
                    split,
                    MenuContext(row["context"]),
                    row["expected"],
                    Group(row["group"]),
                    row["text"],
                    slots[split],
                )
            )
            slots[split] += 1
    return items


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "little")


def clips_for(items: Iterable[EvalItem]) -> Iterator[EvalClip]:
    """Two clips per utterance, one natural and one robotic voice; a third of them noisy."""
    for item in items:
        index = item.slot
        voices = (
            KOKORO_EVAL_VOICES[index % len(KOKORO_EVAL_VOICES)],
            ESPEAK_VOICES[index % len(ESPEAK_VOICES)],
        )
        for offset, voice in enumerate(voices):
            rng = np.random.default_rng(_seed(item.id, voice))
            speed = round(float(rng.uniform(0.9, 1.15)), 2)
            noisy = (2 * index + offset) % _NOISE_EVERY == 0
            snr = round(float(rng.uniform(5.0, 15.0)), 1) if noisy else None
            noise = str(rng.choice(["street", "pink", "hum"])) if noisy else ""
            yield EvalClip(item, voice, speed, snr, noise)


class ClipRenderer:
    """Renders clips to 8 kHz G.711-round-tripped WAV files under ``cache_dir`` (thread-safe:
    the voice serialises synthesis, every file is written under its own name)."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.voice = CallerVoice(cache_dir / "speech")

    def render(self, clip: EvalClip) -> Path:
        dest = self.cache_dir / f"{clip.key}.wav"
        if dest.exists():
            return dest
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(_seed(clip.key))
        audio = self._foreground(clip, rng)
        if clip.snr_db is not None:
            audio = audio + _noise(clip.noise, len(audio), rng) * _noise_gain(audio, clip.snr_db)
        _write_g711_round_trip(audio, dest)
        return dest

    def _foreground(self, clip: EvalClip, rng: np.random.Generator) -> npt.NDArray[np.float64]:
        text = clip.item.text
        lead, trail = float(rng.uniform(0.2, 0.6)), 0.8
        if text.startswith(_TV):
            spoken = self._speak(text[len(_TV) :].strip(), clip, lead, trail)
            level = 10 ** (_TV_LEVEL_DB / 20)
            return spoken * level + _noise("hum", len(spoken), rng) * 300.0
        sounds = re.findall(r"\[[^\]]+\]", text)
        if sounds:
            pieces = [np.zeros(int(lead * RATE))]
            for sound in sounds:
                pieces.append(_cough(rng) if sound == _COUGH else _breath(rng))
                pieces.append(np.zeros(int(rng.uniform(0.2, 0.5) * RATE)))
            pieces.append(np.zeros(int(trail * RATE)))
            return np.concatenate(pieces)
        return self._speak(text, clip, lead, trail)

    def _speak(
        self, text: str, clip: EvalClip, lead: float, trail: float
    ) -> npt.NDArray[np.float64]:
        path = self.voice.speak(Utterance(text, clip.voice, clip.speed, round(lead, 2), trail))
        with wave.open(str(path), "rb") as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return samples.astype(np.float64)


def _speech_rms(audio: npt.NDArray[np.float64]) -> float:
    """RMS of the louder half of 20 ms frames: the speech, not the pauses around it."""
    frame = RATE // 50
    count = max(1, len(audio) // frame)
    energies = np.sort(np.mean(audio[: count * frame].reshape(count, -1) ** 2, axis=1))
    return float(np.sqrt(np.mean(energies[count // 2 :]) + 1e-9))


def _noise_gain(audio: npt.NDArray[np.float64], snr_db: float) -> float:
    return _speech_rms(audio) / 10 ** (snr_db / 20)


def _noise(kind: str, length: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Unit-RMS noise: ``street`` (brown rumble with passing swells), ``pink`` or ``hum``."""
    white = rng.standard_normal(length)
    if kind == "street":
        brown = np.cumsum(white)
        brown -= np.convolve(brown, np.ones(801) / 801, mode="same")  # no DC drift
        swell = 1.0 + 0.8 * np.sin(np.linspace(0, rng.uniform(2, 6) * np.pi, length)) ** 2
        noise = brown * swell
    elif kind == "pink":
        spectrum = np.fft.rfft(white)
        spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
        noise = np.fft.irfft(spectrum, n=length)
    else:
        t = np.arange(length) / RATE
        noise = np.sin(2 * np.pi * 60 * t) + 0.5 * np.sin(2 * np.pi * 180 * t) + 0.3 * white
    return np.asarray(noise / (np.sqrt(np.mean(noise**2)) + 1e-12), dtype=np.float64)


def _cough(rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """A cough: a burst of band-limited noise with a sharp attack and a quick decay."""
    length = int(rng.uniform(0.25, 0.45) * RATE)
    burst = np.convolve(rng.standard_normal(length), np.ones(4) / 4, mode="same")
    envelope = np.exp(-np.arange(length) / (0.08 * RATE)) * (1 - np.exp(-np.arange(length) / 40))
    return np.asarray(burst * envelope * 9000.0, dtype=np.float64)


def _breath(rng: np.random.Generator) -> npt.NDArray[np.float64]:
    length = int(rng.uniform(1.0, 1.8) * RATE)
    air = np.convolve(rng.standard_normal(length), np.ones(16) / 16, mode="same")
    return np.asarray(air * np.sin(np.linspace(0, np.pi, length)) ** 2 * 2500.0, dtype=np.float64)


def _write_g711_round_trip(audio: npt.NDArray[np.float64], dest: Path) -> None:
    """16-bit PCM → G.711 μ-law → 16-bit PCM, with sox (what a phone trunk does to the voice)."""
    pcm = np.clip(audio, -32768, 32767).astype("<i2")
    # Unique names and an atomic rename: several processes may render the same clip at once.
    unique = f".{os.getpid()}-{threading.get_ident()}"
    linear = dest.with_suffix(f"{unique}.linear.wav")
    ulaw = dest.with_suffix(f"{unique}.ulaw.wav")
    done = dest.with_suffix(f"{unique}.wav")
    with wave.open(str(linear), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    try:
        # -R: sox dithers with a random seed by default; repeatable mode keeps the clips the
        # same on every machine.
        subprocess.run(
            ["sox", "-R", "-V1", str(linear), "-e", "u-law", "-b", "8", str(ulaw)], check=True
        )
        subprocess.run(
            ["sox", "-R", "-V1", str(ulaw), "-e", "signed-integer", "-b", "16", str(done)],
            check=True,
        )
        os.replace(done, dest)
    finally:
        linear.unlink(missing_ok=True)
        ulaw.unlink(missing_ok=True)
