"""What the web server's routes are built from (one object, handed to each router factory)."""

from __future__ import annotations

from dataclasses import dataclass, field

from citizen_center.config import Settings
from citizen_center.db import Database
from citizen_center.services.catalogue_cache import CatalogueCache
from citizen_center.services.protocol_blocks import ProtocolBlocks
from web.ratelimit import RateLimits


@dataclass(frozen=True)
class WebParts:
    database: Database
    settings: Settings
    # One set of counters per server, shared by the API's and the page's routes.
    rate_limits: RateLimits = field(init=False, compare=False)
    # The catalogue as the API and the page read it, ``[web] catalogue_cache_s`` old at most
    # (one snapshot per server process).
    catalogue: CatalogueCache = field(init=False, compare=False)
    # Protocol numbers of the API's filings, reserved a block at a time (one per process).
    protocol_numbers: ProtocolBlocks = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate_limits", RateLimits(self.settings.web))
        object.__setattr__(self, "catalogue", CatalogueCache(self.settings.web.catalogue_cache_s))
        object.__setattr__(self, "protocol_numbers", ProtocolBlocks())
