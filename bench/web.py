"""Web benchmark: Open311 POSTs per second and GET latency on 1 M requests, SQLite and PostgreSQL.

    python -m bench.web [--engines sqlite,postgresql] [--requests 1000000] [--workers 1,2] ...

For each engine: a fresh database (a temporary SQLite file; a throwaway PostgreSQL server started
with ``tests.fixtures.postgres.PostgresServer``), migrated and seeded; demo data loaded with
``central156 demo-data``'s generator (timed), then ANALYZE (autovacuum's job on a live server);
an API client created with ``services.api_clients`` (its key, as ``central156 api-client add``
gives it). Then, for each ``--workers`` count, the production server is started as production
runs it — ``central156 web serve`` in its own process, ``[web] workers`` uvicorn workers — and
driven over HTTP by ``--clients`` concurrent clients from this process, each opening a new
connection every ``--reconnect-every`` requests (``bench.loadgen``:
pre-built requests on raw asyncio sockets, so the generator takes little of the cores it shares
with the server; every answer's status is checked):

1. POST ``/open311/v2/requests.json`` (form-encoded: service, address, description, the
   reporter's name and phone, the service's required attributes, ``api_key``): requests/s;
2. GET ``/open311/v2/requests/{id}.json`` for random existing protocols: p50/p95/max;
3. GET ``/open311/v2/requests.json?service_code=..&page_size=50`` for random services: the same.

GETs are timed twice: one client at a time (the latency a citizen sees on a quiet server) and
``--clients`` at once (under load). The rate limits are lifted for the run (``[web]
post_rate_per_ip`` etc.): one machine plays every client. Prints one table.

``--keep-data DIR`` keeps each engine's loaded database in ``DIR`` and reuses it in later runs
(the load takes minutes; each run's POSTs stay in it).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

from bench import loadgen
from bench.cpu import tree_cpu_seconds
from citizen_center import migrate
from citizen_center.db import Database
from citizen_center.demo_data import generate
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel
from citizen_center.models import ServiceRequest
from citizen_center.services import api_clients
from citizen_center.services.common import DEFAULT_POLICY
from tests.fixtures.postgres import PostgresServer, free_port

API = "/open311/v2"
SERVER_START_SECONDS = 60.0
UNLIMITED = "1000000/minute"
LOADED = "loaded-seconds"  # in a --keep-data folder: the demo data is there, loaded in so long
STREETS = ("Avenida Ipiranga", "Rua da República", "Avenida Bento Gonçalves", "Rua Olavo Bilac")
NEIGHBOURHOODS = ("Azenha", "Cidade Baixa", "Partenon", "Santana")


@dataclass
class Timings:
    """One measured phase: how many requests, how long in all, each one's latency (ms)."""

    count: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[
            int(share * 100) - 1
        ]


@dataclass(frozen=True)
class CpuPerRequest:
    """CPU milliseconds per request during a phase, by the process that spent them."""

    web: float
    database: float
    generator: float


@dataclass
class Run:
    """One engine with one number of server processes."""

    engine: str
    workers: int
    posts: Timings
    post_cpu: CpuPerRequest | None
    one_quiet: Timings
    list_quiet: Timings
    one_loaded: Timings
    list_loaded: Timings


@dataclass
class EngineData:
    engine: str
    url: str
    load_seconds: float
    requests: int
    api_key: str
    numbers: list[str]  # random existing protocols, as the API shows them


# --------------------------------------------------------------------------- the database


class KeptPostgres(PostgresServer):
    """A PostgreSQL server whose data folder is ``folder`` and outlives the run (``--keep-data``):
    created the first time, started again on the same data afterwards, stopped but not removed."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        shutil.rmtree(self.dir, ignore_errors=True)  # the base class's temporary folder
        self.dir = folder
        self.data = folder / "data"

    def start(self) -> PostgresServer:
        if not (self.data / "PG_VERSION").exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            return super().start()
        self.resume()
        return self

    def stop(self) -> None:
        self.pause()


@contextmanager
def database_url_for(engine: str, workdir: Path, kept: Path | None) -> Iterator[str]:
    """The URL of a migrated, seeded database on ``engine``: a new one removed afterwards, or
    with ``kept`` the one in that folder (made the first time)."""
    if engine == "sqlite":
        url = f"sqlite:///{(kept or workdir) / 'bench.sqlite3'}"
        _migrate(url)
        yield url
        return
    server = KeptPostgres(kept / "postgresql") if kept else PostgresServer()
    with server:
        if kept is None or not (kept / LOADED).exists():
            server.drop_database("bench")  # an earlier run's, stopped before its data was in
            server.create_database("bench")
        url = server.url("bench")
        _migrate(url)
        yield url


def _migrate(url: str) -> None:
    database = Database.from_url(url)
    try:
        migrate.upgrade_and_seed(database)
    finally:
        database.dispose()


def load(engine: str, url: str, options: argparse.Namespace, kept: Path | None) -> EngineData:
    """Demo data (unless ``kept`` holds it already), the planner's statistics, an API client,
    and what the clients will ask for."""
    database = Database.from_url(url)
    marker = kept / LOADED if kept else None
    try:
        if marker is not None and marker.exists():
            load_seconds = float(marker.read_text())
            print(f"[{engine}] reusing the data in {kept} (loaded in {load_seconds:.0f} s)")
        else:
            load_seconds = _load_demo_data(engine, database, options)
            if marker is not None:
                marker.write_text(f"{load_seconds:.1f}")
        _analyze(database)
        with database.transaction() as session:
            # A new client each run: a kept database has the earlier runs' clients.
            name = f"bench {time.strftime('%Y-%m-%d %H:%M:%S')}"
            issued = api_clients.create_api_client(session, name, Channel.APP)
            total = session.scalar(select(func.count()).select_from(ServiceRequest)) or 0
            numbers = [
                format_protocol_number(n)
                for n in session.scalars(
                    select(ServiceRequest.number).order_by(func.random()).limit(options.gets)
                )
            ]
        return EngineData(engine, url, load_seconds, total, issued.key, numbers)
    finally:
        database.dispose()


def _load_demo_data(engine: str, database: Database, options: argparse.Namespace) -> float:
    """``demo-data``'s generator; its seconds."""
    print(
        f"[{engine}] loading demo data: {options.citizens:,} citizens, "
        f"{options.requests:,} requests",
        flush=True,
    )
    began = time.perf_counter()
    generate(
        database,
        citizens=options.citizens,
        requests=options.requests,
        calls=0,
        seed=156,
        policy=DEFAULT_POLICY,
        progress=not options.quiet,
    )
    return time.perf_counter() - began


def _analyze(database: Database) -> None:
    """What autovacuum (PostgreSQL) or ``PRAGMA optimize`` (SQLite) does on a live server."""
    if database.dialect == "postgresql":
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
        return
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:port
    pid: int  # the server's (its workers are its children)


@contextmanager
def web_server(
    data: EngineData, workers: int, workdir: Path, extra_env: dict[str, str]
) -> Iterator[Served]:
    """``central156 web serve`` on a free port with ``workers`` processes (and ``extra_env``,
    ``--server-env``'s settings)."""
    port = free_port()
    config = workdir / "central156.toml"
    config.write_text("")  # the defaults, whatever the developer's own file says
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL156_")}
        | {
            "CENTRAL156_CONFIG": str(config),
            "CENTRAL156_DATA_DIR": str(workdir / "data"),
            "CENTRAL156_DATABASE_URL": data.url,
            "CENTRAL156_WEB_PORT": str(port),
            "CENTRAL156_WEB_WORKERS": str(workers),
            "CENTRAL156_WEB_POST_RATE_PER_IP": UNLIMITED,
            "CENTRAL156_WEB_POST_RATE_PER_KEY": UNLIMITED,
            "CENTRAL156_WEB_GET_RATE_PER_IP": UNLIMITED,
        }
        | extra_env
    )
    log = workdir / f"web-{data.engine}-{workers}.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "citizen_center", "web", "serve"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server, log)
        yield Served(base, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the web server did not start; its log: {log.read_text()[-2000:]}")


# --------------------------------------------------------------------------- the clients


def post_forms(base: str, api_key: str) -> tuple[list[dict[str, str]], list[str]]:
    """One POST body per active service with an address, its required attributes answered
    (the first value offered), read from the API itself as an app would; and every code."""
    services = httpx.get(f"{base}{API}/services.json", timeout=30).json()
    forms, codes = [], []
    for service in services:
        code = service["service_code"]
        codes.append(code)
        definition = httpx.get(f"{base}{API}/services/{code}.json", timeout=30).json()
        form = {"api_key": api_key, "service_code": code}
        for attribute in definition["attributes"]:
            if attribute["required"]:
                values = attribute.get("values") or [{"key": "sim"}]
                form[f"attribute[{attribute['code']}]"] = values[0]["key"]
        forms.append(form)
    return forms, codes


def a_post(forms: list[dict[str, str]], rng: random.Random) -> dict[str, str]:
    street, neighbourhood = rng.choice(STREETS), rng.choice(NEIGHBOURHOODS)
    return rng.choice(forms) | {
        "address_string": f"{street}, {rng.randrange(1, 5000)} - {neighbourhood}",
        "description": "Solicitação do teste de carga: favor desconsiderar.",
        "first_name": "Cidadã",
        "last_name": "Teste",
        "phone": f"5198{rng.randrange(10**7):07d}",
        "lat": f"{-30.03 - rng.random() / 20:.6f}",
        "long": f"{-51.21 - rng.random() / 20:.6f}",
    }


def timed(result: loadgen.Result) -> Timings:
    return Timings(len(result.latencies_ms), result.seconds, result.latencies_ms)


def _created(body: bytes) -> bool:
    """A POST's answer names the new protocol (a 200 without one would be a silent failure)."""
    return b'"service_request_id":"' in body


def database_server_pid(url: str) -> int | None:
    """PostgreSQL's postmaster (its backends' parent); None on SQLite (in the web workers)."""
    if not url.startswith("postgresql"):
        return None
    database = Database.from_url(url)
    try:
        with database.engine.connect() as connection:
            backend: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    finally:
        database.dispose()


def posts_with_cpu(
    served: Served,
    database_pid: int | None,
    posts: list[loadgen.Prepared],
    clients: int,
    reconnect_every: int,
) -> tuple[Timings, CpuPerRequest]:
    """The POST phase, with the CPU each side spent on it (from ``/proc``)."""

    def spent() -> tuple[float, float, float]:
        database = tree_cpu_seconds(database_pid) if database_pid else 0.0
        return tree_cpu_seconds(served.pid), database, time.process_time()

    before = spent()
    posted = timed(
        loadgen.run(served.base, posts, clients, check=_created, reconnect_every=reconnect_every)
    )
    after = spent()
    web, database, generator = (
        1000 * (a - b) / len(posts) for a, b in zip(after, before, strict=True)
    )
    return posted, CpuPerRequest(web, database, generator)


def measure(data: EngineData, workers: int, options: argparse.Namespace, workdir: Path) -> Run:
    with web_server(data, workers, workdir, options.server_env) as served:
        base = served.base
        forms, codes = post_forms(base, data.api_key)
        rng = random.Random(workers)
        host = base.removeprefix("http://")
        posts = [
            loadgen.post_form(host, f"{API}/requests.json", a_post(forms, rng))
            for _ in range(options.posts)
        ]
        ones = [
            loadgen.get(host, f"{API}/requests/{data.numbers[n % len(data.numbers)]}.json")
            for n in range(options.gets)
        ]
        lists = [
            loadgen.get(
                host, f"{API}/requests.json", {"service_code": rng.choice(codes), "page_size": "50"}
            )
            for _ in range(options.gets)
        ]
        clients = options.clients
        label = f"[{data.engine}, {workers} worker(s)]"
        print(f"{label} warming up", flush=True)
        loadgen.run(base, ones[:200] + lists[:200], clients)
        print(f"{label} {options.posts:,} POSTs from {clients} clients", flush=True)
        recycle = options.reconnect_every
        posted, cpu = posts_with_cpu(served, database_server_pid(data.url), posts, clients, recycle)
        if options.posts_only:
            return Run(data.engine, workers, posted, cpu, *(Timings() for _ in range(4)))
        print(f"{label} GETs, one client, then {clients}", flush=True)
        return Run(
            data.engine,
            workers,
            posts=posted,
            post_cpu=cpu,
            one_quiet=timed(loadgen.run(base, ones, 1)),
            list_quiet=timed(loadgen.run(base, lists, 1)),
            one_loaded=timed(loadgen.run(base, ones, clients, reconnect_every=recycle)),
            list_loaded=timed(loadgen.run(base, lists, clients, reconnect_every=recycle)),
        )


# --------------------------------------------------------------------------- the table


def table(loads: list[EngineData], runs: list[Run], options: argparse.Namespace) -> str:
    width = 46
    header = f"{'':{width}}" + "".join(f"{f'{r.engine} x{r.workers}':>16}" for r in runs)
    seconds = {d.engine: d.load_seconds for d in loads}
    sizes = {d.engine: d.requests for d in loads}
    clients = options.clients

    def latency(pick: Callable[[Run], Timings], share: float | None) -> list[str]:
        return [
            "-"
            if not pick(r).latencies_ms
            else f"{pick(r).percentile(share) if share else max(pick(r).latencies_ms):.1f}"
            for r in runs
        ]

    def rate(pick: Callable[[Run], Timings]) -> list[str]:
        return [f"{pick(r).rate:.0f}" if pick(r).count else "-" for r in runs]

    def cpu(pick: Callable[[CpuPerRequest], float]) -> list[str]:
        return [f"{pick(r.post_cpu):.1f}" if r.post_cpu else "-" for r in runs]

    rows = [
        ("requests in the database before", [f"{sizes[r.engine]:,}" for r in runs]),
        ("demo data load (s)", [f"{seconds[r.engine]:.0f}" for r in runs]),
        (f"POST requests/s ({clients} clients)", [f"{r.posts.rate:.0f}" for r in runs]),
        ("POST p95 (ms)", latency(lambda r: r.posts, 0.95)),
        ("CPU per POST: web server (ms)", cpu(lambda c: c.web)),
        ("CPU per POST: PostgreSQL (ms)", cpu(lambda c: c.database)),
        ("CPU per POST: load generator (ms)", cpu(lambda c: c.generator)),
        ("GET one p50 (ms, 1 client)", latency(lambda r: r.one_quiet, 0.50)),
        ("GET one p95 (ms, 1 client)", latency(lambda r: r.one_quiet, 0.95)),
        ("GET list of 50 p50 (ms, 1 client)", latency(lambda r: r.list_quiet, 0.50)),
        ("GET list of 50 p95 (ms, 1 client)", latency(lambda r: r.list_quiet, 0.95)),
        (f"GET one p95 (ms, {clients} clients)", latency(lambda r: r.one_loaded, 0.95)),
        (f"GET one/s ({clients} clients)", rate(lambda r: r.one_loaded)),
        (f"GET list p95 (ms, {clients} clients)", latency(lambda r: r.list_loaded, 0.95)),
        (f"GET list/s ({clients} clients)", rate(lambda r: r.list_loaded)),
    ]
    lines = [header, "-" * len(header)]
    lines += [f"{label:{width}}" + "".join(f"{v:>16}" for v in values) for label, values in rows]
    return "\n".join(lines)


def run_engine(engine: str, options: argparse.Namespace) -> tuple[EngineData, list[Run]]:
    kept = options.keep_data / f"{engine}-{options.requests}" if options.keep_data else None
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="c156-bench-web-") as folder,
        database_url_for(engine, Path(folder), kept) as url,
    ):
        data = load(engine, url, options, kept)
        runs = [measure(data, workers, options, Path(folder)) for workers in options.workers]
    return data, runs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.web", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument(
        "--requests",
        type=int,
        default=1_000_000,
        help="requests in the database before measuring (default 1,000,000)",
    )
    parser.add_argument(
        "--workers", default="1,2", help="server processes to try, comma-separated (default 1,2)"
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument(
        "--reconnect-every",
        type=int,
        default=50,
        metavar="N",
        help="requests a client sends on one connection before it opens another, as a "
        "proxy's pool recycles them (default 50; 0: never, see bench/README.md)",
    )
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--gets", type=int, default=1000, help="GETs of each kind and phase")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--posts-only", action="store_true", help="measure the POSTs alone (no GET phases)"
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server, e.g. CENTRAL156_WEB_WORKERS=3 (repeatable)",
    )
    parser.add_argument(
        "--keep-data",
        type=Path,
        default=None,
        help="keep the loaded databases in this folder and reuse them in later runs "
        "(each run's POSTs stay in them)",
    )
    options = parser.parse_args(argv)
    options.engines = [e.strip() for e in options.engines.split(",") if e.strip()]
    unknown = set(options.engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    try:
        options.workers = [int(w) for w in options.workers.split(",") if w.strip()]
    except ValueError:
        parser.error("--workers: whole numbers, comma-separated")
    try:
        options.server_env = dict(item.split("=", 1) for item in options.server_env)
    except ValueError:
        parser.error("--server-env: NAME=VALUE")
    if not options.workers or min(options.workers) < 1:
        parser.error("--workers: at least one count, each 1 or more")
    if options.requests < 1 or options.gets < 2 or options.posts < 2 or options.clients < 1:
        parser.error("--requests, --posts, --gets and --clients must be positive")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    loads, runs = [], []
    for engine in options.engines:
        data, engine_runs = run_engine(engine, options)
        loads.append(data)
        runs += engine_runs
    print()
    print(table(loads, runs, options))


if __name__ == "__main__":
    main()
