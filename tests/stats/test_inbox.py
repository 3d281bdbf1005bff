"""The focal points' inbox: deadline order, late flags, the whole flow to reopening and closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.domain.workflow import Role, Status
from citizen_center.errors import InvalidTransitionError, ValidationError
from citizen_center.services import inbox, requests, users
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import Actor
from citizen_center.services.inbox import NotAllowedError

AGENT = Actor.system("agente-teste")
STREET = AddressInput(street="Rua da Praia", house_number="100", neighbourhood="Centro")
MONDAY = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def focal_user(session: Session, username: str, secretariat: str) -> int:
    return users.create_user(
        session,
        username=username,
        full_name=username.title(),
        role=Role.FOCAL_POINT,
        password="senha-segura-1",
        secretariat_code=secretariat,
    ).id


def open_pothole(session: Session, when: datetime) -> str:
    return requests.open_request(
        session, service_code="VIA-BURACO", channel="phone", actor=AGENT, address=STREET, now=when
    ).number


def test_inbox_flow_through_dispute_reopen_and_auto_close(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        smsurb = focal_user(session, "pf.smsurb.teste", "SMSUrb")
        dmae = focal_user(session, "pf.dmae.teste", "DMAE")
        late_one = open_pothole(session, MONDAY - timedelta(days=60))
        recent = open_pothole(session, MONDAY)

    with migrated_db.transaction() as session:
        items = inbox.inbox(session, smsurb, now=MONDAY + timedelta(days=1))
        assert [i.number for i in items] == [late_one, recent]  # nearest deadline first
        assert [i.late for i in items] == [True, False] and items[0].days_late > 20
        assert inbox.inbox(session, dmae) == []
        with pytest.raises(NotAllowedError):
            inbox.acknowledge(session, dmae, recent)

    with migrated_db.transaction() as session:
        inbox.acknowledge(session, smsurb, recent, now=MONDAY + timedelta(hours=1))
        with pytest.raises(ValidationError):
            inbox.resolve(session, smsurb, recent, "   ")
        inbox.resolve(
            session, smsurb, recent, "Buraco tapado com asfalto.", now=MONDAY + timedelta(days=2)
        )
    with migrated_db.transaction() as session:
        resolved = requests.get_request(session, recent)
        assert resolved.status is Status.RESOLVED
        assert inbox.resolution_note(resolved) == "Buraco tapado com asfalto."
        assert recent not in [i.number for i in inbox.inbox(session, smsurb)]

    # The citizen says it is not fixed: reopened, back in the inbox, counted on the request.
    with migrated_db.transaction() as session:
        with pytest.raises(ValidationError):
            inbox.dispute_resolution(session, recent, "")
        inbox.dispute_resolution(
            session, recent, "O buraco continua lá.", now=MONDAY + timedelta(days=3)
        )
    with migrated_db.transaction() as session:
        item = next(i for i in inbox.inbox(session, smsurb) if i.number == recent)
        assert item.status is Status.REOPENED and item.reopen_count == 1
        inbox.resolve(session, smsurb, recent, "Refeito o reparo.", now=MONDAY + timedelta(days=4))

    # Nobody confirms: closed only once the configured days have passed, and only once.
    with migrated_db.transaction() as session:
        assert inbox.close_expired_resolutions(session, 7, now=MONDAY + timedelta(days=10)) == 0
    with migrated_db.transaction() as session:
        assert inbox.close_expired_resolutions(session, 7, now=MONDAY + timedelta(days=12)) == 1
    with migrated_db.transaction() as session:
        assert inbox.close_expired_resolutions(session, 7, now=MONDAY + timedelta(days=30)) == 0
        history = inbox.history(session, recent)
    assert [e.to_status for e in history] == [
        Status.OPEN,
        Status.FORWARDED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.REOPENED,
        Status.RESOLVED,
        Status.CLOSED,
    ]
    assert [e.actor_label for e in history[2:]] == [
        "pf.smsurb.teste",
        "pf.smsurb.teste",
        "citizen",
        "pf.smsurb.teste",
        "system",
    ]
    assert history[2].actor_id == smsurb
    assert history[-1].at == MONDAY + timedelta(days=12)

    # A closed request can still be disputed; a cancelled-like misuse is refused.
    with migrated_db.transaction() as session:
        inbox.dispute_resolution(session, recent, "Abriu de novo.")
        assert requests.get_request(session, recent).reopen_count == 2
        with pytest.raises(InvalidTransitionError):
            inbox.confirm_resolution(session, recent)


def test_forward_to_another_secretariat_and_citizen_confirmation(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        smsurb = focal_user(session, "pf.smsurb.teste", "SMSUrb")
        dmae = focal_user(session, "pf.dmae.teste", "DMAE")
        number = open_pothole(session, MONDAY)
    with migrated_db.transaction() as session:
        with pytest.raises(ValidationError):
            inbox.forward_elsewhere(session, smsurb, number, "DMAE", "")
        inbox.forward_elsewhere(
            session, smsurb, number, "DMAE", "Vazamento de água sob o asfalto: é do DMAE."
        )
    with migrated_db.transaction() as session:
        assert inbox.inbox(session, smsurb) == []
        (item,) = inbox.inbox(session, dmae)
        assert item.number == number and item.status is Status.FORWARDED
        forwarded = requests.get_request(session, number).events[-1]
        assert forwarded.note.startswith("Vazamento") and forwarded.actor_id == smsurb
        inbox.resolve(session, dmae, number, "Vazamento consertado.")
        inbox.confirm_resolution(session, number)
        assert requests.get_request(session, number).status is Status.CLOSED


def test_only_focal_points_use_the_inbox(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        agent = users.create_user(
            session,
            username="agente.x",
            full_name="Agente X",
            role=Role.AGENT,
            password="senha-segura-1",
        )
        with pytest.raises(NotAllowedError):
            inbox.inbox(session, agent.id)
