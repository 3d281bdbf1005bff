"""The catalogue as the web server needs it (services, secretariats, primary focal points), read
once and kept for a few seconds.

Every Open311 POST read the service, its secretariat and its primary focal point: three ORM
queries that return the same rows all day (the catalogue changes when an administrator seeds a
new version). A server process keeps one snapshot and reads it again after ``ttl_seconds``
(``[web] catalogue_cache_s``), so a change in the catalogue or of a focal point reaches the API
and the citizen page within that time; the request is still written in one transaction with
everything else, and the database's foreign keys still check the ids. The Open311 POST and GET
lists and the citizen page's forms all read this one snapshot (the page derives its groups from
it), so they never disagree about which services exist.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cachetools import TTLCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.domain.deadlines import Deadline
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import FocalPoint, Secretariat, ServiceType
from citizen_center.services.common import Policy

DEFAULT_TTL_SECONDS = 10.0  # [web] catalogue_cache_s
_SNAPSHOT = "catalogue"  # the one key of the cache


@dataclass(frozen=True)
class ServiceEntry:
    """One service type as filing uses it."""

    id: int
    code: str
    name: str
    group_name: str
    active: bool
    requires_address: bool
    allows_anonymous: bool
    secretariat_id: int
    deadline_kind: str | None
    deadline_days: int | None
    keywords: tuple[str, ...] = ()  # the catalogue's search words (the page's service list)

    def deadline(self, policy: Policy) -> Deadline:
        return Deadline.of(self.deadline_kind, self.deadline_days, policy.default_deadline)


@dataclass(frozen=True)
class FocalPointEntry:
    id: int
    name: str


@dataclass(frozen=True)
class CatalogueSnapshot:
    services: Mapping[str, ServiceEntry]
    secretariat_codes: Mapping[int, str]
    primary_focal_points: Mapping[int, FocalPointEntry]  # by secretariat id

    def service(self, code: str) -> ServiceEntry:
        found = self.services.get(code)
        if found is None:
            raise NotFoundError(f"Tipo de serviço desconhecido: {code!r}.")
        return found

    def primary_focal_point(self, secretariat_id: int) -> FocalPointEntry:
        """The focal point a new request of this secretariat goes to (as ``forward_request``
        chooses it)."""
        found = self.primary_focal_points.get(secretariat_id)
        if found is None:
            code = self.secretariat_codes.get(secretariat_id, str(secretariat_id))
            raise ValidationError(f"A secretaria {code} não tem ponto focal principal.")
        return found


def read_catalogue(session: Session) -> CatalogueSnapshot:
    """Three small queries: every service type, every secretariat, the primary focal points."""
    services = {
        row.code: ServiceEntry(
            id=row.id,
            code=row.code,
            name=row.name,
            group_name=row.group_name,
            active=row.active,
            requires_address=row.requires_address,
            allows_anonymous=row.allows_anonymous,
            secretariat_id=row.secretariat_id,
            deadline_kind=row.deadline_kind,
            deadline_days=row.deadline_days,
            keywords=tuple(row.keywords or ()),
        )
        for row in session.execute(
            select(
                ServiceType.id,
                ServiceType.code,
                ServiceType.name,
                ServiceType.group_name,
                ServiceType.active,
                ServiceType.requires_address,
                ServiceType.allows_anonymous,
                ServiceType.secretariat_id,
                ServiceType.deadline_kind,
                ServiceType.deadline_days,
                ServiceType.keywords,
            )
        )
    }
    codes = {sid: code for sid, code in session.execute(select(Secretariat.id, Secretariat.code))}
    primaries = {
        secretariat_id: FocalPointEntry(focal_point_id, name)
        for focal_point_id, secretariat_id, name in session.execute(
            select(FocalPoint.id, FocalPoint.secretariat_id, FocalPoint.name).where(
                FocalPoint.is_primary
            )
        )
    }
    return CatalogueSnapshot(services, codes, primaries)


class CatalogueCache:
    """One process's snapshot, read again once it is ``ttl_seconds`` old (0: on every ``get``);
    thread-safe (the web server's routes run in a thread pool)."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._snapshots: TTLCache[str, CatalogueSnapshot] = TTLCache(1, ttl_seconds, timer=clock)

    def cached(self) -> CatalogueSnapshot | None:
        """The snapshot while it is fresh, else None: for a caller with no session open, which
        opens one only to ``get`` a new snapshot."""
        with self._lock:
            return self._snapshots.get(_SNAPSHOT)

    def get(self, session: Session) -> CatalogueSnapshot:
        snapshot = self.cached()
        if snapshot is not None:
            return snapshot
        # Read outside the lock: a slow database must not queue every thread behind one.
        fresh = read_catalogue(session)
        with self._lock:
            self._snapshots[_SNAPSHOT] = fresh
        return fresh

    def forget(self) -> None:
        """Read the database again at the next ``get`` (after a change made by this process)."""
        with self._lock:
            self._snapshots.clear()
