"""The main menu's decisions: confirmation below the confidence threshold, the key menu after two
failed recognitions, "atendente" at any point. The real ``MainMenu``, ``AgiCall``, intent model
and database; the channel and the recogniser are scripted fakes, and services are heard at a
fixed confidence in the confirm band so the flow, not the model, is what is tested (the whole
flow through Asterisk and Whisper is in test_call_flow.py and test_speech_decisions_call.py).
"""

from __future__ import annotations

import math
import struct
import threading
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from citizen_center.catalogue import shipped_catalogue
from citizen_center.config import Settings, load_settings
from citizen_center.db import Database
from citizen_center.services import duplicates, requests
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import Actor, Policy
from ivr.call import AgiCall
from ivr.handlers.main_menu import main_menu
from ivr.intent import Intent, IntentKind, MenuContext
from ivr.intent.understanding import SpeechUnderstanding
from ivr.journal import Journal
from ivr.prompts import PAUSE, all_prompts
from ivr.recorder import CallRecorder
from ivr.runtime import IvrRuntime
from ivr.speech.base import Recognition
from pbx.channel_vars import ChannelVar
from tests.fixtures.databases import sqlite_only

# The menu's flow is the subject, not the database under it: SQLite only.
pytestmark = sqlite_only

# In the confirm band of the settings below (confirm ≥ 0.5, accept ≥ 0.9).
UNSURE = 0.7


def write_wav(path: Path, loud: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = [int(8000 * math.sin(i / 5)) if loud else 0 for i in range(4000)]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))


RunMenu = Callable[..., "FakeChannel"]


@dataclass
class ScriptedRecognizer:
    """Hears, in order, the texts it was given."""

    heard: list[str]
    engine: str = "scripted"
    language: str = "pt"

    def recognize(
        self, wav_path: Path, phrases: object = None, *, vocabulary: str = ""
    ) -> Recognition:
        text = self.heard.pop(0)
        return Recognition(
            text=text, confidence=0.9, engine=self.engine, seconds=0.01, transcript=text
        )


class UnsureAboutServices(SpeechUnderstanding):
    """The real understanding, except that every service is heard at ``UNSURE``."""

    def understand(self, heard: Recognition, context: MenuContext) -> Intent:
        intent = super().understand(heard, context)
        return replace(intent, confidence=UNSURE) if intent.kind is IntentKind.SERVICE else intent


@pytest.fixture(scope="module")
def understanding(shipped_understanding: SpeechUnderstanding) -> SpeechUnderstanding:
    real = shipped_understanding
    return UnsureAboutServices(shipped_catalogue(), real.matcher, real.classifier, real.calibration)


@dataclass
class FakeChannel:
    """The AGI channel of a caller who speaks when recorded and keys from ``keys``."""

    keys: list[str] = field(default_factory=list)
    env: dict[str, str] = field(
        default_factory=lambda: {
            "agi_uniqueid": "1700000000.9",
            "agi_callerid": "51999990009",
            "agi_network_script": "main-menu",
        }
    )
    played: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)

    def stream_file(self, path: str, escape_digits: str = "") -> str:
        self.played.append(path.rsplit("/pt_BR/", 1)[-1])
        return ""

    def wait_for_digit(self, timeout: int) -> str:
        return self.keys.pop(0) if self.keys else ""

    def record(self, path: str, file_format: str, escape: str, timeout: int, silence: int) -> str:
        write_wav(Path(path + ".wav"), loud=True)
        return ""

    def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value

    def get_variable(self, name: str) -> str:
        return self.variables.get(name, "")

    def hangup(self) -> None:
        self.played.append("<hangup>")


@pytest.fixture(scope="module")
def prompts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("audio") / "pt_BR"
    for key in [*all_prompts(shipped_catalogue()), PAUSE]:
        write_wav(folder / f"{key}.wav", loud=False)
    return folder


@pytest.fixture
def settings() -> Settings:
    base = load_settings()
    return base.replace(
        ivr=base.ivr.replace(
            intent_accept_confidence=0.9, intent_confirm_confidence=0.5, recognition_wait_s=0.05
        )
    )


@pytest.fixture
def run_menu(
    migrated_db: Database,
    prompts_dir: Path,
    settings: Settings,
    understanding: SpeechUnderstanding,
    tmp_path: Path,
) -> Iterator[RunMenu]:
    def run(
        heard: list[str],
        keys: list[str] | None = None,
        speech_gate: threading.Semaphore | None = None,
    ) -> FakeChannel:
        runtime = IvrRuntime(
            settings=settings,
            database=migrated_db,
            catalogue=shipped_catalogue(),
            matcher=understanding.matcher,
            understanding=understanding,
            policy=Policy.from_settings(settings.catalogue),
            recognizer=ScriptedRecognizer(list(heard)),
            speech_problem="",
            prompts_dir=prompts_dir,
            recordings_dir=tmp_path,
            recorder=CallRecorder(Journal(tmp_path / "journal")),
            speech_gate=speech_gate or threading.Semaphore(1),
        )
        channel = FakeChannel(keys=list(keys or []))
        main_menu(AgiCall(channel, runtime))  # type: ignore[arg-type]
        return channel

    yield run


def test_unsure_recognition_is_confirmed_before_routing(run_menu: RunMenu) -> None:
    channel = run_menu(["buraco na rua", "sim"])
    assert "confirm/you_said" in channel.played and "service/VIA-BURACO" in channel.played
    assert channel.variables[ChannelVar.ROUTE] == "servicos-urbanos"
    assert channel.variables[ChannelVar.SERVICE.set_name] == "VIA-BURACO"


def test_a_no_at_the_confirmation_asks_again_with_the_key_menu(run_menu: RunMenu) -> None:
    channel = run_menu(["buraco na rua", "não", "falta de água", "sim"])
    assert channel.played.count("confirm/you_said") == 2
    assert "menu/keys" in channel.played  # the second question lists the options
    assert channel.variables[ChannelVar.ROUTE] == "agua-esgoto"


def test_two_failed_recognitions_fall_back_to_the_key_menu(run_menu: RunMenu) -> None:
    channel = run_menu(["blá blá", "hmm"], keys=["4"])
    assert channel.played.count("menu/not_understood") == 2
    fallback = channel.played.index("menu/fallback_keys")
    assert channel.played[fallback + 1] == "menu/keys"
    assert channel.variables[ChannelVar.ROUTE] == "transito-transporte"
    assert channel.variables[ChannelVar.INTENT.set_name] == "queue:transito-transporte"


def test_atendente_goes_to_an_agent_even_while_confirming(run_menu: RunMenu) -> None:
    assert run_menu(["quero falar com um atendente"]).variables[ChannelVar.ROUTE] == "geral"
    assert run_menu(["buraco na rua", "atendente"]).variables[ChannelVar.ROUTE] == "geral"


def test_silence_until_the_turns_run_out_still_reaches_an_agent(run_menu: RunMenu) -> None:
    channel = run_menu(["", ""], keys=[])
    assert channel.variables[ChannelVar.ROUTE] == "geral"
    assert channel.variables[ChannelVar.ROUTE_REASON.set_name] == "no-answer"


def test_a_saturated_recogniser_moves_the_caller_to_keys_at_once(run_menu: RunMenu) -> None:
    busy = threading.Semaphore(0)  # every slot taken by other callers' recognitions
    channel = run_menu(["never heard"], keys=["2"], speech_gate=busy)
    assert "menu/not_understood" not in channel.played
    fallback = channel.played.index("menu/fallback_keys")
    assert channel.played[fallback + 1] == "menu/keys"
    assert channel.variables[ChannelVar.ROUTE] == "agua-esgoto"


def test_a_duplicate_is_read_back_as_joined_to_its_parent_with_the_parents_status(
    run_menu: RunMenu, migrated_db: Database
) -> None:
    staff = Actor.system("pf.smsurb")
    with migrated_db.transaction() as session:
        opened = [
            requests.open_request(
                session,
                service_code="VIA-BURACO",
                channel="app",
                actor=staff,
                address=AddressInput(street="Rua Voluntários da Pátria", house_number="800"),
            )
            for _ in range(2)
        ]
        parent, duplicate = (r.number for r in opened)
        duplicates.mark_duplicate(session, opened[1], parent, staff)
    channel = run_menu(["quero saber do meu protocolo", duplicate], keys=["#"])

    readback = channel.played[channel.played.index("protocol/number") :]
    readback = readback[: readback.index("protocol/another")]
    joined = readback.index("protocol/joined")
    parts = (readback[:joined], readback[joined:])
    digits = ["".join(k.removeprefix("digit/") for k in p if k.startswith("digit/")) for p in parts]
    assert digits == [duplicate, parent]
    # The parent's status (forwarded to the secretariat), never the duplicate's "fechado".
    assert "status/forwarded" in readback and "status/closed" not in readback
    assert {"service/VIA-BURACO", "deadline/on_time"} <= set(readback)
    assert channel.variables[ChannelVar.PROTOCOL.set_name] == duplicate  # what the caller asked
