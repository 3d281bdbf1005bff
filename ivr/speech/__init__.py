"""Speech recognition for the IVR: one interface, two engines (Vosk, Whisper)."""

from ivr.speech.base import (
    Alternative,
    Recognition,
    Recognizer,
    SpeechUnavailableError,
    read_wav,
)
from ivr.speech.select import choose_model, get_recognizer

__all__ = [
    "Alternative",
    "Recognition",
    "Recognizer",
    "SpeechUnavailableError",
    "choose_model",
    "get_recognizer",
    "read_wav",
]
