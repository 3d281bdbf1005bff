"""Speech decisions through the real parts: Asterisk, the FastAGI IVR with Whisper and the intent
model, and a Kokoro-voiced citizen on a Local channel.

The IVR here is started with an accept threshold no answer reaches, so every service it
understands is confirmed first ("Você disse ...? Diga sim ou tecle 1"): the confirmation path is
exercised deterministically, whatever the exact probability of one utterance.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from citizen_center.domain.outcomes import CallOutcome
from citizen_center.services import requests
from citizen_center.services.citizens import AddressInput, CitizenInput, register_citizen
from citizen_center.services.common import Actor
from ivr.speech.caller_voice import CallerVoice, Utterance
from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import RunningPbx, SimulatedAgents, unique_caller_number
from tests.fixtures.fastagi import FakeFastAgiServer
from tests.fixtures.ivr import (
    CitizenCaller,
    CommandLog,
    IvrUnderTest,
    Reply,
    ivr_behind_pbx,
    ivr_on_sqlite,
)
from tests.ivr.test_call_flow import agent_saw, steps_of, wait_for_call_record


@pytest.fixture(scope="module")
def cautious_ivr(
    tmp_path_factory: pytest.TempPathFactory, whisper_model: Path, command_log: CommandLog
) -> Iterator[IvrUnderTest]:
    with ivr_on_sqlite(
        tmp_path_factory.mktemp("cautious-ivr"),
        command_log,
        intent_accept_confidence=0.999,
        intent_confirm_confidence=0.05,
    ) as ivr:
        yield ivr


@pytest.fixture
def behind_pbx(
    cautious_ivr: IvrUnderTest, pbx: RunningPbx, fake_ivr: FakeFastAgiServer
) -> Iterator[IvrUnderTest]:
    with ivr_behind_pbx(pbx, cautious_ivr.address, fake_ivr.address):
        yield cautious_ivr


def spoken_prompts(commands: CommandLog, caller: str) -> list[str]:
    sent = commands.of(caller)
    return [c.split()[2].rsplit("/pt_BR/", 1)[-1] for c in sent if c.startswith("STREAM FILE")]


def test_off_menu_speech_is_asked_again_and_an_unsure_service_is_confirmed(
    behind_pbx: IvrUnderTest,
    citizen_call: CitizenCaller,
    caller_voice: CallerVoice,
    agents: SimulatedAgents,
    ami: EventCollector,
    command_log: CommandLog,
) -> None:
    agents.add("agua-esgoto", talk_seconds=1)
    wrong_number = caller_voice.speak(Utterance("alô, é da pizzaria? eu queria uma calabresa"))
    leak = caller_voice.speak(Utterance("tem água limpa jorrando do cano da calçada"))
    placed = citizen_call.call(
        [
            Reply("listen", say=wrong_number),
            Reply("menu/not_understood"),
            Reply("listen", say=leak),
            Reply("confirm/say_yes", keys="1", delay=0.3),
        ]
    )
    connect = agent_saw(ami, placed.caller_number, "agua-esgoto", command_log)
    variables = connect.variables("DestChanVariable")
    assert variables[ChannelVar.SERVICE] == "AGUA-VAZAMENTO"

    spoken = spoken_prompts(command_log, placed.caller_number)
    # Asked again after the wrong number, then "Você disse vazamento de água? Diga sim...".
    rejected = spoken.index("menu/not_understood")
    proposed = spoken.index("confirm/you_said")
    assert rejected < proposed
    assert spoken[proposed + 1] == "service/AGUA-VAZAMENTO"
    assert "confirm/say_yes" in spoken[proposed:]

    record = wait_for_call_record(
        behind_pbx.database,
        placed.caller_number,
        done=lambda call: call.outcome is CallOutcome.QUEUED,
    )
    steps = steps_of(behind_pbx.database, record)
    answers = [(name, intent) for name, intent, _ in steps]
    assert answers[1] == ("main-menu", "unknown")  # the wrong number: not routed
    assert answers[2] == ("main-menu", "AGUA-VAZAMENTO")
    assert answers[3] == ("confirm", "yes")
    assert answers[4][0] == "route"


def test_a_caller_with_an_open_request_of_the_same_service_hears_its_status_first(
    behind_pbx: IvrUnderTest,
    citizen_call: CitizenCaller,
    caller_voice: CallerVoice,
    command_log: CommandLog,
) -> None:
    phone = unique_caller_number()
    with behind_pbx.database.transaction() as session:
        citizen = register_citizen(
            session, CitizenInput(name="Teresa Lima", phones=[phone]), Actor.system("teste")
        )
        request = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="phone",
            actor=Actor.system("teste"),
            citizen_id=citizen.id,
            address=AddressInput(street="Avenida Bento Gonçalves", house_number="1500"),
        )
        number = request.number
    pothole = caller_voice.speak(Utterance("a rua aqui tá cheia de buraco, o carro caiu num"))
    placed = citizen_call.call(
        [
            Reply("listen", say=pothole),
            Reply("confirm/say_yes", keys="1", delay=0.3),
            Reply("open_requests/new_or_end", keys="2", delay=0.3),
        ],
        caller_number=phone,
    )
    placed.wait(90)
    record = wait_for_call_record(behind_pbx.database, phone)
    assert record.outcome is CallOutcome.SELF_SERVICE
    spoken = spoken_prompts(command_log, phone)
    offered = spoken.index("open_requests/same_service")
    readback = spoken[offered:]
    digits = [k.removeprefix("digit/") for k in readback if k.startswith("digit/")]
    assert "".join(digits) == number
    assert "service/VIA-BURACO" in readback and "goodbye" in readback
    assert ("open-request-offer", "", "2") in steps_of(behind_pbx.database, record)
