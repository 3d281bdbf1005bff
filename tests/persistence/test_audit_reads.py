"""Issue 11 (LGPD): opening a request and the focal points' inbox are audited like citizen
lookups: one row per view, saying who, whose data (citizen id, protocol numbers) and why.
Through the stores the desktop uses, on both engines."""

from __future__ import annotations

from sqlalchemy import select

from agent_desktop.store.dto import AgentUser
from agent_desktop.store.inbox_store import InboxStore
from agent_desktop.store.service import DesktopStore
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.models import AuditLog
from citizen_center.services import citizens, requests, users
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import Actor

SYSTEM = Actor.system("test")


def _new_audit_rows(
    database: Database, after: int
) -> list[tuple[int | None, str, str, int | None, str]]:
    with database.transaction() as session:
        rows = session.execute(
            select(
                AuditLog.user_id,
                AuditLog.actor_label,
                AuditLog.action,
                AuditLog.citizen_id,
                AuditLog.detail,
            )
            .where(AuditLog.id > after)
            .order_by(AuditLog.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _last_audit_id(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0


def test_request_view_and_inbox_reads_are_audited(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        citizen_id = citizens.register_citizen(
            session, CitizenInput(name="Maria Auditada", phones=["51999990001"]), SYSTEM
        ).id
        number = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="phone",
            actor=SYSTEM,
            citizen_id=citizen_id,
            address=AddressInput(street="Rua da Praia", house_number="100", neighbourhood="Centro"),
        ).number
        agent = users.create_user(
            session,
            username="agente.audit",
            full_name="Agente Audit",
            role=Role.AGENT,
            password="senha-segura-1",
        )
        agent_id = agent.id
        focal_id = users.create_user(
            session,
            username="pf.audit",
            full_name="Ponto Focal",
            role=Role.FOCAL_POINT,
            password="senha-segura-1",
            secretariat_code="SMSUrb",
        ).id

    # An agent opens the request by its protocol (the desktop's request search → detail).
    store = DesktopStore(migrated_db)
    store.adopt(AgentUser(agent_id, "agente.audit", "Agente Audit", Role.AGENT, ""))
    mark = _last_audit_id(migrated_db)
    detail = store.request(number)
    assert detail.citizen_name == "Maria Auditada" and "Rua da Praia" in detail.address
    assert _new_audit_rows(migrated_db, mark) == [
        (agent_id, "agente.audit", "read", citizen_id, f"request_view {number}")
    ]

    # The focal point's inbox: one row for the list (naming the requests), one for the detail.
    inbox = InboxStore(migrated_db, focal_id)
    mark = _last_audit_id(migrated_db)
    items = inbox.items()
    assert number in [i.number for i in items]
    (listed,) = _new_audit_rows(migrated_db, mark)
    assert listed[:4] == (focal_id, "pf.audit", "read", None)
    assert listed[4].startswith("inbox_list secretariat=") and number in listed[4]

    mark = _last_audit_id(migrated_db)
    assert inbox.history(number)
    assert _new_audit_rows(migrated_db, mark) == [
        (focal_id, "pf.audit", "read", citizen_id, f"inbox_view {number}")
    ]
