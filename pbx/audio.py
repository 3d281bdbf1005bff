"""Telephone audio files: 8 kHz, mono, 16-bit WAV, the format Asterisk's ``format_wav`` reads.

Used for the PBX's own prompts and hold tone at set-up, and by the tests to make the audio a
simulated caller plays. Speech comes from espeak-ng (``pt-br``) resampled with sox when both are
installed; otherwise callers get a tone, so a missing synthesiser never breaks a call.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import tempfile
import wave
from array import array
from collections.abc import Sequence
from pathlib import Path

RATE = 8000


def write_wav(path: Path, samples: Sequence[int], rate: int = RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def read_wav(path: Path) -> array[int]:
    """The samples of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as src:
        if src.getsampwidth() != 2 or src.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono, got {src.getparams()}")
        frames = src.readframes(src.getnframes())
    samples = array("h")
    samples.frombytes(frames)
    return samples


def silence(seconds: float, rate: int = RATE) -> list[int]:
    return [0] * int(seconds * rate)


def tone(
    seconds: float, frequencies: Sequence[float], level: float = 0.2, rate: int = RATE
) -> list[int]:
    """A sum of sines with 10 ms fades, so it does not click."""
    count = int(seconds * rate)
    fade = max(1, int(0.01 * rate))
    peak = 32767 * level / max(1, len(frequencies))
    out = []
    for i in range(count):
        envelope = min(1.0, i / fade, (count - 1 - i) / fade)
        value = sum(math.sin(2 * math.pi * f * i / rate) for f in frequencies)
        out.append(int(peak * envelope * value))
    return out


def hold_tone(path: Path) -> Path:
    """A soft, slow two-note chime for music on hold (no licensed music in the repository)."""
    pattern: list[int] = []
    for notes in ((523.25, 659.25), (587.33, 783.99), (523.25, 659.25), (493.88, 587.33)):
        pattern += tone(0.8, notes, level=0.12) + silence(0.7)
    return write_wav(path, pattern)


# What Asterisk plays and records on the line: 8 kHz, mono, 16-bit signed PCM.
TELEPHONE_FORMAT = ("-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer")


class SoxError(RuntimeError):
    """sox failed; the message carries its own words."""


def sox(*arguments: str | Path) -> None:
    """Run sox repeatably (``-R``): its default random seed for dither and noise made the same
    input come out different on every run (a marginal recognition test flickered)."""
    command = ["sox", "-R", *(str(argument) for argument in arguments)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SoxError(f"sox failed: {done.stderr.strip()}")


def to_telephone_wav(source: Path, dest: Path, *effects: str) -> None:
    """Any audio sox reads (WAV, MP3 with libsox-fmt-mp3) as an 8 kHz mono 16-bit WAV, then
    ``effects`` (e.g. ``"pad", "0.3", "0.5"``)."""
    sox(source, *TELEPHONE_FORMAT, dest, *effects)


def have_speech_synthesis() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def synthesize(
    text: str,
    path: Path,
    voice: str = "pt-br",
    lead_silence: float = 0.0,
    trail_silence: float = 0.0,
) -> Path:
    """Speak ``text`` into an 8 kHz WAV, padded with silence; a tone if no synthesiser exists."""
    speech = list(_espeak(text, voice)) if have_speech_synthesis() else tone(0.6, (880.0,))
    return write_wav(path, silence(lead_silence) + speech + silence(trail_silence))


def _espeak(text: str, voice: str) -> array[int]:
    with tempfile.TemporaryDirectory(prefix="c156-tts-") as tmp:
        raw, converted = Path(tmp) / "raw.wav", Path(tmp) / "8k.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        to_telephone_wav(raw, converted)
        return read_wav(converted)
