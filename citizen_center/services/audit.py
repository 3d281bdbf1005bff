"""LGPD audit trail: every read or change of a citizen's personal data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citizen_center.models import AuditLog
from citizen_center.services.common import Actor


def record_access(
    session: Session, actor: Actor, action: str, citizen_id: int | None, detail: str = ""
) -> None:
    session.add(
        AuditLog(
            user_id=actor.user_id,
            actor_label=actor.label,
            action=action,
            citizen_id=citizen_id,
            detail=detail,
        )
    )
