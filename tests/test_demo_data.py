"""Demo data: a small generation on both engines is consistent with the domain's own rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citizen_center import migrate
from citizen_center.db import Database
from citizen_center.demo_data import DemoDataError, DemoSummary, generate
from citizen_center.domain.deadlines import expected_at
from citizen_center.domain.identifiers import normalize_cpf, normalize_phone
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.domain.protocol import parse_protocol_number
from citizen_center.domain.workflow import PENDING, Status, check_transition
from citizen_center.models import (
    Call,
    CallRequest,
    Citizen,
    CitizenPhone,
    ProtocolCounter,
    RequestEvent,
    Secretariat,
    ServiceRequest,
    ServiceType,
    SurveyResponse,
    User,
    utcnow,
)
from citizen_center.services import citizens, requests
from citizen_center.services.common import DEFAULT_POLICY, Actor
from tests.fixtures.databases import ENGINES, fresh_database_url

# A generation per engine takes seconds, and running twice more: not in the fast tier.
pytestmark = pytest.mark.slow
POLICY = DEFAULT_POLICY
CITIZENS, REQUESTS, CALLS = 200, 1000, 300


@pytest.fixture(scope="module", params=ENGINES)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, DemoSummary]]:
    """One generation per engine, shared by the read-only checks below (it takes seconds)."""
    urls = cast(
        Generator[str, None, None],
        fresh_database_url(request.param, request, tmp_path_factory.mktemp("demo")),
    )
    database = Database.from_url(next(urls))
    try:
        summary = generate(
            database,
            citizens=CITIZENS,
            requests=REQUESTS,
            calls=CALLS,
            seed=7,
            policy=POLICY,
            progress=False,
        )
        yield database, summary
    finally:
        database.dispose()
        urls.close()  # drops the PostgreSQL database


def test_counts_and_summary(demo: tuple[Database, DemoSummary]) -> None:
    database, summary = demo
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == CITIZENS
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == REQUESTS
        assert session.scalar(select(func.count()).select_from(Call)) == CALLS
    text = summary.describe()
    assert "requests: 1,000" in text and "DMAE" in text and "late" in text


def test_citizens_have_valid_cpfs_and_phones(demo: tuple[Database, DemoSummary]) -> None:
    database, _ = demo
    with database.transaction() as session:
        cpfs = session.scalars(select(Citizen.cpf)).all()
        phones = session.scalars(select(CitizenPhone.e164)).all()
    present = [c for c in cpfs if c is not None]
    assert 0 < len(present) < len(cpfs), "most citizens have a CPF, some do not"
    assert all(normalize_cpf(c) == c for c in present)
    assert len(set(present)) == len(present)
    assert phones and all(normalize_phone(p) == p for p in phones)


def test_events_follow_the_workflow(demo: tuple[Database, DemoSummary]) -> None:
    database, _ = demo
    with database.transaction() as session:
        requests_by_id = {r.id: r for r in session.scalars(select(ServiceRequest))}
        events = session.scalars(
            select(RequestEvent).order_by(RequestEvent.request_id, RequestEvent.id)
        ).all()
    seen = set()
    for request_id, group in groupby(events, key=lambda e: e.request_id):
        history = list(group)
        request = requests_by_id[request_id]
        seen.add(request_id)
        assert history[0].from_status is None and history[0].to_status is Status.OPEN
        assert history[0].at == request.created_at
        for before, after in pairwise(history):
            assert after.from_status is before.to_status
            check_transition(before.to_status, after.to_status)  # raises if not allowed
            assert after.at >= before.at
        assert history[-1].to_status is request.status
        assert history[-1].at == request.updated_at
        assert request.reopen_count == sum(e.to_status is Status.REOPENED for e in history)
        finished = request.status in (Status.RESOLVED, Status.CLOSED)
        assert (request.resolved_at is not None) == finished
        assert (request.closed_at is not None) == (request.status is Status.CLOSED)
    assert seen == set(requests_by_id)


def test_expected_at_comes_from_the_deadline_rules(demo: tuple[Database, DemoSummary]) -> None:
    database, _ = demo
    with database.transaction() as session:
        rows = session.execute(
            select(ServiceRequest, ServiceType).join(
                ServiceType, ServiceRequest.service_type_id == ServiceType.id
            )
        )
        for request, service in rows:
            deadline = requests.deadline_of(service, POLICY)
            assert request.expected_at == expected_at(request.created_at, deadline, POLICY.tz)


def test_protocol_numbers_unique_parseable_and_reserved(demo: tuple[Database, DemoSummary]) -> None:
    database, _ = demo
    with database.transaction() as session:
        rows = session.execute(select(ServiceRequest.number, ServiceRequest.created_at)).all()
        counters = {
            year: last
            for year, last in session.execute(
                select(ProtocolCounter.year, ProtocolCounter.last_value)
            )
        }
    numbers = [n for n, _ in rows]
    assert len(set(numbers)) == len(numbers)
    for number, created in rows:
        assert parse_protocol_number(number) == number
        year = created.astimezone(POLICY.tz).year
        assert int(number[:4]) == year
        assert int(number[4:11]) <= counters[year]


def test_statuses_late_share_and_mix_are_plausible(demo: tuple[Database, DemoSummary]) -> None:
    database, summary = demo
    now = utcnow()
    with database.transaction() as session:
        late = session.scalar(
            select(func.count()).select_from(requests.late_requests_query(now).subquery())
        )
        by_secretariat = _share_by(session, Secretariat.code)
        by_channel = _share_by(session, ServiceRequest.channel)
        statuses = Counter(session.scalars(select(ServiceRequest.status)).all())
    assert late == summary.stats.late and 0.02 * REQUESTS < late < 0.3 * REQUESTS
    assert 0.30 < by_secretariat["DMAE"] < 0.46
    assert 0.20 < by_secretariat["EPTC"] + by_secretariat["SMS"] < 0.37
    assert 0.60 < by_channel["phone"] < 0.76
    finished = statuses[Status.CLOSED] + statuses[Status.RESOLVED]
    assert finished > 0.6 * REQUESTS and statuses[Status.CANCELLED] > 0
    assert sum(statuses[s] for s in PENDING) > 0


def _share_by(session: Session, column: Any) -> dict[str, float]:
    rows = session.execute(
        select(column, func.count(ServiceRequest.id))
        .join(Secretariat, ServiceRequest.secretariat_id == Secretariat.id)
        .group_by(column)
    ).all()
    return {str(key): cast(int, count) / REQUESTS for key, count in rows}


def test_calls_link_citizens_requests_and_surveys(demo: tuple[Database, DemoSummary]) -> None:
    database, _ = demo
    with database.transaction() as session:
        calls = session.scalars(select(Call)).all()
        phones = {
            (c, p) for c, p in session.execute(select(CitizenPhone.citizen_id, CitizenPhone.e164))
        }
        links = session.execute(
            select(
                CallRequest.kind,
                Call.citizen_id,
                ServiceRequest.citizen_id,
                CallRequest.at,
                Call.started_at,
                Call.ended_at,
                ServiceRequest.created_at,
            )
            .join(Call, CallRequest.call_id == Call.id)
            .join(ServiceRequest, CallRequest.request_id == ServiceRequest.id)
        ).all()
        scores = session.scalars(select(SurveyResponse.score)).all()
        steps = session.scalar(select(func.count()).select_from(Call).where(~Call.steps.any()))
    outcomes = Counter(c.outcome for c in calls)
    assert 0.8 < outcomes[CallOutcome.ANSWERED] / CALLS < 0.96
    assert outcomes[CallOutcome.ABANDONED] > 0
    for call in calls:
        if call.citizen_id is not None:
            assert (call.citizen_id, call.caller_number) in phones
        assert call.ended_at is not None and call.started_at <= call.ended_at
        assert (call.answered_at is not None) == (call.outcome is CallOutcome.ANSWERED)
    assert steps == 0, "every call has its IVR path"
    assert links and {kind for kind, *_ in links} <= {"created", "consulted"}
    for kind, call_citizen, request_citizen, at, started, ended, created in links:
        assert call_citizen == request_citizen
        if kind == "created":
            assert ended is not None and started <= created <= ended
        else:
            assert at >= created
    answered = outcomes[CallOutcome.ANSWERED]
    assert 0.05 * answered < len(scores) < 0.35 * answered
    assert set(scores) <= {1, 2, 3, 4, 5}


def test_running_twice_adds_more_and_real_requests_follow(migrated_db: Database) -> None:
    for seed in (1, 1):  # the same seed twice: same CPFs drawn, still unique
        generate(
            migrated_db,
            citizens=30,
            requests=100,
            calls=40,
            seed=seed,
            policy=POLICY,
            progress=False,
        )
    with migrated_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 200
        assert session.scalar(select(func.count()).select_from(Call)) == 80
        numbers = set(session.scalars(select(ServiceRequest.number)))
        # A real request (and a real citizen) opened afterwards get numbers and ids of their own.
        new = requests.open_request(
            session, service_code="IPTU-INFO", channel="phone", actor=Actor.system("test")
        )
        citizen = citizens.register_citizen(
            session,
            citizens.CitizenInput(name="Nova Cidadã", phones=["51999990000"]),
            Actor.system("test"),
        )
        assert new.number not in numbers and citizen.id > 60


def test_unseeded_database_is_refused(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    migrate.upgrade(database.engine)
    with pytest.raises(DemoDataError, match="db seed"):
        generate(database, citizens=1, requests=1, calls=1, seed=1, policy=POLICY, progress=False)
    database.dispose()


def test_real_data_is_refused_and_a_failed_run_leaves_nothing(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11, on both engines: a database with real citizens is refused unless forced, and
    a run failing after writing citizens and requests rolls back all of it (users included)."""
    import citizen_center.demo_data as demo_data

    with migrated_db.transaction() as session:
        citizens.register_citizen(
            session,
            citizens.CitizenInput(name="Cidadã Real", phones=["51999990000"]),
            Actor.system("test"),
        )
    with pytest.raises(DemoDataError, match="not demo data"):
        generate(
            migrated_db, citizens=1, requests=1, calls=1, seed=1, policy=POLICY, progress=False
        )

    def broken(*_args: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_data, "_generate_calls", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(
            migrated_db,
            citizens=30,
            requests=100,
            calls=10,
            seed=1,
            policy=POLICY,
            progress=False,
            force=True,
        )
    with migrated_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Citizen)) == 1
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 0
        assert not session.scalar(
            select(func.count()).select_from(ProtocolCounter).where(ProtocolCounter.last_value > 0)
        )
        assert session.scalar(select(func.count()).select_from(User)) == 0
    with pytest.raises(DemoDataError, match="out of range"):
        generate(
            migrated_db,
            citizens=10**12,
            requests=1,
            calls=1,
            seed=1,
            policy=POLICY,
            progress=False,
            force=True,
        )
