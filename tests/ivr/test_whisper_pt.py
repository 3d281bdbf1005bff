"""The Whisper engine on pt-BR caller speech (espeak-ng, converted to 8 kHz at test time).

espeak-ng is robotic and Whisper transcribes it poorly, so these utterances are ones its free
transcript gets nearly right; the evaluation set (`central156 speech eval`) reports accuracy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ivr.intent import IntentKind, IntentMatcher, MenuContext, PromptPolicy, normalise
from ivr.speech.base import Pcm
from ivr.speech.whisper_engine import DecodingOptions, WhisperRecognizer, trim_silence
from tests.ivr.conftest import SpeechFactory

VOICE = "pt-br+f3"


@pytest.fixture(scope="module")
def recognizer(whisper_model: Path) -> WhisperRecognizer:
    return WhisperRecognizer(whisper_model)


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.shipped()


def test_n_best_transcripts_with_the_vocabulary_prompt(
    recognizer: WhisperRecognizer, matcher: IntentMatcher, speech: SpeechFactory
) -> None:
    result = recognizer.recognize(
        speech("o caminhão do lixo não passou", VOICE),
        vocabulary=matcher.vocabulary(MenuContext.MAIN, PromptPolicy.ALL),
    )
    # espeak-ng is robotic: Whisper may mishear "lixo", not the sentence around it.
    assert "caminhão" in result.transcript.lower()
    assert 1 <= len(result.hypotheses) <= 5
    assert result.hypotheses[0].text == result.transcript
    logprobs = [h.logprob for h in result.hypotheses]
    assert logprobs == sorted(logprobs, reverse=True)
    assert 0.0 <= result.no_speech_prob < 0.5


def test_phrase_scoring_when_asked(
    whisper_model: Path, matcher: IntentMatcher, speech: SpeechFactory
) -> None:
    scoring = WhisperRecognizer(whisper_model, options=DecodingOptions(phrase_scoring=True))
    result = scoring.recognize(
        speech("o caminhão do lixo não passou", VOICE), matcher.phrases(MenuContext.MAIN)
    )
    assert result.text == "caminhão do lixo"
    assert result.alternatives and result.alternatives[0].text == "caminhão do lixo"


def test_silence_is_trimmed_before_encoding() -> None:
    rate = 16000
    speech_part = (0.3 * np.sin(np.arange(rate) / 3)).astype(np.float32)
    padded = np.concatenate(
        [np.zeros(2 * rate, np.float32), speech_part, np.zeros(3 * rate, np.float32)]
    )
    trimmed = trim_silence(padded)
    assert rate <= len(trimmed) <= rate + int(0.6 * rate)


def test_digits_come_back_as_digits(
    recognizer: WhisperRecognizer, matcher: IntentMatcher, speech: SpeechFactory
) -> None:
    result = recognizer.recognize(
        speech("um dois três quatro", VOICE), matcher.phrases(MenuContext.PROTOCOL)
    )
    intent = matcher.match(result.text, MenuContext.PROTOCOL)
    assert (intent.kind, intent.digits) == (IntentKind.DIGITS, "1234")


def test_free_transcription_without_phrases(
    recognizer: WhisperRecognizer, speech: SpeechFactory
) -> None:
    result = recognizer.recognize(speech("não", VOICE))
    # A one-word answer in a short window may come back repeated ("Não. Não."): still "não".
    assert set(normalise(result.text).split()) == {"nao"}
    assert result.engine == "whisper" and result.seconds > 0 and result.audio_seconds > 0.5


@pytest.mark.parametrize("peak", [0, 40])
def test_line_silence_is_not_recognised(recognizer: WhisperRecognizer, peak: int) -> None:
    """An empty recording or one of line noise alone: nothing heard (Whisper, run on it, made
    up "a", which the menu read as "água turva"), so the IVR asks again."""
    noise = np.random.default_rng(1).integers(-peak, peak + 1, 8000 * 2, dtype=np.int16)
    result = recognizer.recognize_pcm(Pcm(noise, 8000))
    assert (result.text, result.transcript, result.confidence) == ("", "", 0.0)
    assert result.no_speech_prob == 1.0 and result.audio_seconds == 2.0
    assert recognizer.recognize_pcm(Pcm(np.zeros(0, dtype=np.int16), 8000)).text == ""
