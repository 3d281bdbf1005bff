"""How every Open311 route refuses: the spec's ``errors > error`` body in the URL's format.

``route_class_for`` makes the router's route class: it reads a POST body within the size limit,
runs the route, and turns every refusal (a bad argument, an unknown thing, a key, the size, the
rate limit) into the spec's error, so none leaks as FastAPI's own JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from citizen_center.errors import (
    DatabaseUnavailableError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from citizen_center.services import api_clients
from web.open311.errors import Open311Error, describe_validation, error_response
from web.open311.formats import Format
from web.ratelimit import RateLimitExceeded

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def refusal(exc: Exception) -> Open311Error:
    """The spec's status for each way a call can be refused."""
    if isinstance(exc, Open311Error):
        return exc
    if isinstance(exc, RequestValidationError):
        return Open311Error(400, describe_validation(exc))
    if isinstance(exc, HTTPException):
        return Open311Error(exc.status_code, str(exc.detail), exc.headers)
    if isinstance(exc, api_clients.ApiKeyRefused):
        return Open311Error(403, str(exc))
    if isinstance(exc, NotFoundError):
        return Open311Error(404, str(exc))
    if isinstance(exc, DatabaseUnavailableError):
        return Open311Error(503, "Serviço temporariamente indisponível; tente de novo.")
    return Open311Error(400, str(exc))


REFUSALS = (
    Open311Error,
    RequestValidationError,
    HTTPException,
    RateLimitExceeded,
    api_clients.ApiKeyRefused,
    NotFoundError,
    ValidationError,
    InvalidTransitionError,
    DatabaseUnavailableError,
)


async def _read_body_within(request: Request, limit: int) -> None:
    """Read the body once, refusing past ``limit`` bytes (a Content-Length that says so at
    once, a chunked body as soon as it gets there); the handler then parses the kept copy."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Open311Error(413, f"Corpo da requisição maior que {limit // 1024} KB.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Open311Error(413, f"Corpo da requisição maior que {limit // 1024} KB.")
    request._body = bytes(body)  # Starlette's cache of the body: form() reads it from here


def route_class_for(max_body: int) -> type[APIRoute]:
    class Open311Route(APIRoute):
        def get_route_handler(self) -> Handler:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                fmt = Format.of_path(request.url.path)
                try:
                    if request.method == "POST":
                        await _read_body_within(request, max_body)
                    response = await original(request)
                except REFUSALS as exc:
                    response = error_response(fmt, refusal(exc))
                if request.method == "GET":
                    # Public data, readable from any web page (as FixMyStreet serves it).
                    response.headers["Access-Control-Allow-Origin"] = "*"
                return response

            return handler

    return Open311Route
