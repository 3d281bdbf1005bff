"""Reports benchmark: every supervisor report over 12 months of city-scale data, on PostgreSQL.

    python -m bench.reports [--requests 1300000] [--calls 660000] [--citizens 300000] ...

A throwaway PostgreSQL server (``tests.fixtures.postgres.PostgresServer``), migrated and seeded;
demo data from ``central156 demo-data``'s generator (calls with their queue facts, requests,
surveys; timed), then ``VACUUM ANALYZE`` (what autovacuum does on a live server), then each report
over the last 12 months, ``--repeat`` times. Prints one table: rows returned, the best and the
median time, and whether the median meets the target (1 s by default).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citizen_center import migrate
from citizen_center.catalogue import shipped_catalogue
from citizen_center.db import Database
from citizen_center.demo_data import generate
from citizen_center.models import QueueCall, ServiceRequest, SurveyResponse
from citizen_center.services import reports
from citizen_center.services.catalogue import load_catalogue
from citizen_center.services.common import DEFAULT_POLICY
from citizen_center.services.reports import (
    CallDimension,
    Period,
    ReportOptions,
    SatisfactionDimension,
)
from tests.fixtures.postgres import PostgresServer

Report = Callable[[Session, Period, ReportOptions], Sized]


def _calls(dimension: CallDimension) -> Report:
    return lambda s, p, o: reports.call_stats(s, p, dimension, o)


def _satisfaction(dimension: SatisfactionDimension) -> Report:
    return lambda s, p, o: reports.satisfaction(s, p, dimension, o)


REPORTS: dict[str, Report] = {
    **{f"calls by {d.value}": _calls(d) for d in CallDimension},
    "agent pauses": lambda s, p, o: reports.pause_stats(s, p),
    **{f"satisfaction by {d.value}": _satisfaction(d) for d in SatisfactionDimension},
    "channel mix by month": lambda s, p, o: reports.channel_mix(s, p, o),
    "late by secretariat+service": lambda s, p, o: reports.late_requests(s),
    "late by secretariat": lambda s, p, o: reports.late_requests(s, by_service=False),
    "reopened by secretariat": lambda s, p, o: reports.reopened_by_secretariat(s, p),
}


@dataclass
class Timing:
    name: str
    rows: int
    seconds: list[float]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_reports(database: Database, repeat: int) -> list[Timing]:
    options = ReportOptions(timezone=DEFAULT_POLICY.settings.timezone)
    period = Period.last_months(12, options.timezone)
    timings = []
    for name, report in REPORTS.items():
        seconds, rows = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            with database.transaction() as session:
                rows = len(report(session, period, options))
            seconds.append(time.perf_counter() - start)
        timings.append(Timing(name, rows, seconds))
        print(f"  {name}: {timings[-1].median * 1000:.0f} ms", flush=True)
    return timings


def volumes(database: Database) -> str:
    with database.transaction() as session:
        counts = {
            label: session.scalar(select(func.count()).select_from(model)) or 0
            for label, model in (
                ("requests", ServiceRequest),
                ("queue calls", QueueCall),
                ("survey responses", SurveyResponse),
            )
        }
    return ", ".join(f"{v:,} {k}" for k, v in counts.items())


def table(timings: list[Timing], target: float) -> str:
    header = (
        f"{'report (12 months, PostgreSQL)':34}{'rows':>7}{'best ms':>10}{'median ms':>11}  target"
    )
    lines = [header, "-" * len(header)]
    for t in timings:
        verdict = "ok" if t.median < target else "MISSED"
        lines.append(
            f"{t.name:34}{t.rows:>7}{t.best * 1000:>10.0f}{t.median * 1000:>11.0f}  {verdict}"
        )
    return "\n".join(lines)


def vacuum_analyze(server: PostgresServer, dbname: str) -> None:
    with psycopg.connect(server.dsn(dbname), autocommit=True) as connection:
        connection.execute(b"VACUUM ANALYZE")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--citizens", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=1_300_000)
    parser.add_argument("--calls", type=int, default=660_000)
    parser.add_argument(
        "--survey-share",
        type=float,
        default=0.21,
        help="share of answered calls surveyed (0.21: about 120,000 a year)",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--target", type=float, default=1.0, help="seconds per report")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    with PostgresServer() as server:
        database = Database.from_url(server.create_database("bench_reports"))
        try:
            migrate.upgrade(database.engine)
            with database.transaction() as session:
                load_catalogue(session, shipped_catalogue())
            print(
                f"generating {options.citizens:,} citizens, {options.requests:,} requests, "
                f"{options.calls:,} calls",
                flush=True,
            )
            start = time.perf_counter()
            generate(
                database,
                citizens=options.citizens,
                requests=options.requests,
                calls=options.calls,
                seed=156,
                policy=DEFAULT_POLICY,
                progress=not options.quiet,
                survey_share=options.survey_share,
            )
            generated = time.perf_counter() - start
            vacuum_analyze(server, "bench_reports")
            print(f"generated in {generated:.0f} s: {volumes(database)}", flush=True)
            timings = time_reports(database, options.repeat)
        finally:
            database.dispose()
    print()
    print(table(timings, options.target))


if __name__ == "__main__":
    main()
