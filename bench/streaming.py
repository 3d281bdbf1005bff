"""Streaming speech turns through the real parts: how long a caller waits after their last word.

    .venv/bin/python -m bench.streaming [--concurrency 1,4,8,16,32] [--rates 1,2,4]
                                        [--window 20] [--keep-going]

The same stack and callers as ``bench.ivr_capacity`` (a real Asterisk with the project's dialplan
and staffed queues, ONE IVR FastAGI server in this process on a throwaway PostgreSQL, **sipp**
callers streaming a Kokoro voice over RTP), with the streaming engine in front: ``central156
speech serve`` as its own process (as in production: one recogniser server per IVR server,
Silero VAD + Whisper base, 2 threads), which Asterisk streams each call's audio to
(``res_speech_aeap``), and the IVR asking through ``SPEECH RECOGNIZE``.

**The measure.** From the caller's last speech sample to the first audio of the IVR's next
prompt, per call: the engine stamps when the last voiced audio of the turn reached it (Unix time,
carried in the turn's results), the IVR's next ``STREAM FILE`` or ``SPEECH RECOGNIZE`` is stamped
when sent. Not included, both a few milliseconds on loopback: RTP and Asterisk's framing before
the audio reaches the engine, and Asterisk opening the prompt file after the command.

**Capacity.** (a) N callers dialled at once, all speaking at the same moment (the recogniser's
worst case); (b) arrivals at a fixed rate for ``--window`` seconds: each call gives one spoken
answer, so calls/s is answers/s. A call **failed** as in ``bench.ivr_capacity`` (sipp failed
it, or its record is not complete with an agent). "busy" counts answers the engine refused
(no decoder within ``[ivr] recognition_wait_s``: the caller got the key menu, not silence).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.cpu import cpu_seconds
from bench.ivr_capacity import (
    EXPECTED_QUEUE,
    SPEECH_MARGIN_S,
    Bench,
    Timeline,
    both_ladders,
    ladder_arguments,
    p95,
    prompts_length,
    run_sipp,
    staff,
    write_caller_audio,
)
from citizen_center import migrate
from citizen_center.config import load_settings
from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call, CallStep
from ivr.agi import FastAgiChannel
from ivr.streaming.aeap import parse_recognize_reply, speech_end_of
from pbx import process
from pbx.provision import ensure_asterisk
from tests.fixtures.asterisk import RunningPbx, start_pbx
from tests.fixtures.ivr import (
    CommandLog,
    IvrUnderTest,
    build_prompts,
    ivr_settings,
    start_ivr,
    stop_ivr,
)
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.speech_engines import EngineProcess, point_pbx_at

NEXT_PROMPT = ("STREAM FILE", "SPEECH RECOGNIZE")


@dataclass
class Turns:
    """Per caller: when each command was sent, and each answered turn's speech end (Unix)."""

    events: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, caller: str, what: str, at: float | None = None) -> None:
        with self.lock:
            self.events[caller].append((at if at is not None else time.time(), what))

    def clear(self) -> None:
        with self.lock:
            self.events.clear()

    def waits(self) -> tuple[list[float], list[float], int]:
        """Seconds from the caller's last word to the next prompt, per answered turn; of them,
        the IVR's share (from the answer reaching it to the next prompt); and how many turns
        the engine answered "busy"."""
        waits: list[float] = []
        ivr_shares: list[float] = []
        busy = 0
        with self.lock:
            for events in self.events.values():
                for index, (at, what) in enumerate(events):
                    busy += what == "BUSY"
                    if what != "SPOKEN":
                        continue
                    later = events[index + 1 :]
                    replied = next((t for t, w in later if w == "REPLY"), None)
                    prompt = next((t for t, w in later if w.startswith(NEXT_PROMPT)), None)
                    if prompt is not None:
                        waits.append(prompt - at)
                        if replied is not None:
                            ivr_shares.append(prompt - replied)
        return waits, ivr_shares, busy


@contextmanager
def watching(turns: Turns) -> Iterator[None]:
    """Stamp the IVR's commands and the answered turns (the real FastAgiChannel, patched)."""
    send, recognize = FastAgiChannel.send_command, FastAgiChannel.speech_recognize

    def sending(self: FastAgiChannel, command: str, *args: Any) -> None:
        turns.add(self.env.get("agi_callerid", ""), command)
        send(self, command, *args)

    def recognizing(self: FastAgiChannel, prompt: str, timeout_s: int) -> str:
        line: str = recognize(self, prompt, timeout_s)
        reply = parse_recognize_reply(line)
        caller = self.env.get("agi_callerid", "")
        ended = speech_end_of(reply.results)
        if reply.busy:
            turns.add(caller, "BUSY")
        elif ended is not None:
            turns.add(caller, "SPOKEN", ended)
            turns.add(caller, "REPLY")
        return line

    FastAgiChannel.send_command = sending
    FastAgiChannel.speech_recognize = recognizing  # type: ignore[method-assign]
    try:
        yield
    finally:
        FastAgiChannel.send_command = send
        FastAgiChannel.speech_recognize = recognize  # type: ignore[method-assign]


@dataclass(frozen=True)
class Row:
    label: str
    calls: int
    failed: int
    routed: int
    answered: int
    busy: int
    wait_p50: float
    wait_p95: float
    wait_max: float
    ivr_p50: float  # of the wait: from the answer reaching the IVR to its next prompt
    answers_per_s: float
    wall_s: float
    ivr_cpu: float
    engine_cpu: float
    asterisk_cpu: float


@dataclass
class StreamingBench:
    base: Bench
    engine: EngineProcess
    turns: Turns

    def step(self, label: str, calls: int, rate: float, limit: int) -> Row:
        self.turns.clear()
        pids = (os.getpid(), self.engine.process.pid, self.base.pbx.pid)
        before = [cpu_seconds(pid) for pid in pids]
        first_id = self.base._last_call_id()
        self.base.steps += 1
        began = time.monotonic()
        sipp = run_sipp(
            self.base.folder, self.base.pbx, f"5197{self.base.steps:02d}0", calls, rate, limit
        )
        self.base.ivr.server.wait_for_calls(30)
        wall = time.monotonic() - began
        cpu = [(cpu_seconds(pid) - b) / wall for pid, b in zip(pids, before, strict=True)]
        records = self.base._records_since(first_id)
        complete = [r for r in records if r.agent_interface and r.outcome is CallOutcome.ANSWERED]
        waits, ivr_shares, busy = self.turns.waits()
        self._show_strays(label, [r for r in complete if r.queue != EXPECTED_QUEUE])
        arrivals = calls / rate if rate < 50 else 0.0
        return Row(
            label,
            calls,
            max(sipp.failed + (calls - sipp.successful - sipp.failed), calls - len(complete)),
            sum(r.queue == EXPECTED_QUEUE for r in complete),
            len(waits),
            busy,
            statistics.median(waits) if waits else 0.0,
            p95(waits),
            max(waits, default=0.0),
            statistics.median(ivr_shares) if ivr_shares else 0.0,
            len(waits) / arrivals if arrivals else 0.0,
            wall,
            *cpu,
        )

    def _show_strays(self, label: str, records: Sequence[Call]) -> None:
        """Calls that reached an agent, but not in the queue the speech asked for: their path."""
        if not records:
            return
        with self.base.ivr.database.transaction() as session:
            for record in records[:5]:
                steps = session.scalars(
                    select(CallStep).where(CallStep.call_id == record.id).order_by(CallStep.seq)
                ).all()
                path = " > ".join(f"{s.step}[{s.intent} {s.confidence}]" for s in steps)
                print(f"  ({label}) {record.uniqueid} in {record.queue}: {path}", file=sys.stderr)


@contextmanager
def running_stack(folder: Path) -> Iterator[StreamingBench]:
    with PostgresServer() as postgres:
        database = Database.from_url(postgres.create_database("bench_streaming"))
        migrate.upgrade_and_seed(database)
        database.dispose()
        engine = EngineProcess(folder / "engine.log")
        try:
            install = ensure_asterisk(load_settings().pbx)
            settings = ivr_settings(postgres.url("bench_streaming"), folder / "recordings")
            build_prompts(settings)
            turns = Turns()
            with watching(turns):
                pbx = start_pbx(folder / "asterisk", install, "127.0.0.1:9", "127.0.0.1:9")
                try:
                    streaming = point_pbx_at(pbx, [engine.url])
                    ivr = start_ivr(settings.replace(streaming=streaming), CommandLog())
                    try:
                        _serve_from(pbx, ivr)
                        staff(pbx)
                        lead = prompts_length(settings.ivr.resolved_audio_dir() / "pt_BR")
                        write_caller_audio(folder, lead + SPEECH_MARGIN_S)
                        # (the capacity bench's Timeline goes unused: Turns stamps the turns)
                        base = Bench(folder, pbx, ivr, Timeline())
                        yield StreamingBench(base, engine, turns)
                    finally:
                        stop_ivr(ivr)
                finally:
                    process.stop(pbx.settings)
        finally:
            engine.stop()


def _serve_from(pbx: RunningPbx, ivr: IvrUnderTest) -> None:
    from pbx.channel_vars import ChannelVar

    pbx.cli(f"dialplan set global {ChannelVar.AGI} agi://{ivr.address}")


def print_header() -> None:
    print(
        "| load | calls | failed | routed ok | answered turns | busy | wait p50 s | wait p95 s "
        "| wait max s | of which IVR p50 s | answers/s | wall s | IVR CPU | engine CPU "
        "| Asterisk CPU |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def print_row(r: Row) -> None:
    rate = f"{r.answers_per_s:.1f}" if r.answers_per_s else "-"
    print(
        f"| {r.label} | {r.calls} | {r.failed} | {r.routed} | {r.answered} | {r.busy} "
        f"| {r.wait_p50:.2f} | {r.wait_p95:.2f} | {r.wait_max:.2f} | {r.ivr_p50:.2f} | {rate} "
        f"| {r.wall_s:.0f} "
        f"| {r.ivr_cpu:.0%} | {r.engine_cpu:.0%} | {r.asterisk_cpu:.0%} |",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ladder_arguments(parser, concurrency="1,4,8,16,32", rates="1,2,4")
    parser.add_argument("--keep", action="store_true", help="keep the folder (engine log)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-streaming-"))
    try:
        with running_stack(folder) as bench:
            print_header()
            both_ladders(bench.step, print_row, args)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


_: Callable[[Sequence[str] | None], None] = main

if __name__ == "__main__":
    main()
