"""The Open311 GeoReport v2 routes under ``/open311/v2/``, with Chicago's ``extensions=true``
and mySociety's ``servicerequestupdates``.

Every route answers in the format its URL ends with (``.json`` or ``.xml``), errors included:
the ``Open311Route`` class turns every refusal (bad argument, unknown thing, key, size, rate
limit) into the spec's ``errors > error`` body, so no refusal leaks as FastAPI's own JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.service_attributes import ServiceAttribute
from citizen_center.errors import (
    DatabaseUnavailableError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from citizen_center.models import ServiceType
from citizen_center.services import api_clients, public_requests
from citizen_center.services.catalogue import active_service_types, service_type_by_code
from citizen_center.services.common import Policy
from citizen_center.services.public_requests import (
    Page,
    PublicRequest,
    PublicUpdate,
    RequestQuery,
    Window,
)
from web.open311 import params
from web.open311.errors import Open311Error, describe_validation, documented_errors, error_response
from web.open311.formats import XML_TYPE, Format, render
from web.open311.schemas import (
    AttributeOut,
    AttributeValueOut,
    CreatedOut,
    DiscoveryOut,
    EndpointOut,
    ExtendedAttributesOut,
    NoteOut,
    RequestOut,
    ServiceDefinitionOut,
    ServiceOut,
    TokenOut,
    UpdateOut,
)
from web.parts import WebParts
from web.ratelimit import RateLimitExceeded

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API's shape last changed (discovery's changeset).
CHANGESET = datetime(2026, 12, 1, tzinfo=UTC)
CONTACT = "Central 156 — Prefeitura de Porto Alegre: ligue 156 ou acesse a página do cidadão."
KEY_SERVICE = "Peça uma api_key à Central 156 (central156 api-client add)."
FmtPath = Annotated[Format, Path(description="json ou xml")]
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _ok(model: Any, description: str = "OK") -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "model": model,
            "content": {XML_TYPE: {"schema": {"type": "string"}}},
        }
    }


def _refusal(exc: Exception) -> Open311Error:
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
                    return await original(request)
                except REFUSALS as exc:
                    return error_response(fmt, _refusal(exc))

            return handler

    return Open311Route


# --- mapping the domain to the answers ---------------------------------------------------------


def _attribute_out(attribute: ServiceAttribute) -> AttributeOut:
    return AttributeOut(
        variable=True,
        code=attribute.code,
        datatype=attribute.datatype.value,
        required=attribute.required,
        datatype_description=attribute.datatype_description,
        order=attribute.order,
        description=attribute.description,
        values=[AttributeValueOut(key=v.key, name=v.name) for v in attribute.values],
    )


def _service_out(service: ServiceType) -> ServiceOut:
    return ServiceOut(
        service_code=service.code,
        service_name=service.name,
        description=service.description,
        metadata=bool(public_requests.service_attributes(service)),
        type="realtime",
        keywords=", ".join(service.keywords),
        group=service.group_name,
    )


def request_out(item: PublicRequest, policy: Policy, extensions: bool) -> RequestOut:
    tz = policy.tz
    out = RequestOut(
        service_request_id=item.number,
        status=item.open311_status,  # type: ignore[arg-type]
        status_notes=item.status_notes,
        service_name=item.service_name,
        service_code=item.service_code,
        description=item.description,
        agency_responsible=item.agency_responsible,
        service_notice=item.service_notice,
        requested_datetime=item.requested_at.astimezone(tz),
        updated_datetime=item.updated_at.astimezone(tz),
        expected_datetime=item.expected_at.astimezone(tz),
        address=item.address,
        address_id="",
        zipcode=item.zipcode,
        lat=item.lat,
        long=item.long,
        media_url="",
    )
    if extensions:
        # The domain links no duplicates yet: every request stands on its own.
        out.extended_attributes = ExtendedAttributesOut(
            channel=item.channel,
            duplicate=False,
            parent_service_request_id=None,
            notes=[
                NoteOut(
                    datetime=note.at.astimezone(tz),
                    status=public_requests.open311_status(note.status),  # type: ignore[arg-type]
                    detailed_status=note.detailed_status,
                    summary=note.text,
                )
                for note in item.notes
            ],
        )
    return out


def update_out(update: PublicUpdate, policy: Policy) -> UpdateOut:
    return UpdateOut(
        update_id=str(update.update_id),
        service_request_id=update.number,
        status=update.detailed_status,
        description=update.text,
        updated_datetime=update.at.astimezone(policy.tz),
        media_url="",
    )


def _known_service_codes(parts: WebParts, codes: tuple[str, ...]) -> None:
    """404 for a service_code filter naming no service (the spec's "not found")."""
    wellformed = [c for c in codes if params.SERVICE_CODE.fullmatch(c)]
    if len(wellformed) != len(codes):
        raise Open311Error(404, "service_code desconhecido.")
    with parts.database.transaction() as session:
        known = set(session.scalars(select(ServiceType.code).where(ServiceType.code.in_(codes))))
    missing = [c for c in codes if c not in known]
    if missing:
        raise Open311Error(404, f"service_code desconhecido: {missing[0]}.")


# --- the routes ----------------------------------------------------------------------------------


def router_for(parts: WebParts) -> APIRouter:
    settings = parts.settings
    policy = Policy.from_settings(settings.catalogue)
    limits = parts.rate_limits
    router = APIRouter(
        prefix=PREFIX,
        tags=["open311"],
        route_class=route_class_for(settings.web.api_max_body_kb * 1024),
    )
    reads = [Depends(limits.limit_gets_per_ip)]
    read_errors = documented_errors([400, 404, 429])
    Jurisdiction = Annotated[str | None, Query(description=params.JURISDICTION_ID)]

    @router.get(
        "/discovery.{fmt}",
        dependencies=reads,
        responses={**_ok(DiscoveryOut), **documented_errors([400, 429])},
        summary="Descoberta: onde está a API e em que formatos",
    )
    def discovery(fmt: FmtPath) -> Response:
        url = f"{settings.web.resolved_url()}{PREFIX}/"
        endpoint = EndpointOut(
            specification=SPECIFICATION,
            url=url,
            changeset=CHANGESET,
            type="production",
            formats=[XML_TYPE, "application/json"],
        )
        answer = DiscoveryOut(
            changeset=CHANGESET, contact=CONTACT, key_service=KEY_SERVICE, endpoints=[endpoint]
        )
        return render(fmt, answer, "discovery")

    @router.get(
        "/services.{fmt}",
        dependencies=reads,
        responses={**_ok(list[ServiceOut]), **read_errors},
        summary="Os serviços do catálogo",
    )
    def services(fmt: FmtPath, jurisdiction_id: Jurisdiction = None) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        with parts.database.transaction() as session:
            rows = [_service_out(s) for s in active_service_types(session)]
        return render(fmt, rows, "services", "service")

    @router.get(
        "/services/{service_code}.{fmt}",
        dependencies=reads,
        responses={**_ok(ServiceDefinitionOut), **read_errors},
        summary="Os atributos (perguntas) de um serviço",
    )
    def service_definition(
        service_code: str, fmt: FmtPath, jurisdiction_id: Jurisdiction = None
    ) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        if not params.SERVICE_CODE.fullmatch(service_code):
            raise Open311Error(404, "Serviço desconhecido.")
        with parts.database.transaction() as session:
            service = service_type_by_code(session, service_code)
            attributes = public_requests.service_attributes(service)
            answer = ServiceDefinitionOut(
                service_code=service.code, attributes=[_attribute_out(a) for a in attributes]
            )
        return render(fmt, answer, "service_definition")

    @router.get(
        "/requests.{fmt}",
        dependencies=reads,
        responses={**_ok(list[RequestOut]), **read_errors},
        summary="Solicitações (os últimos 90 dias sem filtro de datas), mais novas primeiro",
    )
    def list_requests(
        fmt: FmtPath,
        service_request_id: Annotated[
            str | None, Query(description="Protocolos separados por vírgula (ignora os demais).")
        ] = None,
        service_code: Annotated[str | None, Query(description="Um ou mais, por vírgula.")] = None,
        start_date: Annotated[datetime | None, Query(description="ISO 8601.")] = None,
        end_date: Annotated[datetime | None, Query(description="ISO 8601; até 90 dias.")] = None,
        status: Annotated[str | None, Query(description="open, closed ou open,closed")] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=public_requests.MAX_PAGE_SIZE)] = (
            public_requests.DEFAULT_PAGE_SIZE
        ),
        extensions: Annotated[bool, Query(description="Atributos estendidos (Chicago).")] = False,
        jurisdiction_id: Jurisdiction = None,
    ) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        codes = params.comma_list(service_code, "service_code")
        if codes:
            _known_service_codes(parts, codes)
        query = RequestQuery(
            numbers=params.comma_list(service_request_id, "service_request_id"),
            service_codes=codes,
            window=Window.of(
                params.moment(start_date, "start_date", policy.tz),
                params.moment(end_date, "end_date", policy.tz),
            ),
            statuses=params.statuses(status),
            page=Page(page, page_size),
        )
        with parts.database.transaction() as session:
            found = public_requests.find_public_requests(session, query, with_notes=extensions)
        rows = [request_out(item, policy, extensions) for item in found]
        return render(fmt, rows, "service_requests", "request")

    @router.get(
        "/requests/{service_request_id}.{fmt}",
        dependencies=reads,
        responses={**_ok(list[RequestOut]), **read_errors},
        summary="Uma solicitação pelo número de protocolo",
    )
    def one_request(
        service_request_id: str,
        fmt: FmtPath,
        extensions: Annotated[bool, Query(description="Atributos estendidos (Chicago).")] = False,
        jurisdiction_id: Jurisdiction = None,
    ) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        with parts.database.transaction() as session:
            item = public_requests.public_request(
                session, service_request_id, with_notes=extensions
            )
        return render(fmt, [request_out(item, policy, extensions)], "service_requests", "request")

    @router.get(
        "/tokens/{token}.{fmt}",
        dependencies=reads,
        responses={**_ok(list[TokenOut]), **read_errors},
        summary="Token de uma solicitação (este servidor é em tempo real: não emite tokens)",
    )
    def token(token: str, fmt: FmtPath, jurisdiction_id: Jurisdiction = None) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        raise Open311Error(
            404,
            "Token desconhecido: este servidor é em tempo real e responde ao POST requests já "
            "com o service_request_id (o protocolo), sem tokens.",
        )

    @router.get(
        "/servicerequestupdates.{fmt}",
        dependencies=reads,
        responses={**_ok(list[UpdateOut]), **read_errors},
        summary="Mudanças de situação (extensão do mySociety), mais antigas primeiro",
    )
    def updates(
        fmt: FmtPath,
        start_date: Annotated[datetime | None, Query(description="ISO 8601.")] = None,
        end_date: Annotated[datetime | None, Query(description="ISO 8601; até 90 dias.")] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=public_requests.MAX_PAGE_SIZE)] = (
            public_requests.DEFAULT_PAGE_SIZE
        ),
        jurisdiction_id: Jurisdiction = None,
    ) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        window = Window.of(
            params.moment(start_date, "start_date", policy.tz),
            params.moment(end_date, "end_date", policy.tz),
        )
        with parts.database.transaction() as session:
            found = public_requests.public_updates(session, window, Page(page, page_size))
        rows = [update_out(u, policy) for u in found]
        return render(fmt, rows, "service_request_updates", "request_update")

    def file_from_form(fields: dict[str, list[str]]) -> CreatedOut:
        key = fields.get("api_key", [""])[0]
        with parts.database.transaction() as session:
            client = api_clients.verify_api_key(session, key)
            client_id = client.id
        limits.limit_posts_per_key(client_id)
        params.check_jurisdiction(fields.get("jurisdiction_id", [""])[0])
        filing = params.filing(fields)
        with parts.database.transaction() as session:
            client = api_clients.verify_api_key(session, key)
            created = public_requests.file_request(session, client, filing, policy)
            # From the request in hand, not read back: the protocol counter stays locked (every
            # other writer waits) until this transaction commits.
            notice = public_requests.service_notice(created.service_type)
            number = format_protocol_number(created.number)
        account = fields.get("account_id", [""])[0] or None
        return CreatedOut(service_request_id=number, service_notice=notice, account_id=account)

    @router.post(
        "/requests.{fmt}",
        dependencies=[Depends(limits.limit_posts_per_ip)],
        responses={
            **_ok(list[CreatedOut], "Registrada: o protocolo e o prazo"),
            **documented_errors([400, 403, 404, 413, 429]),
        },
        summary="Registrar uma solicitação (formulário; exige api_key)",
        openapi_extra={"requestBody": FORM_BODY},
    )
    async def create_request(fmt: FmtPath, request: Request) -> Response:
        form = await request.form()
        fields = params.form_fields(list(form.multi_items()))
        created = await run_in_threadpool(file_from_form, fields)
        return render(fmt, [created], "service_requests", "request")

    return router


_TEXT = {"type": "string"}
FORM_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["api_key", "service_code"],
                "properties": {
                    "api_key": _TEXT,
                    "jurisdiction_id": _TEXT,
                    "service_code": _TEXT,
                    "lat": {"type": "number"},
                    "long": {"type": "number"},
                    "address_string": _TEXT,
                    "address_id": _TEXT,
                    "email": _TEXT,
                    "device_id": _TEXT,
                    "account_id": _TEXT,
                    "first_name": _TEXT,
                    "last_name": _TEXT,
                    "phone": _TEXT,
                    "description": {"type": "string", "maxLength": 4000},
                    "media_url": _TEXT,
                },
                "patternProperties": {r"^attribute\[[A-Z_]+\](\[\])?$": _TEXT},
            }
        }
    },
}
