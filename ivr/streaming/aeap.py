"""The Asterisk External Application Protocol (AEAP) as ``res_speech_aeap`` speaks it.

Read from Asterisk's own code (``res/res_speech_aeap.c``, ``res/res_aeap/message_json.c``,
``transport_websocket.c``; Asterisk 22) and its reference engine (``asterisk/aeap-speech-to-text``):

- Asterisk is the WebSocket **client**: one connection per ``SPEECH CREATE`` (a call's speech
  object), to the ``url`` of an ``aeap.conf`` client, with the sub-protocol ``speech_to_text``.
- Text frames are JSON messages: a request ``{"request": NAME, "id": UUID, ...}`` or a response
  ``{"response": NAME, "id": UUID of the request, ...}``, an error carrying ``"error_msg"``.
  Binary frames are the call's audio, in the codec agreed by ``setup``.
- Asterisk's requests (each waits up to 1 s for our response):
  ``setup`` ``{"version": "0.1.0", "codecs": [{"name": "slin"}], "params": {"@" fields}}`` —
  answer with the codec chosen first in ``codecs`` (it must be the one offered);
  ``set`` ``{"params": {NAME: VALUE}}`` (``SPEECH SET``, ``results_type``, ``dtmf``);
  ``get`` ``{"params": [NAME]}`` — answer ``{"params": {NAME: VALUE}}``; for ``results`` a
  list, Asterisk asks only when it has none yet.
- Our one request: ``set`` ``{"params": {"results": [{"text", "score", "grammar", "best"}]}}``
  puts the speech object in its DONE state: ``SPEECH RECOGNIZE`` returns with those results
  (``score`` an integer, ``grammar`` a word without spaces). It is the only message the engine
  can start; there is none for "speech started", so the prompt is not cut when the caller
  starts speaking (``AST_SPEECH_QUIET`` is never raised by this module) but when the turn's
  result arrives.

How a recognition travels in ``results`` (the IVR reads it back with ``results_to_recognition``):
one result per n-best hypothesis, ``text`` the hypothesis, ``score`` its probability in
thousandths, ``grammar`` ``engine:logprob:no_speech_prob:seconds:audio_seconds:speech_end``
(``speech_end``: when the caller's last voiced audio reached the engine, Unix time, for the
IVR's log and the bench: what the caller waits is from there to the next prompt). One result
with grammar ``noinput`` is the no-input answer, one with grammar ``busy`` means the engine was
saturated. **No result at all means the engine was lost**: Asterisk 22's ``res_speech_aeap``
has an error handler (not in the older source above: seen in the module's strings, "aeap
generated error with no associated speech object", and in the two-engine test) that puts the
speech object in its DONE state without results when the engine's connection fails, so a
``SPEECH RECOGNIZE`` in progress returns at once with ``results=0``.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ivr.speech.base import Hypothesis, Recognition

SUBPROTOCOL = "speech_to_text"
BUSY_GRAMMAR = "busy"
NO_INPUT_GRAMMAR = "noinput"
# Codecs the engine takes, best first (what aeap.conf lists; the AGI path always sends slin).
SUPPORTED_CODECS = ("slin", "ulaw")


class Kind(StrEnum):
    REQUEST = "request"
    RESPONSE = "response"


@dataclass(frozen=True)
class Message:
    kind: Kind
    name: str
    id: str
    body: Mapping[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> str:
        return str(self.body.get("error_msg") or "")

    @property
    def params(self) -> Any:
        return self.body.get("params")


class ProtocolError(ValueError):
    """A text frame that is not an AEAP message."""


def parse(text: str | bytes) -> Message:
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ProtocolError("not a JSON object")
    for kind in Kind:
        name = body.get(kind.value)
        if isinstance(name, str):
            return Message(kind, name, str(body.get("id") or ""), body)
    raise ProtocolError("neither a request nor a response")


def response(request: Message, **fields: Any) -> str:
    return json.dumps({"response": request.name, "id": request.id, **fields})


def error_response(request: Message, message: str) -> str:
    return response(request, error_msg=message)


def choose_codec(request: Message) -> str | None:
    """The first codec offered in a ``setup`` that the engine takes, or None."""
    offered = request.body.get("codecs") or []
    for codec in offered:
        name = codec.get("name") if isinstance(codec, dict) else None
        if name in SUPPORTED_CODECS:
            return str(name)
    return None


@dataclass(frozen=True)
class SpeechResult:
    text: str
    score: int
    grammar: str
    best: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "score": self.score, "grammar": self.grammar, "best": self.best}


def results_request(results: Sequence[SpeechResult]) -> str:
    body = {"params": {"results": [r.as_json() for r in results]}}
    return json.dumps({"request": "set", "id": str(uuid.uuid4()), **body})


def _agi_safe(text: str) -> str:
    """Asterisk prints ``text`` between double quotes, unescaped, on one AGI line."""
    return " ".join(text.replace('"', "'").split())


def recognition_to_results(heard: Recognition, speech_end: float = 0.0) -> list[SpeechResult]:
    hypotheses = heard.hypotheses or (
        (Hypothesis(heard.text, math.log(max(heard.confidence, 1e-6))),) if heard.text else ()
    )
    return [
        SpeechResult(
            text=_agi_safe(h.text),
            score=round(1000 * math.exp(h.logprob)),
            grammar=(
                f"{heard.engine}:{h.logprob:.4f}:{heard.no_speech_prob:.4f}"
                f":{heard.seconds:.3f}:{heard.audio_seconds:.3f}:{speech_end:.3f}"
            ),
            best=i,
        )
        for i, h in enumerate(hypotheses)
    ]


def speech_end_of(results: Sequence[SpeechResult]) -> float | None:
    """When the caller's last word reached the engine (Unix time), if the results say."""
    parts = results[0].grammar.split(":") if results else []
    value = float(parts[5]) if len(parts) > 5 and _is_number(parts[5]) else 0.0
    return value or None


def busy_results() -> list[SpeechResult]:
    return [SpeechResult("", 0, BUSY_GRAMMAR)]


def no_input_results() -> list[SpeechResult]:
    return [SpeechResult("", 0, NO_INPUT_GRAMMAR)]


# --- the IVR's side: SPEECH RECOGNIZE's reply -------------------------------------------------


class ReplyKind(StrEnum):
    SPEECH = "speech"
    DIGIT = "digit"
    TIMEOUT = "timeout"
    HANGUP = "hangup"
    FAILED = "failed"  # result=0: no speech object, or Asterisk could not start


@dataclass(frozen=True)
class RecognizeReply:
    kind: ReplyKind
    digit: str = ""
    results: tuple[SpeechResult, ...] = ()

    @property
    def busy(self) -> bool:
        return bool(self.results) and self.results[0].grammar == BUSY_GRAMMAR

    @property
    def no_input(self) -> bool:
        return bool(self.results) and self.results[0].grammar == NO_INPUT_GRAMMAR

    @property
    def engine_lost(self) -> bool:
        """Asterisk ended the turn without results: the engine's connection failed."""
        return self.kind is ReplyKind.SPEECH and not self.results


_REPLY = re.compile(r"^200 result=(?P<result>-?\d+)(?: \((?P<reason>\w+)\))?(?P<rest>.*)$")
_DIGIT = re.compile(r"\bdigit=(\S)")
_RESULT = re.compile(r'score(\d+)=(-?\d+) text\1="([^"]*)" grammar\1=(\S*)')


def parse_recognize_reply(line: str) -> RecognizeReply:
    """Read ``200 result=1 (speech) endpos=N results=K score0=S text0="..." grammar0=G ...``
    (res_agi's ``handle_speechrecognize``), ``(digit) digit=X``, ``(timeout)``, ``(hangup)``."""
    match = _REPLY.match(line.strip())
    if match is None:
        raise ProtocolError(f"unexpected SPEECH RECOGNIZE reply {line.strip()[:120]!r}")
    reason, rest = match.group("reason") or "", match.group("rest")
    if match.group("result") != "1" or not reason:
        return RecognizeReply(ReplyKind.FAILED)
    if reason == "digit":
        digit = _DIGIT.search(rest)
        return RecognizeReply(ReplyKind.DIGIT, digit=digit.group(1) if digit else "")
    if reason == "speech":
        results = tuple(
            SpeechResult(text, int(score), grammar, int(index))
            for index, score, text, grammar in _RESULT.findall(rest)
        )
        return RecognizeReply(ReplyKind.SPEECH, results=results)
    try:
        return RecognizeReply(ReplyKind(reason))
    except ValueError:
        return RecognizeReply(ReplyKind.FAILED)


def results_to_recognition(results: Sequence[SpeechResult]) -> Recognition:
    """The engine's recognition rebuilt from its results (best first), for the understanding."""
    ordered = sorted(results, key=lambda r: r.best)
    engine, logprob, no_speech, seconds, audio_seconds = _grammar_fields(ordered[0].grammar)
    hypotheses = tuple(Hypothesis(r.text, _grammar_fields(r.grammar)[1]) for r in ordered if r.text)
    best = ordered[0]
    return Recognition(
        text=best.text,
        confidence=round(math.exp(logprob) * (1.0 - no_speech), 3),
        engine=engine,
        seconds=seconds,
        transcript=best.text,
        audio_seconds=audio_seconds,
        hypotheses=hypotheses,
        no_speech_prob=no_speech,
    )


def _grammar_fields(grammar: str) -> tuple[str, float, float, float, float]:
    parts = grammar.split(":")
    numbers = [float(p) for p in parts[1:5] if _is_number(p)]
    numbers += [0.0] * (4 - len(numbers))
    return parts[0] or "stream", numbers[0], numbers[1], numbers[2], numbers[3]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
