"""The spec's errors: ``errors > error {code, description}`` with the HTTP status as the code.

404 for an unknown service, request, token or jurisdiction; 403 for a missing or bad api_key;
400 for anything else wrong in the arguments; plus 413 (body too large) and 429 (rate limit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Response
from fastapi.exceptions import RequestValidationError

from web.open311.formats import XML_TYPE, Format, render
from web.open311.schemas import ErrorOut


class Open311Error(Exception):
    def __init__(
        self, status: int, description: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = dict(headers or {})


def error_response(fmt: Format, error: Open311Error) -> Response:
    return render(
        fmt,
        [ErrorOut(code=error.status, description=error.description)],
        "errors",
        "error",
        status_code=error.status,
        headers=error.headers,
    )


def describe_validation(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one pt-BR line naming the parameters."""
    parts = []
    for problem in exc.errors():
        where = ".".join(str(p) for p in problem.get("loc", ())[1:]) or "requisição"
        parts.append(f"{where}: {problem.get('msg', 'inválido')}")
    return "Parâmetro inválido — " + "; ".join(parts[:5])


def _xml_content() -> dict[str, Any]:
    return {"content": {XML_TYPE: {"schema": {"type": "string"}}}}


def documented_errors(statuses: Sequence[int]) -> dict[int | str, dict[str, Any]]:
    """The error responses of a route, for the OpenAPI description."""
    meaning = {
        400: "Argumento inválido",
        403: "api_key ausente, inválida ou revogada",
        404: "Serviço, solicitação, token ou jurisdição desconhecidos",
        413: "Corpo grande demais",
        429: "Limite de requisições excedido (veja Retry-After)",
    }
    return {
        status: {"description": meaning[status], "model": list[ErrorOut], **_xml_content()}
        for status in statuses
    }
