"""Map what the caller said (or keyed) to a service type, a queue or a menu action.

Built from the catalogue: every service type's keywords, plus each queue's name and service
groups (which lead to a queue but not to one service). Menu actions (consult a protocol, agent,
yes/no, repeat) have their own pt-BR phrases in ``ivr.intent.actions``. ``IntentMatcher`` is
immutable after construction and safe to share between concurrent calls.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from citizen_center.catalogue import Catalogue, shipped_catalogue
from citizen_center.config import IvrSettings
from ivr.intent.actions import (
    ACTION_PHRASES,
    CONFIRM_KEYS,
    MENU_KEYS,
    SURVEY_SCORES,
    IntentKind,
    MenuContext,
)
from ivr.intent.normalise import digits_only, normalise, stem, stemmed_tokens, words_to_digits

# Words that carry no meaning for matching ("buraco na rua" ~ "buraco rua").
_STOPWORDS = frozenset(
    {
        "a",
        "o",
        "as",
        "os",
        "de",
        "da",
        "do",
        "das",
        "dos",
        "e",
        "em",
        "na",
        "no",
        "nas",
        "nos",
        "um",
        "uma",
        "uns",
        "umas",
        "com",
        "para",
        "pra",
        "por",
        "pelo",
        "pela",
        "que",
        "meu",
        "minha",
        "meus",
        "minhas",
        "aqui",
        "ali",
        "esta",
        "esse",
        "essa",
        "isto",
        "la",
        "ao",
        "aos",
    }
)
# Recognisers misspell long words ("sinaleria"); a close enough word still counts, a bit less.
_FUZZY_MIN_LENGTH = 5
_FUZZY_MIN_RATIO = 0.84
# Partial phrases ("poste" for "poste caído") count from this coverage up.
_MIN_COVERAGE = 0.5
# How much a close runner-up lowers the confidence: same queue (harmless) or another queue.
_AMBIGUOUS_SAME_QUEUE = 0.9
_AMBIGUOUS_OTHER_QUEUE = 0.6
_AGENT_MIN_CONFIDENCE = 0.9


_CONTEXT_VOCABULARY = {
    MenuContext.CONFIRM: "Sim, isso mesmo. Não, tá errado. Atendente.",
    MenuContext.PROTOCOL: "O protocolo é 2026 0001234 5.",
    MenuContext.SURVEY: "Nota 1, 2, 3, 4 ou 5.",
}


class PromptPolicy(StrEnum):
    """Which questions' answers are recognised with a vocabulary prompt."""

    ALL = "all"
    CLOSED = "closed"  # yes/no, protocol numbers, survey scores: not the open question
    NONE = "none"


class Decision(StrEnum):
    ACCEPT = "accept"
    CONFIRM = "confirm"
    REJECT = "reject"


@dataclass(frozen=True)
class Intent:
    """The outcome of matching: what to do next, how sure we are, and why."""

    kind: IntentKind
    confidence: float
    text: str = ""
    service_code: str | None = None
    queue_code: str | None = None
    digits: str = ""
    matched_phrase: str = ""

    def decision(self, settings: IvrSettings) -> Decision:
        """Act, confirm first, or ask again; ``confidence`` is the probability of being right.

        Only a service is confirmed ("Você disse ...?"). Menu words lead somewhere the caller
        hears at once and can leave (an agent, the key menu, the protocol question), so they act
        from the confirm threshold. Yes/no (the answer to a confirmation) and numbers (a survey
        score is recorded for good; a protocol number reads out a request) must be sure.
        """
        if self.kind is IntentKind.UNKNOWN or self.confidence < settings.intent_confirm_confidence:
            return Decision.REJECT
        if self.confidence >= settings.intent_accept_confidence:
            return Decision.ACCEPT
        if self.kind is IntentKind.SERVICE:
            return Decision.CONFIRM
        return Decision.REJECT if self.kind in _MUST_BE_SURE else Decision.ACCEPT


_MUST_BE_SURE = frozenset({IntentKind.YES, IntentKind.NO, IntentKind.DIGITS})


@dataclass(frozen=True)
class _Phrase:
    text: str
    tokens: tuple[str, ...]
    kind: IntentKind
    service_code: str | None = None
    queue_code: str | None = None
    # Among equal matches a service keyword beats a group or queue name (it says more).
    priority: int = 0


@dataclass(frozen=True, order=True)
class _Score:
    coverage: float
    matched_tokens: int
    priority: int
    phrase: _Phrase = field(compare=False)


def _content_tokens(text: str) -> tuple[str, ...]:
    all_tokens = stemmed_tokens(text)
    content = tuple(t for t in all_tokens if t not in _STOPWORDS)
    return content or tuple(all_tokens)


def _token_match(wanted: str, heard: Sequence[str]) -> float:
    if wanted in heard:
        return 1.0
    if len(wanted) < _FUZZY_MIN_LENGTH:
        return 0.0
    best = max((difflib.SequenceMatcher(None, wanted, h).ratio() for h in heard), default=0.0)
    return best if best >= _FUZZY_MIN_RATIO else 0.0


def _score(phrase: _Phrase, heard: Sequence[str]) -> _Score | None:
    qualities = [_token_match(token, heard) for token in phrase.tokens]
    coverage = sum(qualities) / len(qualities)
    if coverage < _MIN_COVERAGE:
        return None
    matched = sum(1 for q in qualities if q > 0)
    return _Score(round(coverage, 3), matched, phrase.priority, phrase)


class IntentMatcher:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._phrases = tuple(self._catalogue_phrases(catalogue)) + tuple(self._action_phrases())
        self._key_queues = {queue.dtmf: queue.code for queue in catalogue.queues}
        clash = set(self._key_queues) & set(MENU_KEYS)
        if clash:
            raise ValueError(f"catalogue queues use the IVR's reserved menu keys {sorted(clash)}")

    @classmethod
    def shipped(cls) -> IntentMatcher:
        return cls(shipped_catalogue())

    # --- building -----------------------------------------------------------------------------

    @staticmethod
    def _catalogue_phrases(catalogue: Catalogue) -> Iterable[_Phrase]:
        for service in catalogue.service_types:
            for keyword in service.keywords:
                yield _Phrase(
                    keyword,
                    _content_tokens(keyword),
                    IntentKind.SERVICE,
                    service.code,
                    service.queue,
                    priority=2,
                )
        for queue in catalogue.queues:
            for name in (queue.name, *queue.groups):
                yield _Phrase(name, _content_tokens(name), IntentKind.SERVICE, None, queue.code, 1)

    @staticmethod
    def _action_phrases() -> Iterable[_Phrase]:
        for kind, phrases in ACTION_PHRASES.items():
            for text in phrases:
                yield _Phrase(text, _content_tokens(text), kind, priority=3)

    # --- what recognisers may listen for ------------------------------------------------------

    def phrases(self, context: MenuContext = MenuContext.MAIN) -> list[str]:
        """The phrases a grammar-based recogniser should accept in ``context``."""
        allowed = context.allowed_kinds()
        texts = [p.text for p in self._phrases if p.kind in allowed]
        if IntentKind.DIGITS in allowed:
            texts.extend(
                [
                    "zero",
                    "um",
                    "dois",
                    "três",
                    "quatro",
                    "cinco",
                    "seis",
                    "sete",
                    "oito",
                    "nove",
                    "meia",
                ]
            )
        return list(dict.fromkeys(texts))

    def vocabulary(
        self, context: MenuContext = MenuContext.MAIN, prompts: PromptPolicy = PromptPolicy.NONE
    ) -> str:
        """Words callers use to answer in ``context``, as a recogniser prompt ("" for none).

        The open question's prompt is built from the catalogue, so it follows its changes. Off
        by default, because the evaluation table says so: with the catalogue's words Whisper
        writes service words into garbled speech ("ônibus", "bueiro"), so more misroutes and
        fewer rejected off-menu answers; the closed questions' prompts leaked their own example
        digits into protocol numbers and survey scores.
        """
        if prompts is PromptPolicy.NONE or (
            context is MenuContext.MAIN and prompts is PromptPolicy.CLOSED
        ):
            return ""
        if context is MenuContext.MAIN:
            words = [k for s in self.catalogue.service_types for k in s.keywords[:2]]
            return "Central 156 de Porto Alegre: " + ", ".join(dict.fromkeys(words)) + "."
        return _CONTEXT_VOCABULARY[context]

    # --- matching -----------------------------------------------------------------------------

    def match(self, transcript: str, context: MenuContext = MenuContext.MAIN) -> Intent:
        """What the caller meant by ``transcript`` when asked the question of ``context``."""
        text = transcript.strip()
        if not normalise(text):
            return Intent(IntentKind.UNKNOWN, 0.0, text)
        allowed = context.allowed_kinds()
        # "atendente" works at any point, even inside a number answer ("um atendente").
        agent = self._phrase_intent(text, frozenset({IntentKind.AGENT}))
        if agent.kind is IntentKind.AGENT and agent.confidence >= _AGENT_MIN_CONFIDENCE:
            return agent
        spoken_key = self.spoken_key(text, context)
        if spoken_key is not None:
            return spoken_key
        if IntentKind.DIGITS in allowed and context is not MenuContext.MAIN:
            digits_intent = self._digits_intent(text, context)
            if digits_intent is not None:
                return digits_intent
        return self._phrase_intent(text, allowed)

    def match_key(self, key: str, context: MenuContext = MenuContext.MAIN) -> Intent:
        """The intent of a key pressed (DTMF) in ``context``; same result type as speech."""
        if context is MenuContext.MAIN:
            if key in self._key_queues:
                return Intent(IntentKind.SERVICE, 1.0, key, queue_code=self._key_queues[key])
            if key in MENU_KEYS:
                return Intent(MENU_KEYS[key], 1.0, key)
        elif context is MenuContext.CONFIRM and key in CONFIRM_KEYS:
            return Intent(CONFIRM_KEYS[key], 1.0, key)
        elif context is MenuContext.SURVEY:
            if key in SURVEY_SCORES:
                return Intent(IntentKind.DIGITS, 1.0, key, digits=key)
        elif key.isdigit():
            return Intent(IntentKind.DIGITS, 1.0, key, digits=key)
        if key == "0" or MENU_KEYS.get(key) is IntentKind.AGENT:
            return Intent(IntentKind.AGENT, 1.0, key)
        return Intent(IntentKind.UNKNOWN, 0.0, key)

    def spoken_key(self, text: str, context: MenuContext) -> Intent | None:
        """ "opção dois", "tecla 2": the caller reads the key menu aloud."""
        words = words_to_digits(text).split()
        if len(words) == 2 and words[0] in {"opcao", "tecla", "numero"} and words[1].isdigit():
            intent = self.match_key(words[1], context)
            return (
                Intent(
                    intent.kind, 0.9, text, intent.service_code, intent.queue_code, intent.digits
                )
                if intent.kind is not IntentKind.UNKNOWN
                else None
            )
        return None

    def _digits_intent(self, text: str, context: MenuContext) -> Intent | None:
        digits = digits_only(text)
        if not digits:
            return None
        if context is MenuContext.SURVEY:
            if digits in SURVEY_SCORES:
                return Intent(IntentKind.DIGITS, 0.9, text, digits=digits)
            return Intent(IntentKind.UNKNOWN, 0.0, text, digits=digits)
        words = normalise(text).split()
        # Mostly numbers: a number answer. Otherwise let the phrases decide ("um atendente").
        numeric = sum(1 for w in words_to_digits(text).split() if w.isdigit())
        if context is MenuContext.CONFIRM and digits in CONFIRM_KEYS and len(words) == 1:
            return Intent(CONFIRM_KEYS[digits], 0.85, text)
        if context is MenuContext.PROTOCOL and numeric >= max(1, len(words) // 2):
            return Intent(IntentKind.DIGITS, 0.9, text, digits=digits)
        return None

    def _phrase_intent(self, text: str, allowed: frozenset[IntentKind]) -> Intent:
        heard = [stem(t) for t in normalise(text).split()]
        heard_content = [t for t in heard if t not in _STOPWORDS] or heard
        scores = sorted(
            (
                s
                for p in self._phrases
                if p.kind in allowed
                if (s := _score(p, heard_content)) is not None
            ),
            reverse=True,
        )
        if not scores:
            return Intent(IntentKind.UNKNOWN, 0.0, text)
        # Speaking to a person wins whatever else was said ("não, quero um atendente").
        agent = next(
            (s for s in scores if s.phrase.kind is IntentKind.AGENT and s.coverage == 1), None
        )
        best = agent or scores[0]
        confidence = self._confidence(best, scores)
        phrase = best.phrase
        return Intent(
            phrase.kind,
            confidence,
            text,
            phrase.service_code,
            phrase.queue_code,
            matched_phrase=phrase.text,
        )

    @staticmethod
    def _confidence(best: _Score, scores: Sequence[_Score]) -> float:
        confidence = 0.95 * best.coverage if best.coverage < 1 else 0.95
        if best.coverage < 1:
            # A partial multi-word match ("poste" of "poste caído") is a guess worth confirming.
            confidence *= 0.8
        rival = next(
            (
                s
                for s in scores
                if _different_target(s.phrase, best.phrase)
                and (s.coverage, s.matched_tokens) >= (best.coverage, best.matched_tokens)
            ),
            None,
        )
        if rival is not None:
            same_queue = rival.phrase.queue_code == best.phrase.queue_code
            confidence *= _AMBIGUOUS_SAME_QUEUE if same_queue else _AMBIGUOUS_OTHER_QUEUE
        return round(confidence, 3)


def _different_target(a: _Phrase, b: _Phrase) -> bool:
    if a.kind is not b.kind:
        return True
    if a.service_code is None or b.service_code is None:
        # A group or queue name agreeing with a service keyword of the same queue is no rival.
        return a.queue_code != b.queue_code
    return a.service_code != b.service_code
