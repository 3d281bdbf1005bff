"""Requests through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.domain.protocol import (
    format_protocol_number,
    make_protocol_number,
    parse_protocol_number,
)
from citizen_center.domain.workflow import Status
from citizen_center.errors import InvalidTransitionError, NotFoundError, ValidationError
from citizen_center.models import FocalPoint, RequestEvent, ServiceRequest
from citizen_center.services import requests
from citizen_center.services.catalogue import secretariat_by_code
from citizen_center.services.citizens import AddressInput, CitizenInput, register_citizen
from citizen_center.services.common import Actor

AGENT = Actor.system("agente-teste")
STREET = AddressInput(street="Avenida Ipiranga", house_number="1200", neighbourhood="Azenha")


def open_pothole(session: Session, **overrides: Any) -> ServiceRequest:
    arguments: dict[str, Any] = {
        "service_code": "VIA-BURACO",
        "channel": "phone",
        "actor": AGENT,
        "address": STREET,
        "description": "Buraco grande em frente ao número 1200",
    }
    arguments.update(overrides)
    return requests.open_request(session, **arguments)


def test_open_request_issues_a_number_and_forwards_to_the_focal_point(
    migrated_db: Database,
) -> None:
    with migrated_db.transaction() as session:
        created = open_pothole(session)
        number = created.number
    with migrated_db.transaction() as session:
        item = requests.get_request(session, number)
        assert parse_protocol_number(number) == number
        assert item.status is Status.FORWARDED
        assert item.secretariat.code == "SMSUrb"
        assert item.focal_point is not None and item.focal_point.is_primary
        assert [(e.from_status, e.to_status) for e in item.events] == [
            (None, Status.OPEN),
            (Status.OPEN, Status.FORWARDED),
        ]
        assert item.expected_at > item.created_at
        assert item.events[0].actor_label == "agente-teste"


def test_numbers_are_sequential_within_a_year(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        first = open_pothole(session).number
        second = open_pothole(session).number
    assert int(second[4:11]) == int(first[4:11]) + 1


def test_invalid_transition_raises_a_clear_error_and_writes_nothing(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        number = open_pothole(session).number
    with (
        pytest.raises(
            InvalidTransitionError, match="Não é possível passar de 'encaminhado' para 'fechado'"
        ),
        migrated_db.transaction() as session,
    ):
        requests.change_status(session, requests.get_request(session, number), Status.CLOSED, AGENT)
    with migrated_db.transaction() as session:
        item = requests.get_request(session, number)
        assert item.status is Status.FORWARDED
        assert (
            session.scalar(
                select(func.count())
                .select_from(RequestEvent)
                .where(RequestEvent.request_id == item.id)
            )
            == 2
        )


def test_full_workflow_with_reopen_records_every_event(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        item = open_pothole(session)
        requests.change_status(session, item, Status.IN_PROGRESS, AGENT, "Equipe a caminho")
        requests.change_status(session, item, Status.RESOLVED, AGENT, "Buraco tapado")
        with pytest.raises(ValidationError, match="motivo"):
            requests.change_status(session, item, Status.REOPENED, AGENT)
        requests.change_status(
            session, item, Status.REOPENED, AGENT, "Cidadão diz que não foi feito"
        )
        requests.change_status(session, item, Status.RESOLVED, AGENT, "Refeito")
        requests.change_status(session, item, Status.CLOSED, Actor.system("citizen"), "Confirmado")
        number = item.number
    with migrated_db.transaction() as session:
        item = requests.get_request(session, number)
        assert item.reopen_count == 1 and item.closed_at is not None
        assert [e.to_status for e in item.events] == [
            Status.OPEN,
            Status.FORWARDED,
            Status.IN_PROGRESS,
            Status.RESOLVED,
            Status.REOPENED,
            Status.RESOLVED,
            Status.CLOSED,
        ]


def test_forwarding_elsewhere_needs_a_reason(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        item = open_pothole(session)
        with pytest.raises(ValidationError, match="motivo"):
            requests.forward_request(session, item, AGENT, secretariat_code="DMAE")
        requests.forward_request(
            session,
            item,
            AGENT,
            secretariat_code="DMAE",
            reason="Buraco causado por vazamento de água",
        )
        assert item.secretariat_id == secretariat_by_code(session, "DMAE").id
        focal = session.get_one(FocalPoint, item.focal_point_id)
        assert focal.secretariat_id == item.secretariat_id


def test_address_and_identification_rules_from_the_catalogue(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        with pytest.raises(ValidationError, match="exige o endereço"):
            open_pothole(session, address=None)
        with pytest.raises(ValidationError, match="exige a identificação"):
            requests.open_request(
                session, service_code="AGUA-FALTA", channel="phone", actor=AGENT, address=STREET
            )
        with pytest.raises(NotFoundError):
            requests.open_request(session, service_code="NOPE", channel="phone", actor=AGENT)
        # Bus complaints need neither an address nor (when a citizen is given) more.
        citizen = register_citizen(session, CitizenInput(name="Ana Souza"), AGENT)
        bus = requests.open_request(
            session, service_code="ONIBUS-RECLAM", channel="app", actor=AGENT, citizen_id=citizen.id
        )
        assert bus.street == ""


def test_unknown_and_invalid_protocol_numbers(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        with pytest.raises(ValidationError):
            requests.get_request(session, "2026-1")
        unknown = format_protocol_number(make_protocol_number(2026, 999_999))
        with pytest.raises(NotFoundError, match="não encontrado"):
            requests.get_request(session, unknown)


def test_late_query(migrated_db: Database) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with migrated_db.transaction() as session:
        late = open_pothole(session, now=long_ago)
        resolved_late = open_pothole(session, now=long_ago)
        requests.change_status(session, resolved_late, Status.RESOLVED, AGENT, "ok")
        open_pothole(session)  # on time
        late_number = late.number
    with migrated_db.transaction() as session:
        found = requests.late_requests(session)
        assert [r.number for r in found] == [late_number]
        assert requests.count_late_by_secretariat(session) == {"SMSUrb": 1}
        assert requests.late_requests(session, secretariat_code="DMAE") == []
        assert requests.is_late(found[0])
