"""The web application: the Open311 API and the citizen page on the same domain services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from web.citizen import routes as citizen_routes
from web.open311 import routes as open311_routes
from web.parts import WebParts

HEALTH_PATH = "/healthz"


def create_app(parts: WebParts) -> FastAPI:
    threads = parts.settings.web.threads

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to this event loop: Starlette runs sync routes through it.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Central 156",
        description="Open311 GeoReport v2 API e página do cidadão da Central 156 de Porto Alegre.",
        version="2",
    )
    app.include_router(open311_routes.router_for(parts))
    app.include_router(citizen_routes.router_for(parts))

    @app.get(HEALTH_PATH, include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
