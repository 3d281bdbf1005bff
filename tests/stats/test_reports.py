"""Reports on requests and surveys against hand-counted data, on SQLite and PostgreSQL; export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.domain.workflow import Channel, Role, Status
from citizen_center.models import ServiceRequest, ServiceType, SurveyResponse
from citizen_center.services import duplicates, report_export, reports, requests, statistics, users
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import Actor
from citizen_center.services.report_export import ReportTable
from citizen_center.services.reports import Period, ReportOptions, SatisfactionDimension

TZ = "America/Sao_Paulo"
AGENT = Actor.system("agente-teste")
STREET = AddressInput(street="Rua da Praia", house_number="100", neighbourhood="Centro")
JAN_FEB = Period.days(date(2026, 1, 1), date(2026, 2, 28), TZ)
LATER = datetime(2027, 1, 1, tzinfo=UTC)


def at(day: int, month: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def open_one(
    session: Session, when: datetime, channel: str, service: str = "VIA-BURACO"
) -> ServiceRequest:
    return requests.open_request(
        session, service_code=service, channel=channel, actor=AGENT, address=STREET, now=when
    )


def load_requests(db: Database) -> None:
    """Four requests for SMSUrb: two resolved, one of them reopened; one DMLU-free mix."""
    with db.transaction() as session:
        first = open_one(session, at(5, 1), "phone")
        second = open_one(session, at(20, 1), "phone", "ILUM-APAGADA")
        open_one(session, at(1, 2, hour=2), "whatsapp")  # 23:00 on 31 January in Porto Alegre
        open_one(session, at(10, 2), "app")
        requests.change_status(session, first, Status.RESOLVED, AGENT, "Tapado.", at(6, 1))
        requests.change_status(session, second, Status.RESOLVED, AGENT, "Trocada.", at(21, 1))
        requests.change_status(
            session,
            second,
            Status.REOPENED,
            Actor.system("citizen"),
            "Continua apagada.",
            at(22, 1),
        )


def test_channel_mix_groups_by_local_month(migrated_db: Database) -> None:
    load_requests(migrated_db)
    with migrated_db.transaction() as session:
        mix = reports.channel_mix(session, JAN_FEB)
    assert [(m.month, m.total, m.phone, m.whatsapp, m.app) for m in mix] == [
        ("2026-01", 3, 2, 1, 0),
        ("2026-02", 1, 0, 0, 1),
    ]
    assert mix[0].share(Channel.PHONE) == pytest.approx(2 / 3)


def test_late_and_reopened_requests_per_secretariat(migrated_db: Database) -> None:
    load_requests(migrated_db)
    with migrated_db.transaction() as session:
        late = reports.late_requests(session, now=LATER)
        by_secretariat = reports.late_requests(session, now=LATER, by_service=False)
        early = reports.late_requests(session, now=at(11, 2), by_service=False)
        reopened = reports.reopened_by_secretariat(session, JAN_FEB)
    # Pending: the reopened light and two potholes; all late by 2027.
    assert [(r.secretariat, r.service.split()[0], r.pending, r.late) for r in late] == [
        ("SMSUrb", "Buraco", 2, 2),
        ("SMSUrb", "Lâmpada", 1, 1),
    ]
    assert [(r.secretariat, r.pending, r.late) for r in by_secretariat] == [("SMSUrb", 3, 3)]
    assert by_secretariat[0].oldest_due is not None and by_secretariat[0].oldest_due.tzinfo
    assert early[0].late < early[0].pending
    assert [
        (r.secretariat, r.requests, r.resolved, r.reopened, r.reopenings) for r in reopened
    ] == [("SMSUrb", 4, 2, 1, 1)]
    assert reopened[0].reopen_rate == pytest.approx(0.5)


def load_surveys(db: Database) -> None:
    with db.transaction() as session:
        agent = users.create_user(
            session,
            username="ana",
            full_name="Ana Souza",
            role=Role.AGENT,
            password="senha-segura-1",
        )
        pothole = session.scalar(select(ServiceType.id).where(ServiceType.code == "VIA-BURACO"))
        light = session.scalar(select(ServiceType.id).where(ServiceType.code == "ILUM-APAGADA"))
        for score, when, service, agent_id in (
            (5, at(3, 1), pothole, agent.id),
            (4, at(4, 1), pothole, agent.id),
            (1, at(3, 2), light, None),
            (3, at(1, 2, hour=1), light, agent.id),
            (5, at(1, 4), pothole, agent.id),  # outside the period
        ):
            session.add(
                SurveyResponse(
                    score=score,
                    at=when,
                    service_type_id=service,
                    agent_id=agent_id,
                    channel=Channel.PHONE,
                )
            )


def test_satisfaction_average_distribution_trend(migrated_db: Database) -> None:
    load_surveys(migrated_db)
    with migrated_db.transaction() as session:
        total = reports.satisfaction(session, JAN_FEB, SatisfactionDimension.TOTAL)
        months = reports.satisfaction(session, JAN_FEB, SatisfactionDimension.MONTH)
        agents = reports.satisfaction(session, JAN_FEB, SatisfactionDimension.AGENT)
        services = reports.satisfaction(session, JAN_FEB, SatisfactionDimension.SERVICE)
    (everything,) = total
    assert (everything.responses, everything.average) == (4, 3.25)
    assert (everything.score_1, everything.score_3, everything.score_4, everything.score_5) == (
        1,
        1,
        1,
        1,
    )
    assert everything.satisfied_share == pytest.approx(0.5)
    # 01:00 UTC on 1 February is still January in Porto Alegre.
    assert [(m.key, m.responses, m.average) for m in months] == [
        ("2026-01", 3, 4.0),
        ("2026-02", 1, 1.0),
    ]
    assert {(a.key, a.responses, a.average) for a in agents} == {
        ("Ana Souza", 3, 4.0),
        (reports.NO_KEY, 1, 1.0),
    }
    assert [(s.key.split()[0], s.responses, s.average) for s in services] == [
        ("Buraco", 2, 4.5),
        ("Lâmpada", 2, 2.0),
    ]


def test_tables_export_to_csv_text_and_pdf(migrated_db: Database, tmp_path: Path) -> None:
    load_requests(migrated_db)
    load_surveys(migrated_db)
    options = ReportOptions(timezone=TZ)
    with migrated_db.transaction() as session:
        tables = report_export.summary_tables(session, JAN_FEB, options, now=LATER)
    mix = next(t for t in tables if t.title.startswith("Canais"))
    out = io.StringIO()
    report_export.write_csv(mix, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["month"], r["total"], r["phone"]) for r in rows] == [
        ("2026-01", "3", "2"),
        ("2026-02", "1", "0"),
    ]
    by_channel = next(t for t in tables if t.title == "Satisfação por canal e mês")
    assert [(r[0], r[1], r[2]) for r in by_channel.rows] == [
        ("2026-01", Channel.PHONE, 3),
        ("2026-02", Channel.PHONE, 1),
    ]
    text = report_export.format_text(mix)
    assert "Telefone" in text and "2026-01" in text
    assert "sem dados" in report_export.format_text(ReportTable.of("Vazio", []))
    pdf = report_export.write_pdf_summary(
        tmp_path / "resumo.pdf", tables, title="Central 156 - resumo", subtitle="Jan-Fev 2026"
    )
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000


def test_satisfaction_by_channel_per_local_month(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        web_request = open_one(session, at(2, 1), "web")
        for score, when, channel, request_id in (
            (5, at(3, 1), Channel.PHONE, None),
            (2, at(4, 1), Channel.PHONE, None),
            (4, at(5, 1), Channel.WEB, web_request.id),
            (5, at(6, 1), Channel.WEB, web_request.id),
            (1, at(1, 2, hour=1), Channel.WEB, None),  # 22:00 on 31 January in Porto Alegre
            (3, at(2, 2), Channel.WHATSAPP, None),
            (5, at(1, 4), Channel.WEB, None),  # outside the period
        ):
            session.add(
                SurveyResponse(score=score, at=when, channel=channel, request_id=request_id)
            )
    with migrated_db.transaction() as session:
        rows = reports.satisfaction_by_channel(session, JAN_FEB)
    # Phone before web whatever the codes' alphabetical order.
    assert [(r.month, r.channel, r.responses, r.average) for r in rows] == [
        ("2026-01", Channel.PHONE, 2, 3.5),
        ("2026-01", Channel.WEB, 3, 3.33),
        ("2026-02", Channel.WHATSAPP, 1, 3.0),
    ]
    assert rows[1].satisfied_share == pytest.approx(2 / 3)
    assert rows[0].satisfied_share == pytest.approx(1 / 2)
    table = ReportTable.of("Satisfação por canal e mês", rows)
    assert table.headings()[:3] == ["Mês", "Canal", "Respostas"]
    assert [r[1] for r in table.formatted_rows()] == ["telefone", "web", "WhatsApp"]
    out = io.StringIO()
    report_export.write_csv(table, out)
    assert [r["channel"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == [
        "phone",
        "web",
        "whatsapp",
    ]


def load_duplicates(db: Database) -> tuple[str, str]:
    """A third pothole in January, reported twice more: one report closed as its duplicate at
    once, one resolved, reopened by the citizen, then found to be the same hole. Returns the
    duplicates' numbers."""
    with db.transaction() as session:
        parent = open_one(session, at(5, 1), "phone")
        again = open_one(session, at(7, 1), "app")
        reopened = open_one(session, at(8, 1), "web")
        requests.change_status(session, reopened, Status.RESOLVED, AGENT, "Tapado.", at(9, 1))
        requests.change_status(
            session, reopened, Status.REOPENED, Actor.system("citizen"), "Não.", at(10, 1)
        )
    with db.transaction() as session:
        parent = requests.get_request(session, parent.number)
        for request in (again, reopened):
            duplicates.mark_duplicate(
                session, requests.get_request(session, request.number), parent.number, AGENT
            )
        return again.number, reopened.number


def test_duplicates_are_counted_apart_from_the_resolved(migrated_db: Database) -> None:
    load_requests(migrated_db)
    load_duplicates(migrated_db)
    with migrated_db.transaction() as session:
        (smsurb,) = reports.reopened_by_secretariat(session, JAN_FEB)
        table = ReportTable.of("Reaberturas por secretaria", [smsurb])
    # 7 requests; resolved: the load's 2, plus the one resolved before it was found to be a
    # duplicate (its reopening still counts against the secretariat); the other duplicate was
    # never resolved by anyone.
    assert (smsurb.requests, smsurb.resolved, smsurb.duplicates) == (7, 3, 2)
    assert (smsurb.reopened, smsurb.reopenings) == (2, 2)
    assert smsurb.reopen_rate == pytest.approx(2 / 3)
    assert table.headings()[:5] == [
        "Secretaria",
        "Solicitações",
        "Resolvidas",
        "Duplicadas",
        "Reabertas",
    ]
    out = io.StringIO()
    report_export.write_csv(table, out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert (row["resolved"], row["duplicates"], row["reopened"]) == ("3", "2", "2")


def test_the_overview_counts_duplicates_apart_from_the_closed(migrated_db: Database) -> None:
    load_requests(migrated_db)
    load_duplicates(migrated_db)
    data = statistics.overview(migrated_db)
    assert data.duplicates == 2 and Status.CLOSED not in data.requests_by_status
    assert data.requests_by_status[Status.RESOLVED] == 1
    text = statistics.describe_overview(data)
    assert "requests: 7" in text and "duplicadas (unidas a outro protocolo): 2" in text
    assert "fechado" not in text
