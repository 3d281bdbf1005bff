"""Whisper base through faster-whisper (CTranslate2, CPU int8): real pt-BR recognition offline.

Each utterance is encoded once; the encoder output then serves both

1. a free transcription (greedy, no temperature fallback: the fallback caused 3-10 s decodes and
   repetition loops on robotic audio), and
2. when phrases are given, phrase scoring: the CTranslate2 ``align()`` log-probability of each
   candidate phrase as the whole transcript, minus the same phrase's log-probability given one
   second of silence (cached per phrase), which removes the bias towards short or common phrases.

Scoring every catalogue phrase would cost seconds, so the free transcript first shortlists the
phrases that resemble it; and since scoring always prefers *some* phrase, the free transcript also
rejects off-menu speech: a phrase is chosen only when it resembles the transcript or wins by a wide
margin.

Thread safety: one ``WhisperModel`` per folder per process, shared by all calls;
CTranslate2 serialises (or, with ``workers`` > 1, parallelises) concurrent ``generate``/``align``
calls; the silence-baseline cache is guarded by a lock.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ivr.intent.normalise import normalise, words_to_digits
from ivr.speech.base import Alternative, Recognition, read_wav

log = logging.getLogger(__name__)

_SAMPLE_RATE = 16000
_WINDOW_FRAMES = 3000  # Whisper always encodes a 30 s window of 10 ms mel frames
_MAX_NEW_TOKENS = 96
_SHORTLIST = 10
# A phrase is accepted when it resembles the free transcript this much (0..1) ...
_MIN_SIMILARITY = 0.6
# ... or when it beats the runner-up by this many nats (clear acoustic evidence) and still
# resembles the transcript somewhat (a wide margin alone also happens on garbled speech).
_CLEAR_MARGIN = 8.0
_MIN_SIMILARITY_WITH_MARGIN = 0.4
_MIN_GAIN = 1.0  # a phrase must be likelier given the audio than given silence

_models: dict[tuple[Path, int, int], Any] = {}
_models_lock = threading.Lock()


def _load_model(folder: Path, threads: int, workers: int) -> Any:
    from faster_whisper import WhisperModel

    key = (folder, threads, workers)
    with _models_lock:
        if key not in _models:
            log.info("loading whisper model %s", folder)
            _models[key] = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                        cpu_threads=threads, num_workers=workers)
        return _models[key]


@dataclass(frozen=True)
class _Encoded:
    output: Any  # ctranslate2.StorageView, shape [1, 1500, d_model]
    frames: int  # mel frames holding audio (the rest of the 30 s window is padding)


def _comparable(text: str) -> str:
    return words_to_digits(normalise(text))


def similarity(transcript: str, phrase: str) -> float:
    """How much of ``phrase`` appears in ``transcript`` (0..1), tolerant of misspellings."""
    heard, wanted = _comparable(transcript), _comparable(phrase)
    if not heard or not wanted:
        return 0.0
    if wanted in heard:
        return 1.0
    matcher = difflib.SequenceMatcher(None, heard, wanted, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched / len(wanted)


def _is_number(transcript: str) -> bool:
    words = _comparable(transcript).split()
    return bool(words) and all(word.isdigit() for word in words)


class WhisperRecognizer:
    engine = "whisper"

    def __init__(self, model_dir: Path, language: str = "pt", threads: int = 2,
                 workers: int = 1) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model_dir = model_dir.resolve()
        self.language = language
        self._model = _load_model(self.model_dir, threads, workers)
        self._tokenizer = Tokenizer(self._model.hf_tokenizer, True, task="transcribe",
                                    language=language)
        self._silence_scores: dict[str, float] = {}
        self._silence_lock = threading.Lock()
        self._silence: _Encoded | None = None

    # --- public -------------------------------------------------------------------------------

    def recognize(self, wav_path: Path, phrases: Sequence[str] | None = None) -> Recognition:
        started = time.perf_counter()
        pcm = read_wav(wav_path)
        encoded = self._encode(pcm.as_float(_SAMPLE_RATE))
        transcript, transcript_confidence = self._transcribe(encoded)
        if not phrases or _is_number(transcript):
            # A phrase list cannot spell every number the caller may say; the transcript can.
            return Recognition(transcript, transcript_confidence, self.engine,
                               time.perf_counter() - started, (), transcript, pcm.seconds)
        text, confidence, alternatives = self._choose_phrase(encoded, transcript, phrases)
        if not text:
            text, confidence = transcript, min(transcript_confidence, 0.4)
        return Recognition(text, confidence, self.engine, time.perf_counter() - started,
                           alternatives, transcript, pcm.seconds)

    # --- steps --------------------------------------------------------------------------------

    def _encode(self, audio: npt.NDArray[np.float32]) -> _Encoded:
        features = self._model.feature_extractor(audio)
        frames = min(features.shape[-1], _WINDOW_FRAMES)
        padding = max(0, _WINDOW_FRAMES - features.shape[-1])
        window = np.pad(features, ((0, 0), (0, padding)))[:, :_WINDOW_FRAMES]
        return _Encoded(self._model.encode(window), frames)

    def _transcribe(self, encoded: _Encoded) -> tuple[str, float]:
        tokenizer = self._tokenizer
        prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        result = self._model.model.generate(
            encoded.output, [prompt], beam_size=1, max_length=len(prompt) + _MAX_NEW_TOKENS,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=[-1], no_repeat_ngram_size=3,
        )[0]
        tokens = result.sequences_ids[0]
        text = tokenizer.decode(tokens).strip()
        avg_logprob = float(result.scores[0]) if tokens else -10.0
        # exp(mean log-prob) is the per-token probability; discount it by "no speech" odds.
        confidence = float(np.exp(avg_logprob)) * (1.0 - float(result.no_speech_prob))
        return text, round(confidence, 3)

    def _choose_phrase(self, encoded: _Encoded, transcript: str, phrases: Sequence[str]
                       ) -> tuple[str, float, tuple[Alternative, ...]]:
        candidates = self._shortlist(transcript, phrases)
        audio_scores = self._align_scores(encoded, candidates)
        baselines = self._silence_baselines(candidates)
        gains = [score - base for score, base in zip(audio_scores, baselines, strict=True)]
        ranked = sorted(zip(gains, candidates, strict=True), reverse=True)
        alternatives = tuple(Alternative(text, round(gain, 2)) for gain, text in ranked)
        best_gain, best = ranked[0]
        margin = best_gain - ranked[1][0] if len(ranked) > 1 else best_gain
        resemblance = similarity(transcript, best)
        clear_win = margin >= _CLEAR_MARGIN and resemblance >= _MIN_SIMILARITY_WITH_MARGIN
        if best_gain < _MIN_GAIN or (resemblance < _MIN_SIMILARITY and not clear_win):
            return "", 0.0, alternatives
        # Softmax share of the best phrase among the candidates, tempered by resemblance.
        shares = np.exp(np.array([g for g, _ in ranked]) - best_gain)
        confidence = float(1.0 / shares.sum()) * (0.5 + 0.5 * max(resemblance, min(1.0, margin
                                                                                 / _CLEAR_MARGIN)))
        return best, round(confidence, 3), alternatives

    def _shortlist(self, transcript: str, phrases: Sequence[str]) -> list[str]:
        unique = list(dict.fromkeys(p for p in phrases if p.strip()))
        if len(unique) <= _SHORTLIST:
            return unique
        return sorted(unique, key=lambda p: similarity(transcript, p), reverse=True)[:_SHORTLIST]

    def _align_scores(self, encoded: _Encoded, phrases: Sequence[str]) -> list[float]:
        import ctranslate2

        token_lists = [self._tokenizer.encode(" " + p.strip()) for p in phrases]
        repeated = np.repeat(np.array(encoded.output), len(token_lists), axis=0)
        results = self._model.model.align(
            ctranslate2.StorageView.from_array(repeated), self._tokenizer.sot_sequence,
            token_lists, [encoded.frames // 2] * len(token_lists),
        )
        return [float(np.sum(np.log(np.asarray(r.text_token_probs) + 1e-9))) for r in results]

    def _silence_baselines(self, phrases: Sequence[str]) -> list[float]:
        with self._silence_lock:
            missing = [p for p in phrases if p not in self._silence_scores]
            if missing:
                if self._silence is None:
                    self._silence = self._encode(np.zeros(_SAMPLE_RATE, dtype=np.float32))
                scores = self._align_scores(self._silence, missing)
                self._silence_scores.update(zip(missing, scores, strict=True))
            return [self._silence_scores[p] for p in phrases]
