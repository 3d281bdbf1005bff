"""The IVR's side of streaming turns: which engine a call uses, and the prompt it listens over.

``EnginePool`` holds the engines Asterisk knows (``aeap.conf`` clients ``c156-speech-<n>``) and
which of them failed lately. Each call starts at an engine chosen by its uniqueid (so calls
spread over the engines) and moves to the next when ``SPEECH CREATE`` fails or the engine dies
mid-call; an engine that failed is skipped for ``retry_after_s``, then tried again. With every
engine down the IVR records answers as before (``AgiCall._listen``).

``PromptFiles`` makes the one file ``SPEECH RECOGNIZE`` plays: the question's prompt keys
joined into one WAV (cached by content), so the caller's voice can barge in over all of it, and
its length, which the engine needs to count the no-input time from the prompt's end.
"""

from __future__ import annotations

import hashlib
import threading
import time
import wave
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from citizen_center.config import StreamingSettings
from ivr.intent import MenuContext

# Answers callers say in parts (a problem described, a number read in groups): they pause in
# the middle, so their turn ends after the longer trailing silence.
LONG_ANSWERS = frozenset({MenuContext.MAIN, MenuContext.PROTOCOL})


def trailing_silence_ms(settings: StreamingSettings, context: MenuContext) -> int:
    """The silence that ends the caller's turn for this question."""
    if context in LONG_ANSWERS:
        return settings.long_answer_trailing_silence_ms
    return settings.trailing_silence_ms


class EnginePool:
    """Thread-safe; one per IVR process (kept across reloads while the names stay)."""

    def __init__(self, names: Sequence[str], retry_after_s: float = 10.0) -> None:
        self.names = tuple(names)
        self.retry_after_s = retry_after_s
        self._failed_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def order_for(self, uniqueid: str) -> list[str]:
        """The engines to try for a call, first choice first; engines down lately left out."""
        if not self.names:
            return []
        start = zlib.crc32(uniqueid.encode()) % len(self.names)
        rotated = self.names[start:] + self.names[:start]
        now = time.monotonic()
        with self._lock:
            return [
                name
                for name in rotated
                if now - self._failed_at.get(name, -self.retry_after_s) >= self.retry_after_s
            ]

    def failed(self, name: str) -> None:
        with self._lock:
            self._failed_at[name] = time.monotonic()

    def worked(self, name: str) -> None:
        with self._lock:
            self._failed_at.pop(name, None)


@dataclass(frozen=True)
class PromptFile:
    path: str  # without the extension, as Asterisk's file functions want it
    ms: int


class PromptFiles:
    """Joined prompt files under ``folder`` (one per distinct sequence of prompt files)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def joined(self, wavs: Sequence[Path]) -> PromptFile:
        """One 8 kHz WAV of ``wavs`` in order (a short silence when there are none)."""
        if len(wavs) == 1:
            return PromptFile(str(wavs[0].with_suffix("")), wav_ms(wavs[0]))
        key = hashlib.sha1(
            "|".join(f"{w}:{w.stat().st_mtime_ns}" for w in wavs).encode()
        ).hexdigest()[:20]
        target = self.folder / f"prompt-{key}.wav"
        with self._lock:
            if not target.is_file():
                self.folder.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(f".{threading.get_ident()}.tmp")
                _join(wavs, partial)
                partial.replace(target)
        return PromptFile(str(target.with_suffix("")), wav_ms(target))


def wav_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() * 1000 // wav.getframerate()


_SILENCE_FRAMES = 800  # 100 ms at 8 kHz: what a question without a prompt plays


def _join(wavs: Sequence[Path], target: Path) -> None:
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        if not wavs:
            out.writeframes(b"\0\0" * _SILENCE_FRAMES)
        for path in wavs:
            with wave.open(str(path), "rb") as part:
                if (part.getnchannels(), part.getsampwidth(), part.getframerate()) != (1, 2, 8000):
                    raise ValueError(f"{path}: prompts must be 8 kHz mono 16-bit WAV")
                out.writeframes(part.readframes(part.getnframes()))
