"""Soak: sipp callers through the whole flow for ten minutes at five times the city's peak rate.

    .venv/bin/python -m bench.soak [--minutes 10] [--factor 5] [--sample 15]

The same stack as ``bench.ivr_capacity`` (a real Asterisk with auto-answering agents, ONE IVR
FastAGI server with Whisper in this process, a throwaway PostgreSQL, sipp as the callers, each
speaking the reason for the call and staying on through agent and survey), but one long run at a
fixed arrival rate instead of short steps. While it runs, every ``--sample`` seconds: calls
placed so far, the IVR's live calls, resident memory, open file descriptors and threads of the
IVR (this process) and of Asterisk, and the call records written. At the end, after the last
call is gone: failed calls (sipp's view and the records'), records against calls placed, every
record with an outcome, and whether memory and descriptors stayed flat.

The rate: 1,800 calls a day (the city's figure) on the busiest weekday (Monday, demand weights of
``citizen_center.demo_names``), in its busiest hour (the hourly profile there): about 0.06
calls/s. ``--factor 5`` makes it about 0.29 calls/s, some 170 calls in ten minutes.

Flat means: after the first minute (model, caches and pools warming up), resident memory of the
IVR at the end is within 5 % (or 8 MB) of its median, and the IVR's and Asterisk's descriptors
after the run are what they were before it (each live call holds a socket or two meanwhile).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench.ivr_capacity import Bench, SippResult, run_sipp, running_stack
from citizen_center.demo_names import HOURLY_WEIGHTS, WEEKDAY_WEIGHTS
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import Call

CALLS_PER_DAY = 1800
WARM_UP_S = 60.0
RSS_TOLERANCE = 0.05
RSS_TOLERANCE_MB = 8.0


def city_peak_rate() -> float:
    """Calls per second in the busiest hour of the busiest weekday."""
    busiest_day = max(WEEKDAY_WEIGHTS) / statistics.mean(WEEKDAY_WEIGHTS)
    busiest_hour = max(HOURLY_WEIGHTS) / sum(HOURLY_WEIGHTS)
    return CALLS_PER_DAY * busiest_day * busiest_hour / 3600


# --------------------------------------------------------------------------- process figures


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


@dataclass(frozen=True)
class Sample:
    at_s: float
    placed: int
    live_calls: int
    records: int
    ivr_rss_mb: float
    ivr_fds: int
    ivr_threads: int
    asterisk_rss_mb: float
    asterisk_fds: int


def placed_so_far(stats: Path) -> int:
    """sipp's running count of created calls (its statistics file, rewritten every second)."""
    if not stats.exists():
        return 0
    lines = stats.read_text().splitlines()
    if len(lines) < 2:
        return 0
    row = dict(zip(lines[0].split(";"), lines[-1].split(";"), strict=False))
    return int(row.get("TotalCallCreated", 0) or 0)


class Sampler:
    """Figures of the IVR and Asterisk every ``interval`` seconds, from a thread of its own."""

    def __init__(self, bench: Bench, stats: Path, first_id: int, interval: float) -> None:
        self.bench, self.stats, self.first_id, self.interval = bench, stats, first_id, interval
        self.samples: list[Sample] = []
        self._began = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def take(self) -> Sample:
        pid, pbx = os.getpid(), self.bench.pbx.pid
        sample = Sample(
            time.monotonic() - self._began,
            placed_so_far(self.stats),
            self.bench.ivr.server.live_calls,
            records_since(self.bench, self.first_id),
            rss_mb(pid),
            open_fds(pid),
            threads(pid),
            rss_mb(pbx),
            open_fds(pbx),
        )
        self.samples.append(sample)
        return sample

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            print_sample(self.take())


def records_since(bench: Bench, first_id: int) -> int:
    with bench.ivr.database.transaction() as session:
        return session.scalar(select(func.count()).where(Call.id > first_id)) or 0


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class SoakResult:
    rate: float
    minutes: float
    sipp: SippResult
    records: int
    complete: int
    outcomes: Counter[str]
    before: Sample
    after: Sample
    samples: Sequence[Sample]

    @property
    def failed(self) -> int:
        return max(self.sipp.placed - self.sipp.successful, self.sipp.placed - self.complete)

    def ivr_rss_steady(self) -> tuple[float, float]:
        """The IVR's median resident memory after the warm-up, and its last sample."""
        steady = [s.ivr_rss_mb for s in self.samples if s.at_s >= WARM_UP_S] or [
            self.after.ivr_rss_mb
        ]
        return statistics.median(steady), steady[-1]

    def memory_flat(self) -> bool:
        median, last = self.ivr_rss_steady()
        return last - median <= max(RSS_TOLERANCE * median, RSS_TOLERANCE_MB)

    def fds_flat(self) -> bool:
        return (
            self.after.ivr_fds <= self.before.ivr_fds + 2
            and self.after.asterisk_fds <= self.before.asterisk_fds + 2
        )


def soak(bench: Bench, rate: float, minutes: float, interval: float) -> SoakResult:
    calls = max(1, round(rate * minutes * 60))
    first_id = last_call_id(bench)
    prefix = "51977"
    stats = bench.folder / f"stats-{prefix}.csv"
    sampler = Sampler(bench, stats, first_id, interval)
    before = sampler.take()
    print_sample(before)
    sampler.start()
    try:
        sipp = run_sipp(bench.folder, bench.pbx, prefix, calls, rate, 10_000)
        bench.ivr.server.wait_for_calls(60)  # the survey's last commands after the BYE
    finally:
        sampler.stop()
    time.sleep(2)  # sockets of the last calls closed on both sides
    after = sampler.take()
    print_sample(after)
    with bench.ivr.database.transaction() as session:
        rows = session.scalars(select(Call).where(Call.id > first_id)).all()
        outcomes = Counter(str(r.outcome) or "(none)" for r in rows)
        complete = sum(1 for r in rows if r.agent_interface and r.outcome is CallOutcome.ANSWERED)
    return SoakResult(
        rate, minutes, sipp, len(rows), complete, outcomes, before, after, sampler.samples
    )


def last_call_id(bench: Bench) -> int:
    with bench.ivr.database.transaction() as session:
        return session.scalar(select(func.max(Call.id))) or 0


# --------------------------------------------------------------------------- output


def print_sample_header() -> None:
    print(
        "| t s | placed | live | records | IVR RSS MB | IVR fds | IVR threads "
        "| Asterisk RSS MB | Asterisk fds |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def print_sample(s: Sample) -> None:
    print(
        f"| {s.at_s:.0f} | {s.placed} | {s.live_calls} | {s.records} | {s.ivr_rss_mb:.0f} "
        f"| {s.ivr_fds} | {s.ivr_threads} | {s.asterisk_rss_mb:.0f} | {s.asterisk_fds} |",
        flush=True,
    )


def print_summary(r: SoakResult) -> None:
    median, last = r.ivr_rss_steady()
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items()))
    print()
    print("| figure | value |")
    print("|---|---:|")
    print(f"| arrival rate | {r.rate:.3f} calls/s for {r.minutes:g} min |")
    print(f"| calls placed (sipp) | {r.sipp.placed} |")
    print(f"| failed (sipp) | {r.sipp.placed - r.sipp.successful} |")
    print(f"| call records written | {r.records} |")
    print(f"| complete records (agent + survey, answered) | {r.complete} |")
    print(f"| failed calls (either view) | {r.failed} |")
    print(f"| outcomes | {outcomes} |")
    print(f"| IVR RSS median after warm-up → last, MB | {median:.0f} → {last:.0f} |")
    print(f"| IVR fds before → after | {r.before.ivr_fds} → {r.after.ivr_fds} |")
    print(f"| IVR threads before → after | {r.before.ivr_threads} → {r.after.ivr_threads} |")
    print(
        f"| Asterisk RSS before → after, MB | {r.before.asterisk_rss_mb:.0f} → "
        f"{r.after.asterisk_rss_mb:.0f} |"
    )
    print(f"| Asterisk fds before → after | {r.before.asterisk_fds} → {r.after.asterisk_fds} |")
    verdict = (
        r.failed == 0
        and r.records == r.sipp.placed
        and "(none)" not in r.outcomes
        and r.memory_flat()
        and r.fds_flat()
    )
    print(
        f"\nsoak {'PASSED' if verdict else 'FAILED'}: 0 failed calls, every placed call recorded "
        "with an outcome, flat memory and descriptors"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--factor", type=float, default=5.0, help="times the city's peak rate")
    parser.add_argument("--sample", type=float, default=15.0, help="seconds between samples")
    args = parser.parse_args(argv)
    rate = city_peak_rate() * args.factor
    print(
        f"city peak {city_peak_rate():.3f} calls/s; soaking at {rate:.3f} calls/s "
        f"(x{args.factor:g}) for {args.minutes:g} min",
        flush=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    try:
        with running_stack(folder) as bench:
            print_sample_header()
            print_summary(soak(bench, rate, args.minutes, args.sample))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
