"""Calls through the real Asterisk with the shipped dialplans (see dialplans/README.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pbx.channel_vars import ChannelVar
from tests.fixtures.ami_events import EventCollector
from tests.fixtures.asterisk import (
    Dtmf,
    LocalCaller,
    Play,
    RunningPbx,
    SimulatedAgents,
    SipCaller,
)
from tests.fixtures.audio_compare import envelope_similarity, speech_seconds
from tests.fixtures.fastagi import AgiChannel, FakeFastAgiServer, Handler

IVR_VARIABLES: dict[str, str] = {
    ChannelVar.CALL_ID: "call-test-1",
    ChannelVar.INTENT: "vazamento",
    ChannelVar.SERVICE: "dmae-vazamento-via-publica",
    ChannelVar.CITIZEN_ID: "cid-42",
    ChannelVar.TEXT: "tem um vazamento na minha rua",
    ChannelVar.CONFIDENCE: "0.87",
    ChannelVar.PROTOCOL: "2026-000123",
}


def route_to(queue: str, variables: dict[str, str] | None = None) -> Handler:
    """A stand-in main-menu that sets the IVR's context variables and picks a queue."""

    def main_menu(channel: AgiChannel) -> None:
        for name, value in (variables or {}).items():
            channel.set_variable(f"__{name}", value)
        channel.set_variable(ChannelVar.ROUTE, queue)

    return main_menu


def test_boot_logged_no_warning(pbx: RunningPbx) -> None:
    console = pbx.layout.console_log.read_text()
    boot = console.split("Asterisk Ready.")[0]
    assert "WARNING[" not in boot and "ERROR[" not in boot, boot


def test_sip_call_reaches_the_ivr_with_the_callers_number_and_hears_it(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    sip_caller: SipCaller,
    speech: Callable[..., Path],
    tmp_path: Path,
) -> None:
    prompt = speech("Central 156, bom dia. Diga o motivo da sua ligação.", trail=0.5)

    def main_menu(channel: AgiChannel) -> None:
        channel.stream_file(str(prompt.with_suffix("")))

    fastagi.handlers["main-menu"] = main_menu
    heard = tmp_path / "heard.wav"
    result = sip_caller.call(caller_number="51988887777", record_to=heard, max_seconds=6)

    session = fastagi.wait_for_session("main-menu")
    assert result.answered
    assert session.env["agi_callerid"] == "51988887777"
    assert session.env["agi_network"] == "yes"
    assert session.env["agi_context"] == "c156-ivr"
    assert session.commands[0][1].ok
    # What the caller heard over RTP is the IVR's prompt.
    assert envelope_similarity(prompt, heard) > 0.8


def test_ivr_down_takes_the_failure_path_and_still_reaches_an_agent(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    ami: EventCollector,
    agents: SimulatedAgents,
    local_caller: LocalCaller,
) -> None:
    member = agents.add("geral", talk_seconds=1)
    with fastagi.down():
        placed = local_caller.call(hold_seconds=8)
        connect = ami.wait_for(
            "AgentConnect", timeout=20, Queue="geral", CallerIDNum=placed.caller_number
        )
    assert connect.get("Interface") == member.interface
    assert connect.variables()[ChannelVar.ROUTE_REASON] == "ivr-failure-FAILURE"
    assert fastagi.sessions == []


def test_unknown_route_goes_to_the_general_queue(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    ami: EventCollector,
    agents: SimulatedAgents,
    local_caller: LocalCaller,
) -> None:
    agents.add("geral", talk_seconds=1)
    fastagi.handlers["main-menu"] = route_to("fila-que-nao-existe")
    placed = local_caller.call(hold_seconds=8)
    connect = ami.wait_for("AgentConnect", timeout=20, CallerIDNum=placed.caller_number)
    assert connect.get("Queue") == "geral"
    assert connect.variables()[ChannelVar.ROUTE_REASON] == "unknown-route"


def test_queue_events_carry_the_ivr_variables_to_the_agent(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    ami: EventCollector,
    agents: SimulatedAgents,
    local_caller: LocalCaller,
) -> None:
    member = agents.add("agua-esgoto", talk_seconds=1)
    fastagi.handlers["main-menu"] = route_to("agua-esgoto", IVR_VARIABLES)
    placed = local_caller.call(hold_seconds=8)

    number = placed.caller_number
    called = ami.wait_for("AgentCalled", 20, CallerIDNum=number, Queue="agua-esgoto")
    connect = ami.wait_for("AgentConnect", 20, CallerIDNum=number, Queue="agua-esgoto")
    agent_saw = ami.wait_for(
        "UserEvent", timeout=10, UserEvent="C156TestAgent", Agent=member.agent_id
    )

    expected: dict[str, str] = {
        **IVR_VARIABLES,
        ChannelVar.ROUTE: "agua-esgoto",
        ChannelVar.QUEUE: "agua-esgoto",
    }
    for event in (called, connect):
        assert _subset(expected, event.variables("ChanVariable"))
    # On the agent's channel only inherited (__) variables appear: the screen pop's data.
    assert _subset(IVR_VARIABLES, connect.variables("DestChanVariable"))
    assert agent_saw.get("Protocol") == IVR_VARIABLES[ChannelVar.PROTOCOL]
    assert agent_saw.get("Intent") == IVR_VARIABLES[ChannelVar.INTENT]
    assert agent_saw.get("Queue") == "agua-esgoto"


def rate_the_call(channel: AgiChannel) -> None:
    # C156T_: a test-only name, like C156T_SCRIPT (no part of the contract in pbx.channel_vars).
    channel.set_variable("C156T_SURVEY_SCORE", "5")


def _subset(expected: dict[str, str], actual: dict[str, str]) -> bool:
    missing = {k: v for k, v in expected.items() if actual.get(k) != v}
    assert not missing, f"missing or different: {missing}; got {actual}"
    return True


def test_ivr_records_exactly_what_a_simulated_caller_said(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    local_caller: LocalCaller,
    speech: Callable[..., Path],
    tmp_path: Path,
) -> None:
    said = speech("Quero informar um buraco na rua Voluntários da Pátria.", lead=0.2, trail=3)
    recording = tmp_path / "ivr-heard"

    def main_menu(channel: AgiChannel) -> None:
        channel.record_file(str(recording), timeout_ms=15000, silence_s=2)

    fastagi.handlers["main-menu"] = main_menu
    local_caller.call([Play(0.5, said)], hold_seconds=6)
    session = fastagi.wait_for_session("main-menu", timeout=25)

    assert session.commands[0][1].ok
    assert speech_seconds(recording.with_suffix(".wav")) > 1.0
    assert envelope_similarity(said, recording.with_suffix(".wav")) > 0.95


def test_ivr_records_a_sip_callers_speech_and_reads_its_rfc4733_dtmf(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    sip_caller: SipCaller,
    speech: Callable[..., Path],
    tmp_path: Path,
) -> None:
    said = speech("Minha rua está sem luz há três dias.", lead=0.2, trail=3)
    recording = tmp_path / "ivr-heard-sip"
    digits: list[str] = []

    def main_menu(channel: AgiChannel) -> None:
        channel.record_file(str(recording), timeout_ms=15000, silence_s=2)
        digits.append(channel.wait_for_digit(8000))

    fastagi.handlers["main-menu"] = main_menu
    length = speech_seconds(said) + 6
    sip_caller.call([Play(0.5, said), Dtmf(length, "5")], max_seconds=length + 3)
    fastagi.wait_for_session("main-menu", timeout=5)

    assert envelope_similarity(said, recording.with_suffix(".wav")) > 0.8
    assert digits == ["5"]


def test_survey_runs_after_the_agent_hangs_up(
    pbx: RunningPbx,
    fastagi: FakeFastAgiServer,
    ami: EventCollector,
    agents: SimulatedAgents,
    local_caller: LocalCaller,
) -> None:
    member = agents.add("limpeza-urbana", talk_seconds=1, name="Ana Souza")
    fastagi.handlers["main-menu"] = route_to("limpeza-urbana", IVR_VARIABLES)
    fastagi.handlers["survey"] = rate_the_call
    placed = local_caller.call(hold_seconds=15)

    complete = ami.wait_for(
        "AgentComplete", timeout=25, Queue="limpeza-urbana", CallerIDNum=placed.caller_number
    )
    survey = fastagi.wait_for_session("survey", timeout=10)

    assert complete.get("Reason") == "agent"
    assert survey.args == [
        "limpeza-urbana",
        member.interface,
        "Ana Souza",
        IVR_VARIABLES[ChannelVar.PROTOCOL],
    ]
    assert survey.env["agi_callerid"] == placed.caller_number
    assert survey.env["agi_context"] == "c156-survey"
    # The caller was still on the line: the survey's commands reached a live channel.
    assert survey.commands[0][1].ok
    assert placed.session is not None


def test_closed_hours_play_the_announcement_and_skip_the_ivr(
    pbx: RunningPbx, fastagi: FakeFastAgiServer, ami: EventCollector, local_caller: LocalCaller
) -> None:
    with pbx.ami_client(events="off") as client:
        client.checked_action(
            "Setvar", Variable=ChannelVar.SERVICE_HOURS, Value="00:00-00:01,*,1,jan"
        )
    try:
        placed = local_caller.call(hold_seconds=3)
        event = ami.wait_for(
            "Newexten",
            timeout=15,
            Context="c156-after-hours",
            Application="Playback",
            CallerIDNum=placed.caller_number,
        )
    finally:
        with pbx.ami_client(events="off") as client:
            client.checked_action("Setvar", Variable=ChannelVar.SERVICE_HOURS, Value="*,*,*,*")
    assert "fora-do-horario" in event.get("AppData")
    assert fastagi.sessions == []
