"""Open requests of the same service near a place: "follow this one instead of opening another".

FixMyStreet's lesson: a citizen about to report a street light out is shown the report a
neighbour already made, and follows it. With a point, "near" is a radius (≈ 250 m, a block or
two); without one, the same street (or, with no street, the same neighbourhood).
Only public facts are returned: no house number, no citizen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from citizen_center.domain.workflow import PENDING, Status
from citizen_center.models import ServiceRequest, ServiceType

NEARBY_METRES = 250.0
EARTH_RADIUS_METRES = 6_371_000.0
METRES_PER_DEGREE_LATITUDE = 111_320.0
DEFAULT_LIMIT = 5


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class NearbyRequest:
    number: str
    status: Status
    created_at: datetime
    expected_at: datetime
    street: str
    neighbourhood: str
    distance_m: float | None  # None when matched by street or neighbourhood


def distance_metres(a: Point, b: Point) -> float:
    """Great-circle distance (haversine); metres are plenty precise at a city's scale."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(h))


def open_requests_nearby(
    session: Session,
    service_code: str,
    *,
    point: Point | None = None,
    street: str = "",
    neighbourhood: str = "",
    radius_m: float = NEARBY_METRES,
    limit: int = DEFAULT_LIMIT,
) -> list[NearbyRequest]:
    """Pending requests of ``service_code`` near ``point`` (nearest first), or else on the same
    street / neighbourhood (newest first). Nothing to compare with: nothing found."""
    base = (
        select(ServiceRequest)
        .join(ServiceType, ServiceRequest.service_type_id == ServiceType.id)
        .where(ServiceType.code == service_code, ServiceRequest.status.in_(sorted(PENDING)))
    )
    if point is not None:
        return _within_radius(session, base, point, radius_m, limit)
    place = _same_place(base, street, neighbourhood)
    if place is None:
        return []
    rows = session.scalars(place.order_by(ServiceRequest.created_at.desc()).limit(limit))
    return [_public(row, None) for row in rows]


def _within_radius(
    session: Session, base: Select[ServiceRequest], point: Point, radius_m: float, limit: int
) -> list[NearbyRequest]:
    # A bounding box the indexes and both engines handle, then the exact distance in Python.
    dlat = radius_m / METRES_PER_DEGREE_LATITUDE
    dlon = radius_m / (
        METRES_PER_DEGREE_LATITUDE * max(math.cos(math.radians(point.latitude)), 0.01)
    )
    boxed = base.where(
        ServiceRequest.latitude.between(point.latitude - dlat, point.latitude + dlat),
        ServiceRequest.longitude.between(point.longitude - dlon, point.longitude + dlon),
    ).limit(500)
    found = []
    for row in session.scalars(boxed):
        assert row.latitude is not None and row.longitude is not None  # the box says so
        metres = distance_metres(point, Point(row.latitude, row.longitude))
        if metres <= radius_m:
            found.append(_public(row, metres))
    found.sort(key=lambda r: r.distance_m or 0.0)
    return found[:limit]


def _same_place(
    base: Select[ServiceRequest], street: str, neighbourhood: str
) -> Select[ServiceRequest] | None:
    street, neighbourhood = " ".join(street.split()), " ".join(neighbourhood.split())
    if street:
        return base.where(func.lower(ServiceRequest.street) == street.lower())
    if neighbourhood:
        return base.where(func.lower(ServiceRequest.neighbourhood) == neighbourhood.lower())
    return None


def _public(row: ServiceRequest, distance: float | None) -> NearbyRequest:
    return NearbyRequest(
        number=row.number,
        status=row.status,
        created_at=row.created_at,
        expected_at=row.expected_at,
        street=row.street,
        neighbourhood=row.neighbourhood,
        distance_m=distance,
    )
