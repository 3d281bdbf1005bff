"""The Whisper engine on pt-BR caller speech (espeak-ng, converted to 8 kHz at test time).

espeak-ng is robotic and Whisper transcribes it poorly, so these utterances are ones its free
transcript gets nearly right; the held-out benchmark set (bench/recognition.py) reports accuracy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.intent import IntentKind, IntentMatcher, MenuContext
from ivr.speech.whisper_engine import WhisperRecognizer
from tests.ivr.conftest import SpeechFactory

VOICE = "pt-br+f3"


@pytest.fixture(scope="module")
def recognizer(whisper_model: Path) -> WhisperRecognizer:
    return WhisperRecognizer(whisper_model)


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.shipped()


def test_menu_utterance_picks_the_catalogue_phrase(
    recognizer: WhisperRecognizer, matcher: IntentMatcher, speech: SpeechFactory
) -> None:
    result = recognizer.recognize(speech("o caminhão do lixo não passou", VOICE),
                                  matcher.phrases(MenuContext.MAIN))
    assert result.text == "caminhão do lixo"
    assert result.confidence > 0.5
    assert matcher.match(result.text).service_code == "LIXO-COLETA"
    assert "lixo" in result.transcript.lower()


def test_digits_come_back_as_digits(recognizer: WhisperRecognizer, matcher: IntentMatcher,
                                    speech: SpeechFactory) -> None:
    result = recognizer.recognize(speech("um dois três quatro", VOICE),
                                  matcher.phrases(MenuContext.PROTOCOL))
    intent = matcher.match(result.text, MenuContext.PROTOCOL)
    assert (intent.kind, intent.digits) == (IntentKind.DIGITS, "1234")


def test_free_transcription_without_phrases(recognizer: WhisperRecognizer,
                                            speech: SpeechFactory) -> None:
    result = recognizer.recognize(speech("não", VOICE))
    assert result.text.lower().strip(".! ") == "não"
    assert result.engine == "whisper" and result.seconds > 0 and result.audio_seconds > 0.5
