"""From what the recogniser heard to one decision with a probability of being right.

The recogniser gives the n best transcripts with their log-probabilities and its no-speech
probability. For the menu and confirmation questions the intent model (``IntentClassifier``)
reads every transcript; its label probabilities, weighted by how likely each transcript is,
give the best label, its margin over the runner-up and how many transcripts agree. For number
questions the candidates are the transcripts' protocol numbers (with a valid check digit) or
survey scores. Those signals, the recogniser's own confidence and whether the catalogue's
keywords agree are the ``Evidence``; ``Calibration`` (a logistic model fitted on the evaluation
set's dev part by ``central156 speech train``) turns it into the probability that the answer is
right, which ``Intent.decision`` compares with the accept and confirm thresholds of the settings.

Speech the model files under ``off_menu`` (a wrong number, a cough, the TV) is rejected: never
routed, whatever the probability.

``SpeechUnderstanding`` is immutable and safe to share between calls.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from citizen_center.catalogue import Catalogue
from citizen_center.phrasings import MenuLabel, load_phrasings
from ivr.intent.actions import IntentKind, MenuContext
from ivr.intent.classifier import QUEUE_PREFIX, IntentClassifier, heard_phrasings, model_dir
from ivr.intent.matcher import Intent, IntentMatcher
from ivr.intent.numbers import survey_score, valid_protocol
from ivr.speech.base import Hypothesis, Recognition

# How sharply the n-best transcripts are weighted by their mean token log-probability.
_NBEST_SHARPNESS = 8.0
_MAX_HYPOTHESES = 5
_CLASSIFIED_CONTEXTS = frozenset({MenuContext.MAIN, MenuContext.CONFIRM})
_LABEL_KINDS = {
    MenuLabel.CONSULT_PROTOCOL.value: IntentKind.CONSULT_PROTOCOL,
    MenuLabel.AGENT.value: IntentKind.AGENT,
    MenuLabel.REPEAT.value: IntentKind.REPEAT,
    MenuLabel.YES.value: IntentKind.YES,
    MenuLabel.NO.value: IntentKind.NO,
}
_OFF_MENU = MenuLabel.OFF_MENU.value
log = logging.getLogger(__name__)


def calibration_path() -> Path:
    return model_dir() / "calibration.json"


@dataclass(frozen=True)
class Evidence:
    """What the decision rests on; every field is in 0..1 except ``words``."""

    top_probability: float  # the chosen label's n-best-weighted probability
    margin: float  # over the runner-up label
    agreement: float  # weighted share of transcripts whose own best label is the chosen one
    asr_confidence: float  # exp(mean token log-probability) of the best transcript
    no_speech: float
    words: int
    keyword_agrees: bool  # the catalogue's keyword matcher finds the same target
    keyword_conflicts: bool  # ... or confidently finds another
    known_words: float  # share of the best transcript's words the corpus knows
    context: MenuContext
    off_menu: float = 0.0  # the n-best-weighted probability that the answer is off-menu speech

    FEATURES = (
        "logit_top",
        "margin",
        "agreement",
        "asr_confidence",
        "no_speech",
        "log_words",
        "keyword_agrees",
        "keyword_conflicts",
        "known_words",
        "confirm_context",
        "number_context",
        "off_menu",
    )

    def vector(self) -> list[float]:
        top = min(max(self.top_probability, 1e-4), 1 - 1e-4)
        return [
            math.log(top / (1 - top)),
            self.margin,
            self.agreement,
            self.asr_confidence,
            self.no_speech,
            math.log1p(self.words),
            float(self.keyword_agrees),
            float(self.keyword_conflicts),
            self.known_words,
            float(self.context is MenuContext.CONFIRM),
            float(self.context not in _CLASSIFIED_CONTEXTS),
            self.off_menu,
        ]


@dataclass(frozen=True)
class Calibration:
    """A logistic model from ``Evidence`` to the probability that the chosen answer is right."""

    coefficients: tuple[float, ...]
    intercept: float
    fitted_on: str = ""  # what it was fitted on, for the record

    def probability(self, evidence: Evidence) -> float:
        score = self.intercept + sum(
            c * x for c, x in zip(self.coefficients, evidence.vector(), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    @classmethod
    def uncalibrated(cls) -> Calibration:
        """Before any fit: the model's own probability, scaled by the transcripts' agreement."""
        coefficients = [0.0] * len(Evidence.FEATURES)
        coefficients[0], coefficients[2] = 1.0, 1.0
        return cls(tuple(coefficients), -1.0, "uncalibrated")

    @classmethod
    def fit(cls, evidence: Sequence[Evidence], right: Sequence[bool], note: str) -> Calibration:
        from sklearn.linear_model import LogisticRegression

        if len(set(right)) < 2:
            raise ValueError("calibration needs both right and wrong answers to learn from")
        features = np.array([e.vector() for e in evidence])
        model = LogisticRegression(C=1.0, max_iter=2000).fit(features, np.array(right))
        return cls(
            tuple(round(float(c), 5) for c in model.coef_[0]),
            round(float(model.intercept_[0]), 5),
            note,
        )

    def save(self, path: Path | None = None) -> None:
        data = {"features": list(Evidence.FEATURES), **asdict(self)}
        (path or calibration_path()).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> Calibration:
        data = json.loads((path or calibration_path()).read_text(encoding="utf-8"))
        if tuple(data["features"]) != Evidence.FEATURES:
            raise ValueError(
                "the calibration was fitted on other features: run `central156 speech train`"
            )
        return cls(tuple(data["coefficients"]), data["intercept"], data.get("fitted_on", ""))


@dataclass(frozen=True)
class Candidate:
    """The chosen reading of an answer and the evidence for it, before calibration."""

    label: str  # a service code, "queue:<code>", a MenuLabel value or "digits:<d>"
    evidence: Evidence


class SpeechUnderstanding:
    def __init__(
        self,
        catalogue: Catalogue,
        matcher: IntentMatcher,
        classifier: IntentClassifier,
        calibration: Calibration,
    ) -> None:
        self.catalogue = catalogue
        self.matcher = matcher
        self.classifier = classifier
        self.calibration = calibration
        self._queue_of = {s.code: s.queue for s in catalogue.service_types}
        allowed = {context: self._allowed_labels(context) for context in _CLASSIFIED_CONTEXTS}
        self._columns = {
            context: np.array([label in labels for label in classifier.labels])
            for context, labels in allowed.items()
        }
        self._off_menu_column = classifier.labels.index(_OFF_MENU)
        targets = sorted({self._target(label) for label in classifier.labels})
        self._target_matrix = np.array(
            [[self._target(label) == target for target in targets] for label in classifier.labels],
            dtype=np.float64,
        )
        self._off_menu_target = targets.index(_OFF_MENU)

    def _allowed_labels(self, context: MenuContext) -> frozenset[str]:
        kinds = context.allowed_kinds()
        labels = {label for label, kind in _LABEL_KINDS.items() if kind in kinds}
        if IntentKind.SERVICE in kinds:
            labels |= {
                label
                for label in self.classifier.labels
                if label in self._queue_of or label.startswith(QUEUE_PREFIX)
            }
        return frozenset(labels | {_OFF_MENU})

    # --- the decision ---------------------------------------------------------------------------

    def understand(self, heard: Recognition, context: MenuContext) -> Intent:
        """The intent of a recognised answer in ``context``, its confidence calibrated."""
        hypotheses = _hypotheses(heard)
        best_text = hypotheses[0].text if hypotheses else ""
        if not best_text.strip():
            return Intent(IntentKind.UNKNOWN, 0.0, best_text)
        # The keyword matcher reads the best transcript once: as a rule, then as evidence.
        keywords = self.matcher.match(best_text, context)
        ruled = self._by_rule(best_text, keywords, context)
        if ruled is not None:
            return ruled
        candidate = self.candidate(heard, context, keywords)
        if candidate is None or candidate.label == _OFF_MENU:
            return Intent(IntentKind.UNKNOWN, 0.0, best_text)
        confidence = round(self.calibration.probability(candidate.evidence), 3)
        return self._intent(candidate.label, confidence, best_text)

    def _by_rule(self, text: str, keywords: Intent, context: MenuContext) -> Intent | None:
        """What needs no model: a key read aloud ("opção dois") or a plain "atendente"."""
        spoken_key = self.matcher.spoken_key(text, context)
        if spoken_key is not None:
            return spoken_key
        asks_agent = keywords.kind is IntentKind.AGENT and keywords.confidence >= 0.95
        return keywords if asks_agent else None

    def candidate(
        self, heard: Recognition, context: MenuContext, keywords: Intent | None = None
    ) -> Candidate | None:
        """The best reading of ``heard`` and its evidence (None: nothing to read);
        ``keywords`` is the keyword matcher's reading of the best transcript, if known."""
        hypotheses = _hypotheses(heard)
        if not hypotheses:
            return None
        weights = _weights(hypotheses)
        if context in _CLASSIFIED_CONTEXTS:
            if keywords is None:
                keywords = self.matcher.match(hypotheses[0].text, context)
            return self._classified(hypotheses, weights, heard, context, keywords)
        return self._numbered(hypotheses, weights, heard, context)

    def _classified(
        self,
        hypotheses: Sequence[Hypothesis],
        weights: npt.NDArray[np.float64],
        heard: Recognition,
        context: MenuContext,
        keywords: Intent,
    ) -> Candidate:
        """The likeliest *target* (a queue, or a menu action), then its likeliest label.

        Routing is decided per target: "poste apagado" and "poste caído" both reach the same
        agents, so their probabilities add up before the best is chosen, and the service sent
        along is the likeliest one within that target.
        """
        labels = self._masked(self.classifier.probabilities([h.text for h in hypotheses]), context)
        targets = labels @ self._target_matrix  # one row per transcript, one column per target
        combined = weights @ targets
        order = np.argsort(combined)[::-1]
        top, second = int(order[0]), int(order[1])
        within = (weights @ labels) * self._target_matrix[:, top]
        label = self.classifier.labels[int(within.argmax())]
        agreement = float(weights[targets.argmax(axis=1) == top].sum())
        agrees, conflicts = self._keyword_evidence(keywords, label)
        evidence = Evidence(
            float(combined[top]),
            float(combined[top] - combined[second]),
            agreement,
            _asr_confidence(hypotheses[0]),
            heard.no_speech_prob,
            len(hypotheses[0].text.split()),
            agrees,
            conflicts,
            self.classifier.known_share(hypotheses[0].text),
            context,
            float(combined[self._off_menu_target]),
        )
        return Candidate(label, evidence)

    def _masked(
        self, rows: npt.NDArray[np.float64], context: MenuContext
    ) -> npt.NDArray[np.float64]:
        """Labels that cannot answer this question count as off-menu ("sim" to the menu).

        In the yes/no question they are dropped instead: a short answer often shares words with
        a service ("nada" with "não tem nada de água"), and there yes, no and the off-menu label
        (its own phrasings: "hã?", a cough, the TV) should compete among themselves. On the dev
        part this took the menu words from 52 % to 59 % right, with no new misroute.
        """
        allowed = self._columns[context]
        masked = np.where(allowed, rows, 0.0)
        if context is MenuContext.CONFIRM:
            totals = masked.sum(axis=1, keepdims=True)
            return np.asarray(masked / np.maximum(totals, 1e-12), dtype=np.float64)
        masked[:, self._off_menu_column] += rows[:, ~allowed].sum(axis=1)
        return masked

    def _numbered(
        self,
        hypotheses: Sequence[Hypothesis],
        weights: npt.NDArray[np.float64],
        heard: Recognition,
        context: MenuContext,
    ) -> Candidate | None:
        read = valid_protocol if context is MenuContext.PROTOCOL else survey_score
        readings = [read(h.text) for h in hypotheses]
        chosen = next((r for r in readings if r is not None), None)
        if chosen is None:
            return None
        share = float(sum(w for w, r in zip(weights, readings, strict=True) if r == chosen))
        first = readings.index(chosen)
        evidence = Evidence(
            share,
            share,
            share,
            _asr_confidence(hypotheses[first]),
            heard.no_speech_prob,
            len(hypotheses[first].text.split()),
            first == 0,
            False,
            1.0,
            context,
        )
        return Candidate(f"digits:{chosen}", evidence)

    def _keyword_evidence(self, ruled: Intent, label: str) -> tuple[bool, bool]:
        """Whether the keyword matcher agrees with ``label``, or confidently disagrees."""
        if ruled.kind is IntentKind.UNKNOWN:
            return False, False
        same = self._target(label) == _intent_target(ruled)
        return same, not same and ruled.confidence >= 0.9

    def _target(self, label: str) -> str:
        """Where a label sends the call: its queue for services, else the label itself."""
        if label.startswith(QUEUE_PREFIX):
            return label.removeprefix(QUEUE_PREFIX)
        return self._queue_of.get(label, label)

    def _intent(self, label: str, confidence: float, text: str) -> Intent:
        if label.startswith("digits:"):
            return Intent(IntentKind.DIGITS, confidence, text, digits=label.split(":", 1)[1])
        if label.startswith(QUEUE_PREFIX):
            return Intent(
                IntentKind.SERVICE,
                confidence,
                text,
                queue_code=label.removeprefix(QUEUE_PREFIX),
                matched_phrase=label,
            )
        if label in self._queue_of:
            return Intent(
                IntentKind.SERVICE,
                confidence,
                text,
                service_code=label,
                queue_code=self._queue_of[label],
                matched_phrase=label,
            )
        return Intent(_LABEL_KINDS[label], confidence, text, matched_phrase=label)


def _hypotheses(heard: Recognition) -> list[Hypothesis]:
    if heard.hypotheses:
        return list(heard.hypotheses[:_MAX_HYPOTHESES])
    text = heard.transcript or heard.text
    # Engines without n-best: their confidence stands in for the log-probability.
    return [Hypothesis(text, math.log(max(heard.confidence, 1e-3)))] if text else []


def _weights(hypotheses: Sequence[Hypothesis]) -> npt.NDArray[np.float64]:
    scores = np.array([h.logprob for h in hypotheses]) * _NBEST_SHARPNESS
    weights = np.exp(scores - scores.max())
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _asr_confidence(hypothesis: Hypothesis) -> float:
    return float(math.exp(min(0.0, hypothesis.logprob)))


def _intent_target(intent: Intent) -> str:
    if intent.kind is IntentKind.SERVICE:
        return intent.queue_code or ""
    return intent.kind.value


def load_understanding(catalogue: Catalogue, matcher: IntentMatcher) -> SpeechUnderstanding:
    """The shipped intent model and calibration for ``catalogue``.

    A missing model, one from another scikit-learn, or one trained on another corpus or
    catalogue (an admin edited the catalogue) is retrained here from the shipped corpus, in
    seconds, and reported; ``central156 speech train`` makes it permanent.
    """
    phrasings = load_phrasings()
    try:
        classifier = IntentClassifier.load()
        problem = (
            ""
            if classifier.is_current(phrasings, catalogue)
            else "it predates the corpus or the catalogue"
        )
    except (FileNotFoundError, ValueError) as exc:
        problem = str(exc)
    if problem:
        log.warning(
            "intent model unusable (%s): retraining it from the corpus now; "
            "`central156 speech train` ships one",
            problem,
        )
        classifier = IntentClassifier.train(phrasings, catalogue, heard_phrasings(phrasings))
    try:
        calibration = Calibration.load()
    except (FileNotFoundError, ValueError, KeyError) as exc:
        log.warning("speech confidence not calibrated (%s): run `central156 speech train`", exc)
        calibration = Calibration.uncalibrated()
    return SpeechUnderstanding(catalogue, matcher, classifier, calibration)
