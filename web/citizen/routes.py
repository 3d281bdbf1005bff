"""The citizen page's routes."""

from __future__ import annotations

from fastapi import APIRouter

from web.parts import WebParts


def router_for(parts: WebParts) -> APIRouter:
    return APIRouter(tags=["citizen page"])
