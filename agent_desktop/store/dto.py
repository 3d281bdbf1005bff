"""Immutable values the views show. Built inside a transaction, safe to hand to any thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from citizen_center.domain.workflow import Role, Status
from citizen_center.services.citizens import AddressInput, CallSummary, RequestSummary


@dataclass(frozen=True)
class AgentUser:
    id: int
    username: str
    full_name: str
    role: Role
    phone_interface: str


@dataclass(frozen=True)
class CitizenView:
    id: int
    name: str
    cpf: str
    email: str
    phones: tuple[str, ...]  # E.164
    addresses: tuple[AddressInput, ...]


@dataclass(frozen=True)
class HistoryView:
    citizen: CitizenView
    requests: tuple[RequestSummary, ...]
    calls: tuple[CallSummary, ...]


@dataclass(frozen=True)
class ScreenPop:
    """What the desktop shows when a call rings: who may be calling and their history."""

    caller_number: str  # E.164 when valid
    candidates: tuple[CitizenView, ...]  # citizens with that phone (a shared landline: several)
    history: HistoryView | None  # of the IVR's citizen, or the only candidate
    consulted: RequestDetail | None  # the protocol the caller asked about in the IVR
    service_name: str = ""
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class ServiceOption:
    code: str
    name: str
    group: str
    keywords: tuple[str, ...]
    secretariat_code: str
    secretariat_name: str
    requires_address: bool
    allows_anonymous: bool
    deadline_text: str

    @property
    def search_text(self) -> str:
        return " ".join((self.name, self.group, *self.keywords)).lower()


@dataclass(frozen=True)
class FocalPointOption:
    id: int
    name: str
    secretariat_code: str
    secretariat_name: str
    is_primary: bool


@dataclass(frozen=True)
class RequestEventView:
    at: datetime
    status: Status
    note: str
    actor: str


@dataclass(frozen=True)
class RequestDetail:
    number: str
    service_name: str
    status: Status
    citizen_name: str
    address: str
    description: str
    secretariat: str
    focal_point: str
    created_at: datetime
    expected_at: datetime
    late: bool
    events: tuple[RequestEventView, ...] = field(default=())


@dataclass(frozen=True)
class NewRequest:
    """The request form's content."""

    service_code: str
    citizen_id: int | None
    address: AddressInput
    description: str
    secretariat_code: str | None = None  # another destination than the service's own
    focal_point_id: int | None = None
    forward_reason: str = ""


@dataclass(frozen=True)
class WrapUp:
    call_uniqueid: str
    caller_number: str
    queue: str
    agent_interface: str
    code: str
    citizen_id: int | None
    request_numbers: tuple[str, ...]
