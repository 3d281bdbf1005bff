"""Pick and build the recogniser the configuration asks for."""

from __future__ import annotations

import threading
from pathlib import Path

from citizen_center.config import IvrSettings
from ivr.speech.base import Recognizer, SpeechUnavailableError
from ivr.speech.models import KNOWN_MODELS, ModelInfo, installed_models

ENGINES = ("auto", "vosk", "whisper")
_recognizers: dict[tuple[str, Path], Recognizer] = {}
_lock = threading.Lock()


def choose_model(engine: str, models_dir: Path, language: str = "pt") -> ModelInfo:
    """The model to use: ``auto`` = the best installed model for ``language``
    (the production Vosk model first, then Whisper), else the named engine's model."""
    if engine not in ENGINES:
        raise ValueError(f"speech engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    usable = [
        m
        for m in installed_models(models_dir)
        if m.language == language and engine in ("auto", m.engine)
    ]
    if usable:
        return usable[0]
    wanted = [m for m in KNOWN_MODELS if m.language == language and engine in ("auto", m.engine)]
    hints = "; ".join(f"'central156 models install {_alias(m)}' ({m.description})" for m in wanted)
    raise SpeechUnavailableError(
        f"no {language!r} speech model for engine {engine!r} is installed in {models_dir}. "
        f"Install one: {hints}."
    )


def _alias(model: ModelInfo) -> str:
    from ivr.speech.models import INSTALL_ALIASES

    return next(alias for alias, name in INSTALL_ALIASES.items() if name == model.name)


def build_recognizer(model: ModelInfo, models_dir: Path) -> Recognizer:
    folder = model.folder(models_dir)
    if model.engine == "vosk":
        from ivr.speech.vosk_engine import VoskRecognizer

        return VoskRecognizer(folder, model.language)
    from ivr.speech.whisper_engine import WhisperRecognizer

    return WhisperRecognizer(folder, model.language)


def get_recognizer(settings: IvrSettings, language: str = "pt") -> Recognizer:
    """The process-wide recogniser for ``settings`` (built once; safe to share between calls).

    Raises ``SpeechUnavailableError`` with install instructions when no model fits; the call flow
    should then offer the key menu only.
    """
    models_dir = settings.resolved_models_dir()
    model = choose_model(settings.speech_engine, models_dir, language)
    key = (model.name, models_dir)
    with _lock:
        if key not in _recognizers:
            _recognizers[key] = build_recognizer(model, models_dir)
        return _recognizers[key]
