"""Simulated citizen calls into the 156 line, for demos and tests.

``place_call`` synthesises what the citizen says (espeak-ng, pt-BR; a tone when no synthesiser
is installed), then asks Asterisk over AMI to originate a Local channel into the line's entry
context. The Local channel's other half is the "citizen": it plays the speech after a lead-in
(the time the IVR needs for its greeting) and stays on the line with silence, which keeps audio
frames flowing (``Wait()`` on a Local channel sends none, see docs/pbx-lab.md).
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass
from pathlib import Path

from citizen_center.config import PbxSettings, user_cache_dir
from ivr.speech.caller_voice import CallerVoice, Utterance, VoiceUnavailableError
from pbx import audio
from pbx.ami import connect_and_login
from pbx.render import effective_ami_secret

log = logging.getLogger(__name__)

ENTRY_CONTEXT = "c156-from-pstn"


@dataclass(frozen=True)
class SimulatedCall:
    caller_number: str
    speech_file: Path
    action_id_hint: str


def random_caller_number() -> str:
    """A Porto Alegre mobile number (51 9xxxx-xxxx)."""
    return f"51999{random.randrange(10**6):06d}"


def speech_file(
    text: str, folder: Path | None = None, lead_seconds: float = 4.0, hold_seconds: float = 60.0
) -> Path:
    """A WAV: ``lead_seconds`` of silence, the speech, then ``hold_seconds`` of silence."""
    where = folder or user_cache_dir() / "simulated-calls"
    try:
        # The recognisable voice when its package is installed (the test extra)...
        return CallerVoice(where).speak(Utterance(text, lead=lead_seconds, trail=hold_seconds))
    except VoiceUnavailableError as exc:
        log.info("robotic espeak-ng voice for the simulated caller: %s", exc)
    # ...else espeak-ng, which speech recognisers understand badly.
    key = hashlib.sha256(f"{text}|{lead_seconds}|{hold_seconds}".encode()).hexdigest()[:16]
    path = where / f"citizen-{key}.wav"
    if not path.is_file():
        audio.synthesize(text, path, lead_silence=lead_seconds, trail_silence=hold_seconds)
    return path


def originate_citizen(
    pbx: PbxSettings,
    caller_number: str,
    *,
    caller_name: str = "Cidadao",
    exten: str = "156",
    ami_user: str | None = None,
    ami_secret: str | None = None,
    **citizen_side: object,
) -> str:
    """Originate a Local channel that calls the 156 line from ``caller_number``; its other half,
    the citizen, runs ``citizen_side`` (``Application``/``Data``, or ``Context``/``Exten``/
    ``Priority`` with ``Variable``). Returns once Asterisk accepted; the action id."""
    user = ami_user or pbx.ami_user
    secret = ami_secret if ami_secret is not None else effective_ami_secret(pbx)
    with connect_and_login(pbx.host, pbx.ami_port, user, secret, events="off") as client:
        response = client.checked_action(
            "Originate",
            None,
            Channel=f"Local/{exten}@{ENTRY_CONTEXT}/n",
            CallerID=f'"{caller_name}" <{caller_number}>',
            Timeout=30000,
            Async="true",
            **citizen_side,
        )
    return response.get("ActionID")


def place_call(
    pbx: PbxSettings,
    text: str,
    *,
    caller_number: str = "",
    caller_name: str = "Cidadao",
    exten: str = "156",
    lead_seconds: float = 4.0,
    hold_seconds: float = 60.0,
    folder: Path | None = None,
    ami_user: str | None = None,
    ami_secret: str | None = None,
) -> SimulatedCall:
    """Originate a citizen call saying ``text``; returns once Asterisk accepted the request."""
    number = caller_number or random_caller_number()
    wav = speech_file(text, folder, lead_seconds, hold_seconds)
    action_id = originate_citizen(
        pbx,
        number,
        caller_name=caller_name,
        exten=exten,
        ami_user=ami_user,
        ami_secret=ami_secret,
        Application="Playback",
        Data=str(wav.with_suffix("")),
    )
    log.info("simulated call from %s placed: %r", number, text)
    return SimulatedCall(number, wav, action_id)
