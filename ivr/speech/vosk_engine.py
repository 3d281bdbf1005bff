"""Vosk (Kaldi) recogniser: the project's primary engine with ``vosk-model-small-pt-0.3``.

With phrases the recogniser runs in grammar mode: it can only answer one of them (or ``[unk]``),
which is fast (RTF about 0.03) and accurate for menus. Phrases with words outside the model's
vocabulary are dropped (Vosk would drop the word and warn, changing the phrase's meaning).

Thread safety: the ``vosk.Model`` is loaded once per folder per process and shared; each
``recognize`` call builds its own ``KaldiRecognizer`` (cheap), so concurrent calls are safe.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ivr.speech.base import Alternative, Recognition, read_wav

log = logging.getLogger(__name__)

_UNKNOWN = "[unk]"
_models: dict[Path, Any] = {}
_models_lock = threading.Lock()
# Feed audio in chunks the way a live stream would arrive (0.25 s at 8 kHz).
_CHUNK_BYTES = 4000


def _load_model(folder: Path) -> Any:
    import vosk

    with _models_lock:
        if folder not in _models:
            vosk.SetLogLevel(-1)
            log.info("loading vosk model %s", folder)
            _models[folder] = vosk.Model(str(folder))
        return _models[folder]


class VoskRecognizer:
    engine = "vosk"

    def __init__(self, model_dir: Path, language: str = "pt") -> None:
        self.model_dir = model_dir.resolve()
        self.language = language
        self._model = _load_model(self.model_dir)

    def in_vocabulary(self, phrase: str) -> bool:
        words = phrase.lower().split()
        return bool(words) and all(self._model.vosk_model_find_word(word) >= 0 for word in words)

    def grammar(self, phrases: Sequence[str]) -> list[str]:
        """The phrases the model can say, lower-cased, plus ``[unk]`` for anything else.

        Vosk grammars accept a sequence of phrases, so the text may hold more than one.
        """
        usable = [p.lower().strip() for p in phrases if self.in_vocabulary(p)]
        dropped = len(phrases) - len(usable)
        if dropped:
            log.debug(
                "vosk grammar: %d of %d phrases have out-of-vocabulary words", dropped, len(phrases)
            )
        # "[unk]" lets the grammar answer "something else" instead of forcing a phrase; not every
        # model has it (the Korean one does not).
        fallback = [_UNKNOWN] if self._model.vosk_model_find_word(_UNKNOWN) >= 0 else []
        return [*dict.fromkeys(usable), *fallback]

    def recognize(
        self, wav_path: Path, phrases: Sequence[str] | None = None, *, vocabulary: str = ""
    ) -> Recognition:
        """``vocabulary`` is unused: grammar mode already limits what Vosk can hear."""
        import vosk

        started = time.perf_counter()
        pcm = read_wav(wav_path)
        if phrases:
            recognizer = vosk.KaldiRecognizer(
                self._model, pcm.rate, json.dumps(self.grammar(phrases), ensure_ascii=False)
            )
        else:
            recognizer = vosk.KaldiRecognizer(self._model, pcm.rate)
        recognizer.SetWords(True)
        data = pcm.samples.tobytes()
        pieces: list[dict[str, Any]] = []
        for offset in range(0, len(data), _CHUNK_BYTES):
            if recognizer.AcceptWaveform(data[offset : offset + _CHUNK_BYTES]):
                pieces.append(json.loads(recognizer.Result()))
        pieces.append(json.loads(recognizer.FinalResult()))
        return self._combine(pieces, time.perf_counter() - started, pcm.seconds)

    def _combine(self, pieces: list[dict[str, Any]], seconds: float, audio: float) -> Recognition:
        words = [w for piece in pieces for w in piece.get("result", []) if w["word"] != _UNKNOWN]
        texts = [piece.get("text", "") for piece in pieces]
        text = " ".join(t for t in texts if t and t != _UNKNOWN).replace(_UNKNOWN, "").strip()
        text = " ".join(text.split())
        confidence = sum(float(w["conf"]) for w in words) / len(words) if words else 0.0
        return Recognition(
            text=text,
            confidence=round(confidence, 3),
            engine=self.engine,
            seconds=seconds,
            alternatives=(Alternative(text, confidence),) if text else (),
            transcript=text,
            audio_seconds=audio,
        )
