"""``DesktopStore``: every database operation the desktop performs, one transaction each.

Thread-safety: safe to call from any thread (the views call it from background jobs). It holds
only the thread-safe ``Database``, an immutable policy and the logged-in actor; every method
opens its own transaction and returns immutable values (``store.dto``), never ORM objects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent_desktop.store.dto import (
    AgentUser,
    CitizenView,
    FocalPointOption,
    HistoryView,
    NewRequest,
    RequestDetail,
    RequestEventView,
    ScreenPop,
    ServiceOption,
    WrapUp,
)
from citizen_center.db import Database
from citizen_center.domain.identifiers import normalize_phone
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.domain.workflow import Channel, Status
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import Citizen, FocalPoint, Secretariat, ServiceRequest, ServiceType
from citizen_center.services import calls, citizens, duplicates, request_search, requests
from citizen_center.services.audit import SCREEN_POP
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy

log = logging.getLogger(__name__)

# Every role works in the desktop; the app shows each its own window (``app.run``).


class DesktopStore:
    """The desktop's gateway to ``citizen_center`` (see the module docstring)."""

    def __init__(self, database: Database, policy: Policy = DEFAULT_POLICY) -> None:
        self.database = database
        self.policy = policy
        self.actor = Actor.system("desktop")

    def ping(self) -> None:
        """A round trip to the database (the banner's retry)."""
        with self.database.transaction() as session:
            session.execute(select(1))

    # ---------------------------------------------------------------- login

    def adopt(self, agent: AgentUser) -> None:
        """Act as ``agent`` from now on (audit trail, LGPD access log). The password was checked
        by the agent gateway at login, with its lockout and recorded attempts."""
        self.actor = Actor.user(agent.id, agent.username)
        log.info("desk user=%s role=%s", agent.username, agent.role.value)

    # ---------------------------------------------------------------- screen pop

    def screen_pop(
        self, caller_number: str, citizen_id: int | None, protocol: str, service_code: str
    ) -> ScreenPop:
        began = time.perf_counter()
        with self.database.transaction() as session:
            e164 = self._e164(caller_number)
            found = (
                citizens.find_citizens_by_phone(session, e164, self.actor, self.policy)
                if e164
                else []
            )
            candidates = tuple(_citizen_view(c) for c in found)
            chosen = (
                citizen_id
                if citizen_id is not None
                else (candidates[0].id if len(candidates) == 1 else None)
            )
            history = self._history(session, chosen) if chosen is not None else None
            consulted = self._consulted(session, protocol)
            service_name = self._service_name(session, service_code)
        return ScreenPop(
            e164 or caller_number,
            candidates,
            history,
            consulted,
            service_name,
            (time.perf_counter() - began) * 1000,
        )

    def _e164(self, number: str) -> str:
        try:
            return normalize_phone(number, self.policy.default_area_code)
        except ValidationError:
            return ""

    def _history(self, session: Session, citizen_id: int) -> HistoryView | None:
        try:
            history = citizens.citizen_history(session, citizen_id, self.actor, limit=30)
        except NotFoundError:
            return None
        return HistoryView(
            _citizen_view(history.citizen), tuple(history.requests), tuple(history.calls)
        )

    def _consulted(self, session: Session, protocol: str) -> RequestDetail | None:
        if not protocol:
            return None
        try:
            request = requests.view_request(session, protocol, self.actor, SCREEN_POP)
            return _request_detail(request, self.policy)
        except (NotFoundError, ValidationError):
            return None

    @staticmethod
    def _service_name(session: Session, code: str) -> str:
        if not code:
            return ""
        return session.scalar(select(ServiceType.name).where(ServiceType.code == code)) or code

    def history(self, citizen_id: int) -> HistoryView | None:
        with self.database.transaction() as session:
            return self._history(session, citizen_id)

    # ---------------------------------------------------------------- citizens

    def save_citizen(self, citizen_id: int | None, data: CitizenInput) -> CitizenView:
        with self.database.transaction() as session:
            if citizen_id is None:
                row = citizens.register_citizen(session, data, self.actor, self.policy)
            else:
                row = citizens.update_citizen(session, citizen_id, data, self.actor, self.policy)
            return _citizen_view(row)

    def search_citizens(self, text: str) -> tuple[CitizenView, ...]:
        with self.database.transaction() as session:
            return tuple(
                _citizen_view(c) for c in citizens.search_citizens(session, text, self.actor)
            )

    # ---------------------------------------------------------------- catalogue

    def services(self) -> tuple[ServiceOption, ...]:
        with self.database.transaction() as session:
            rows = session.execute(
                select(ServiceType, Secretariat)
                .join(Secretariat, ServiceType.secretariat_id == Secretariat.id)
                .where(ServiceType.active)
                .order_by(ServiceType.name)
            ).all()
            return tuple(_service_option(s, sec, self.policy) for s, sec in rows)

    def focal_points(self) -> tuple[FocalPointOption, ...]:
        with self.database.transaction() as session:
            rows = session.execute(
                select(FocalPoint, Secretariat)
                .join(Secretariat, FocalPoint.secretariat_id == Secretariat.id)
                .order_by(Secretariat.code, FocalPoint.is_primary.desc(), FocalPoint.name)
            ).all()
            return tuple(
                FocalPointOption(fp.id, fp.name, sec.code, sec.name, fp.is_primary)
                for fp, sec in rows
            )

    # ---------------------------------------------------------------- requests

    def open_request(
        self, data: NewRequest, call_uniqueid: str = "", caller_number: str = ""
    ) -> RequestDetail:
        with self.database.transaction() as session:
            call_id = self._call_id(session, call_uniqueid, caller_number, data.citizen_id)
            custom = data.secretariat_code is not None or data.focal_point_id is not None
            request = requests.open_request(
                session,
                service_code=data.service_code,
                channel=Channel.PHONE,
                actor=self.actor,
                citizen_id=data.citizen_id,
                address=data.address,
                description=data.description,
                call_id=call_id,
                forward=not custom,
                policy=self.policy,
            )
            if custom:
                requests.forward_request(
                    session,
                    request,
                    self.actor,
                    secretariat_code=data.secretariat_code,
                    focal_point_id=data.focal_point_id,
                    reason=data.forward_reason,
                )
            session.flush()
            log.info("request opened number=%s service=%s", request.number, data.service_code)
            return _request_detail(requests.get_request(session, request.number), self.policy)

    def _call_id(
        self, session: Session, uniqueid: str, caller: str, citizen_id: int | None
    ) -> int | None:
        if not uniqueid:
            return None
        return calls.start_call(
            session,
            uniqueid=uniqueid,
            caller_number=self._e164(caller) or caller,
            citizen_id=citizen_id,
        ).id

    def request(self, number: str) -> RequestDetail:
        """A request opened by the agent (citizen's name, address, history): audited."""
        with self.database.transaction() as session:
            return _request_detail(requests.view_request(session, number, self.actor), self.policy)

    def find_requests(self, text: str) -> tuple[request_search.RequestMatch, ...]:
        with self.database.transaction() as session:
            return tuple(
                request_search.search_requests(session, text, self.actor, policy=self.policy)
            )

    def add_note(self, number: str, note: str) -> RequestDetail:
        with self.database.transaction() as session:
            request = requests.get_request(session, number)
            requests.add_note(session, request, self.actor, note)
            return self._fresh_detail(session, request)

    def reopen(self, number: str, reason: str) -> RequestDetail:
        """Reopen a request whose closure the citizen disputes, and send it back to the
        secretariat (the reason travels with it)."""
        with self.database.transaction() as session:
            request = requests.get_request(session, number)
            requests.change_status(session, request, Status.REOPENED, self.actor, reason)
            requests.forward_request(
                session, request, self.actor, reason=f"Reaberto: {reason.strip()}"
            )
            return self._fresh_detail(session, request)

    def mark_duplicate(self, number: str, parent_number: str) -> RequestDetail:
        """The citizen reports what another protocol already has: closed as its duplicate."""
        with self.database.transaction() as session:
            request = requests.get_request(session, number)
            duplicates.mark_duplicate(session, request, parent_number, self.actor)
            return self._fresh_detail(session, request)

    def unmark_duplicate(self, number: str) -> RequestDetail:
        """Not the same problem after all: back to the status it had."""
        with self.database.transaction() as session:
            request = requests.get_request(session, number)
            duplicates.unmark_duplicate(session, request, self.actor)
            return self._fresh_detail(session, request)

    def _fresh_detail(self, session: Session, request: ServiceRequest) -> RequestDetail:
        """The request as the change left it (its events reloaded), for the view to show."""
        session.flush()
        session.expire(request)
        return _request_detail(requests.get_request(session, request.number), self.policy)

    # ---------------------------------------------------------------- calls

    def call_answered(
        self, uniqueid: str, caller_number: str, queue: str, interface: str, citizen_id: int | None
    ) -> None:
        _retry_on_race(
            lambda: self._call_answered(uniqueid, caller_number, queue, interface, citizen_id)
        )

    def _call_answered(
        self, uniqueid: str, caller_number: str, queue: str, interface: str, citizen_id: int | None
    ) -> None:
        with self.database.transaction() as session:
            call = calls.start_call(
                session,
                uniqueid=uniqueid,
                caller_number=self._e164(caller_number) or caller_number,
                citizen_id=citizen_id,
            )
            agent_id = self.actor.user_id
            calls.mark_answered(
                session, call, queue=queue, agent_interface=interface, agent_id=agent_id
            )

    def save_wrapup(self, wrapup: WrapUp) -> None:
        """The wrap-up code, linked to the requests made; idempotent (a retry is harmless)."""
        _retry_on_race(lambda: self._save_wrapup(wrapup))

    def _save_wrapup(self, wrapup: WrapUp) -> None:
        with self.database.transaction() as session:
            call = calls.start_call(
                session,
                uniqueid=wrapup.call_uniqueid,
                caller_number=self._e164(wrapup.caller_number) or wrapup.caller_number,
                citizen_id=wrapup.citizen_id,
            )
            calls.mark_answered(
                session,
                call,
                queue=wrapup.queue,
                agent_interface=wrapup.agent_interface,
                agent_id=self.actor.user_id,
            )
            calls.set_wrapup(session, call, wrapup.code)
            for number in wrapup.request_numbers:
                calls.link_request(session, call, requests.get_request(session, number), "created")
            calls.finish_call(session, call, CallOutcome.ANSWERED)
        log.info(
            "wrap-up saved call=%s code=%s requests=%d",
            wrapup.call_uniqueid,
            wrapup.code,
            len(wrapup.request_numbers),
        )


def _retry_on_race(operation: Callable[[], None]) -> None:
    """The IVR, the "answered" job and the wrap-up may all create the same call row at once
    (``start_call`` is get-or-create): the loser of that race simply runs again and finds it."""
    try:
        operation()
    except IntegrityError:
        log.info("call row created concurrently; retrying once")
        operation()


# -------------------------------------------------------------------- conversions


def _citizen_view(citizen: Citizen) -> CitizenView:
    return CitizenView(
        id=citizen.id,
        name=citizen.name,
        cpf=citizen.cpf or "",
        email=citizen.email,
        phones=tuple(p.e164 for p in citizen.phones),
        addresses=tuple(
            AddressInput(
                a.street,
                a.house_number,
                a.complement,
                a.neighbourhood,
                a.city,
                a.zipcode,
                a.reference,
            )
            for a in citizen.addresses
        ),
    )


def _service_option(
    service: ServiceType, secretariat: Secretariat, policy: Policy
) -> ServiceOption:
    deadline = requests.deadline_of(service, policy)
    units = {"business": "dias úteis", "calendar": "dias corridos", "immediate": "imediato"}
    unit = units.get(deadline.kind.value, "dias")
    text = unit if deadline.kind.value == "immediate" else f"{deadline.days} {unit}"
    return ServiceOption(
        code=service.code,
        name=service.name,
        group=service.group_name,
        keywords=tuple(service.keywords or ()),
        secretariat_code=secretariat.code,
        secretariat_name=secretariat.name,
        requires_address=service.requires_address,
        allows_anonymous=service.allows_anonymous,
        deadline_text=text,
    )


def _request_detail(request: ServiceRequest, policy: Policy) -> RequestDetail:
    address = ", ".join(
        p for p in (request.street, request.house_number, request.neighbourhood) if p
    )
    focal = request.focal_point.name if request.focal_point else ""
    return RequestDetail(
        number=request.number,
        service_name=request.service_type.name,
        status=request.status,
        citizen_name=request.citizen.name if request.citizen else "",
        address=address,
        description=request.description,
        secretariat=f"{request.secretariat.code} — {request.secretariat.name}",
        focal_point=focal,
        created_at=request.created_at,
        expected_at=request.expected_at,
        late=requests.is_late(request),
        events=tuple(
            RequestEventView(e.at, e.to_status, e.note, e.actor_label) for e in request.events
        ),
        duplicate_of=request.duplicate_of.number if request.duplicate_of else "",
    )
