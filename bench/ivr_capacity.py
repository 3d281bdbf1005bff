"""Capacity of one IVR server: simultaneous speaking callers, calls per second, caller's wait.

    .venv/bin/python -m bench.ivr_capacity [--concurrency 1,2,4,8,16] [--rates 0.5,1,2,5]
                                           [--window 20] [--keep-going]

What runs (all on 127.0.0.1, every process stopped by its own pid at the end):

- a real Asterisk on free ports with the project's dialplan and the lab contexts
  (``tests.fixtures.asterisk.start_pbx``), its queues staffed by auto-answering Local-channel
  agents (``SimulatedAgents``: answer, talk 2 s, hang up);
- ONE IVR FastAGI server (``ivr.service.build_server``, a thread per call) in this process, with
  the Whisper engine and a throwaway PostgreSQL (production's database) migrated and seeded;
- **sipp** (Debian ``sip-tester``) as the callers: a UAC scenario that dials 156 and streams a
  u-law file over RTP (``rtp_stream``): silence while the welcome and the open question play,
  then a Kokoro pt-BR voice saying the reason of the call, then silence (a phone line keeps
  sending frames), and waits for Asterisk's BYE.

Why sipp and not the tests' Local-channel citizens: sipp is a separate C process, so the callers
cost the IVR no Python time or GIL, and the calls cross the real PJSIP/RTP stack (jitter buffer,
transcoding u-law to the recording) like the carrier's trunk. The price is that sipp cannot
react to what it hears: the speech is placed after the prompts' known length (plus a margin),
and the caller does not answer the satisfaction survey (the IVR asks twice, thanks and hangs
up, which is also a path real callers take). Keys are not used, so a stray DTMF can never steer
the menu.

Each call must go the whole way: welcome → speech → recognition → queue → agent → survey →
hang-up. A call counts as **failed** when sipp reports it failed (no answer, unexpected message,
no BYE within the call timeout) or when its call record in the database is not complete with an
agent (``agent_interface`` set by the survey, i.e. the agent answered and hung up, and the call
``answered``): a call sent to the dialplan's failure path or dropped fails.

Measured per step: failed calls, the route the speech took, the IVR's delay after speech (from
``RECORD FILE``'s reply, i.e. the end of the silence detection, to the next ``STREAM FILE``
command: recognition, intent, database and prompt lookup), CPU share of the IVR (this process)
and of Asterisk, and threads left behind. What the caller hears between the end of speaking and
the next prompt is that delay plus the configured silence detection (``record_silence_s``).

(a) simultaneous calls: N callers dialled within a fraction of a second, all speaking at the
same moment, the worst case for the recogniser. (b) calls per second: arrivals at a fixed rate
for ``--window`` seconds, then drained. Steps go up until one fails (``--keep-going`` to run all).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import wave
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import select

from bench.cpu import cpu_seconds
from citizen_center import migrate
from citizen_center.config import load_settings, user_cache_dir
from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call
from ivr.agi import FastAgiChannel
from ivr.speech.caller_voice import CallerVoice, Utterance
from pbx import process
from pbx.provision import ensure_asterisk
from tests.fixtures.asterisk import (
    RunningPbx,
    SimulatedAgents,
    free_port,
    free_rtp_range,
    start_pbx,
)
from tests.fixtures.ivr import (
    CommandLog,
    IvrUnderTest,
    build_prompts,
    ivr_settings,
    start_ivr,
    stop_ivr,
)
from tests.fixtures.postgres import PostgresServer

# The caller's reason for calling, and the queue it should reach.
SPEECH = Utterance(
    "a calçada da minha rua está cheia de buracos", voice="jf_alpha", lead=0, trail=0
)
EXPECTED_QUEUE = "servicos-urbanos"
QUEUES = ("servicos-urbanos", "agua-esgoto", "limpeza-urbana", "transito-transporte", "geral")
AGENTS_PER_QUEUE = 12
AGENT_TALK_S = 2
# Seconds of caller silence after the prompts before speaking: the IVR's database work before
# RECORD FILE starts (caller lookup, call record) must not cut the first syllable.
SPEECH_MARGIN_S = 1.0
# Silence streamed after speaking: covers recognition, transfer, agent and survey even when the
# recogniser is saturated (RECORD FILE in the survey needs frames to detect silence).
TAIL_S = 150
CALL_TIMEOUT_S = 170  # sipp fails a call that has no BYE by then
PROMPTS_BEFORE_SPEECH = ("welcome", "menu/ask_reason")


# --------------------------------------------------------------------------- IVR-side timeline


@dataclass
class Timeline:
    """When the IVR sent each AGI command and got each RECORD FILE reply, per caller number."""

    events: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, caller: str, what: str) -> None:
        with self.lock:
            self.events[caller].append((time.monotonic(), what))

    def clear(self) -> None:
        with self.lock:
            self.events.clear()

    def delays_after_speech(self) -> list[float]:
        """Per call, seconds from the first RECORD FILE reply (the answer to the open question;
        later ones are the unanswered survey's silence) to the IVR's next prompt."""
        delays: list[float] = []
        with self.lock:
            for events in self.events.values():
                replies = [i for i, (_, what) in enumerate(events) if what == "RECORD REPLY"]
                if not replies:
                    continue
                replied = events[replies[0]][0]
                prompt = next(
                    (at for at, what in events[replies[0] :] if what.startswith("STREAM FILE")),
                    None,
                )
                if prompt is not None:
                    delays.append(prompt - replied)
        return delays


@contextmanager
def watching(timeline: Timeline) -> Iterator[None]:
    """Note the IVR's commands and RECORD FILE replies (the real FastAgiChannel, patched)."""
    send, record = FastAgiChannel.send_command, FastAgiChannel.record

    def sending(self: FastAgiChannel, command: str, *args: Any) -> None:
        timeline.add(self.env.get("agi_callerid", ""), command)
        send(self, command, *args)

    def recording(
        self: FastAgiChannel,
        path: str,
        file_format: str,
        escape_digits: str,
        timeout_ms: int,
        silence_s: int,
    ) -> str:
        try:
            return record(self, path, file_format, escape_digits, timeout_ms, silence_s)
        finally:
            timeline.add(self.env.get("agi_callerid", ""), "RECORD REPLY")

    FastAgiChannel.send_command = sending
    FastAgiChannel.record = recording  # type: ignore[method-assign]
    try:
        yield
    finally:
        FastAgiChannel.send_command = send
        FastAgiChannel.record = record  # type: ignore[method-assign]


# --------------------------------------------------------------------------- sipp


SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="c156 speaking caller">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Cidadao" <sip:[caller_prefix][call_number]@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[caller_prefix][call_number]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=cidadao 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpstream_audio_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Cidadao" <sip:[caller_prefix][call_number]@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:[caller_prefix][call_number]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
  <nop><action><exec rtp_stream="caller.ulaw,1,0"/></action></nop>
  <recv request="BYE" timeout="@TIMEOUT_MS@"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[caller_prefix][call_number]@[local_ip]:[local_port]>
Content-Length: 0
]]></send>
</scenario>
"""


@dataclass(frozen=True)
class SippResult:
    placed: int
    successful: int
    failed: int


def write_caller_audio(folder: Path, lead_s: float) -> None:
    """``caller.ulaw``: silence during the prompts, the speech, then a long silence."""
    speech = CallerVoice(user_cache_dir() / "caller-voice").speak(SPEECH)
    subprocess.run(
        [
            "sox",
            str(speech),
            "-t",
            "ul",
            "-r",
            "8000",
            "-c",
            "1",
            str(folder / "caller.ulaw"),
            "pad",
            f"{lead_s:.2f}",
            str(TAIL_S),
        ],
        check=True,
    )
    (folder / "caller.xml").write_text(SCENARIO.replace("@TIMEOUT_MS@", str(CALL_TIMEOUT_S * 1000)))


def run_sipp(
    folder: Path, pbx: RunningPbx, caller_prefix: str, calls: int, rate: float, limit: int
) -> SippResult:
    """Place ``calls`` calls at ``rate`` per second, at most ``limit`` at once; wait for them."""
    stats = folder / f"stats-{caller_prefix}.csv"
    # sipp's per-call RTP streams take ports upwards from -mp: a random band, as the PBX's.
    rtp_base = free_rtp_range()[0] + 2000
    command = [
        "sipp",
        f"127.0.0.1:{pbx.sip_port}",
        "-sf",
        "caller.xml",
        "-s",
        "156",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_port(socket.SOCK_DGRAM)),
        "-mi",
        "127.0.0.1",
        "-mp",
        str(rtp_base),
        "-key",
        "caller_prefix",
        caller_prefix,
        "-r",
        str(int(rate * 1000)),
        "-rp",
        "1000s",
        "-l",
        str(limit),
        "-m",
        str(calls),
        "-timeout",
        f"{CALL_TIMEOUT_S + calls / rate + 30:.0f}s",
        # In the foreground (not -bg, which forks): the child's pid is sipp's own to stop.
        "-trace_stat",
        "-stf",
        str(stats),
        "-fd",
        "1",
        "-nostdin",
    ]
    with (folder / "sipp.out").open("ab") as out:
        child = subprocess.Popen(
            command, cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            child.wait(timeout=CALL_TIMEOUT_S + calls / rate + 60)
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait(10)
    return _read_stats(stats, calls)


def _read_stats(stats: Path, calls: int) -> SippResult:
    lines = stats.read_text().splitlines() if stats.exists() else []
    if len(lines) < 2:
        return SippResult(calls, 0, calls)
    header, last = lines[0].split(";"), lines[-1].split(";")
    row = dict(zip(header, last, strict=False))
    successful = int(row.get("SuccessfulCall(C)", 0))
    failed = int(row.get("FailedCall(C)", 0))
    return SippResult(calls, successful, failed)


# --------------------------------------------------------------------------- the measurement


@dataclass(frozen=True)
class StepResult:
    label: str
    calls: int
    sipp_failed: int
    incomplete: int
    routed_expected: int
    delay_mean: float
    delay_p95: float
    delay_max: float
    wall_s: float
    ivr_cpu: float  # share of one core
    asterisk_cpu: float
    threads_after: int

    @property
    def failed(self) -> int:
        return max(self.sipp_failed, self.incomplete)


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class Bench:
    folder: Path
    pbx: RunningPbx
    ivr: IvrUnderTest
    timeline: Timeline
    steps: int = 0

    def step(self, label: str, calls: int, rate: float, limit: int) -> StepResult:
        self.steps += 1
        prefix = f"5198{self.steps:02d}0"
        self.timeline.clear()
        first_id = self._last_call_id()
        cpu_before = (cpu_seconds(os.getpid()), cpu_seconds(self.pbx.pid))
        began = time.monotonic()
        sipp = run_sipp(self.folder, self.pbx, prefix, calls, rate, limit)
        self.ivr.server.wait_for_calls(30)  # the survey's last commands after the BYE
        wall = time.monotonic() - began
        ivr_cpu = (cpu_seconds(os.getpid()) - cpu_before[0]) / wall
        ast_cpu = (cpu_seconds(self.pbx.pid) - cpu_before[1]) / wall
        records = self._records_since(first_id)
        complete = [r for r in records if r.agent_interface and r.outcome is CallOutcome.ANSWERED]
        delays = self.timeline.delays_after_speech()
        return StepResult(
            label,
            calls,
            sipp.failed + (calls - sipp.successful - sipp.failed),
            calls - len(complete),
            sum(r.queue == EXPECTED_QUEUE for r in complete),
            statistics.mean(delays) if delays else 0.0,
            p95(delays),
            max(delays, default=0.0),
            wall,
            ivr_cpu,
            ast_cpu,
            threading.active_count(),
        )

    def _last_call_id(self) -> int:
        with self.ivr.database.transaction() as session:
            ids = session.scalars(select(Call.id).order_by(Call.id.desc()).limit(1)).all()
            return ids[0] if ids else 0

    def _records_since(self, first_id: int) -> list[Call]:
        with self.ivr.database.transaction() as session:
            rows = session.scalars(select(Call).where(Call.id > first_id)).all()
            session.expunge_all()
            return list(rows)


class LadderRow(Protocol):
    @property
    def failed(self) -> int: ...


Row = TypeVar("Row", bound=LadderRow)
Step = tuple[str, int, float, int]  # label, calls, calls/s (50: at once), sipp's call limit


def concurrency_steps(concurrency: str) -> list[Step]:
    """``--concurrency 1,4,16``: N callers dialled at once."""
    return [(f"{n:g} at once", int(n), 50.0, int(n)) for n in floats(concurrency)]


def rate_steps(rates: str, window: float) -> list[Step]:
    """``--rates 0.5,2``: arrivals at each rate for ``window`` seconds."""
    return [(f"{r:g} calls/s", max(1, round(r * window)), r, 10_000) for r in floats(rates)]


def ladder_arguments(parser: argparse.ArgumentParser, concurrency: str, rates: str) -> None:
    """The options every ladder bench takes, with its own default steps."""
    parser.add_argument("--concurrency", default=concurrency, help="callers dialled at once")
    parser.add_argument("--rates", default=rates, help="calls per second")
    parser.add_argument("--window", type=float, default=20.0, help="seconds of arrivals per rate")
    parser.add_argument("--keep-going", action="store_true", help="run steps after a failure")


def both_ladders(
    run: Callable[[str, int, float, int], Row],
    show: Callable[[Row], None],
    args: argparse.Namespace,
) -> tuple[list[Row], list[Row]]:
    """The ``--concurrency`` steps, then the ``--rates`` steps."""
    concurrent = ladder(run, show, concurrency_steps(args.concurrency), args.keep_going)
    rated = ladder(run, show, rate_steps(args.rates, args.window), args.keep_going)
    return concurrent, rated


def ladder(
    run: Callable[[str, int, float, int], Row],
    show: Callable[[Row], None],
    steps: Sequence[Step],
    keep_going: bool,
) -> list[Row]:
    """Each step in turn, its row printed as it ends; stops at the first failure unless
    ``keep_going``."""
    results: list[Row] = []
    for label, calls, rate, limit in steps:
        result = run(label, calls, rate, limit)
        show(result)
        results.append(result)
        if result.failed and not keep_going:
            break
    return results


# --------------------------------------------------------------------------- set-up


@contextmanager
def running_stack(folder: Path) -> Iterator[Bench]:
    """PostgreSQL, the IVR (this process) and Asterisk with agents; stopped in reverse order."""
    with PostgresServer() as postgres:
        database = Database.from_url(postgres.create_database("ivr_capacity"))
        migrate.upgrade_and_seed(database)
        database.dispose()
        settings = ivr_settings(postgres.url("ivr_capacity"), folder / "recordings")
        build_prompts(settings)
        timeline = Timeline()
        with watching(timeline):
            ivr = start_ivr(settings, CommandLog())  # (unused: the Timeline watches commands)
            try:
                install = ensure_asterisk(load_settings().pbx)
                # The lab's caller driver is unused (sipp calls): any closed address will do.
                pbx = start_pbx(folder / "asterisk", install, ivr.address, "127.0.0.1:9")
                try:
                    staff(pbx)
                    lead = prompts_length(settings.ivr.resolved_audio_dir() / "pt_BR")
                    write_caller_audio(folder, lead + SPEECH_MARGIN_S)
                    yield Bench(folder, pbx, ivr, timeline)
                finally:
                    process.stop(pbx.settings)
            finally:
                stop_ivr(ivr)


def staff(pbx: RunningPbx) -> None:
    agents = SimulatedAgents(pbx)
    for queue in QUEUES:
        for _ in range(AGENTS_PER_QUEUE):
            agents.add(queue, AGENT_TALK_S)


def prompts_length(prompts_dir: Path) -> float:
    total = 0.0
    for key in PROMPTS_BEFORE_SPEECH:
        with wave.open(str(prompts_dir / f"{key}.wav")) as wav:
            total += wav.getnframes() / wav.getframerate()
    return total


# --------------------------------------------------------------------------- output


def print_header() -> None:
    print(
        "| load | calls | failed | incomplete | routed ok | delay mean s | delay p95 s "
        "| delay max s | wall s | IVR CPU | Asterisk CPU | threads |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def print_row(r: StepResult) -> None:
    print(
        f"| {r.label} | {r.calls} | {r.sipp_failed} | {r.incomplete} | {r.routed_expected} "
        f"| {r.delay_mean:.2f} | {r.delay_p95:.2f} | {r.delay_max:.2f} | {r.wall_s:.0f} "
        f"| {r.ivr_cpu:.0%} | {r.asterisk_cpu:.0%} | {r.threads_after} |",
        flush=True,
    )


def summary(concurrent: Sequence[StepResult], rated: Sequence[StepResult], silence_s: int) -> None:
    def best(results: Sequence[StepResult]) -> str:
        ok = [r for r in results if not r.failed]
        return ok[-1].label if ok else "none"

    delays = [r.delay_p95 for r in [*concurrent, *rated] if not r.failed]
    print(f"\nhighest simultaneous speaking callers with 0 failed: {best(concurrent)}")
    print(f"highest rate through the whole flow with 0 failed: {best(rated)}")
    if delays:
        print(
            f"worst p95 IVR delay after speech at a load with 0 failed: {max(delays):.2f} s "
            f"(the caller hears that plus {silence_s} s of silence detection)"
        )


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ladder_arguments(parser, concurrency="1,2,4,8,16", rates="0.5,1,2,5")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-ivr-capacity-"))
    try:
        with running_stack(folder) as bench:
            print_header()
            concurrent, rated = both_ladders(bench.step, print_row, args)
            summary(concurrent, rated, bench.ivr.settings.ivr.record_silence_s)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_: Callable[[Sequence[str] | None], None] = main

if __name__ == "__main__":
    main()
