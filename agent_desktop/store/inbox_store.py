"""The focal point's inbox: the secretariat's requests and what its people do with them.

Thread-safety: safe from any thread (views call it from background jobs); one transaction per
method, immutable values out. Who may do what is ``citizen_center.services.inbox``'s business;
its refusals arrive as ``CitizenCenterError`` with pt-BR text the view shows as is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from agent_desktop.store.dto import RequestEventView
from citizen_center.db import Database
from citizen_center.models import Secretariat
from citizen_center.services import inbox
from citizen_center.services.inbox import InboxItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SecretariatOption:
    code: str
    name: str


class InboxStore:
    """See the module docstring. ``user_id``: the logged-in focal point."""

    def __init__(self, database: Database, user_id: int) -> None:
        self.database = database
        self.user_id = user_id

    def items(self) -> tuple[InboxItem, ...]:
        with self.database.transaction() as session:
            return tuple(inbox.inbox(session, self.user_id))

    def history(self, number: str) -> tuple[RequestEventView, ...]:
        """The request's history, fetched when the focal point opens it: audited as the view of
        the request (its address and description are shown beside it)."""
        with self.database.transaction() as session:
            actor = inbox.actor_of(session, self.user_id)
            return tuple(
                RequestEventView(e.at, e.to_status, e.note, e.actor_label)
                for e in inbox.history(session, number, actor)
            )

    def secretariats(self) -> tuple[SecretariatOption, ...]:
        with self.database.transaction() as session:
            rows = session.execute(
                select(Secretariat.code, Secretariat.name).order_by(Secretariat.code)
            )
            return tuple(SecretariatOption(code, name) for code, name in rows)

    def acknowledge(self, number: str, note: str = "") -> None:
        with self.database.transaction() as session:
            inbox.acknowledge(session, self.user_id, number, note)
        log.info("inbox acknowledge number=%s user=%d", number, self.user_id)

    def resolve(self, number: str, note: str) -> None:
        with self.database.transaction() as session:
            inbox.resolve(session, self.user_id, number, note)
        log.info("inbox resolve number=%s user=%d", number, self.user_id)

    def forward(self, number: str, secretariat_code: str, reason: str) -> None:
        with self.database.transaction() as session:
            inbox.forward_elsewhere(session, self.user_id, number, secretariat_code, reason)
        log.info("inbox forward number=%s to=%s user=%d", number, secretariat_code, self.user_id)

    def mark_duplicate(self, number: str, parent_number: str) -> str:
        """Close ``number`` as the duplicate of ``parent_number``; returns the protocol it was
        linked to (the root, when ``parent_number`` is itself a duplicate)."""
        with self.database.transaction() as session:
            parent = inbox.mark_duplicate(session, self.user_id, number, parent_number).number
        log.info("inbox duplicate number=%s of=%s user=%d", number, parent, self.user_id)
        return parent

    def unmark_duplicate(self, number: str, reason: str = "") -> None:
        with self.database.transaction() as session:
            inbox.unmark_duplicate(session, self.user_id, number, reason)
        log.info("inbox not duplicate number=%s user=%d", number, self.user_id)
