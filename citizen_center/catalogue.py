"""The versioned service catalogue shipped in ``citizen_center/data/catalogue.json``.

``scripts/build_catalogue.py`` writes the file from the city's reference data; this module reads it
into plain frozen dataclasses (usable without a database, e.g. by the IVR's intent matcher) and
``citizen_center.services.catalogue`` loads it into the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FocalPointEntry:
    name: str
    email: str
    phone: str
    primary: bool


@dataclass(frozen=True)
class SecretariatEntry:
    code: str
    name: str
    notes: str
    focal_points: tuple[FocalPointEntry, ...]


@dataclass(frozen=True)
class QueueEntry:
    """An agent queue in the PBX, one per group of services, picked by ``dtmf`` in the key menu."""

    code: str
    name: str
    dtmf: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class ServiceTypeEntry:
    code: str
    name: str
    group: str
    queue: str
    description: str
    keywords: tuple[str, ...]
    secretariat: str
    deadline_days: int | None
    deadline_kind: str | None
    requires_address: bool
    allows_anonymous: bool


@dataclass(frozen=True)
class Catalogue:
    version: str
    queues: tuple[QueueEntry, ...]
    secretariats: tuple[SecretariatEntry, ...]
    service_types: tuple[ServiceTypeEntry, ...]

    def service(self, code: str) -> ServiceTypeEntry:
        for entry in self.service_types:
            if entry.code == code:
                return entry
        raise KeyError(f"service type {code!r} is not in catalogue {self.version}")

    def queue(self, code: str) -> QueueEntry:
        for entry in self.queues:
            if entry.code == code:
                return entry
        raise KeyError(f"queue {code!r} is not in catalogue {self.version}")


def parse_catalogue(raw: dict[str, Any]) -> Catalogue:
    return Catalogue(
        version=raw["version"],
        queues=tuple(
            QueueEntry(q["code"], q["name"], q["dtmf"], tuple(q["groups"])) for q in raw["queues"]
        ),
        secretariats=tuple(
            SecretariatEntry(
                s["code"],
                s["name"],
                s.get("notes", ""),
                tuple(FocalPointEntry(**fp) for fp in s.get("focal_points", [])),
            )
            for s in raw["secretariats"]
        ),
        service_types=tuple(
            ServiceTypeEntry(
                code=t["code"],
                name=t["name"],
                group=t["group"],
                queue=t["queue"],
                description=t.get("description", t["name"]),
                keywords=tuple(t["keywords"]),
                secretariat=t["secretariat"],
                deadline_days=t["deadline_days"],
                deadline_kind=t["deadline_kind"],
                requires_address=bool(t["requires_address"]),
                allows_anonymous=bool(t["allows_anonymous"]),
            )
            for t in raw["service_types"]
        ),
    )


def load_catalogue_file(path: Path | None = None) -> Catalogue:
    """Read a catalogue file; without a path, the one shipped with the package."""
    if path is None:
        text = resources.files("citizen_center.data").joinpath("catalogue.json").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))


@cache
def shipped_catalogue() -> Catalogue:
    return load_catalogue_file()
