"""Database benchmark: request creation rate and citizen-history lookups, SQLite vs PostgreSQL.

    python -m bench.database [--engines sqlite,postgresql] [--requests 1000000] ...

For each engine: a fresh database (a temporary SQLite file; a throwaway PostgreSQL server started
with ``tests.fixtures.postgres.PostgresServer``), migrated and seeded; demo data loaded with
``central156 demo-data``'s generator (timed); then requests opened through
``services.requests.open_request``, one per transaction, by one writer and by N concurrent
writers (threads); then the history of random callers, found by phone as the IVR and the desktop
do it (``find_citizens_by_phone`` + ``citizen_history``). Prints one table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from citizen_center import migrate
from citizen_center.db import Database
from citizen_center.demo_data import generate
from citizen_center.models import CitizenPhone
from citizen_center.services import citizens, requests
from citizen_center.services.common import DEFAULT_POLICY, Actor
from tests.fixtures.postgres import PostgresServer

ACTOR = Actor.system("bench")


@dataclass
class Result:
    engine: str
    generation_seconds: float = 0.0
    single_rate: float = 0.0
    concurrent_rate: float = 0.0
    lookup_ms: list[float] = field(default_factory=list)


@contextmanager
def database_for(engine: str, workdir: Path) -> Iterator[Database]:
    """A migrated, seeded, empty database on ``engine``; removed afterwards."""
    if engine == "sqlite":
        database = Database.from_url(f"sqlite:///{workdir / 'bench.sqlite3'}")
        try:
            migrate.upgrade_and_seed(database)
            yield database
        finally:
            database.dispose()
        return
    # The server makes its own folder: the postgres user cannot enter root's private workdir.
    with PostgresServer() as server:
        database = Database.from_url(server.create_database("bench"))
        try:
            migrate.upgrade_and_seed(database)
            yield database
        finally:
            database.dispose()


def _open_one(database: Database, citizen_id: int, rng: random.Random) -> None:
    with database.transaction() as session:
        requests.open_request(
            session,
            service_code="AGUA-VAZAMENTO",
            channel="phone",
            actor=ACTOR,
            citizen_id=citizen_id,
            description="Vazamento na calçada.",
            address=citizens.AddressInput(
                street="Avenida Ipiranga",
                neighbourhood="Azenha",
                house_number=str(rng.randrange(1, 9000)),
            ),
        )


def _a_citizen(database: Database) -> int:
    with database.transaction() as session:
        citizen = citizens.register_citizen(
            session, citizens.CitizenInput(name="Bench Cidadão", phones=["51999990000"]), ACTOR
        )
        return citizen.id


def writes_per_second(database: Database, writers: int, per_writer: int) -> float:
    """Requests opened per second by ``writers`` threads, each ``per_writer`` transactions."""
    citizen_id = _a_citizen(database)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(per_writer):
                _open_one(database, citizen_id, rng)
        except BaseException as exc:  # reported after the run; a silent thread would lie
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} writer(s) failed: {errors[0]!r}") from errors[0]
    return writers * per_writer / elapsed


def history_lookup_ms(database: Database, lookups: int, seed: int) -> list[float]:
    """Milliseconds to find the citizens behind a phone and read their history, per lookup."""
    with database.transaction() as session:
        total = session.scalar(select(func.count()).select_from(CitizenPhone)) or 0
        rng = random.Random(seed)
        offsets = [rng.randrange(total) for _ in range(min(lookups, total))]
        by_position = select(CitizenPhone.e164).order_by(CitizenPhone.id).limit(1)
        phones = [session.scalar(by_position.offset(o)) for o in offsets]
    timings = []
    for phone in phones:
        assert phone is not None
        start = time.perf_counter()
        with database.transaction() as session:
            for citizen in citizens.find_citizens_by_phone(session, phone, ACTOR):
                citizens.citizen_history(session, citizen.id, ACTOR)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_engine(engine: str, options: argparse.Namespace) -> Result:
    result = Result(engine)
    with (
        tempfile.TemporaryDirectory(prefix="c156-bench-") as folder,
        database_for(engine, Path(folder)) as database,
    ):
        print(
            f"[{engine}] loading demo data: {options.citizens:,} citizens, "
            f"{options.requests:,} requests, {options.calls:,} calls",
            flush=True,
        )
        result.generation_seconds = timed(
            lambda: generate(
                database,
                citizens=options.citizens,
                requests=options.requests,
                calls=options.calls,
                seed=156,
                policy=DEFAULT_POLICY,
                progress=not options.quiet,
            )
        )
        print(f"[{engine}] writers", flush=True)
        result.single_rate = writes_per_second(database, 1, options.single)
        result.concurrent_rate = writes_per_second(database, options.writers, options.per_writer)
        print(f"[{engine}] history lookups", flush=True)
        result.lookup_ms = history_lookup_ms(database, options.lookups, seed=7)
    return result


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def table(results: list[Result], options: argparse.Namespace) -> str:
    header = f"{'':44}" + "".join(f"{r.engine:>14}" for r in results)
    rows = [
        (
            f"demo data load (s, {options.requests:,} requests)",
            [f"{r.generation_seconds:.1f}" for r in results],
        ),
        ("requests/s, 1 writer", [f"{r.single_rate:.0f}" for r in results]),
        (
            f"requests/s, {options.writers} writers x {options.per_writer}",
            [f"{r.concurrent_rate:.0f}" for r in results],
        ),
        (
            f"history by phone p50 (ms, {len(results[0].lookup_ms)} lookups)",
            [f"{statistics.median(r.lookup_ms):.1f}" for r in results],
        ),
        ("history by phone p95 (ms)", [f"{percentile(r.lookup_ms, 0.95):.1f}" for r in results]),
        ("history by phone max (ms)", [f"{max(r.lookup_ms):.1f}" for r in results]),
    ]
    lines = [header, "-" * len(header)]
    lines += [f"{label:44}" + "".join(f"{v:>14}" for v in values) for label, values in rows]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.database", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--engines",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default: both)",
    )
    parser.add_argument("--citizens", type=int, default=300_000)
    parser.add_argument(
        "--requests",
        type=int,
        default=1_000_000,
        help="requests in the database before measuring (default 1,000,000)",
    )
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--single", type=int, default=1000, help="requests by the single writer")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--per-writer", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    options = parser.parse_args(argv)
    options.engines = [e.strip() for e in options.engines.split(",") if e.strip()]
    unknown = set(options.engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    if options.citizens < 1:
        parser.error("--citizens must be at least 1 (lookups need phones)")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    results = [run_engine(engine, options) for engine in options.engines]
    print()
    print(table(results, options))


if __name__ == "__main__":
    main()
