"""Requests citizens file and follow themselves (the web page): the same protocols, deadlines,
focal points and surveys as the phone, with the channel ``web``.

Whoever files on the page gets, beside the protocol number, a secret follow code (kept only as
its SHA-256): anyone may read a protocol's public status, but only the holder of the code may
confirm or dispute its closure and rate the service. The code has 60 random bits, so a plain
hash is enough (no password stretching needed for a secret nobody chose).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.domain.identifiers import names_agree, normalize_phone, same_name
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import PENDING, Channel, Status
from citizen_center.errors import CitizenCenterError, ValidationError
from citizen_center.models import Citizen, RequestEvent, ServiceRequest, SurveyResponse
from citizen_center.services import inbox
from citizen_center.services.citizens import (
    AddressInput,
    CitizenInput,
    find_citizen_by_cpf,
    find_citizens_by_phone,
    register_citizen,
)
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy
from citizen_center.services.photos import PreparedPhoto, attach_photos, photo_numbers
from citizen_center.services.requests import get_request, open_request
from citizen_center.services.surveys import record_survey

# Who acts on the page: no user, the citizen through the web (audit rows and events).
WEB_ACTOR = Actor.system("web")
CITIZEN_ON_WEB = Actor.system("citizen")
MAX_DESCRIPTION = 4000  # Open311's limit too
MAX_COMMENT = 2000
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed back
CODE_LENGTH = 12
CODE_GROUP = 4


class WrongFollowCodeError(CitizenCenterError, PermissionError):
    """The follow code does not match the protocol (or the protocol was not filed on the page)."""


@dataclass(frozen=True)
class Identification:
    """Who filed, when they want to say: name plus a phone or a CPF (all optional together)."""

    name: str = ""
    phone: str = ""
    cpf: str = ""

    @property
    def given(self) -> bool:
        return any(part.strip() for part in (self.name, self.phone, self.cpf))


@dataclass(frozen=True)
class OnlineFiling:
    service_code: str
    address: AddressInput
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None
    identification: Identification = field(default_factory=Identification)
    photos: tuple[PreparedPhoto, ...] = ()


@dataclass(frozen=True)
class FiledRequest:
    number: str
    service_name: str
    expected_at: datetime
    follow_code: str


def new_follow_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def follow_code_hash(code: str) -> str:
    """The hash of the code as typed: case, spaces and dashes do not matter."""
    canonical = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(canonical.encode()).hexdigest()


def file_online(
    session: Session, filing: OnlineFiling, policy: Policy = DEFAULT_POLICY
) -> FiledRequest:
    """Open the request (forwarded to the focal point), keep its point and photos, link the
    citizen when identified, and return the protocol with its new follow code. Everything in the
    caller's transaction: a failure anywhere leaves nothing behind."""
    _check_point(filing.latitude, filing.longitude)
    description = filing.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(f"A descrição passa de {MAX_DESCRIPTION} caracteres.")
    citizen_id = _identified_citizen(session, filing.identification, policy)
    request = open_request(
        session,
        service_code=filing.service_code,
        channel=Channel.WEB,
        actor=WEB_ACTOR,
        citizen_id=citizen_id,
        address=filing.address,
        description=description,
        policy=policy,
    )
    request.latitude, request.longitude = filing.latitude, filing.longitude
    code = new_follow_code()
    request.follow_code_hash = follow_code_hash(code)
    attach_photos(session, request, list(filing.photos))
    return FiledRequest(request.number, request.service_type.name, request.expected_at, code)


def _check_point(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationError("Informe latitude e longitude juntas, ou nenhuma das duas.")
    if latitude is not None and not -90 <= latitude <= 90:
        raise ValidationError("Latitude fora do intervalo (-90 a 90).")
    if longitude is not None and not -180 <= longitude <= 180:
        raise ValidationError("Longitude fora do intervalo (-180 a 180).")


def _identified_citizen(session: Session, who: Identification, policy: Policy) -> int | None:
    """The citizen to link the request to (so it shows in their phone history), found by CPF
    (with their name or one of their phones), else by phone and the same name, else
    registered; None when they stay anonymous."""
    if not who.given:
        return None
    name = " ".join(who.name.split())
    if len(name) < 2:
        raise ValidationError("Para se identificar, informe o nome.")
    if not who.phone.strip() and not who.cpf.strip():
        raise ValidationError("Para se identificar, informe também um telefone ou o CPF.")
    cpf = who.cpf.strip() or None
    if cpf:
        found = find_citizen_by_cpf(session, cpf, WEB_ACTOR)
        if found is not None and _confirmed(found, name, who.phone, policy):
            return found.id
        if found is not None:
            # A CPF typed on a public page proves nothing: with neither the holder's name nor
            # one of their phones, the request stays out of their history (and the page says
            # nothing of whose CPF it is); the reporter is registered without it.
            cpf = None
    if not cpf and who.phone.strip():
        match = _same_name(find_citizens_by_phone(session, who.phone, WEB_ACTOR, policy), name)
        if match is not None:
            return match.id
    phones = [who.phone] if who.phone.strip() else []
    data = CitizenInput(name=name, cpf=cpf, phones=phones)
    return register_citizen(session, data, WEB_ACTOR, policy).id


def _confirmed(holder: Citizen, name: str, phone: str, policy: Policy) -> bool:
    """The CPF's holder is the reporter: the name agrees, or a phone given is theirs."""
    if names_agree(holder.name, name):
        return True
    if not phone.strip():
        return False
    e164 = normalize_phone(phone, policy.default_area_code)
    return any(p.e164 == e164 for p in holder.phones)


def _same_name(candidates: list[Citizen], name: str) -> Citizen | None:
    # A shared landline may belong to several people: link only to the one with this name.
    return next((c for c in candidates if same_name(c.name, name)), None)


# --- following a protocol -------------------------------------------------------------------

CITIZEN_STATUS_LABELS = {
    Status.OPEN: "Recebida",
    Status.FORWARDED: "Encaminhada à secretaria responsável",
    Status.IN_PROGRESS: "Em atendimento",
    Status.RESOLVED: "Resolvida (aguardando sua confirmação)",
    Status.CLOSED: "Concluída",
    Status.REOPENED: "Reaberta",
    Status.CANCELLED: "Cancelada",
}


@dataclass(frozen=True)
class CitizenStep:
    at: datetime
    status: Status
    label: str
    # Only what is written for the citizen (the resolution's note); staff notes stay inside.
    note: str = ""
    # Closed as a duplicate at this step: the protocol (digits) it was joined to, for a link.
    joined_to: str = ""


def joined_label(parent_number: str) -> str:
    """What a request closed as the duplicate of ``parent_number`` (digits) reads as."""
    return f"Unida ao protocolo {format_protocol_number(parent_number)} (o mesmo problema)"


# A duplicate mark undone (a mistake): the request is back with the secretariat.
NOT_A_DUPLICATE_LABEL = "Não era duplicada: voltou ao atendimento"


@dataclass(frozen=True)
class CitizenView:
    """A protocol as anyone holding its number may see it: no names, no house number, no notes."""

    number: str
    service_name: str
    secretariat: str
    status: Status
    status_label: str
    created_at: datetime
    expected_at: datetime
    late: bool
    street: str
    neighbourhood: str
    steps: tuple[CitizenStep, ...]
    photos: tuple[int, ...]
    has_follow_code: bool
    rated: bool
    # The protocol (digits) this one was closed as a duplicate of: the citizen follows that one.
    merged_into: str | None = None

    @property
    def awaits_confirmation(self) -> bool:
        return self.status is Status.RESOLVED

    @property
    def can_rate(self) -> bool:
        # A duplicate was closed unsolved: the rating belongs to the protocol worked on.
        return self.status in (Status.RESOLVED, Status.CLOSED) and self.merged_into is None


def citizen_view(session: Session, number: str, now: datetime) -> CitizenView:
    request = get_request(session, number)
    rated = session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.request_id == request.id).limit(1)
    )
    parents = _parent_numbers(session, request)
    merged_into = parents.get(request.duplicate_of_id) if request.duplicate_of_id else None
    return CitizenView(
        number=request.number,
        service_name=request.service_type.name,
        secretariat=request.secretariat.name,
        status=request.status,
        status_label=joined_label(merged_into)
        if merged_into
        else CITIZEN_STATUS_LABELS[request.status],
        created_at=request.created_at,
        expected_at=request.expected_at,
        late=request.status in PENDING and request.expected_at < now,
        street=request.street,
        neighbourhood=request.neighbourhood,
        steps=tuple(_citizen_steps(request.events, parents)),
        photos=tuple(photo_numbers(session, request.id)),
        has_follow_code=request.follow_code_hash is not None,
        rated=rated is not None,
        merged_into=merged_into,
    )


def _parent_numbers(session: Session, request: ServiceRequest) -> dict[int, str]:
    """The protocol numbers of every request this one was ever joined to, by id (no query for
    the many requests never marked as duplicates)."""
    ids = {e.duplicate_of_id for e in request.events if e.duplicate_of_id is not None}
    if request.duplicate_of_id is not None:
        ids.add(request.duplicate_of_id)
    if not ids:
        return {}
    rows = session.execute(
        select(ServiceRequest.id, ServiceRequest.number).where(ServiceRequest.id.in_(ids))
    )
    return {request_id: number for request_id, number in rows}


def _citizen_steps(events: list[RequestEvent], parents: Mapping[int, str]) -> list[CitizenStep]:
    steps = []
    for event in events:
        if event.duplicate_of_id is not None:
            steps.append(_duplicate_step(event, parents[event.duplicate_of_id]))
            continue
        if event.from_status is event.to_status and event.secretariat_id is None:
            continue  # a note without a change of status (forwarding again names a secretariat)
        note = event.note if event.to_status is Status.RESOLVED else ""
        label = CITIZEN_STATUS_LABELS[event.to_status]
        steps.append(CitizenStep(event.at, event.to_status, label, note))
    return steps


def _duplicate_step(event: RequestEvent, parent_number: str) -> CitizenStep:
    """Closed as a duplicate (or moved to another parent, closed to closed): joined to that
    protocol, not "Concluída" (nothing was solved here). Else the mark was undone."""
    if event.to_status is Status.CLOSED:
        label = joined_label(parent_number)
        return CitizenStep(event.at, event.to_status, label, joined_to=parent_number)
    return CitizenStep(event.at, event.to_status, NOT_A_DUPLICATE_LABEL)


# --- what only the person who filed may do ----------------------------------------------------


def _filed_by_code_holder(session: Session, number: str, code: str) -> ServiceRequest:
    request = get_request(session, number)
    expected = request.follow_code_hash
    if expected is None or not hmac.compare_digest(expected, follow_code_hash(code)):
        raise WrongFollowCodeError(
            "Código de acompanhamento incorreto. Ele foi mostrado junto com o protocolo "
            "quando a solicitação foi registrada."
        )
    return request


def confirm_online(session: Session, number: str, code: str) -> ServiceRequest:
    request = _filed_by_code_holder(session, number, code)
    inbox.confirm_resolution(session, request.number, CITIZEN_ON_WEB, channel=Channel.WEB)
    return request


def dispute_online(session: Session, number: str, code: str, reason: str) -> ServiceRequest:
    if not reason.strip():
        raise ValidationError("Conte o que não foi resolvido: a secretaria vai ler.")
    if len(reason) > MAX_COMMENT:
        raise ValidationError(f"O motivo passa de {MAX_COMMENT} caracteres.")
    request = _filed_by_code_holder(session, number, code)
    inbox.dispute_resolution(
        session, request.number, reason.strip(), CITIZEN_ON_WEB, channel=Channel.WEB
    )
    return request


def rate_online(
    session: Session, number: str, code: str, score: int, comment: str = ""
) -> SurveyResponse:
    if len(comment) > MAX_COMMENT:
        raise ValidationError(f"O comentário passa de {MAX_COMMENT} caracteres.")
    request = _filed_by_code_holder(session, number, code)
    if request.status not in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError("A avaliação fica disponível quando a solicitação for resolvida.")
    return record_survey(
        session, score=score, channel=Channel.WEB, request=request, comment=comment.strip()
    )
