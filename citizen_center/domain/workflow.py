"""The life of a service request ("protocolo") and the changes it allows."""

from __future__ import annotations

import enum

from citizen_center.errors import InvalidTransitionError


class Status(enum.StrEnum):
    OPEN = "open"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"

    @property
    def label_pt(self) -> str:
        return STATUS_LABELS_PT[self]


STATUS_LABELS_PT = {
    Status.OPEN: "aberto",
    Status.FORWARDED: "encaminhado",
    Status.IN_PROGRESS: "em andamento",
    Status.RESOLVED: "resolvido",
    Status.CLOSED: "fechado",
    Status.REOPENED: "reaberto",
    Status.CANCELLED: "cancelado",
}

# Forwarding again (to another secretariat) is a transition to the same status.
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset(
        {Status.FORWARDED, Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}
    ),
    Status.FORWARDED: frozenset(
        {Status.FORWARDED, Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}
    ),
    Status.IN_PROGRESS: frozenset({Status.FORWARDED, Status.RESOLVED, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset(
        {Status.FORWARDED, Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}
    ),
    Status.CANCELLED: frozenset(),
}

# Requests in these states no longer count towards "late".
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED, Status.CANCELLED})
PENDING = frozenset(Status) - FINISHED


def check_transition(current: Status, target: Status) -> None:
    if target not in ALLOWED[current]:
        allowed = ", ".join(sorted(s.label_pt for s in ALLOWED[current])) or "nenhuma"
        raise InvalidTransitionError(
            f"Não é possível passar de '{current.label_pt}' para '{target.label_pt}'. "
            f"Mudanças permitidas a partir de '{current.label_pt}': {allowed}."
        )


class Channel(enum.StrEnum):
    PHONE = "phone"
    APP = "app"
    WHATSAPP = "whatsapp"
    WEB = "web"
    EMAIL = "email"
    IN_PERSON = "in_person"

    @property
    def label_pt(self) -> str:
        return CHANNEL_LABELS_PT[self]


CHANNEL_LABELS_PT = {
    Channel.PHONE: "telefone",
    Channel.APP: "aplicativo",
    Channel.WHATSAPP: "WhatsApp",
    Channel.WEB: "web",
    Channel.EMAIL: "e-mail",
    Channel.IN_PERSON: "presencial",
}


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    FOCAL_POINT = "focal_point"
    ADMIN = "admin"
