"""Immutable values the views show. Built inside a transaction, safe to hand to any thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

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
    # The protocol (digits) this one was closed as a duplicate of; empty when it is none.
    duplicate_of: str = ""


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
    """A saved wrap-up: what the store writes on the call's record."""

    call_uniqueid: str
    caller_number: str
    queue: str
    agent_interface: str
    code: str
    citizen_id: int | None
    request_numbers: tuple[str, ...]


@dataclass(frozen=True)
class PendingWrapUp:
    """A call that ended and still waits for its wrap-up code.

    Kept on disk as a draft until saved, so a crash of the app never lets the agent skip it. The
    draft keeps the key names of the dict it replaced: a draft written before an upgrade is
    still restored.
    """

    call_uniqueid: str
    caller_number: str
    queue: str
    citizen_id: int | None = None
    request_numbers: tuple[str, ...] = ()

    def with_citizen(self, citizen_id: int) -> PendingWrapUp:
        return replace(self, citizen_id=citizen_id)

    def with_requests(self, numbers: Sequence[str]) -> PendingWrapUp:
        return replace(self, request_numbers=tuple(numbers))

    def finished(self, code: str, agent_interface: str) -> WrapUp:
        return WrapUp(
            call_uniqueid=self.call_uniqueid,
            caller_number=self.caller_number,
            queue=self.queue,
            agent_interface=agent_interface,
            code=code,
            citizen_id=self.citizen_id,
            request_numbers=self.request_numbers,
        )

    def to_draft(self) -> dict[str, Any]:
        return {
            "uniqueid": self.call_uniqueid,
            "caller_number": self.caller_number,
            "queue": self.queue,
            "citizen_id": self.citizen_id,
            "requests": list(self.request_numbers),
        }

    @classmethod
    def from_draft(cls, data: Mapping[str, Any]) -> PendingWrapUp | None:
        """None when the draft is not one (hand-edited, truncated): nothing to restore."""
        uniqueid, citizen_id = data.get("uniqueid"), data.get("citizen_id")
        requests = data.get("requests", [])
        if not uniqueid or not isinstance(uniqueid, str) or not isinstance(requests, list):
            return None
        return cls(
            call_uniqueid=uniqueid,
            caller_number=str(data.get("caller_number") or ""),
            queue=str(data.get("queue") or ""),
            citizen_id=citizen_id if isinstance(citizen_id, int) else None,
            request_numbers=tuple(str(number) for number in requests),
        )
