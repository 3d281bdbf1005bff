"""Render the prompt catalogue to telephone audio: 8 kHz, mono, 16-bit signed PCM WAV.

Engines: gTTS (Google, needs internet; natural voice) and espeak-ng ``pt-br`` (offline, robotic).
``auto`` tries gTTS with a timeout and, after its first failure in a build, uses espeak-ng for the
rest (so an offline build wastes one attempt, not one per prompt). Renders are cached under
``<audio dir>/.cache/`` by a hash of engine, voice and text: a rebuild with nothing changed only
checks files. ``<audio dir>/pt_BR/manifest.json`` lists every key, its text and engine.
Never called during a live call.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from ivr.prompts.sequences import PAUSE
from pbx import audio
from pbx.prompts import LANGUAGE_DIR

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ESPEAK_VOICE = "pt-br"
ESPEAK_WORDS_PER_MINUTE = 175  # espeak-ng's own default
GTTS_LANG, GTTS_TLD = "pt", "com.br"
PAUSE_SECONDS = 0.4
# Bump when the output format or conversion changes, so cached renders are redone.
_FORMAT_VERSION = "8k-mono-s16-v1"
ENGINES = ("auto", "gtts", "espeak")


class SynthesisError(RuntimeError):
    pass


@dataclass(frozen=True)
class Rendered:
    key: str
    text: str
    engine: str
    digest: str
    file: str


def _digest(engine: str, text: str, words_per_minute: int = ESPEAK_WORDS_PER_MINUTE) -> str:
    voice = ESPEAK_VOICE if engine == "espeak" else f"{GTTS_LANG}-{GTTS_TLD}"
    if engine == "espeak" and words_per_minute != ESPEAK_WORDS_PER_MINUTE:
        voice += f"@{words_per_minute}"  # the default keeps the renders already cached
    return hashlib.sha256(f"{_FORMAT_VERSION}|{engine}|{voice}|{text}".encode()).hexdigest()[:20]


def to_telephone_wav(source: Path, dest: Path) -> None:
    """Convert any audio sox reads (WAV, MP3 with libsox-fmt-mp3) to 8 kHz mono 16-bit WAV."""
    try:
        audio.to_telephone_wav(source, dest)
    except audio.SoxError as error:
        raise SynthesisError(str(error)) from error


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SynthesisError(f"{command[0]} failed: {result.stderr.strip()}")


def synthesize_espeak(
    text: str,
    dest: Path,
    voice: str = ESPEAK_VOICE,
    words_per_minute: int = ESPEAK_WORDS_PER_MINUTE,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        _run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(raw), text])
        to_telephone_wav(raw, dest)


def synthesize_gtts(text: str, dest: Path, timeout: float) -> None:
    """Raises ``gtts.tts.gTTSError`` when Google cannot be reached (always, offline)."""
    from gtts import gTTS

    with tempfile.TemporaryDirectory() as tmp:
        mp3 = Path(tmp) / "speech.mp3"
        gTTS(text, lang=GTTS_LANG, tld=GTTS_TLD, timeout=timeout).save(str(mp3))
        to_telephone_wav(mp3, dest)


def write_silence(dest: Path, seconds: float) -> None:
    try:
        audio.sox("-n", *audio.TELEPHONE_FORMAT, dest, "trim", "0", str(seconds))
    except audio.SoxError as error:
        raise SynthesisError(str(error)) from error


class PromptBuilder:
    """Render prompts into ``audio_dir / "pt_BR"``; one builder per build."""

    def __init__(
        self,
        audio_dir: Path,
        engine: str = "auto",
        timeout: float = 10.0,
        gtts: Callable[[str, Path, float], None] = synthesize_gtts,
        espeak_words_per_minute: int = ESPEAK_WORDS_PER_MINUTE,
    ) -> None:
        """``espeak_words_per_minute``: faster speech makes shorter prompts (the tests' calls
        hear every prompt in real time and check what was played, not how it sounds)."""
        if engine not in ENGINES:
            raise ValueError(f"TTS engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        self.out_dir = audio_dir / LANGUAGE_DIR
        self.cache_dir = audio_dir / ".cache"
        self.engine, self.timeout, self._gtts = engine, timeout, gtts
        self._gtts_down = engine == "espeak"
        self.espeak_wpm = espeak_words_per_minute

    def build(self, prompts: Mapping[str, str], progress: bool = True) -> list[Rendered]:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        rendered = [
            self._build_one(key, text)
            for key, text in tqdm(
                prompts.items(), desc="prompts", unit="prompt", disable=not progress or None
            )
        ]
        pause = self.out_dir / f"{PAUSE}.wav"
        if not pause.is_file():
            write_silence(pause, PAUSE_SECONDS)
        self._write_manifest(rendered)
        return rendered

    def _build_one(self, key: str, text: str) -> Rendered:
        engine, cached = self._cached_render(text)
        dest = self.out_dir / f"{key}.wav"
        if not _same_file(cached, dest):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, dest)
        digest = _digest(engine, text, self.espeak_wpm)
        return Rendered(key, text, engine, digest, f"{LANGUAGE_DIR}/{key}.wav")

    def _cached_render(self, text: str) -> tuple[str, Path]:
        for engine in self._engine_order():
            cached = self.cache_dir / f"{_digest(engine, text, self.espeak_wpm)}.wav"
            if cached.is_file():
                return engine, cached
            if engine == "gtts" and self._gtts_down:
                continue
            if self._render(engine, text, cached):
                return engine, cached
        raise SynthesisError(f"no engine could render {text!r}")

    def _engine_order(self) -> tuple[str, ...]:
        return {"auto": ("gtts", "espeak"), "gtts": ("gtts",), "espeak": ("espeak",)}[self.engine]

    def _render(self, engine: str, text: str, cached: Path) -> bool:
        partial = cached.with_suffix(".part.wav")
        if engine == "espeak":
            synthesize_espeak(text, partial, words_per_minute=self.espeak_wpm)
        else:
            from gtts.tts import gTTSError

            try:
                self._gtts(text, partial, self.timeout)
            except gTTSError as exc:
                if self.engine == "gtts":
                    raise SynthesisError(f"gTTS failed: {exc}") from exc
                log.warning("gTTS unavailable (%s); using espeak-ng for the rest of the build", exc)
                self._gtts_down = True
                return False
        partial.replace(cached)
        return True

    def _write_manifest(self, rendered: list[Rendered]) -> None:
        manifest = {"format": _FORMAT_VERSION, "prompts": {r.key: asdict(r) for r in rendered}}
        path = self.out_dir / MANIFEST
        text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
        if not path.is_file() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")


def _same_file(a: Path, b: Path) -> bool:
    if not b.is_file():
        return False
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()


def load_manifest(audio_dir: Path) -> dict[str, dict[str, str]]:
    path = audio_dir / LANGUAGE_DIR / MANIFEST
    data: dict[str, dict[str, str]] = json.loads(path.read_text("utf-8"))["prompts"]
    return data
