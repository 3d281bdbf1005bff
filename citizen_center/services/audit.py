"""LGPD audit trail: every read or change of a citizen's personal data.

One row per view (not per field shown): who (``user_id``/``actor_label``), whose data
(``citizen_id``; none for a list of many), and why, as ``detail``: the purpose first (one of the
constants below, or the older free texts "history", "search", "lookup by ..."), then the
protocol numbers shown, so "who saw this citizen's requests" is answerable from the numbers too.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from citizen_center.models import AuditLog
from citizen_center.services.common import Actor

# Purposes of reads that show a request with its citizen's data.
REQUEST_VIEW = "request_view"  # a request opened by protocol: name, address, history
SCREEN_POP = "screen_pop"  # the request the caller asked about in the IVR, shown on the call
INBOX_LIST = "inbox_list"  # a secretariat's inbox: the addresses and descriptions of its requests
INBOX_VIEW = "inbox_view"  # one request of the inbox opened: its detail and history
DUPLICATE_LINK = "duplicate_link"  # the request another was marked as the duplicate of


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


# Built once: the statement is compiled once and cached, each call sends only its parameters.
def record_request_read(
    session: Session, actor: Actor, purpose: str, citizen_id: int | None, number: str
) -> None:
    """``actor`` was shown the request ``number`` (and its citizen's data) for ``purpose``."""
    record_access(session, actor, "read", citizen_id, f"{purpose} {number}")


def record_list_read(
    session: Session, actor: Actor, purpose: str, numbers: Sequence[str], scope: str = ""
) -> None:
    """``actor`` was shown a list of requests: one row for the whole list, naming them."""
    where = f" {scope}" if scope else ""
    record_access(
        session,
        actor,
        "read",
        None,
        f"{purpose}{where}: {len(numbers)} request(s) {' '.join(numbers)}".rstrip(),
    )
