"""Per-IP and per-key rate limits (the ``limits`` library), as FastAPI dependencies.

The counters live in this process's memory (``limits``' MemoryStorage): each server process
counts on its own, and a restart forgets them. Enough for one process behind the city's proxy;
several processes would need a shared storage (``limits`` speaks Redis and memcached).

Usable on any route::

    @router.post("/x", dependencies=[Depends(parts.rate_limits.limit_posts_per_ip)])

Over the limit the dependency raises ``RateLimitExceeded``: HTTP 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from citizen_center.config import WebSettings


class RateLimitExceeded(HTTPException):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            status_code=429,
            detail=f"Muitas requisições: tente de novo em {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


def client_address(request: Request) -> str:
    """The client's IP (uvicorn's proxy_headers put the real one here behind the proxy)."""
    return request.client.host if request.client else "unknown"


class RateLimits:
    """The server's limits, from ``[web]``: post_rate_per_ip, post_rate_per_key, get_rate_per_ip."""

    def __init__(self, settings: WebSettings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.posts_per_ip = parse(settings.post_rate_per_ip)
        self.posts_per_key = parse(settings.post_rate_per_key)
        self.gets_per_ip = parse(settings.get_rate_per_ip)

    def hit(self, item: RateLimitItem, scope: str, who: str) -> None:
        """Count one request of ``who``; raise ``RateLimitExceeded`` past the limit."""
        if self._limiter.hit(item, scope, who):
            return
        reset = self._limiter.get_window_stats(item, scope, who).reset_time
        raise RateLimitExceeded(max(1, math.ceil(reset - time.time())))

    def limit_posts_per_ip(self, request: Request) -> None:
        """Dependency: the writes of one client address (the page's forms, the API's POSTs)."""
        self.hit(self.posts_per_ip, "post-ip", client_address(request))

    def limit_gets_per_ip(self, request: Request) -> None:
        """Dependency: the reads of one client address."""
        self.hit(self.gets_per_ip, "get-ip", client_address(request))

    def limit_posts_per_key(self, client_id: int) -> None:
        """The writes of one API client, once its key is known good (a call, not a dependency:
        a wrong key must not spend a real client's allowance)."""
        self.hit(self.posts_per_key, "post-key", str(client_id))
