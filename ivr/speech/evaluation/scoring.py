"""Recognise the evaluation clips once, then decide and count the four outcomes.

Recognitions are cached per decoding configuration (``<cache>/speech-eval/<name>.jsonl``), with
the time each took, so retraining the intent model or refitting the calibration re-scores the
whole set in seconds; ``fresh`` recognises again (for timing on this machine).

Outcomes of one turn, as the caller lives it:

- **right**: the right target accepted at once (off-menu speech: rejected);
- **confirmed**: the right target proposed in "Você disse ...?" (right after one confirmation);
- **retry**: rejected and asked again;
- **declined** (a kind of retry, shown apart): a wrong target proposed in "Você disse ...?"; the
  caller says no and is asked again. Off-menu speech proposed as a target is declined too, and
  is not counted as rejected;
- **misroute**: a wrong target accepted (the caller is sent to the wrong queue or question).

The issue's definition of a misroute is "a wrong target accepted or confirmed"; a proposal the
caller turns down costs a turn, not a transfer. The table shows declined turns in their own
column, so the stricter reading (misroute + declined) can always be read off it.

The time of a turn is from the end of the caller's recording to the decision: recognition plus
understanding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from citizen_center.catalogue import Catalogue
from citizen_center.config import IvrSettings
from citizen_center.phrasings import MenuLabel
from ivr.intent.actions import IntentKind, MenuContext
from ivr.intent.matcher import Decision, Intent, PromptPolicy
from ivr.intent.understanding import Candidate, SpeechUnderstanding
from ivr.speech.base import Hypothesis, Recognition, Recognizer, has_speech
from ivr.speech.evaluation.dataset import ClipRenderer, EvalClip, EvalItem, Group

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    RIGHT = "right"
    CONFIRMED = "confirmed"
    RETRY = "retry"
    DECLINED = "declined"
    MISROUTE = "misroute"


@dataclass(frozen=True)
class Turn:
    clip: EvalClip
    heard: Recognition
    intent: Intent
    decision: Decision
    outcome: Outcome
    seconds: float  # end of recording to decision


class RecognitionCache:
    """What the recogniser heard for each clip, one JSON line per clip (append-only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, Recognition] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                data = json.loads(line)
                key = data.pop("key")
                data["hypotheses"] = tuple(Hypothesis(**h) for h in data["hypotheses"])
                data["alternatives"] = ()
                self._entries[key] = Recognition(**data)

    def get(self, key: str) -> Recognition | None:
        return self._entries.get(key)

    def put(self, key: str, heard: Recognition) -> None:
        self._entries[key] = heard
        data = asdict(heard)
        data.pop("alternatives")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": key, **data}, ensure_ascii=False) + "\n")


@runtime_checkable
class ContextualRecognizer(Protocol):
    """A recogniser whose settings depend on the question (the streaming path's end-pointer)."""

    def for_context(self, context: MenuContext) -> Recognizer: ...


def recognise_all(
    clips: Sequence[EvalClip],
    renderer: ClipRenderer,
    recognizer: Recognizer,
    understanding: SpeechUnderstanding,
    cache: RecognitionCache,
    *,
    prompts: PromptPolicy = PromptPolicy.NONE,
    fresh: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[Recognition]:
    """Each clip's recognition, from the cache unless missing or ``fresh``."""
    heard: list[Recognition] = []
    matcher = understanding.matcher
    for clip in clips:
        context = clip.item.context
        vocabulary = matcher.vocabulary(context, prompts)
        key = f"{clip.key}:{hashlib.sha256(vocabulary.encode()).hexdigest()[:8]}"
        cached = None if fresh else cache.get(key)
        if cached is None:
            hearer = (
                recognizer.for_context(context)
                if isinstance(recognizer, ContextualRecognizer)
                else recognizer
            )
            wav = renderer.render(clip)
            # As the IVR does: a recording of silence or line noise is not recognised at all.
            cached = (
                hearer.recognize(wav, matcher.phrases(context), vocabulary=vocabulary)
                if has_speech(wav)
                else Recognition("", 0.0, "silence", 0.0)
            )
            cache.put(key, cached)
        heard.append(cached)
        if progress is not None:
            progress(1)
    return heard


def target_of_label(label: str, catalogue: Catalogue) -> str:
    """Where an expected label sends the call: a service's queue, else the label itself."""
    if label.startswith("queue:"):
        return label.removeprefix("queue:")
    service = next((s for s in catalogue.service_types if s.code == label), None)
    return service.queue if service else label


def target_of_intent(intent: Intent) -> str:
    if intent.kind is IntentKind.SERVICE:
        return intent.queue_code or ""
    if intent.kind is IntentKind.DIGITS:
        return f"digits:{intent.digits}"
    return intent.kind.value


def outcome_of(item: EvalItem, intent: Intent, decision: Decision, catalogue: Catalogue) -> Outcome:
    # "Repete" asks the same question again (with its keys): to a caller who coughed or said
    # something else, that is what a rejection does, not a wrong route.
    repeats = intent.kind is IntentKind.REPEAT and item.expected != MenuLabel.REPEAT.value
    if decision is Decision.REJECT or (repeats and decision is Decision.ACCEPT):
        return Outcome.RIGHT if item.group is Group.OFF_MENU else Outcome.RETRY
    if target_of_intent(intent) != target_of_label(item.expected, catalogue):
        return Outcome.DECLINED if decision is Decision.CONFIRM else Outcome.MISROUTE
    return Outcome.CONFIRMED if decision is Decision.CONFIRM else Outcome.RIGHT


def score(
    clips: Sequence[EvalClip],
    heard: Sequence[Recognition],
    understanding: SpeechUnderstanding,
    settings: IvrSettings,
) -> list[Turn]:
    turns = []
    for clip, recognition in zip(clips, heard, strict=True):
        started = time.perf_counter()
        intent = understanding.understand(recognition, clip.item.context)
        decision = intent.decision(settings)
        seconds = recognition.seconds + time.perf_counter() - started
        outcome = outcome_of(clip.item, intent, decision, understanding.catalogue)
        turns.append(Turn(clip, recognition, intent, decision, outcome, seconds))
    return turns


def calibration_examples(
    clips: Iterable[EvalClip], heard: Iterable[Recognition], understanding: SpeechUnderstanding
) -> tuple[list[Candidate], list[bool]]:
    """The candidates the model would propose (off-menu readings aside) and whether each is
    right: what the calibration learns from."""
    candidates, right = [], []
    for clip, recognition in zip(clips, heard, strict=True):
        candidate = understanding.candidate(recognition, clip.item.context)
        if candidate is None or candidate.label == MenuLabel.OFF_MENU:
            continue
        expected = target_of_label(clip.item.expected, understanding.catalogue)
        candidates.append(candidate)
        right.append(target_of_label(candidate.label, understanding.catalogue) == expected)
    return candidates, right
