"""The web application: the Open311 API and the citizen page on the same domain services."""

from __future__ import annotations

from fastapi import FastAPI

from web.citizen import routes as citizen_routes
from web.open311 import routes as open311_routes
from web.parts import WebParts

HEALTH_PATH = "/healthz"


def create_app(parts: WebParts) -> FastAPI:
    app = FastAPI(
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
