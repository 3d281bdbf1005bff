"""One call as the flow sees it: play prompts, collect keys or speech, keep the call record.

``AgiCall`` wraps the AGI channel with what the 156 menus need:

- ``play`` streams prompt keys; any key pressed interrupts at once and is returned (barge-in).
- ``ask`` plays a question and returns the caller's ``Answer``: keys if they pressed any (during
  the prompt or the recording), else what the recogniser heard in the recording, which stops on
  silence.
- ``step`` appends one step to the call's IVR path in the database, in its own short
  transaction, so a hang-up or a crash later loses nothing already recorded; with the database
  away it goes to the IVR's journal (``ivr.recorder``) and reaches the database later.

Used by one thread (the call's) only.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citizen_center.domain.identifiers import normalize_phone
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.errors import ValidationError
from citizen_center.services.common import Actor
from ivr.agi import CallerHungUp, FastAgiChannel
from ivr.intent import Intent, IntentKind, MenuContext
from ivr.recorder import make_entry
from ivr.runtime import IvrRuntime
from ivr.speech.base import Recognition, has_speech
from ivr.streaming.aeap import (
    ProtocolError,
    RecognizeReply,
    ReplyKind,
    parse_recognize_reply,
    results_to_recognition,
    speech_end_of,
)
from ivr.streaming.listen import trailing_silence_ms
from pbx.channel_vars import ChannelVar

log = logging.getLogger(__name__)

ALL_KEYS = "0123456789*#"
IVR_ACTOR = Actor.system("ivr")
MAX_VARIABLE_LENGTH = 200
# Longest caller ID worth parsing as a phone number (digits, spaces, punctuation).
MAX_PHONE_INPUT = 40


@dataclass(frozen=True)
class Answer:
    """What the caller did when asked: pressed ``keys``, or said something (``intent``)."""

    keys: str = ""
    intent: Intent | None = None
    recognised_text: str = ""
    confidence: float | None = None
    seconds: float = 0.0
    speech_busy: bool = False  # the recogniser was saturated: nothing was recognised

    @property
    def silent(self) -> bool:
        return not self.keys and self.intent is None


def clean_variable(value: object) -> str:
    """A value safe inside a quoted AGI argument and a dialplan variable."""
    text = re.sub(r'["\\\r\n;]', " ", str(value))
    return " ".join(text.split())[:MAX_VARIABLE_LENGTH]


class AgiCall:
    """The call being served: its channel, the runtime it started with, and its record."""

    def __init__(self, channel: FastAgiChannel, runtime: IvrRuntime) -> None:
        self.channel = channel
        self.runtime = runtime
        self.env = channel.env
        self.uniqueid = channel.env.get("agi_uniqueid", "")
        self.recorded = False  # the call's record was opened (written or journaled)
        # Idempotency keys: this AGI session's token and a counter (a call may run several AGI
        # sessions, e.g. the menu and later the survey, on one uniqueid).
        self._token = uuid.uuid4().hex[:8]
        self._entries = 0
        self._record_seq = 0
        # Streaming turns: the engine holding this call's speech object, and what it was told.
        self._speech_engine: str | None = None
        self._engines_tried: set[str] = set()
        self._vocabulary: str | None = None
        self._trailing_ms: int | None = None

    # --- who is calling ---------------------------------------------------------------------
    @property
    def caller_e164(self) -> str:
        """The caller's number in E.164 if Asterisk gave a valid Brazilian one, else "".

        Carriers send anything: ``+5551``, ``+0800...``, "anonymous", thousands of characters
        with control codes. None of it is an error: an invalid number is an unknown caller."""
        raw = self.env.get("agi_callerid", "")
        if len(raw) > MAX_PHONE_INPUT:  # no number is this long; spare the parser
            return ""
        try:
            return normalize_phone(raw, self.runtime.policy.default_area_code)
        except ValidationError:
            return ""

    @property
    def caller_number(self) -> str:
        """The caller's number in E.164 when it is a valid one, else as Asterisk gave it (the
        call record cuts it to its column, see ``calls.bounded_caller_number``)."""
        raw = self.env.get("agi_callerid", "")
        return self.caller_e164 or (raw if raw not in ("", "unknown") else "")

    def argument(self, index: int) -> str:
        """The ``index``-th AGI argument (1-based) given in the dialplan."""
        return self.env.get(f"agi_arg_{index}", "").strip()

    # --- the call record ----------------------------------------------------------------------
    # Every write goes through the runtime's recorder: into the database, or into the journal
    # when the database is away (replayed later), so nothing the call did is lost.
    def _record(self, op: str, **data: Any) -> bool:
        """Write one entry; True when it reached the database now, False when journaled."""
        self._entries += 1
        key = f"{self.uniqueid}/{self._token}/{self._entries}"
        entry = make_entry(op, self.uniqueid, key, **data)
        return self.runtime.recorder.write(self.runtime.database, entry)

    def open_record(self, citizen_id: int | None = None) -> None:
        """Open (or, for a retried AGI, find) the call's record; later writes need it."""
        try:
            # Ask the channel first: no AGI round-trip while a database transaction is open.
            linkedid = self.get_variable("CHANNEL(linkedid)")
        except Exception as exc:  # hung up already: the uniqueid stands in, as start_call does
            log.info("no linkedid (%s)", exc)
            linkedid = ""
        self._record(
            "open", caller_number=self.caller_number, linkedid=linkedid, citizen_id=citizen_id
        )
        self.recorded = True

    def step(self, name: str, **fields: Any) -> None:
        """Record one step of the IVR path (journaled if the database is away)."""
        if not self.recorded:
            return
        self._record("step", step=name, **fields)

    def set_queue(self, queue: str) -> None:
        self._record("queue", queue=queue)

    def mark_answered(self, queue: str, agent_interface: str) -> None:
        self._record("answered", queue=queue, agent_interface=agent_interface)

    def record_survey(self, score: int, agent_interface: str) -> None:
        self._record("survey", score=score, agent_interface=agent_interface)

    def link_consulted(self, number: str) -> None:
        """Note that the caller heard the status of request ``number``."""
        if self.recorded:
            self._record("consulted", number=number)

    def finish(self, outcome: CallOutcome, *, ended: bool = True) -> None:
        """Note how the IVR part ended; ``ended`` when the call itself is over (hang-up,
        self-service), not when it goes on to a queue. A call the database never saw (down
        from the start) gets its record here, journaled. Never raises: this runs after
        hang-ups."""
        try:
            if not self.recorded:
                self.open_record()
            self._record("outcome", outcome=outcome.value, ended=ended)
        except Exception as exc:
            log.warning("call record not completed (%s): %s", outcome, exc)

    # --- channel variables ----------------------------------------------------------------------
    def set_variable(self, variable: ChannelVar, value: object) -> None:
        """Set a ``C156_*`` variable; those the contract marks inherited get the ``__`` prefix
        here, so no handler can forget it and leave the agent's screen pop empty."""
        self.channel.set_variable(variable.set_name, clean_variable(value))

    def get_variable(self, name: str) -> str:
        return str(self.channel.get_variable(name) or "")

    # --- audio out ------------------------------------------------------------------------------
    def play(self, keys: list[str], escape_digits: str = ALL_KEYS) -> str:
        """Stream prompt keys in order; return the key that interrupted them ('' if none)."""
        for key in keys:
            path = self.runtime.prompt_path(key)
            if not Path(path + ".wav").exists():
                # A missing prompt must not cost the caller the call: skip it, loudly.
                log.error("prompt %s missing (%s.wav): run `central156 prompts build`", key, path)
                continue
            pressed = self.channel.stream_file(path, escape_digits)
            if pressed:
                return str(pressed)
        return ""

    def hang_up(self) -> None:
        self.channel.hangup()

    # --- input ------------------------------------------------------------------------------------
    def collect_keys(self, first: str, max_digits: int, timeout_ms: int = 4000) -> str:
        """More keys after ``first`` (for numbers), ending at ``#``, a pause or ``max_digits``."""
        keys = first
        while len(keys) < max_digits and not keys.endswith("#"):
            digit = self.channel.wait_for_digit(timeout_ms)
            if not digit:
                break
            keys += str(digit)
        return keys.rstrip("#")

    def ask_keys(self, prompt: list[str], max_digits: int = 1, timeout_ms: int = 5000) -> str:
        """Keys only: play ``prompt`` and wait for up to ``max_digits`` keys."""
        first = self.play(prompt) or str(self.channel.wait_for_digit(timeout_ms) or "")
        if not first or max_digits == 1:
            return first
        return self.collect_keys(first, max_digits)

    @property
    def speech_available(self) -> bool:
        """Speech is understood on this call: a streaming engine, or the local recogniser."""
        return self.runtime.recognizer is not None or bool(self.runtime.engines.names)

    def ask(
        self, prompt: list[str], context: MenuContext, *, max_digits: int = 1, speech: bool = True
    ) -> Answer:
        """Ask a question; keys win over speech, and speech is skipped when it is off.

        With a streaming engine the prompt plays inside ``SPEECH RECOGNIZE``: the caller may
        speak over it, and the turn ends on their silence; without one (every engine down) the
        prompt plays and the answer is recorded as before."""
        if speech and self.runtime.engines.names:
            answer = self._ask_streaming(prompt, context, max_digits)
            if answer is not None:
                return answer
        pressed = self.play(prompt)
        if pressed:
            return Answer(
                keys=self.collect_keys(pressed, max_digits) if max_digits > 1 else pressed
            )
        if not speech or self.runtime.recognizer is None:
            return Answer(keys=self.ask_keys([], max_digits))
        return self._listen(context, max_digits)

    # --- streaming turns ------------------------------------------------------------------------
    def _ask_streaming(
        self, prompt: list[str], context: MenuContext, max_digits: int
    ) -> Answer | None:
        """The question as a streaming turn; None when no engine can take it (record instead).

        An engine that dies mid-turn (Asterisk ends the turn without results, or at worst waits
        out the turn's timeout) costs the caller this one question: it is asked again at once
        on the next engine."""
        for _ in range(2):
            engine = self._speech_object()
            if engine is None:
                return None
            reply = self._recognize_turn(prompt, context)
            if reply is not None:
                return self._streaming_answer(reply, context, max_digits)
            log.warning("speech engine %s lost mid-turn: asking again", engine)
            self.runtime.engines.failed(engine)
            self._drop_speech_object()
        return None

    def _speech_object(self) -> str | None:
        """The engine of this call's speech object, created on the first engine that takes it."""
        if self._speech_engine is not None:
            return self._speech_engine
        for engine in self.runtime.engines.order_for(self.uniqueid):
            if engine in self._engines_tried:
                continue
            self._engines_tried.add(engine)
            if self.channel.speech_create(engine):
                self.runtime.engines.worked(engine)
                self._speech_engine, self._vocabulary, self._trailing_ms = engine, "", None
                self.channel.speech_set("uniqueid", self.uniqueid)
                log.info("streaming speech on %s", engine)
                return engine
            log.warning("speech engine %s refused the call: next one", engine)
            self.runtime.engines.failed(engine)
        return None

    def _drop_speech_object(self) -> None:
        self._speech_engine = None
        try:
            self.channel.speech_destroy()
        except CallerHungUp:
            raise
        except Exception as exc:  # the object is gone with its engine: nothing to undo
            log.info("speech destroy: %s", exc)

    def _recognize_turn(self, prompt: list[str], context: MenuContext) -> RecognizeReply | None:
        """Play ``prompt`` and listen; None when the engine did not answer (it died)."""
        wavs = [Path(self.runtime.prompt_path(key) + ".wav") for key in prompt]
        for wav in wavs:
            if not wav.exists():
                log.error("prompt %s missing: run `central156 prompts build`", wav)
        played = self.runtime.prompt_files.joined([w for w in wavs if w.exists()])
        vocabulary = clean_variable(self.runtime.matcher.vocabulary(context))
        if vocabulary != self._vocabulary:
            self.channel.speech_set("vocabulary", vocabulary)
            self._vocabulary = vocabulary
        trailing = trailing_silence_ms(self.runtime.settings.streaming, context)
        if trailing != self._trailing_ms:
            self.channel.speech_set("trailing", str(trailing))
            self._trailing_ms = trailing
        self.channel.speech_set("turn", str(played.ms))
        line = self.channel.speech_recognize(played.path, self._turn_timeout_s())
        try:
            reply = parse_recognize_reply(line)
        except ProtocolError as exc:
            log.warning("%s", exc)
            return None
        if reply.kind is ReplyKind.HANGUP:
            self.channel.hung_up = True
            raise CallerHungUp("the caller hung up during a speech turn")
        if reply.kind in (ReplyKind.TIMEOUT, ReplyKind.FAILED) or reply.engine_lost:
            return None
        return reply

    def _turn_timeout_s(self) -> int:
        """Asterisk's own limit after the prompt: only reached when the engine died (the engine
        answers no-input, a cut utterance or "busy" well before it)."""
        streaming = self.runtime.settings.streaming
        longest = streaming.no_input_ms + streaming.max_utterance_ms
        return int(longest / 1000 + self.runtime.settings.ivr.recognition_wait_s + 3)

    def _streaming_answer(
        self, reply: RecognizeReply, context: MenuContext, max_digits: int
    ) -> Answer:
        if reply.kind is ReplyKind.DIGIT:
            keys = reply.digit
            return Answer(keys=self.collect_keys(keys, max_digits) if max_digits > 1 else keys)
        if reply.busy:
            log.warning("speech engine saturated: moving the caller to keys")
            return Answer(speech_busy=True)
        if reply.no_input:
            return Answer()  # the engine heard no speech after the prompt
        ended = speech_end_of(reply.results)
        if ended is not None:
            log.info("turn answered %.2fs after the caller's last word", time.time() - ended)
        return self._understood(results_to_recognition(reply.results), context, time.monotonic())

    # --- recording turns (no streaming engine) ---------------------------------------------------
    def _listen(self, context: MenuContext, max_digits: int) -> Answer:
        ivr = self.runtime.settings.ivr
        self._record_seq += 1
        # Not Path.with_suffix later: a uniqueid ("1700000000.42") already has a dot.
        base = str(self.runtime.recordings_dir / f"{self.uniqueid}-{self._record_seq}")
        pressed = self.channel.record(
            base, "wav", ALL_KEYS, ivr.record_max_ms, ivr.record_silence_s
        )
        if pressed:
            keys = self.collect_keys(pressed, max_digits) if max_digits > 1 else pressed
            return Answer(keys=keys)
        return self._recognise(Path(base + ".wav"), context)

    def _recognise(self, wav: Path, context: MenuContext) -> Answer:
        recognizer = self.runtime.recognizer
        if recognizer is None or not wav.exists() or not has_speech(wav):
            return Answer()
        started = time.monotonic()
        gate = self.runtime.speech_gate
        if not gate.acquire(timeout=self.runtime.settings.ivr.recognition_wait_s):
            log.warning("speech recogniser saturated: moving the caller to keys")
            return Answer(speech_busy=True)
        matcher = self.runtime.matcher
        try:
            heard = recognizer.recognize(
                wav, matcher.phrases(context), vocabulary=matcher.vocabulary(context)
            )
        finally:
            gate.release()
        return self._understood(heard, context, started)

    def _understood(self, heard: Recognition, context: MenuContext, started: float) -> Answer:
        """What the recognised words mean in ``context`` (the same for both kinds of turn)."""
        intent = self.runtime.understanding.understand(heard, context)
        log.info(
            "heard %r (%s, %d hypotheses, no-speech %.2f) → %s %s p=%.2f in %.2fs",
            heard.transcript or heard.text,
            heard.engine,
            len(heard.hypotheses),
            heard.no_speech_prob,
            intent.kind.value,
            intent.service_code or intent.queue_code or intent.digits,
            intent.confidence,
            time.monotonic() - started,
        )
        # What the agent reads on the screen pop: the caller's words, not the matched phrase.
        return Answer(
            intent=intent,
            recognised_text=heard.transcript or heard.text,
            confidence=intent.confidence,
            seconds=heard.seconds,
        )

    def understand(self, answer: Answer, context: MenuContext) -> Intent | None:
        """What the answer means: the recognised speech's intent, or the keys' (None: silence)."""
        if answer.intent is not None:
            return answer.intent
        return self.runtime.matcher.match_key(answer.keys, context) if answer.keys else None

    def step_answer(self, name: str, answer: Answer, intent: Intent | None, **detail: Any) -> None:
        """Record a step in which the caller answered a question."""
        self.step(
            name,
            recognised_text=answer.recognised_text,
            keys=answer.keys,
            intent=intent_label(intent) if intent else "",
            confidence=intent.confidence if intent else None,
            detail={k: v for k, v in detail.items() if v is not None} or None,
        )


def intent_label(intent: Intent) -> str:
    if intent.kind is IntentKind.SERVICE:
        return intent.service_code or f"queue:{intent.queue_code}"
    return intent.kind.value
