"""Filing a request from a program (an Open311 client): the checks, the reporter, the request.

Everything is checked before anything is written; the caller's transaction undoes the rest when
a later step refuses (no focal point, say), so a refused POST leaves nothing behind.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from citizen_center.domain.identifiers import normalize_phone, same_name
from citizen_center.domain.service_attributes import (
    ServiceAttribute,
    answer_attributes,
    attributes_for,
)
from citizen_center.errors import ValidationError
from citizen_center.models import Citizen, CitizenPhone, ServiceType, utcnow
from citizen_center.services.api_clients import KeyHolder
from citizen_center.services.catalogue_cache import CatalogueSnapshot, ServiceEntry
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy
from citizen_center.services.filing_writes import FilingRows, NewCitizen, write_filing
from citizen_center.services.protocol_blocks import ProtocolBlocks
from citizen_center.services.requests import (
    Opening,
    forwarded_request_rows,
    issue_protocol_number,
)

MAX_DESCRIPTION = 4000
MAX_NAME_PART = 100
MAX_MEDIA_URL = 2000
MAX_ADDRESS_ID = 100
# The description line that keeps a client's address_id: the 156 has no master address
# repository to resolve it, but the secretariat may ask the client's (``public_requests``
# masks the value: it may point at one house).
ADDRESS_ID_LABEL = "Código de endereço do cliente"
# 16 random bytes (22 URL-safe characters): as unguessable as the API keys' secrets.
TOKEN_BYTES = 16
# Porto Alegre's municipal area with a margin (the islands included): a point outside is a
# mistake in the client (swapped lat/long, another city), not a request for the 156.
CITY_BOUNDS = ((-30.30, -29.90), (-51.35, -50.95))
_HTML = re.compile(r"<\s*[a-zA-Z!/?]|&#?\w+;")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Reporter:
    """Who the client says filed it; all optional (anonymous where the service allows it)."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(f"{self.first_name} {self.last_name}".split())

    @property
    def is_anonymous(self) -> bool:
        return not (self.full_name or self.email.strip() or self.phone.strip())


@dataclass(frozen=True)
class Filing:
    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    media_url: str = ""
    reporter: Reporter = Reporter()
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)


def service_attributes(service: ServiceType) -> tuple[ServiceAttribute, ...]:
    return attributes_for(service.group_name, service.requires_address)


def check_free_text(text: str, name: str, limit: int) -> str:
    """Citizen text as the API and the page accept it: bounded, plain (no HTML), printable."""
    cleaned = text.strip()
    if len(cleaned) > limit:
        raise ValidationError(f"{name} tem no máximo {limit} caracteres.")
    if _HTML.search(cleaned):
        raise ValidationError(f"{name} não pode conter HTML.")
    if _CONTROL.search(cleaned):
        raise ValidationError(f"{name} contém caracteres de controle.")
    return cleaned


def parse_address_string(text: str, reference: str = "") -> AddressInput:
    """'Rua X, 123 - Bairro' (number and neighbourhood optional) into the address columns."""
    cleaned = check_free_text(text, "address_string", 300)
    street_part, _, neighbourhood = cleaned.partition(" - ")
    street, _, number = street_part.rpartition(",")
    if not street or not re.fullmatch(r"\s*\d[\dA-Za-z/-]{0,9}\s*", number):
        street, number = street_part, ""
    return AddressInput(
        street=street.strip()[:200],
        house_number=number.strip(),
        neighbourhood=neighbourhood.strip()[:100],
        reference=reference,
    )


def _check_location(filing: Filing, service: ServiceEntry) -> None:
    if (filing.lat is None) != (filing.long is None):
        raise ValidationError("Envie lat e long juntos.")
    if filing.lat is not None and filing.long is not None:
        (south, north), (west, east) = CITY_BOUNDS
        if not (south <= filing.lat <= north and west <= filing.long <= east):
            raise ValidationError("lat/long fora de Porto Alegre (confira a ordem: lat, long).")
    located = filing.lat is not None or filing.address_string.strip() or filing.address_id.strip()
    if service.requires_address and not located:
        raise ValidationError("Informe o local: lat e long, address_string ou address_id.")
    if service.requires_address and not filing.address_string.strip():
        raise ValidationError(
            "Este serviço exige o endereço em address_string (logradouro, número - bairro): "
            "a Central 156 não tem cadastro de address_id nem geocodificação reversa."
        )


def address_id_line(address_id: str) -> str:
    """The description line keeping the client's address_id (empty when none was sent): one
    line, bounded, plain text, as the rest of the description."""
    cleaned = check_free_text(address_id, "address_id", MAX_ADDRESS_ID)
    if "\n" in cleaned or "\r" in cleaned or "\t" in cleaned:
        raise ValidationError("address_id deve ter uma só linha, sem tabulações.")
    return f"{ADDRESS_ID_LABEL}: {cleaned}" if cleaned else ""


def new_token() -> str:
    """The Open311 token a POST is answered with (GET tokens/{token} gives the protocol)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _check_reporter(reporter: Reporter) -> None:
    for value, name in ((reporter.first_name, "first_name"), (reporter.last_name, "last_name")):
        check_free_text(value, name, MAX_NAME_PART)
    email = reporter.email.strip()
    if email and (len(email) > 200 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise ValidationError("email inválido.")


def _check_media_url(url: str) -> str:
    cleaned = url.strip()
    if cleaned and (len(cleaned) > MAX_MEDIA_URL or not re.fullmatch(r"https?://\S+", cleaned)):
        raise ValidationError("media_url deve ser um endereço http(s) válido.")
    return cleaned


@dataclass(frozen=True)
class Identified:
    """Who filed it, as ``identify_reporter`` found out (nothing written yet): a known citizen,
    one to register, or nobody (anonymous); and the citizens it read, for the audit trail."""

    citizen_id: int | None = None
    to_register: NewCitizen | None = None
    reads: tuple[tuple[int, str], ...] = ()


# Built once: the API's every POST with a phone runs it (bench/README.md).
_BY_PHONE = (
    select(Citizen.id, Citizen.name)
    .where(
        Citizen.id.in_(
            select(CitizenPhone.citizen_id).where(CitizenPhone.e164 == bindparam("e164"))
        )
    )
    .order_by(Citizen.id)
)
_BY_EMAIL = (
    select(Citizen.id, Citizen.name)
    .where(func.lower(Citizen.email) == func.lower(bindparam("email")))
    .order_by(Citizen.id)
)


def _citizens_found(
    session: Session, statement: Select[int, str], value: Mapping[str, str], detail: str
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(id, name) of the citizens ``statement`` finds for ``value``, and their reads for the
    audit trail (as ``citizens.find_citizens_by_phone`` and the e-mail search record them)."""
    found = [(row.id, row.name) for row in session.connection().execute(statement, value)]
    return found, [(citizen_id, detail) for citizen_id, _ in found]


def _same_person(candidates: Sequence[tuple[int, str]], name: str) -> int | None:
    """The one candidate with this name; without a name, the only candidate."""
    if not name:
        return candidates[0][0] if len(candidates) == 1 else None
    return next((c for c, n in candidates if same_name(n, name)), None)


def identify_reporter(
    session: Session, reporter: Reporter, policy: Policy = DEFAULT_POLICY
) -> Identified:
    """The citizen who filed it, as the desktop finds one (by phone, then e-mail), or a new
    registration; nobody when the reporter gave nothing. Reads only: the caller writes the
    registration and the audit rows with the request (``filing_writes``)."""
    if reporter.is_anonymous:
        return Identified()
    name = reporter.full_name
    reads: list[tuple[int, str]] = []
    phone = (
        normalize_phone(reporter.phone, policy.default_area_code) if reporter.phone.strip() else ""
    )
    if phone:
        candidates, read = _citizens_found(
            session, _BY_PHONE, {"e164": phone}, f"lookup by phone {phone}"
        )
        reads += read
        match = _same_person(candidates, name)
        if match is not None:
            return Identified(citizen_id=match, reads=tuple(reads))
    email = reporter.email.strip()
    if email:
        candidates, read = _citizens_found(session, _BY_EMAIL, {"email": email}, "lookup by e-mail")
        reads += read
        match = _same_person(candidates, name)
        if match is not None:
            return Identified(citizen_id=match, reads=tuple(reads))
    if len(name) < 2:
        raise ValidationError(
            "Telefone ou e-mail sem cadastro: informe first_name e last_name para registrar."
        )
    # The name's spaces are tidied (full_name) and the phone normalised: as registered.
    phones = (phone,) if phone else ()
    return Identified(to_register=NewCitizen(name, email, phones), reads=tuple(reads))


def client_actor(client: KeyHolder) -> Actor:
    return Actor.system(f"api:{client.name}"[:60])


@dataclass(frozen=True)
class Filed:
    """What the client is answered: the protocol number (12 digits), the service and the
    token (for clients written for token-based servers)."""

    number: str
    service: ServiceEntry
    token: str


def file_request(
    session: Session,
    client: KeyHolder,
    filing: Filing,
    catalogue: CatalogueSnapshot,
    policy: Policy = DEFAULT_POLICY,
    now: datetime | None = None,
    numbers: ProtocolBlocks | None = None,
) -> Filed:
    """Open the request a client POSTed: everything is checked before anything is written, and
    the caller's transaction undoes the rest if a later step refuses.

    The catalogue comes from ``catalogue`` (a few seconds old at most, ``CatalogueCache``);
    the writes skip the ORM's unit of work: this is the API's hot path (bench/README.md).
    ``numbers``: the server process's protocol blocks (else the counter, locked until commit)."""
    service = catalogue.service(filing.service_code)
    if not service.active:
        raise ValidationError(f"O serviço {service.code} não está mais disponível.")
    answers = answer_attributes(
        attributes_for(service.group_name, service.requires_address), filing.attributes
    )
    _check_location(filing, service)
    _check_reporter(filing.reporter)
    if filing.reporter.is_anonymous and not service.allows_anonymous:
        raise ValidationError(
            f"O serviço {service.code} exige a identificação do cidadão: envie first_name e "
            "last_name com phone ou email."
        )
    description = check_free_text(filing.description, "description", MAX_DESCRIPTION)
    media_url = _check_media_url(filing.media_url)
    address_code = address_id_line(filing.address_id)
    address = (
        parse_address_string(filing.address_string, answers.reference)
        if filing.address_string.strip()
        else AddressInput(reference=answers.reference)
    )
    lines = [
        description,
        *answers.description_lines,
        address_code,
        f"Foto: {media_url}" if media_url else "",
    ]
    focal_point = catalogue.primary_focal_point(service.secretariat_id)
    actor = client_actor(client)
    reporter = identify_reporter(session, filing.reporter, policy)
    token = new_token()
    opening = Opening(
        service=service,
        focal_point=focal_point,
        secretariat_code=catalogue.secretariat_codes[service.secretariat_id],
        channel=client.channel,
        actor=actor,
        citizen_id=reporter.citizen_id,
        citizen_to_register=reporter.to_register is not None,
        place=address,
        description="\n".join(line for line in lines if line),
        latitude=filing.lat,
        longitude=filing.long,
        api_client_id=client.id,
        token=token,
    )
    created = now or utcnow()
    number = (numbers.issue if numbers is not None else issue_protocol_number)(
        session, created, policy
    )
    request, events = forwarded_request_rows(opening, number, created, policy)
    rows = FilingRows(created, actor, request, events, reporter.reads, citizen=reporter.to_register)
    write_filing(session.connection(), rows)
    return Filed(number, service, token)
