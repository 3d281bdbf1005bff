"""Loading the versioned catalogue (secretariats, focal points, service types) into the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.catalogue import Catalogue, SecretariatEntry, ServiceTypeEntry
from citizen_center.domain.deadlines import DeadlineKind
from citizen_center.errors import NotFoundError
from citizen_center.models import FocalPoint, Secretariat, ServiceType


@dataclass(frozen=True)
class SeedSummary:
    secretariats: int
    focal_points: int
    service_types: int
    version: str


def load_catalogue(session: Session, catalogue: Catalogue) -> SeedSummary:
    """Insert or update everything in ``catalogue``; idempotent, safe to run again.

    Service types no longer in the catalogue are deactivated, not deleted: old requests keep them.
    """
    secretariats = {s.code: _upsert_secretariat(session, s) for s in catalogue.secretariats}
    session.flush()
    focal_points = sum(
        _add_missing_focal_points(session, secretariats[s.code], s) for s in catalogue.secretariats
    )
    seen = set()
    for entry in catalogue.service_types:
        _upsert_service_type(session, entry, secretariats, catalogue.version)
        seen.add(entry.code)
    for stale in session.scalars(select(ServiceType).where(ServiceType.code.not_in(seen))):
        stale.active = False
    session.flush()
    return SeedSummary(len(secretariats), focal_points, len(seen), catalogue.version)


def _upsert_secretariat(session: Session, entry: SecretariatEntry) -> Secretariat:
    row = session.scalar(select(Secretariat).where(Secretariat.code == entry.code))
    if row is None:
        row = Secretariat(code=entry.code, name=entry.name, notes=entry.notes)
        session.add(row)
    else:
        row.name, row.notes = entry.name, entry.notes
    return row


def _add_missing_focal_points(
    session: Session, secretariat: Secretariat, entry: SecretariatEntry
) -> int:
    """Add the catalogue's focal points that are not there yet (people edited later are kept)."""
    existing = {fp.email for fp in secretariat.focal_points}
    has_primary = any(fp.is_primary for fp in secretariat.focal_points)
    added = 0
    for fp in entry.focal_points:
        if fp.email in existing:
            continue
        primary = fp.primary and not has_primary
        has_primary = has_primary or primary
        session.add(
            FocalPoint(
                secretariat=secretariat,
                name=fp.name,
                email=fp.email,
                phone=fp.phone,
                is_primary=primary,
            )
        )
        added += 1
    return added


def _upsert_service_type(
    session: Session, entry: ServiceTypeEntry, secretariats: dict[str, Secretariat], version: str
) -> None:
    row = session.scalar(select(ServiceType).where(ServiceType.code == entry.code))
    if row is None:
        row = ServiceType(code=entry.code)
        session.add(row)
    row.name = entry.name
    row.group_name = entry.group
    row.queue = entry.queue
    row.description = entry.description
    row.keywords = list(entry.keywords)
    row.secretariat = secretariats[entry.secretariat]
    row.deadline_kind = DeadlineKind(entry.deadline_kind) if entry.deadline_kind else None
    row.deadline_days = entry.deadline_days
    row.requires_address = entry.requires_address
    row.allows_anonymous = entry.allows_anonymous
    row.active = True
    row.catalogue_version = version


def service_type_by_code(session: Session, code: str) -> ServiceType:
    row = session.scalar(select(ServiceType).where(ServiceType.code == code))
    if row is None:
        raise NotFoundError(f"Tipo de serviço desconhecido: {code!r}.")
    return row


def active_service_types(session: Session) -> list[ServiceType]:
    return list(
        session.scalars(select(ServiceType).where(ServiceType.active).order_by(ServiceType.name))
    )


def secretariat_by_code(session: Session, code: str) -> Secretariat:
    row = session.scalar(select(Secretariat).where(Secretariat.code == code))
    if row is None:
        raise NotFoundError(f"Secretaria desconhecida: {code!r}.")
    return row


def primary_focal_point(session: Session, secretariat_id: int) -> FocalPoint | None:
    return session.scalar(
        select(FocalPoint).where(FocalPoint.secretariat_id == secretariat_id, FocalPoint.is_primary)
    )


def catalogue_from_database(session: Session, base: Catalogue) -> Catalogue:
    """The catalogue as the database holds it now: its active service types (admins may have
    edited keywords or deadlines since the seed), with the queues of ``base``."""
    rows = session.scalars(
        select(ServiceType).where(ServiceType.active).order_by(ServiceType.code)
    ).all()
    if not rows:
        return base
    known_queues = {q.code for q in base.queues}
    services = tuple(
        ServiceTypeEntry(
            code=row.code,
            name=row.name,
            group=row.group_name,
            queue=row.queue if row.queue in known_queues else "geral",
            description=row.description,
            keywords=tuple(row.keywords),
            secretariat=row.secretariat.code,
            deadline_days=row.deadline_days,
            deadline_kind=row.deadline_kind.value if row.deadline_kind else None,
            requires_address=row.requires_address,
            allows_anonymous=row.allows_anonymous,
        )
        for row in rows
    )
    versions = {row.catalogue_version for row in rows if row.catalogue_version}
    version = max(versions) if versions else base.version
    return Catalogue(version, base.queues, base.secretariats, services)
