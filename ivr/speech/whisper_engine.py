"""Whisper base through faster-whisper (CTranslate2, CPU int8): real pt-BR recognition offline.

How an utterance is decoded (each choice decided by the speech evaluation set's table,
``central156 speech eval``; figures in ``bench/README.md``):

1. The recording's leading and trailing silence is cut (Asterisk's recording ends with the
   caller's silence) and only the audio plus one second is encoded. Whisper was trained on 30 s
   windows, but CTranslate2 accepts a shorter mel input: the encoder then costs 0.03-0.1 s
   instead of 0.6 s, with no loss of accuracy on the evaluation set.
2. Beam search returns the n best transcripts with their mean token log-probabilities and the
   model's no-speech probability: the evidence the understanding step combines into one
   calibrated confidence (``ivr.intent.understanding``).
3. A vocabulary prompt (``<|startofprev|>`` tokens), when the caller passes one: the words of
   the question's answers. Which questions get one is the intent matcher's decision
   (``IntentMatcher.vocabulary``), taken from the evaluation table.
4. Optionally (``phrase_scoring``), the CTranslate2 ``align()`` log-probability of candidate
   phrases as the whole transcript, minus the same phrase given one second of silence. It is off
   by default: on the evaluation set it cost 0.2-0.4 s per answer for no gain once the intent
   model reads the n-best transcripts.

No temperature fallback: it caused 3-10 s decodes and repetition loops on robotic audio.

Thread safety: one ``WhisperModel`` per folder per process, shared by all calls; CTranslate2
serialises (or, with ``workers`` > 1, parallelises) concurrent ``generate``/``align`` calls; the
silence-baseline cache is guarded by a lock.
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
from ivr.speech.base import Alternative, Hypothesis, Pcm, Recognition, read_wav

log = logging.getLogger(__name__)

_SAMPLE_RATE = 16000
_FRAMES_PER_SECOND = 100  # mel frames are 10 ms
_FULL_WINDOW_FRAMES = 3000  # Whisper's training window: 30 s
_TAIL_FRAMES = 100  # one second of silence after the speech helps the decoder stop
# Transcripts of a 10 s answer stay well under this; a longer one is a repetition loop.
_TOKENS_PER_SECOND = 8
_MIN_NEW_TOKENS = 12
_MAX_NEW_TOKENS = 96
_PROMPT_MAX_TOKENS = 100  # Whisper accepts up to 223; each prompt token costs decoding time
_SHORTLIST = 10
_MIN_SIMILARITY = 0.6
_CLEAR_MARGIN = 8.0
_MIN_SIMILARITY_WITH_MARGIN = 0.4
_MIN_GAIN = 1.0
# Silence trimming: 20 ms frames more than this many dB under the loudest are silence, and this
# much audio is kept around the speech (the first and last phonemes are quiet).
_TRIM_FLOOR_DB = 38.0
_TRIM_MARGIN_S = 0.25

_models: dict[tuple[Path, int, int], Any] = {}
_models_lock = threading.Lock()


@dataclass(frozen=True)
class DecodingOptions:
    """How to decode; the defaults are what the evaluation set chose."""

    beam_size: int = 5
    hypotheses: int = 5
    short_window: bool = True
    phrase_scoring: bool = False

    @property
    def name(self) -> str:
        window = "short" if self.short_window else "30s"
        phrases = "+phrases" if self.phrase_scoring else ""
        return f"{window}-beam{self.beam_size}{phrases}"


def _load_model(folder: Path, threads: int, workers: int) -> Any:
    from faster_whisper import WhisperModel

    key = (folder, threads, workers)
    with _models_lock:
        if key not in _models:
            log.info("loading whisper model %s", folder)
            _models[key] = WhisperModel(
                str(folder),
                device="cpu",
                compute_type="int8",
                cpu_threads=threads,
                num_workers=workers,
            )
        return _models[key]


@dataclass(frozen=True)
class _Encoded:
    output: Any  # ctranslate2.StorageView, shape [1, frames / 2, d_model]
    frames: int  # mel frames holding audio
    seconds: float  # audio encoded, after trimming


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


def trim_silence(
    audio: npt.NDArray[np.float32], rate: int = _SAMPLE_RATE
) -> npt.NDArray[np.float32]:
    """``audio`` without its leading and trailing silence (kept whole when all quiet)."""
    frame = rate // 50
    count = len(audio) // frame
    if count < 3:
        return audio
    energy = np.mean(audio[: count * frame].reshape(count, frame) ** 2, axis=1)
    level = 10.0 * np.log10(energy + 1e-12)
    loud = np.flatnonzero(level > level.max() - _TRIM_FLOOR_DB)
    margin = int(_TRIM_MARGIN_S * rate)
    start = max(0, int(loud[0]) * frame - margin)
    end = min(len(audio), (int(loud[-1]) + 1) * frame + margin)
    return audio[start:end]


class WhisperRecognizer:
    engine = "whisper"

    def __init__(
        self,
        model_dir: Path,
        language: str = "pt",
        threads: int = 2,
        workers: int = 1,
        options: DecodingOptions | None = None,
    ) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model_dir = model_dir.resolve()
        self.language = language
        self.options = options or DecodingOptions()
        self._model = _load_model(self.model_dir, threads, workers)
        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer, True, task="transcribe", language=language
        )
        self._silence_scores: dict[str, float] = {}
        self._silence_lock = threading.Lock()
        self._silence: _Encoded | None = None
        self._prompts: dict[str, list[int]] = {}

    # --- public -------------------------------------------------------------------------------

    def recognize(
        self, wav_path: Path, phrases: Sequence[str] | None = None, *, vocabulary: str = ""
    ) -> Recognition:
        return self.recognize_pcm(read_wav(wav_path), phrases, vocabulary=vocabulary)

    def recognize_pcm(
        self, pcm: Pcm, phrases: Sequence[str] | None = None, *, vocabulary: str = ""
    ) -> Recognition:
        """Recognise audio already in memory (the streaming engine's turns: no file)."""
        started = time.perf_counter()
        if pcm.is_line_silence:
            return Recognition(
                "", 0.0, self.engine, 0.0, audio_seconds=pcm.seconds, no_speech_prob=1.0
            )
        encoded = self._encode(pcm.as_float(_SAMPLE_RATE))
        hypotheses, no_speech = self._transcribe(encoded, vocabulary)
        best = hypotheses[0] if hypotheses else Hypothesis("", -10.0)
        confidence = round(float(np.exp(best.logprob)) * (1.0 - no_speech), 3)
        text = best.text
        alternatives: tuple[Alternative, ...] = ()
        if phrases and self.options.phrase_scoring and not _is_number(best.text):
            chosen, chosen_confidence, alternatives = self._choose_phrase(
                encoded, best.text, phrases
            )
            if chosen:
                text, confidence = chosen, chosen_confidence
        return Recognition(
            text=text,
            confidence=confidence,
            engine=self.engine,
            seconds=time.perf_counter() - started,
            alternatives=alternatives,
            transcript=best.text,
            audio_seconds=pcm.seconds,
            hypotheses=tuple(hypotheses),
            no_speech_prob=round(no_speech, 4),
        )

    def recognize_batch(
        self, pcms: Sequence[Pcm], vocabularies: Sequence[str]
    ) -> list[Recognition]:
        """Several callers' utterances in one encoder and one beam-search pass (the streaming
        engine's batches): about 1.4 times the throughput of one at a time on 2 cores, each
        waiting for the whole batch. Padded to the longest window; phrase scoring is off."""
        started = time.perf_counter()
        audios = [trim_silence(p.as_float(_SAMPLE_RATE)) for p in pcms]
        features = [self._model.feature_extractor(a) for a in audios]
        frames = min(max(f.shape[-1] for f in features), _FULL_WINDOW_FRAMES)
        window = min(frames + _TAIL_FRAMES, _FULL_WINDOW_FRAMES)
        window += window % 2
        mel = np.stack(
            [np.pad(f, ((0, 0), (0, max(0, window - f.shape[-1]))))[:, :window] for f in features]
        )
        prompts = [self._prompt(v) for v in vocabularies]
        longest = max(len(a) for a in audios) / _SAMPLE_RATE
        new_tokens = int(min(_MAX_NEW_TOKENS, _MIN_NEW_TOKENS + _TOKENS_PER_SECOND * longest))
        beam = self.options.beam_size
        results = self._model.model.generate(
            self._model.encode(mel),
            prompts,
            beam_size=beam,
            num_hypotheses=min(beam, self.options.hypotheses),
            max_length=max(len(p) for p in prompts) + new_tokens,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
            no_repeat_ngram_size=3,
            repetition_penalty=1.1,
        )
        seconds = time.perf_counter() - started
        return [
            self._recognition(result, seconds, pcm.seconds)
            for result, pcm in zip(results, pcms, strict=True)
        ]

    def _recognition(self, result: Any, seconds: float, audio_seconds: float) -> Recognition:
        hypotheses: list[Hypothesis] = []
        for tokens, score in zip(result.sequences_ids, result.scores, strict=True):
            text = self._tokenizer.decode(tokens).strip()
            if text and all(h.text != text for h in hypotheses):
                hypotheses.append(Hypothesis(text, round(float(score), 4)))
        no_speech = float(result.no_speech_prob)
        best = hypotheses[0] if hypotheses else Hypothesis("", -10.0)
        return Recognition(
            text=best.text,
            confidence=round(float(np.exp(best.logprob)) * (1.0 - no_speech), 3),
            engine=self.engine,
            seconds=seconds,
            transcript=best.text,
            audio_seconds=audio_seconds,
            hypotheses=tuple(hypotheses),
            no_speech_prob=round(no_speech, 4),
        )

    # --- steps --------------------------------------------------------------------------------

    def _encode(self, audio: npt.NDArray[np.float32]) -> _Encoded:
        if self.options.short_window:
            audio = trim_silence(audio)
        features = self._model.feature_extractor(audio)
        frames = min(features.shape[-1], _FULL_WINDOW_FRAMES)
        window = (
            min(frames + _TAIL_FRAMES, _FULL_WINDOW_FRAMES)
            if self.options.short_window
            else _FULL_WINDOW_FRAMES
        )
        window += window % 2  # the encoder halves the frames
        padding = max(0, window - features.shape[-1])
        mel = np.pad(features, ((0, 0), (0, padding)))[:, :window]
        return _Encoded(self._model.encode(mel), frames, len(audio) / _SAMPLE_RATE)

    def _prompt(self, vocabulary: str) -> list[int]:
        tokenizer = self._tokenizer
        task = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        if not vocabulary:
            return task
        if vocabulary not in self._prompts:  # a few contexts per catalogue: no lock needed
            words = tokenizer.encode(" " + vocabulary.strip())[-_PROMPT_MAX_TOKENS:]
            self._prompts[vocabulary] = [tokenizer.sot_prev, *words, *task]
        return self._prompts[vocabulary]

    def _transcribe(self, encoded: _Encoded, vocabulary: str) -> tuple[list[Hypothesis], float]:
        prompt = self._prompt(vocabulary)
        new_tokens = int(
            min(_MAX_NEW_TOKENS, _MIN_NEW_TOKENS + _TOKENS_PER_SECOND * encoded.seconds)
        )
        beam = self.options.beam_size
        result = self._model.model.generate(
            encoded.output,
            [prompt],
            beam_size=beam,
            num_hypotheses=min(beam, self.options.hypotheses),
            max_length=len(prompt) + new_tokens,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
            no_repeat_ngram_size=3,
            repetition_penalty=1.1,
        )[0]
        hypotheses: list[Hypothesis] = []
        for tokens, score in zip(result.sequences_ids, result.scores, strict=True):
            text = self._tokenizer.decode(tokens).strip()
            if text and all(h.text != text for h in hypotheses):
                hypotheses.append(Hypothesis(text, round(float(score), 4)))
        return hypotheses, float(result.no_speech_prob)

    def _choose_phrase(
        self, encoded: _Encoded, transcript: str, phrases: Sequence[str]
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
        shares = np.exp(np.array([g for g, _ in ranked]) - best_gain)
        strength = max(resemblance, min(1.0, margin / _CLEAR_MARGIN))
        confidence = float(1.0 / shares.sum()) * (0.5 + 0.5 * strength)
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
            ctranslate2.StorageView.from_array(repeated),
            self._tokenizer.sot_sequence,
            token_lists,
            [max(1, encoded.frames // 2)] * len(token_lists),
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


def _is_number(transcript: str) -> bool:
    words = _comparable(transcript).split()
    return bool(words) and all(word.isdigit() for word in words)
