"""The real Vosk code path (model loading, KaldiRecognizer, grammar mode) with PyPI's Korean model.

No Portuguese Vosk model is obtainable offline; the Korean one exercises the same code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.speech.vosk_engine import VoskRecognizer
from tests.ivr.conftest import SpeechFactory

PHRASES = ["안녕하세요", "감사합니다", "네", "아니요"]


@pytest.fixture(scope="module")
def recognizer(korean_model: Path) -> VoskRecognizer:
    return VoskRecognizer(korean_model, language="ko")


def test_grammar_drops_out_of_vocabulary_phrases(recognizer: VoskRecognizer) -> None:
    grammar = recognizer.grammar([*PHRASES, "iluminação pública"])
    assert grammar[: len(PHRASES)] == PHRASES
    assert "iluminação pública" not in grammar


@pytest.mark.parametrize("phrase", PHRASES)
def test_korean_speech_through_a_grammar(
    recognizer: VoskRecognizer, speech: SpeechFactory, phrase: str
) -> None:
    result = recognizer.recognize(speech(phrase, "ko"), PHRASES)
    assert result.engine == "vosk"
    assert phrase in result.text.split()
    # Grammar mode can only answer with grammar words.
    assert set(result.text.split()) <= set(PHRASES)
    assert result.real_time_factor < 0.5
