"""Duplicate requests (issue 13): marking one as the duplicate of another, the rules that refuse
a link, the root it always points to, and undoing a mistake; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.domain.protocol import format_protocol_number, make_protocol_number
from citizen_center.domain.workflow import Channel, Status
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import AuditLog
from citizen_center.services import duplicates, inbox, requests
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import Actor
from citizen_center.services.duplicates import DuplicateError
from citizen_center.services.inbox import NotAllowedError
from tests.stats.test_inbox import focal_user

AGENT = Actor.system("agente-teste")
STREET = AddressInput(street="Avenida Ipiranga", house_number="1200", neighbourhood="Azenha")
MONDAY = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def open_one(session: Session, service: str = "VIA-BURACO", hours: int = 0) -> str:
    return requests.open_request(
        session,
        service_code=service,
        channel="phone",
        actor=AGENT,
        address=STREET,
        now=MONDAY + timedelta(hours=hours),
    ).number


def mark(session: Session, number: str, parent: str, when: datetime = MONDAY) -> None:
    request = requests.get_request(session, number)
    duplicates.mark_duplicate(
        session, request, parent, AGENT, now=when + timedelta(days=1), channel=Channel.PHONE
    )


def test_a_duplicate_is_closed_linked_to_its_parent_and_says_so(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        focal = focal_user(session, "pf.smsurb.dup", "SMSUrb")
        first, again = open_one(session), open_one(session, hours=1)
        inbox.acknowledge(session, focal, again)
    with migrated_db.transaction() as session:
        parent = inbox.mark_duplicate(
            session, focal, again, format_protocol_number(first), now=MONDAY + timedelta(days=1)
        )
        assert parent.number == first
    with migrated_db.transaction() as session:
        duplicate = requests.get_request(session, again)
        assert duplicate.status is Status.CLOSED
        assert duplicate.closed_at == MONDAY + timedelta(days=1)
        assert duplicates.parent_number(session, again) == first
        last = duplicate.events[-1]
        assert (last.from_status, last.to_status) == (Status.IN_PROGRESS, Status.CLOSED)
        assert last.note == f"Duplicada do protocolo {format_protocol_number(first)}."
        assert last.actor_label == "pf.smsurb.dup" and last.actor_id == focal
        assert last.at == MONDAY + timedelta(days=1)
        assert last.duplicate_of_id == requests.get_request(session, first).id
        assert again not in [i.number for i in inbox.inbox(session, focal)]
        assert [
            r.number
            for r in duplicates.duplicates_of(session, requests.get_request(session, first))
        ] == [again]
        # The parent was shown to confirm the link: its read is audited with the purpose.
        details = session.scalars(select(AuditLog.detail).order_by(AuditLog.id)).all()
        assert f"duplicate_link {first}" in details
        assert duplicates.parent_number(session, first) is None


def test_the_event_keeps_the_channel_of_the_change(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        first, again = open_one(session), open_one(session)
        mark(session, again, first)
    with migrated_db.transaction() as session:
        assert requests.get_request(session, again).events[-1].channel is Channel.PHONE


def test_every_bad_link_is_refused_with_a_clear_message(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        first, again = open_one(session), open_one(session)
        light = open_one(session, "ILUM-APAGADA")
        cancelled = open_one(session)
        requests.change_status(
            session, requests.get_request(session, cancelled), Status.CANCELLED, AGENT, "engano"
        )
        resolved = open_one(session)
        requests.change_status(
            session, requests.get_request(session, resolved), Status.RESOLVED, AGENT, "feito"
        )
    cases = [
        (again, again, "não pode ser duplicado dele mesmo"),
        (again, light, "é de outro serviço"),
        (again, cancelled, "foi cancelado"),
        (resolved, first, "só uma solicitação ainda em atendimento"),
    ]
    for number, parent, message in cases:
        with pytest.raises(DuplicateError, match=message), migrated_db.transaction() as session:
            mark(session, number, parent)
    with pytest.raises(NotFoundError), migrated_db.transaction() as session:
        mark(session, again, make_protocol_number(2026, 9_999_999))
    with pytest.raises(ValidationError), migrated_db.transaction() as session:
        mark(session, again, "não é um protocolo")
    with migrated_db.transaction() as session:  # nothing was written by any refusal
        assert requests.get_request(session, again).status is Status.FORWARDED
        assert requests.get_request(session, again).duplicate_of_id is None
    with migrated_db.transaction() as session:
        mark(session, again, first)
    with pytest.raises(DuplicateError, match="já está marcado"), migrated_db.transaction() as s:
        mark(s, again, first)


def test_links_always_go_to_the_root(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        root, middle, child, late = (open_one(session, hours=h) for h in range(4))
        mark(session, child, middle)  # child → middle
    with migrated_db.transaction() as session:
        mark(session, middle, root)  # middle → root: its duplicate moves along
        mark(session, late, middle)  # a duplicate named as parent: linked to its root
    with migrated_db.transaction() as session:
        parent_of = {n: duplicates.parent_number(session, n) for n in (middle, child, late)}
        assert parent_of == {middle: root, child: root, late: root}
        moved = requests.get_request(session, child).events[-1]
        assert (moved.from_status, moved.to_status) == (Status.CLOSED, Status.CLOSED)
        assert format_protocol_number(middle) in moved.note
    with pytest.raises(DuplicateError, match="dele mesmo"), migrated_db.transaction() as session:
        # The root as a duplicate of one of its own duplicates would be a loop.
        mark(session, root, child)


def test_unmark_returns_the_status_it_had_without_a_reopening(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        focal = focal_user(session, "pf.smsurb.undo", "SMSUrb")
        other = focal_user(session, "pf.dmae.undo", "DMAE")
        first, again = open_one(session), open_one(session)
        inbox.acknowledge(session, focal, again)
        inbox.mark_duplicate(session, focal, again, first)
    with pytest.raises(NotAllowedError), migrated_db.transaction() as session:
        inbox.unmark_duplicate(session, other, again)
    with migrated_db.transaction() as session:
        inbox.unmark_duplicate(session, focal, again, "endereços diferentes")
    with migrated_db.transaction() as session:
        restored = requests.get_request(session, again)
        assert restored.status is Status.IN_PROGRESS
        assert restored.duplicate_of_id is None and restored.closed_at is None
        assert restored.reopen_count == 0
        note = restored.events[-1].note
        assert note.startswith(f"Não é duplicada do protocolo {format_protocol_number(first)}")
        assert note.endswith("endereços diferentes")
        assert again in [i.number for i in inbox.inbox(session, focal)]
        with pytest.raises(DuplicateError, match="não está marcado"):
            inbox.unmark_duplicate(session, focal, again)


def test_reopening_a_duplicate_drops_its_link(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        first, again = open_one(session), open_one(session)
        mark(session, again, first)
    with migrated_db.transaction() as session:
        request = requests.get_request(session, again)
        requests.change_status(session, request, Status.REOPENED, AGENT, "É outro buraco.")
    with migrated_db.transaction() as session:
        reopened = requests.get_request(session, again)
        assert reopened.status is Status.REOPENED and reopened.duplicate_of_id is None
