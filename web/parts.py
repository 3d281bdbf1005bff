"""What the web server's routes are built from (one object, handed to each router factory)."""

from __future__ import annotations

from dataclasses import dataclass

from citizen_center.config import Settings
from citizen_center.db import Database


@dataclass(frozen=True)
class WebParts:
    database: Database
    settings: Settings
