"""The Open311 routes."""

from __future__ import annotations

from fastapi import APIRouter

from web.parts import WebParts


def router_for(parts: WebParts) -> APIRouter:
    return APIRouter(prefix="/open311/v2", tags=["open311"])
