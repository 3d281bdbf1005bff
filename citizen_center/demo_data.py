"""Realistic synthetic data for demos and benchmarks (``central156 demo-data``).

Citizens with Brazilian names, valid CPFs and Porto Alegre phones and addresses; requests over
the past twelve months following the real weekly demand mix and channel mix, with statuses
that fit their age (and a share of late ones); calls with their IVR path, queue, agent, wrap-up
and outcome; satisfaction surveys. Deadlines come from the real deadline code and protocol
numbers are reserved from the real counter, so data generated here behaves like production data
and later real requests never collide with it.

Speed matters (a million requests in minutes), so rows are built as plain tuples and written
through ``citizen_center.bulk`` (driver executemany on SQLite, COPY on PostgreSQL), in chunks
that bound the memory used. A run is one transaction: it completes, or (an error, Ctrl-C, a
killed process) leaves the database as it was. One transaction costs nothing measurable at the
default sizes and keeps large runs as fast as committing chunk by chunk (see ``generate``).

Demo data is for demo and test databases only. A database is recognised as one by the demo
supervisor ``DEMO_MARKER_USER``, which every run creates first (in the same transaction): a
database that already holds citizens, requests or calls but not that user holds real data, and
``generate`` refuses it unless forced, so synthetic citizens never mix with real ones by mistake.
"""

from __future__ import annotations

import bisect
import random
import time
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from citizen_center import demo_names as names
from citizen_center.bulk import BulkWriter
from citizen_center.db import Database
from citizen_center.domain.calendar import holidays
from citizen_center.domain.deadlines import Deadline, expected_at
from citizen_center.domain.identifiers import complete_cpf
from citizen_center.domain.outcomes import CallOutcome, QueueOutcome
from citizen_center.domain.protocol import make_protocol_number
from citizen_center.domain.workflow import PENDING, Role, Status
from citizen_center.errors import CitizenCenterError
from citizen_center.models import (
    Call,
    CallRequest,
    CallStep,
    Citizen,
    CitizenAddress,
    CitizenPhone,
    FocalPoint,
    QueueCall,
    RequestEvent,
    Secretariat,
    ServiceRequest,
    ServiceType,
    SurveyResponse,
    User,
)
from citizen_center.services.common import Policy
from citizen_center.services.requests import deadline_of, reserve_protocol_sequences
from citizen_center.services.users import create_user

DEMO_PASSWORD = "demo-156-senha"
# The user whose presence marks a database as a demo one (see the module docstring).
DEMO_MARKER_USER = "supervisor.demo"
AGENT_COUNT = 8
WINDOW_DAYS = 365
CHUNK = 20_000
HOUR = 3600.0
DAY = 86400.0


# The most one run generates: ten times the benchmark's sizes, minutes of work and a few GB.
# Beyond, memory (plans and indexes are kept for the whole run) and time run away.
MAX_CITIZENS = 3_000_000
MAX_REQUESTS = 10_000_000
MAX_CALLS = 5_000_000


class DemoDataError(CitizenCenterError):
    """The database is not ready for demo data (e.g. the catalogue is not seeded)."""


class Transactions(Protocol):
    """Where the phases get their session: ``Database``, or ``_OneTransaction`` in a run."""

    def transaction(self) -> AbstractContextManager[Session]: ...


class _OneTransaction:
    """Every ``transaction()`` is the run's own session: the phases keep their shape, and the
    run commits once, at the end, or not at all."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        yield self.session


# --- what the generator needs to know about the database ------------------------------------


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    code: str
    name: str
    group: str
    queue: str
    keywords: tuple[str, ...]
    secretariat_id: int
    secretariat_code: str
    deadline: Deadline
    requires_address: bool
    allows_anonymous: bool


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    username: str
    interface: str = ""


@dataclass(frozen=True)
class Staff:
    agents: tuple[StaffMember, ...]
    # By secretariat id: the user acting for its focal point (who moves requests along).
    focal_users: dict[int, StaffMember]
    created: int


@dataclass(frozen=True)
class Catalogue:
    services: tuple[ServiceInfo, ...]
    weights: tuple[float, ...]
    focal_points: dict[int, tuple[int, str]]  # secretariat id -> (focal point id, name)


def _load_catalogue(session: Session, policy: Policy) -> Catalogue:
    rows = session.execute(
        select(ServiceType, Secretariat.code)
        .join(Secretariat, ServiceType.secretariat_id == Secretariat.id)
        .where(ServiceType.active)
        .order_by(ServiceType.id)
    ).all()
    if not rows:
        raise DemoDataError(
            "The service catalogue is empty: run `central156 db upgrade` and `central156 db seed` "
            "before generating demo data."
        )
    services = tuple(
        ServiceInfo(
            id=s.id,
            code=s.code,
            name=s.name,
            group=s.group_name,
            queue=s.queue,
            keywords=tuple(s.keywords or (s.name.lower(),)),
            secretariat_id=s.secretariat_id,
            secretariat_code=code,
            deadline=deadline_of(s, policy),
            requires_address=s.requires_address,
            allows_anonymous=s.allows_anonymous,
        )
        for s, code in rows
    )
    focal_points = {
        fp.secretariat_id: (fp.id, fp.name)
        for fp in session.scalars(select(FocalPoint).where(FocalPoint.is_primary))
    }
    weights = tuple(
        names.SERVICE_WEIGHTS.get(s.code, names.UNLISTED_SERVICE_WEIGHT) for s in services
    )
    return Catalogue(services, weights, focal_points)


def _ensure_demo_users(session: Session, catalogue: Catalogue) -> Staff:
    """Agents, a supervisor and one user per secretariat's focal point, created only if missing.

    Password hashing (argon2) is deliberately slow, so this stays a handful of users.
    """
    rows = session.execute(select(Secretariat.id, Secretariat.code))
    secretariats = {secretariat_id: code for secretariat_id, code in rows}
    wanted: list[dict[str, Any]] = [
        {
            "username": f"agente{n:02d}",
            "full_name": f"Agente Demo {n:02d}",
            "role": Role.AGENT,
            "phone_interface": f"PJSIP/agent-{2000 + n}",
        }
        for n in range(1, AGENT_COUNT + 1)
    ]
    wanted.append(
        {"username": "supervisor.demo", "full_name": "Supervisora Demo", "role": Role.SUPERVISOR}
    )
    wanted += [
        {
            "username": f"pf.{code.lower()}",
            "full_name": f"Ponto focal {code}",
            "role": Role.FOCAL_POINT,
            "secretariat_code": code,
        }
        for code in sorted(secretariats.values())
    ]
    existing = {
        u.username: u
        for u in session.scalars(
            select(User).where(User.username.in_([w["username"] for w in wanted]))
        )
    }
    created = 0
    for spec in wanted:
        if spec["username"] not in existing:
            existing[spec["username"]] = create_user(session, password=DEMO_PASSWORD, **spec)
            created += 1
    _link_focal_point_users(session, existing)
    agents = tuple(
        StaffMember(u.id, u.username, u.phone_interface)
        for u in existing.values()
        if u.role is Role.AGENT
    )
    focal_users = {
        u.secretariat_id: StaffMember(u.id, u.username)
        for u in existing.values()
        if u.role is Role.FOCAL_POINT and u.secretariat_id is not None
    }
    return Staff(agents, focal_users, created)


def _link_focal_point_users(session: Session, users: dict[str, User]) -> None:
    # Give each primary focal point without a login the demo focal-point user of its secretariat.
    by_secretariat = {u.secretariat_id: u.id for u in users.values() if u.role is Role.FOCAL_POINT}
    unlinked = select(FocalPoint).where(FocalPoint.is_primary, FocalPoint.user_id.is_(None))
    for fp in session.scalars(unlinked):
        fp.user_id = by_secretariat.get(fp.secretariat_id)


# --- time: when contacts happen ---------------------------------------------------------------


class Timeline:
    """Samples moments over the past year with the line's day-of-week, holiday and hour profile."""

    def __init__(self, now: float, tz: ZoneInfo, days: int = WINDOW_DAYS) -> None:
        self.now = now
        self.tz = tz
        self.start = now - days * DAY
        first_day = datetime.fromtimestamp(self.start, tz).date()
        self.slots: list[float] = []
        cumulative: list[float] = []
        total = 0.0
        for offset in range(days + 1):
            day = first_day + timedelta(days=offset)
            day_weight = self._day_weight(day)
            for hour, hour_weight in enumerate(names.HOURLY_WEIGHTS):
                slot = datetime(day.year, day.month, day.day, hour, tzinfo=tz).timestamp()
                if self.start <= slot and slot + HOUR <= now:
                    total += day_weight * hour_weight
                    self.slots.append(slot)
                    cumulative.append(total)
        self.cumulative = cumulative

    @staticmethod
    def _day_weight(day: date) -> float:
        if day in holidays(day.year):
            return names.HOLIDAY_WEIGHT
        return names.WEEKDAY_WEIGHTS[day.weekday()]

    def sample(self, rng: random.Random, count: int) -> list[float]:
        starts = rng.choices(self.slots, cum_weights=self.cumulative, k=count)
        return [s + rng.random() * HOUR for s in starts]


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# --- citizens -----------------------------------------------------------------------------------


class WeightedPicker:
    """``random.choices`` with the cumulative weights computed once."""

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    @classmethod
    def of(cls, weighted: dict[str, float]) -> WeightedPicker:
        return cls(list(weighted), list(weighted.values()))

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


FIRST = WeightedPicker.of(names.FIRST_NAMES)
LAST = WeightedPicker.of(names.SURNAMES)


def _person_name(rng: random.Random) -> str:
    parts = [FIRST.pick(rng)]
    if rng.random() < 0.25:
        parts.append(FIRST.pick(rng))
    parts.append(LAST.pick(rng))
    if rng.random() < 0.6:
        parts.append(LAST.pick(rng))
    return " ".join(dict.fromkeys(parts))  # no "da Silva da Silva"


def _email(rng: random.Random, name: str, citizen_id: int) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in ascii_name.split() if len(w) > 2]
    domain = rng.choice(("gmail.com", "gmail.com", "hotmail.com", "yahoo.com.br", "terra.com.br"))
    return f"{words[0]}.{words[-1]}{citizen_id % 1000}@{domain}"


def _mobile(rng: random.Random) -> str:
    # Mobiles in area 51: 9 followed by eight digits, the first of them 8 or 9 in practice.
    return f"+55519{rng.choice('89')}{rng.randrange(10**7):07d}"


def _landline(rng: random.Random) -> str:
    # Porto Alegre landlines start with 3.
    return f"+55513{rng.randrange(10**7):07d}"


class CpfFactory:
    """Valid, unique CPFs (unique also against the ones already in the database)."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def new(self, rng: random.Random) -> str:
        while True:
            cpf = complete_cpf(f"{rng.randrange(1, 10**9 - 1):09d}")
            if cpf not in self.taken and cpf != cpf[0] * 11:
                self.taken.add(cpf)
                return cpf


def _random_address(rng: random.Random) -> tuple[str, str, str, str]:
    complement = rng.choice(names.COMPLEMENTS) if rng.random() < 0.3 else ""
    return (
        rng.choice(names.STREETS),
        str(rng.randrange(10, 4500)),
        complement,
        rng.choice(names.NEIGHBOURHOODS),
    )


@dataclass
class CitizenPool:
    """The citizens requests and calls are attributed to: their ids and one phone each."""

    ids: array[int] = field(default_factory=lambda: array("q"))
    phones: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def pick(self, rng: random.Random) -> int:
        """An index into the pool; some citizens contact the city far more often than others."""
        return int(len(self.ids) * rng.random() ** 1.6)


CITIZEN_COLUMNS = ("id", "name", "cpf", "email", "created_at", "updated_at")
PHONE_COLUMNS = ("id", "citizen_id", "e164", "label")
ADDRESS_COLUMNS = (
    "id",
    "citizen_id",
    "street",
    "house_number",
    "complement",
    "neighbourhood",
    "city",
    "zipcode",
    "reference",
)


class Tables:
    citizen: Table = Citizen.__table__  # type: ignore[assignment]
    phone: Table = CitizenPhone.__table__  # type: ignore[assignment]
    address: Table = CitizenAddress.__table__  # type: ignore[assignment]
    request: Table = ServiceRequest.__table__  # type: ignore[assignment]
    event: Table = RequestEvent.__table__  # type: ignore[assignment]
    call: Table = Call.__table__  # type: ignore[assignment]
    step: Table = CallStep.__table__  # type: ignore[assignment]
    link: Table = CallRequest.__table__  # type: ignore[assignment]
    survey: Table = SurveyResponse.__table__  # type: ignore[assignment]
    queue_call: Table = QueueCall.__table__  # type: ignore[assignment]


class Ids:
    """Precomputed primary keys, so rows can point at each other before they are written."""

    def __init__(self, session: Session, tables: Sequence[Table]) -> None:
        writer = BulkWriter(session)
        self._next = {t.name: writer.next_id(t) for t in tables}

    def take(self, table: Table) -> int:
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


def _chunks(total: int, size: int = CHUNK) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def _bar(total: int, label: str, progress: bool) -> tqdm[Any]:
    return tqdm(
        total=total,
        desc=f"{label:<10}",
        unit=" rows",
        unit_scale=True,
        disable=not progress,
        leave=True,
        dynamic_ncols=True,
    )


def _generate_citizens(
    database: Transactions, rng: random.Random, count: int, now: float, progress: bool
) -> CitizenPool:
    pool = CitizenPool()
    with database.transaction() as session:
        taken = set(session.scalars(select(Citizen.cpf).where(Citizen.cpf.is_not(None))))
        ids = Ids(session, (Tables.citizen, Tables.phone, Tables.address))
    cpfs = CpfFactory({c for c in taken if c})
    last_landline = ""
    with _bar(count, "citizens", progress) as bar:
        for chunk in _chunks(count):
            citizens, phones, addresses = [], [], []
            for _ in chunk:
                citizen_id = ids.take(Tables.citizen)
                name = _person_name(rng)
                cpf = cpfs.new(rng) if rng.random() < 0.85 else None
                email = _email(rng, name, citizen_id) if rng.random() < 0.4 else ""
                # Registered before the demo window (they called the line in earlier years).
                created = _utc(now - WINDOW_DAYS * DAY - rng.random() * 3 * WINDOW_DAYS * DAY)
                citizens.append((citizen_id, name, cpf, email, created, created))
                numbers = _citizen_phones(rng, last_landline)
                last_landline = next((n for n in numbers if n.startswith("+55513")), last_landline)
                for number, label in numbers.items():
                    phones.append((ids.take(Tables.phone), citizen_id, number, label))
                if rng.random() < 0.9:
                    addresses.append(
                        (
                            ids.take(Tables.address),
                            citizen_id,
                            *_random_address(rng),
                            "Porto Alegre",
                            "",
                            "",
                        )
                    )
                pool.ids.append(citizen_id)
                pool.phones.append(next(iter(numbers)))
            with database.transaction() as session:
                writer = BulkWriter(session)
                writer.write(Tables.citizen, CITIZEN_COLUMNS, citizens)
                writer.write(Tables.phone, PHONE_COLUMNS, phones)
                writer.write(Tables.address, ADDRESS_COLUMNS, addresses)
            bar.update(len(chunk))
    return pool


def _citizen_phones(rng: random.Random, last_landline: str) -> dict[str, str]:
    """Most have a mobile; some a landline, a few the previous citizen's (a family's) landline."""
    numbers: dict[str, str] = {}
    if rng.random() < 0.85:
        numbers[_mobile(rng)] = "celular"
    if rng.random() < 0.03 and last_landline:
        numbers[last_landline] = "residencial"
    elif not numbers or rng.random() < 0.2:
        numbers[_landline(rng)] = "residencial"
    return numbers


def _existing_citizens(database: Transactions, limit: int = 2_000_000) -> CitizenPool:
    pool = CitizenPool()
    with database.transaction() as session:
        rows = session.execute(
            select(CitizenPhone.citizen_id, func.min(CitizenPhone.e164))
            .group_by(CitizenPhone.citizen_id)
            .limit(limit)
        )
        for citizen_id, phone in rows:
            pool.ids.append(citizen_id)
            pool.phones.append(phone)
    return pool


# --- requests and their lifecycle ---------------------------------------------------------------


class Event(NamedTuple):
    at: float
    to: Status
    actor: StaffMember | None
    label: str
    note: str
    secretariat_id: int | None = None


@dataclass(frozen=True)
class RequestPlan:
    """What happens to one request; events after ``now`` are cut off when it is written."""

    events: list[Event]


class Lifecycle:
    """Plans a request's history: forwarding, work, resolution (sometimes late), closing,
    cancellations, reopenings, and the ones a secretariat never gets to."""

    CANCELLED_SHARE = 0.03
    STUCK_SHARE = 0.08
    REOPEN_SHARE = 0.05
    SKIP_PROGRESS_SHARE = 0.25
    # Resolution time as a fraction of the allowed time: lognormal with a median of 45 %,
    # so about one in six is resolved after the deadline.
    MEDIAN_RATIO = 0.45
    SPREAD = 0.8

    def __init__(self, rng: random.Random, staff: Staff, catalogue: Catalogue) -> None:
        self.rng = rng
        self.staff = staff
        self.catalogue = catalogue

    def plan(
        self,
        service: ServiceInfo,
        channel: str,
        created: float,
        due: float,
        opener: StaffMember | None,
    ) -> list[Event]:
        rng = self.rng
        label = opener.username if opener else "citizen"
        events = [Event(created, Status.OPEN, opener, label, "Solicitação registrada.")]
        human = channel in ("phone", "in_person")
        forwarded = created + (rng.uniform(60, 1800) if human else rng.uniform(0.5, 20) * HOUR)
        events.append(self._forward(service, forwarded, opener, label))
        allowed = max(due - created, 6 * HOUR)
        if rng.random() < self.CANCELLED_SHARE:
            events.append(
                Event(
                    forwarded + rng.uniform(0.05, 0.5) * allowed,
                    Status.CANCELLED,
                    opener,
                    label,
                    rng.choice(names.CANCEL_NOTES),
                )
            )
            return events
        stuck = rng.random() < self.STUCK_SHARE
        resolved = self._work(events, service, forwarded, allowed, stuck)
        if resolved is None:
            return events
        self._close_or_reopen(events, service, resolved, allowed)
        return events

    def _forward(
        self, service: ServiceInfo, at: float, actor: StaffMember | None, label: str, note: str = ""
    ) -> Event:
        _, focal_name = self.catalogue.focal_points.get(service.secretariat_id, (0, ""))
        text = note or f"Encaminhado para {service.secretariat_code} ({focal_name})."
        return Event(at, Status.FORWARDED, actor, label, text, service.secretariat_id)

    def _resolution_time(self, allowed: float) -> float:
        ratio = self.rng.lognormvariate(0, self.SPREAD) * self.MEDIAN_RATIO
        return max(ratio * allowed, HOUR)

    def _work(
        self, events: list[Event], service: ServiceInfo, start: float, allowed: float, stuck: bool
    ) -> float | None:
        """In progress and resolved; returns when it was resolved (None if it never is)."""
        rng = self.rng
        focal = self.staff.focal_users.get(service.secretariat_id)
        focal_label = focal.username if focal else service.secretariat_code
        duration = self._resolution_time(allowed)
        if stuck or rng.random() >= self.SKIP_PROGRESS_SHARE:
            events.append(
                Event(
                    start + duration * rng.uniform(0.05, 0.5),
                    Status.IN_PROGRESS,
                    focal,
                    focal_label,
                    names.PROGRESS_NOTE,
                )
            )
        if stuck:
            return None
        resolved = start + duration
        events.append(Event(resolved, Status.RESOLVED, focal, focal_label, names.RESOLVED_NOTE))
        return resolved

    def _close_or_reopen(
        self, events: list[Event], service: ServiceInfo, resolved: float, allowed: float
    ) -> None:
        rng = self.rng
        closes = resolved + rng.uniform(2, 10) * DAY
        if rng.random() >= self.REOPEN_SHARE:
            events.append(Event(closes, Status.CLOSED, None, "system", names.CLOSED_NOTE))
            return
        reopens = resolved + rng.uniform(0.5, 15) * DAY
        if reopens > closes:
            events.append(Event(closes, Status.CLOSED, None, "system", names.CLOSED_NOTE))
        note = rng.choice(names.REOPEN_NOTES)
        events.append(Event(reopens, Status.REOPENED, None, "citizen", note))
        forwarded = reopens + rng.uniform(1, 24) * HOUR
        events.append(self._forward(service, forwarded, None, "system", names.REFORWARD_NOTE))
        again = self._work(events, service, forwarded, allowed, stuck=False)
        if again is not None:
            events.append(
                Event(
                    again + rng.uniform(2, 10) * DAY,
                    Status.CLOSED,
                    None,
                    "system",
                    names.CLOSED_NOTE,
                )
            )


REQUEST_COLUMNS = (
    "id",
    "number",
    "channel",
    "service_type_id",
    "citizen_id",
    "description",
    "status",
    "secretariat_id",
    "focal_point_id",
    "created_at",
    "updated_at",
    "expected_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "created_by_id",
    "street",
    "house_number",
    "complement",
    "neighbourhood",
    "city",
    "zipcode",
    "reference",
)
EVENT_COLUMNS = (
    "id",
    "request_id",
    "at",
    "actor_id",
    "actor_label",
    "from_status",
    "to_status",
    "secretariat_id",
    "note",
)


@dataclass
class Linkable:
    """Requests calls can refer to (only those with a citizen), kept compact for millions."""

    ids: array[int] = field(default_factory=lambda: array("q"))
    created: array[float] = field(default_factory=lambda: array("d"))
    citizen: array[int] = field(default_factory=lambda: array("q"))  # index into the pool
    service: array[int] = field(default_factory=lambda: array("h"))
    number: array[int] = field(default_factory=lambda: array("q"))  # the 12 digits as an integer
    by_phone: array[int] = field(default_factory=lambda: array("q"))  # indexes of phone ones

    def add(
        self, request_id: int, created: float, citizen: int, service: int, number: str, phone: bool
    ) -> None:
        if phone:
            self.by_phone.append(len(self.ids))
        self.ids.append(request_id)
        self.created.append(created)
        self.citizen.append(citizen)
        self.service.append(service)
        self.number.append(int(number))


@dataclass
class Stats:
    status: Counter[str] = field(default_factory=Counter)
    channel: Counter[str] = field(default_factory=Counter)
    secretariat: Counter[str] = field(default_factory=Counter)
    outcome: Counter[CallOutcome] = field(default_factory=Counter)
    late: int = 0
    events: int = 0
    steps: int = 0
    links: int = 0
    surveys: int = 0
    score_total: int = 0


class RequestFactory:
    """Builds the rows of one request and its events."""

    def __init__(
        self,
        rng: random.Random,
        catalogue: Catalogue,
        staff: Staff,
        pool: CitizenPool,
        policy: Policy,
        now: float,
        ids: Ids,
        stats: Stats,
    ) -> None:
        self.rng = rng
        self.catalogue = catalogue
        self.staff = staff
        self.pool = pool
        self.tz = policy.tz
        self.now = now
        self.ids = ids
        self.stats = stats
        self.lifecycle = Lifecycle(rng, staff, catalogue)
        self.channels = WeightedPicker.of(names.CHANNEL_WEIGHTS)
        self.services = WeightedPicker(
            [str(i) for i in range(len(catalogue.services))], catalogue.weights
        )
        self.linkable = Linkable()

    def build(
        self,
        created: float,
        number: str,
        requests: list[tuple[Any, ...]],
        events: list[tuple[Any, ...]],
    ) -> None:
        rng = self.rng
        service_index = int(self.services.pick(rng))
        service = self.catalogue.services[service_index]
        channel = self.channels.pick(rng)
        citizen = self._citizen(service)
        opener = rng.choice(self.staff.agents) if channel in ("phone", "in_person") else None
        due = _due(created, service.deadline, self.tz)
        plan = [
            e
            for e in self.lifecycle.plan(service, channel, created, due.timestamp(), opener)
            if e.at <= self.now
        ]
        request_id = self.ids.take(Tables.request)
        self._add_events(request_id, plan, events)
        requests.append(
            self._request_row(
                request_id, number, service, channel, citizen, opener, created, due, plan
            )
        )
        if citizen is not None:
            self.linkable.add(
                request_id, created, citizen, service_index, number, channel == "phone"
            )
        self._count(service, channel, plan[-1].to, due.timestamp(), len(plan))

    def _citizen(self, service: ServiceInfo) -> int | None:
        if not self.pool or (service.allows_anonymous and self.rng.random() < 0.3):
            if not service.allows_anonymous:
                raise DemoDataError(
                    f"No citizens to attribute {service.code} requests to: "
                    "generate citizens too (--citizens)."
                )
            return None
        return self.pool.pick(self.rng)

    def _request_row(
        self,
        request_id: int,
        number: str,
        service: ServiceInfo,
        channel: str,
        citizen: int | None,
        opener: StaffMember | None,
        created: float,
        due: datetime,
        plan: list[Event],
    ) -> tuple[Any, ...]:
        rng = self.rng
        last = plan[-1]
        done = last.to in (Status.RESOLVED, Status.CLOSED)
        resolved = _last_at(plan, Status.RESOLVED) if done else None
        closed = last.at if last.to is Status.CLOSED else None
        forwarded = any(e.to is Status.FORWARDED for e in plan)
        focal_point = self.catalogue.focal_points.get(service.secretariat_id, (None, ""))[0]
        # Services that need no address still get one sometimes (the citizen gives it anyway).
        located = service.requires_address or rng.random() < 0.3
        street, house, complement, neighbourhood = (
            _random_address(rng) if located else ("", "", "", "")
        )
        return (
            request_id,
            number,
            channel,
            service.id,
            self.pool.ids[citizen] if citizen is not None else None,
            _description(rng, service, street),
            last.to.value,
            service.secretariat_id,
            focal_point if forwarded else None,
            _utc(created),
            _utc(last.at),
            due,
            _utc(resolved) if resolved else None,
            _utc(closed) if closed else None,
            sum(e.to is Status.REOPENED for e in plan),
            opener.user_id if opener else None,
            street,
            house,
            complement,
            neighbourhood,
            "Porto Alegre",
            "",
            "",
        )

    def _add_events(
        self, request_id: int, plan: list[Event], events: list[tuple[Any, ...]]
    ) -> None:
        previous: Status | None = None
        for e in plan:
            events.append(
                (
                    self.ids.take(Tables.event),
                    request_id,
                    _utc(e.at),
                    e.actor.user_id if e.actor else None,
                    e.label,
                    previous.value if previous else None,
                    e.to.value,
                    e.secretariat_id,
                    e.note,
                )
            )
            previous = e.to

    def _count(
        self, service: ServiceInfo, channel: str, status: Status, due: float, events: int
    ) -> None:
        self.stats.status[status.value] += 1
        self.stats.channel[channel] += 1
        self.stats.secretariat[service.secretariat_code] += 1
        self.stats.events += events
        if status in PENDING and due < self.now:
            self.stats.late += 1


@cache
def _due_for_day(day: date, deadline: Deadline, tz: ZoneInfo) -> datetime:
    # The due moment depends only on the local day of creation: compute it once per day.
    return expected_at(datetime(day.year, day.month, day.day, 12, tzinfo=tz), deadline, tz)


def _due(created: float, deadline: Deadline, tz: ZoneInfo) -> datetime:
    return _due_for_day(datetime.fromtimestamp(created, tz).date(), deadline, tz)


def _last_at(plan: list[Event], status: Status) -> float:
    return next(e.at for e in reversed(plan) if e.to is status)


def _description(rng: random.Random, service: ServiceInfo, street: str) -> str:
    options = names.DESCRIPTIONS.get(service.group, names.GENERIC_DESCRIPTIONS)
    return rng.choice(options).replace("{street}", street or "rua informada")


def _protocol_numbers(
    database: Transactions, times: Sequence[float], tz: ZoneInfo
) -> Iterator[str]:
    """Protocol numbers for requests created at ``times`` (sorted), reserved in one block per year
    from the real counter, so they are never issued again to a real request."""
    first, last = (datetime.fromtimestamp(t, tz).year for t in (times[0], times[-1]))
    years = list(range(first, last + 1))
    bounds = [datetime(y + 1, 1, 1, tzinfo=tz).timestamp() for y in years]
    counts: Counter[int] = Counter()
    start = 0
    for year, bound in zip(years, bounds, strict=True):
        end = bisect.bisect_left(times, bound)
        counts[year] = end - start
        start = end
    with database.transaction() as session:
        blocks = {y: reserve_protocol_sequences(session, y, n) for y, n in counts.items() if n}
    for year in years:
        for sequence in blocks.get(year, range(0)):
            yield make_protocol_number(year, sequence)


def _generate_requests(
    database: Transactions, factory: RequestFactory, count: int, timeline: Timeline, progress: bool
) -> None:
    times = sorted(timeline.sample(factory.rng, count))
    if not times:
        return
    numbers = _protocol_numbers(database, times, timeline.tz)
    with _bar(count, "requests", progress) as bar, _bar(0, "events", progress) as event_bar:
        for chunk in _chunks(count):
            requests: list[tuple[Any, ...]] = []
            events: list[tuple[Any, ...]] = []
            for index in chunk:
                factory.build(times[index], next(numbers), requests, events)
            with database.transaction() as session:
                writer = BulkWriter(session)
                writer.write(Tables.request, REQUEST_COLUMNS, requests)
                writer.write(Tables.event, EVENT_COLUMNS, events)
            bar.update(len(chunk))
            event_bar.update(len(events))


# --- calls, their IVR path, and surveys ---------------------------------------------------------

CALL_COLUMNS = (
    "id",
    "uniqueid",
    "linkedid",
    "caller_number",
    "citizen_id",
    "started_at",
    "answered_at",
    "ended_at",
    "queue",
    "agent_id",
    "agent_interface",
    "wrapup_code",
    "outcome",
)
STEP_COLUMNS = (
    "id",
    "call_id",
    "seq",
    "at",
    "step",
    "recognised_text",
    "intent",
    "confidence",
    "keys",
    "detail",
)
LINK_COLUMNS = ("call_id", "request_id", "kind", "at")
SURVEY_COLUMNS = (
    "id",
    "call_id",
    "agent_id",
    "agent_interface",
    "service_type_id",
    "score",
    "channel",
    "at",
)

# How calls end (shares of all calls) and, for answered ones, why the citizen called.
CALL_KINDS: dict[str, float] = {
    "self_service": 4.5,
    "abandoned": 6.0,
    "hangup_in_ivr": 1.5,
    "created": 44.0,
    "consulted": 13.0,
    "info": 31.0,
}
ANSWERED_KINDS = frozenset({"created", "consulted", "info"})
SURVEY_SHARE = 0.17
QUEUE_CALL_COLUMNS = (
    "id",
    "callid",
    "queue",
    "entered_at",
    "ended_at",
    "outcome",
    "exit_event",
    "wait_seconds",
    "talk_seconds",
    "agent",
    "agent_id",
    "position",
    "call_id",
)
# Abandoned calls that hang up within a few seconds of joining the queue ("short abandons").
SHORT_ABANDON_SHARE = 0.15
SPEECH_SHARE = 0.8
CONFIRM_BELOW = 0.8


class CallPlan(NamedTuple):
    started: float
    kind: str
    citizen: int | None  # index into the citizen pool
    service: int  # index into the catalogue
    request: int | None  # index into Linkable


class CallRows:
    """The rows one chunk of calls produces, per table."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.steps: list[tuple[Any, ...]] = []
        self.links: list[tuple[Any, ...]] = []
        self.surveys: list[tuple[Any, ...]] = []
        self.queue_calls: list[tuple[Any, ...]] = []

    def write(self, database: Transactions) -> None:
        with database.transaction() as session:
            writer = BulkWriter(session)
            writer.write(Tables.call, CALL_COLUMNS, self.calls)
            writer.write(Tables.step, STEP_COLUMNS, self.steps)
            writer.write(Tables.link, LINK_COLUMNS, self.links)
            writer.write(Tables.survey, SURVEY_COLUMNS, self.surveys)
            writer.write(Tables.queue_call, QUEUE_CALL_COLUMNS, self.queue_calls)


class CallFactory:
    def __init__(
        self,
        requests: RequestFactory,
        timeline: Timeline,
        queue_seed: int = 0,
        survey_share: float = SURVEY_SHARE,
    ) -> None:
        self.rng = requests.rng
        # Queue facts draw from their own generator, so adding them left every other value the
        # main generator produces for a given seed as it was.
        self.queue_rng = random.Random(queue_seed)
        self.survey_share = survey_share
        self.catalogue = requests.catalogue
        self.staff = requests.staff
        self.pool = requests.pool
        self.linkable = requests.linkable
        self.ids = requests.ids
        self.stats = requests.stats
        self.services = requests.services
        self.timeline = timeline
        self.now = timeline.now
        self.kinds = WeightedPicker.of(CALL_KINDS)

    # Planning: when each call happened and what it was about.

    def plan(self, count: int) -> list[CallPlan]:
        rng = self.rng
        kinds = [self.kinds.pick(rng) for _ in range(count)]
        created_pool = self.linkable.by_phone
        wanted = sum(k == "created" for k in kinds)
        # Calls that created a request take distinct phone requests; the surplus becomes "info".
        sources = iter(rng.sample(range(len(created_pool)), min(wanted, len(created_pool))))
        plans = [self._plan_one(kind, sources) for kind in kinds]
        return sorted(plans)

    def _plan_one(self, kind: str, sources: Iterator[int]) -> CallPlan:
        linkable = self.linkable
        if kind == "created":
            source = next(sources, None)
            if source is not None:
                index = self.linkable.by_phone[source]
                return CallPlan(
                    linkable.created[index],
                    kind,
                    linkable.citizen[index],
                    linkable.service[index],
                    index,
                )
            kind = "info"
        if kind in ("consulted", "self_service") and len(linkable.ids):
            index = self.rng.randrange(len(linkable.ids))
            created = linkable.created[index]
            later = created + self.rng.random() * min(30 * DAY, max(self.now - created - HOUR, 0))
            return CallPlan(later, kind, linkable.citizen[index], linkable.service[index], index)
        if kind in ("consulted", "self_service"):
            kind = "info"
        citizen = self.pool.pick(self.rng) if self.pool and self.rng.random() < 0.85 else None
        (started,) = self.timeline.sample(self.rng, 1)
        return CallPlan(started, kind, citizen, int(self.services.pick(self.rng)), None)

    # Building the rows.

    def build(self, plan: CallPlan, rows: CallRows) -> None:
        rng = self.rng
        service = self.catalogue.services[plan.service]
        call_id = self.ids.take(Tables.call)
        ivr = rng.uniform(15, 60)
        wait = min(rng.expovariate(1 / 25), 900.0)
        answered: float | None = None
        started = plan.started
        if plan.kind == "created":
            # The request was opened during the conversation: the call started a bit before.
            before = rng.uniform(30, 180)
            answered = plan.started - before
            started = answered - wait - ivr
            ended = plan.started + rng.uniform(20, 120)
        elif plan.kind in ANSWERED_KINDS:
            answered = started + ivr + wait
            ended = answered + rng.lognormvariate(5.5, 0.5)  # median about four minutes
        elif plan.kind == "abandoned":
            ended = started + ivr + rng.uniform(20, 240)
            if self.queue_rng.random() < SHORT_ABANDON_SHARE:
                ended = started + ivr + self.queue_rng.uniform(0.5, 5.0)
        elif plan.kind == "self_service":
            ended = started + ivr + rng.uniform(20, 60)
        else:
            ended = started + rng.uniform(5, 40)
        agent = rng.choice(self.staff.agents) if answered is not None else None
        surveyed = answered is not None and rng.random() < self.survey_share
        score = self._score(service) if surveyed else None
        self._steps(call_id, plan, service, started, ivr, ended, score, rows)
        self._links(call_id, plan, answered, started + ivr, rows)
        if score is not None and agent is not None:
            rows.surveys.append(
                (
                    self.ids.take(Tables.survey),
                    call_id,
                    agent.user_id,
                    agent.interface,
                    service.id,
                    score,
                    "phone",
                    _utc(ended - 10),
                )
            )
            self.stats.surveys += 1
            self.stats.score_total += score
        rows.calls.append(self._call_row(call_id, plan, service, started, answered, ended, agent))
        if plan.kind in ANSWERED_KINDS or plan.kind == "abandoned":
            rows.queue_calls.append(
                self._queue_call_row(
                    call_id, rows.calls[-1][1], service, started + ivr, answered, ended, agent
                )
            )
        self.stats.outcome[_outcome(plan.kind)] += 1

    def _call_row(
        self,
        call_id: int,
        plan: CallPlan,
        service: ServiceInfo,
        started: float,
        answered: float | None,
        ended: float,
        agent: StaffMember | None,
    ) -> tuple[Any, ...]:
        uniqueid = f"{int(started)}.{call_id}"
        caller = self.pool.phones[plan.citizen] if plan.citizen is not None else _mobile(self.rng)
        queued = plan.kind in ANSWERED_KINDS or plan.kind == "abandoned"
        return (
            call_id,
            uniqueid,
            uniqueid,
            caller,
            self.pool.ids[plan.citizen] if plan.citizen is not None else None,
            _utc(started),
            _utc(answered) if answered is not None else None,
            _utc(ended),
            service.queue if queued else "",
            agent.user_id if agent else None,
            agent.interface if agent else "",
            self._wrapup(plan.kind),
            _outcome(plan.kind),
        )

    def _queue_call_row(
        self,
        call_id: int,
        callid: str,
        service: ServiceInfo,
        entered: float,
        answered: float | None,
        ended: float,
        agent: StaffMember | None,
    ) -> tuple[Any, ...]:
        """The call's stay in its queue, as the queue_log import would have derived it."""
        position = 1 + int(self.queue_rng.expovariate(0.5))
        if answered is None or agent is None:
            return (
                self.ids.take(Tables.queue_call),
                callid,
                service.queue,
                _utc(entered),
                _utc(ended),
                QueueOutcome.ABANDONED,
                "ABANDON",
                round(ended - entered),
                None,
                "",
                None,
                position,
                call_id,
            )
        hung_up_by = "COMPLETEAGENT" if self.queue_rng.random() < 0.4 else "COMPLETECALLER"
        return (
            self.ids.take(Tables.queue_call),
            callid,
            service.queue,
            _utc(entered),
            _utc(ended),
            QueueOutcome.ANSWERED,
            hung_up_by,
            round(answered - entered),
            round(ended - answered),
            agent.interface,
            agent.user_id,
            position,
            call_id,
        )

    def _wrapup(self, kind: str) -> str:
        if kind == "created":
            return names.WRAPUP_CREATED
        if kind == "consulted":
            return names.WRAPUP_CONSULTED
        return self.rng.choice(names.WRAPUP_INFO) if kind == "info" else ""

    def _score(self, service: ServiceInfo) -> int:
        poor = service.code in names.POORLY_RATED_SERVICES
        weights = names.POOR_SCORE_WEIGHTS if poor else names.SCORE_WEIGHTS
        return self.rng.choices((1, 2, 3, 4, 5), weights=weights)[0]

    def _steps(
        self,
        call_id: int,
        plan: CallPlan,
        service: ServiceInfo,
        started: float,
        ivr: float,
        ended: float,
        score: int | None,
        rows: CallRows,
    ) -> None:
        rng = self.rng
        menu_at = started + ivr * 0.5
        steps: list[tuple[float, str, str, str, float | None, str, dict[str, Any]]] = [
            (started, "welcome", "", "", None, "", {})
        ]
        if plan.kind == "hangup_in_ivr":
            steps.append((menu_at, "main_menu", "", "", None, "", {"result": "no_input"}))
        elif plan.kind in ("consulted", "self_service"):
            steps.append(
                (
                    menu_at,
                    "main_menu",
                    "consultar protocolo",
                    "consult_protocol",
                    rng.uniform(0.8, 0.99),
                    "",
                    {},
                )
            )
            assert plan.request is not None
            number = str(self.linkable.number[plan.request])
            steps.append((started + ivr * 0.8, "protocol_entry", "", "", None, number, {}))
        else:
            steps += self._menu_steps(service, menu_at, ivr)
        if plan.kind not in ("hangup_in_ivr", "self_service"):
            steps.append((started + ivr, "queue", "", "", None, "", {"queue": service.queue}))
        if score is not None:
            steps.append((ended - 15, "survey", "", "", None, str(score), {}))
        for seq, (at, name, heard, intent, confidence, keys, detail) in enumerate(steps, start=1):
            rows.steps.append(
                (
                    self.ids.take(Tables.step),
                    call_id,
                    seq,
                    _utc(at),
                    name,
                    heard,
                    intent,
                    confidence,
                    keys,
                    detail,
                )
            )
        self.stats.steps += len(steps)

    def _menu_steps(
        self, service: ServiceInfo, at: float, ivr: float
    ) -> list[tuple[float, str, str, str, float | None, str, dict[str, Any]]]:
        rng = self.rng
        if rng.random() >= SPEECH_SHARE:
            return [
                (
                    at,
                    "main_menu",
                    "",
                    service.code,
                    None,
                    str(rng.randrange(1, 10)),
                    {"mode": "dtmf"},
                )
            ]
        confidence = rng.uniform(0.5, 0.99)
        steps: list[tuple[float, str, str, str, float | None, str, dict[str, Any]]] = [
            (
                at,
                "main_menu",
                rng.choice(service.keywords),
                service.code,
                round(confidence, 3),
                "",
                {"mode": "speech"},
            )
        ]
        if confidence < CONFIRM_BELOW:
            steps.append((at + ivr * 0.3, "confirm", "sim", "yes", 0.95, "", {"mode": "speech"}))
        return steps

    def _links(
        self, call_id: int, plan: CallPlan, answered: float | None, ivr_end: float, rows: CallRows
    ) -> None:
        if plan.request is None:
            return
        request_id = self.linkable.ids[plan.request]
        if plan.kind == "created":
            rows.links.append((call_id, request_id, "created", _utc(plan.started)))
        else:
            rows.links.append((call_id, request_id, "consulted", _utc(answered or ivr_end)))
        self.stats.links += 1


def _outcome(kind: str) -> CallOutcome:
    # The kinds that are not answered calls are named after their outcome.
    return CallOutcome.ANSWERED if kind in ANSWERED_KINDS else CallOutcome(kind)


def _generate_calls(
    database: Transactions, factory: CallFactory, count: int, progress: bool
) -> None:
    plans = factory.plan(count)
    with _bar(count, "calls", progress) as bar:
        for chunk in _chunks(count):
            rows = CallRows()
            for index in chunk:
                factory.build(plans[index], rows)
            rows.write(database)
            bar.update(len(chunk))


# --- the command's entry point --------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    citizens: int
    requests: int
    calls: int
    users_created: int
    stats: Stats
    seconds: dict[str, float]

    @property
    def mean_score(self) -> float | None:
        return self.stats.score_total / self.stats.surveys if self.stats.surveys else None

    def describe(self) -> str:
        s = self.stats
        total = sum(self.seconds.values())
        score = f", mean score {self.mean_score:.2f}" if self.mean_score is not None else ""
        lines = [
            f"Demo data generated in {total:.1f} s ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
            + ")",
            f"  citizens: {self.citizens:,}   requests: {self.requests:,} ({s.events:,} events)   "
            f"calls: {self.calls:,} ({s.steps:,} IVR steps, {s.links:,} request links)",
            f"  late (pending past their deadline): {s.late:,} ({_share(s.late, self.requests)})",
            "  by status:      " + _counts(s.status, self.requests),
            "  by channel:     " + _counts(s.channel, self.requests),
            "  by secretariat: " + _counts(s.secretariat, self.requests),
            "  calls:          " + _counts(s.outcome, self.calls),
            f"  surveys: {s.surveys:,}{score}",
            f"  demo users created: {self.users_created} (password {DEMO_PASSWORD!r}; "
            f"agente01..agente{AGENT_COUNT:02d}, supervisor.demo, pf.<secretariat>)",
        ]
        return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


_Label = TypeVar("_Label", bound=str)


def _counts(counter: Counter[_Label], whole: int) -> str:
    return ", ".join(f"{k} {v:,} ({_share(v, whole)})" for k, v in counter.most_common()) or "-"


class PhaseTimer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def run(self, name: str, action: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return action()
        finally:
            self.seconds[name] = time.perf_counter() - start


ALL_TABLES = (
    Tables.citizen,
    Tables.phone,
    Tables.address,
    Tables.request,
    Tables.event,
    Tables.call,
    Tables.step,
    Tables.survey,
    Tables.queue_call,
)


def generate(
    database: Database,
    *,
    citizens: int,
    requests: int,
    calls: int,
    seed: int,
    policy: Policy,
    progress: bool = True,
    survey_share: float = SURVEY_SHARE,
    force: bool = False,
) -> DemoSummary:
    """Add ``citizens``, ``requests`` and ``calls`` of synthetic data to a seeded database.

    Queued calls get their queue facts (``QueueCall``) too, as the queue_log import would have
    made them; ``survey_share`` is the share of answered calls that answer the survey.

    All in one transaction: an error or an interruption leaves nothing behind. Refuses
    (``DemoDataError``) counts beyond ``MAX_*`` and, unless ``force``, a database holding real
    data (see the module docstring). On SQLite the write lock is held for the whole run.
    """
    _check_counts(citizens, requests, calls)
    rng = random.Random(seed)
    now = time.time()
    timer = PhaseTimer()
    with database.transaction() as session:
        if not force:
            _refuse_real_data(session)
        run = _OneTransaction(session)
        catalogue = _load_catalogue(session, policy)
        staff = timer.run("users", lambda: _ensure_demo_users(session, catalogue))
        pool: CitizenPool = timer.run(
            "citizens",
            lambda: _generate_citizens(run, rng, citizens, now, progress)
            if citizens
            else _existing_citizens(run),
        )
        ids = Ids(session, ALL_TABLES[3:])
        stats = Stats()
        request_factory = RequestFactory(rng, catalogue, staff, pool, policy, now, ids, stats)
        timeline = Timeline(now, policy.tz)
        timer.run(
            "requests",
            lambda: _generate_requests(run, request_factory, requests, timeline, progress),
        )
        call_factory = CallFactory(
            request_factory, timeline, queue_seed=seed + 1, survey_share=survey_share
        )
        timer.run("calls", lambda: _generate_calls(run, call_factory, calls, progress))
        # PostgreSQL's sequences must move past the ids given explicitly. (setval is not undone
        # by a rollback, so it runs only once everything else has been written.)
        BulkWriter(session).finish(ALL_TABLES)
    return DemoSummary(citizens, requests, calls, staff.created, stats, timer.seconds)


def _check_counts(citizens: int, requests: int, calls: int) -> None:
    for label, count, most in (
        ("citizens", citizens, MAX_CITIZENS),
        ("requests", requests, MAX_REQUESTS),
        ("calls", calls, MAX_CALLS),
    ):
        if not 0 <= count <= most:
            raise DemoDataError(f"{label}: {count:,} is out of range: give 0 to {most:,}.")


def holds_real_data(session: Session) -> bool:
    """Citizens, requests or calls are present, and no demo run made them (no demo marker)."""
    present = any(
        session.scalar(select(table.c.id).limit(1)) is not None
        for table in (Tables.citizen, Tables.request, Tables.call)
    )
    if not present:
        return False
    return session.scalar(select(User.id).where(User.username == DEMO_MARKER_USER)) is None


def _refuse_real_data(session: Session) -> None:
    if holds_real_data(session):
        raise DemoDataError(
            "the database already holds citizens, requests or calls that are not demo data "
            f"(no {DEMO_MARKER_USER!r} user): use an empty database, or pass --force if this "
            "one may be mixed with synthetic data."
        )
