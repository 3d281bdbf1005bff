"""Train and evaluate the speech path on the evaluation set: what ``central156 speech`` runs.

``train``: the intent model from the corpus and the catalogue, then the calibration on the dev
part's recognitions. ``evaluate``: the four-outcome table of one part. Recognitions come from
the cache (see ``scoring``) unless ``fresh``; missing audio is rendered on the way (the first
run takes about an hour on 2 cores, mostly the Kokoro voice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from citizen_center.catalogue import Catalogue, shipped_catalogue
from citizen_center.config import IvrSettings, StreamingSettings, user_cache_dir
from citizen_center.phrasings import load_phrasings
from ivr.intent.actions import MenuContext
from ivr.intent.classifier import IntentClassifier, default_model_path, heard_phrasings
from ivr.intent.matcher import IntentMatcher, PromptPolicy
from ivr.intent.understanding import Calibration, SpeechUnderstanding, calibration_path
from ivr.speech.base import Recognition, Recognizer
from ivr.speech.evaluation.dataset import ClipRenderer, EvalClip, Split, clips_for, load_items
from ivr.speech.evaluation.scoring import (
    RecognitionCache,
    Turn,
    calibration_examples,
    recognise_all,
    score,
)
from ivr.speech.models import WHISPER_BASE, model_info
from ivr.speech.whisper_engine import DecodingOptions, WhisperRecognizer
from ivr.streaming.offline import StreamedTurnRecognizer

log = logging.getLogger(__name__)
Progress = Callable[[str, int], Callable[[int], None]]


def eval_cache_dir() -> Path:
    return user_cache_dir() / "speech-eval"


@dataclass
class EvalSession:
    settings: IvrSettings
    decoding: DecodingOptions
    prompts: PromptPolicy
    catalogue: Catalogue
    progress: Progress
    # Each clip heard as the streaming engine hears a call (end-pointer, then the utterance).
    streaming: StreamingSettings | None = None
    every: int = 1  # only every Nth utterance, with all its voices (a quicker sample)

    @classmethod
    def create(
        cls,
        settings: IvrSettings,
        decoding: DecodingOptions | None = None,
        progress: Progress | None = None,
        prompts: PromptPolicy = PromptPolicy.NONE,
        streaming: StreamingSettings | None = None,
    ) -> EvalSession:
        return cls(
            settings,
            decoding or DecodingOptions(),
            prompts,
            shipped_catalogue(),
            progress or (lambda label, total: lambda done: None),
            streaming,
        )

    @property
    def name(self) -> str:
        path = (
            f", streamed through the end-pointer ({self.streaming.trailing_silence_ms}/"
            f"{self.streaming.long_answer_trailing_silence_ms} ms)"
            if self.streaming
            else ""
        )
        return f"{self.decoding.name}, prompts: {self.prompts.value}{path}"

    def title(self, part: str) -> str:
        """The heading of a part's table: what was decoded and with which thresholds."""
        return (
            f"{part} part ({self.name}; accept ≥ {self.settings.intent_accept_confidence}, "
            f"confirm ≥ {self.settings.intent_confirm_confidence})"
        )

    def clips(self, split: Split | None) -> list[EvalClip]:
        items = [i for i in load_items() if split is None or i.split is split]
        return list(clips_for(items[:: self.every]))

    def whisper(self) -> WhisperRecognizer:
        folder = model_info(WHISPER_BASE).folder(self.settings.resolved_models_dir())
        return WhisperRecognizer(folder, options=self.decoding)

    def recognizer(self) -> Recognizer:
        """What hears the clips: Whisper on the file, or through the end-pointer first."""
        if self.streaming is None:
            return self.whisper()
        return StreamedTurnRecognizer(self.whisper(), self.streaming, MenuContext.MAIN)

    def augment(self) -> int:
        """Hear the corpus phrasings not heard yet (see ``augment``); how many were added."""
        from ivr.speech.evaluation.augment import augment

        phrasings = load_phrasings()
        tick = self.progress("hearing the corpus", len(phrasings))
        matcher = IntentMatcher(self.catalogue)
        return augment(
            phrasings,
            self.whisper(),
            matcher.vocabulary(prompts=self.prompts),
            eval_cache_dir() / "corpus-audio",
            tick,
        )

    def cache(self) -> RecognitionCache:
        path = (
            f"-streaming{self.streaming.trailing_silence_ms}"
            f"-{self.streaming.long_answer_trailing_silence_ms}"
            if self.streaming
            else ""
        )
        return RecognitionCache(eval_cache_dir() / f"whisper-base-{self.decoding.name}{path}.jsonl")

    def understanding(
        self, classifier: IntentClassifier | None = None, calibration: Calibration | None = None
    ) -> SpeechUnderstanding:
        return SpeechUnderstanding(
            self.catalogue,
            IntentMatcher(self.catalogue),
            classifier or IntentClassifier.load(),
            calibration or Calibration.load(),
        )

    def run(
        self, split: Split | None, understanding: SpeechUnderstanding, *, fresh: bool = False
    ) -> list[Turn]:
        clips = self.clips(split)
        renderer = ClipRenderer(eval_cache_dir() / "audio")
        tick = self.progress(f"recognising {split or 'all'}", len(clips))
        heard = recognise_all(
            clips,
            renderer,
            self.recognizer(),
            understanding,
            self.cache(),
            prompts=self.prompts,
            fresh=fresh,
            progress=tick,
        )
        return score(clips, heard, understanding, self.settings)

    def train(self, save: bool = True) -> tuple[SpeechUnderstanding, list[Turn], list[Turn]]:
        """Train the model, fit the calibration on dev, save both. Returns the understanding,
        the dev turns scored in-sample (the table) and cross-fitted (the threshold sweep)."""
        phrasings = load_phrasings()
        classifier = IntentClassifier.train(phrasings, self.catalogue, heard_phrasings(phrasings))
        raw = self.understanding(classifier, Calibration.uncalibrated())
        clips = self.clips(Split.DEV)
        renderer = ClipRenderer(eval_cache_dir() / "audio")
        tick = self.progress("recognising dev", len(clips))
        heard = recognise_all(
            clips,
            renderer,
            self.recognizer(),
            raw,
            self.cache(),
            prompts=self.prompts,
            progress=tick,
        )
        calibration = self._fit(clips, heard, raw)
        if save:
            classifier.save(default_model_path())
            calibration.save(calibration_path())
        understanding = self.understanding(classifier, calibration)
        return (
            understanding,
            score(clips, heard, understanding, self.settings),
            self._cross_fitted(clips, heard, raw),
        )

    def _fit(
        self, clips: Sequence[EvalClip], heard: Sequence[Recognition], raw: SpeechUnderstanding
    ) -> Calibration:
        candidates, right = calibration_examples(clips, heard, raw)
        return Calibration.fit(
            [c.evidence for c in candidates], right, f"{len(candidates)} dev answers, {self.name}"
        )

    def _cross_fitted(
        self, clips: Sequence[EvalClip], heard: Sequence[Recognition], raw: SpeechUnderstanding
    ) -> list[Turn]:
        """Each half of the dev utterances scored by a calibration fitted on the other half:
        in-sample probabilities flatter the thresholds (the 0.6 chosen on them let 15 % of
        the test part's off-menu speech through)."""
        turns: list[Turn] = []
        for fold in (0, 1):
            fit = [i for i, c in enumerate(clips) if c.item.slot % 2 != fold]
            held = [i for i, c in enumerate(clips) if c.item.slot % 2 == fold]
            calibration = self._fit([clips[i] for i in fit], [heard[i] for i in fit], raw)
            understanding = self.understanding(raw.classifier, calibration)
            turns += score(
                [clips[i] for i in held], [heard[i] for i in held], understanding, self.settings
            )
        return turns
