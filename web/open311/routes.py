"""The Open311 GeoReport v2 routes under ``/open311/v2/``, with Chicago's ``extensions=true``
and mySociety's ``servicerequestupdates``.

Every route answers in the format its URL ends with (``.json`` or ``.xml``), errors included
(``handling.route_class_for``); reads are limited per client address, writes per address and
per API client.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from citizen_center.domain.protocol import format_protocol_number
from citizen_center.services import api_clients, client_filing, public_requests
from citizen_center.services.catalogue import active_service_types, service_type_by_code
from citizen_center.services.catalogue_cache import CatalogueSnapshot
from citizen_center.services.common import Policy
from citizen_center.services.public_requests import Page, RequestQuery, Window
from web.open311 import answers, params
from web.open311.errors import Open311Error, documented_errors
from web.open311.formats import XML_TYPE, Format, render
from web.open311.handling import route_class_for
from web.open311.schemas import (
    CreatedOut,
    DiscoveryOut,
    EndpointOut,
    RequestOut,
    ServiceDefinitionOut,
    ServiceOut,
    TokenOut,
    UpdateOut,
)
from web.parts import WebParts

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API's shape last changed (discovery's changeset).
CHANGESET = datetime(2026, 12, 2, tzinfo=UTC)
CONTACT = "Central 156 — Prefeitura de Porto Alegre: ligue 156 ou acesse a página do cidadão."
KEY_SERVICE = "Peça uma api_key à Central 156 (central156 api-client add)."
FmtPath = Annotated[Format, Path(description="json ou xml")]
STATUS_PATTERN = r"^(open|closed)(,(open|closed))?$"
Jurisdiction = Annotated[str | None, Query(description=f"Opcional: {params.JURISDICTION_ID}")]


def _ok(model: Any, description: str = "OK") -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "model": model,
            "content": {XML_TYPE: {"schema": {"type": "string"}}},
        }
    }


def _known_service_codes(catalogue: CatalogueSnapshot, codes: tuple[str, ...]) -> None:
    """404 for a service_code filter naming no service (the spec's "not found")."""
    missing = [c for c in codes if c not in catalogue.services]
    if missing:
        raise Open311Error(404, f"service_code desconhecido: {missing[0][:60]}.")


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
            rows = [answers.service_out(s) for s in active_service_types(session)]
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
            attributes = client_filing.service_attributes(service)
            answer = ServiceDefinitionOut(
                service_code=service.code, attributes=[answers.attribute_out(a) for a in attributes]
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
        status: Annotated[
            str | None,
            Query(description="open, closed ou open,closed", pattern=STATUS_PATTERN),
        ] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=public_requests.MAX_PAGE_SIZE)] = (
            public_requests.DEFAULT_PAGE_SIZE
        ),
        extensions: Annotated[bool, Query(description="Atributos estendidos (Chicago).")] = False,
        jurisdiction_id: Jurisdiction = None,
    ) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        codes = params.comma_list(service_code, "service_code")
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
            catalogue = parts.catalogue.get(session)
            _known_service_codes(catalogue, codes)
            found = public_requests.find_public_requests(
                session, query, with_notes=extensions, policy=policy, catalogue=catalogue
            )
        rows = [answers.request_out(item, policy, extensions) for item in found]
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
                session, service_request_id, with_notes=extensions, policy=policy
            )
        return render(
            fmt, [answers.request_out(item, policy, extensions)], "service_requests", "request"
        )

    @router.get(
        "/tokens/{token}.{fmt}",
        dependencies=reads,
        responses={**_ok(list[TokenOut]), **read_errors},
        summary="O protocolo de uma solicitação pelo token da resposta ao POST requests",
    )
    def token(token: str, fmt: FmtPath, jurisdiction_id: Jurisdiction = None) -> Response:
        params.check_jurisdiction(jurisdiction_id)
        with parts.database.transaction() as session:
            number = public_requests.number_for_token(session, token)
        return render(
            fmt, [TokenOut(token=token, service_request_id=number)], "service_requests", "request"
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
        rows = [answers.update_out(u, policy) for u in found]
        return render(fmt, rows, "service_request_updates", "request_update")

    def file_from_form(fields: dict[str, list[str]]) -> CreatedOut:
        """The key first (403 before any other complaint), then its allowance, then the form;
        one transaction, so a refusal at any step leaves nothing written."""
        with parts.database.transaction() as session:
            client = api_clients.verify_api_key(session, fields.get("api_key", [""])[0])
            limits.limit_posts_per_key(client.id)
            params.check_jurisdiction(fields.get("jurisdiction_id", [""])[0])
            catalogue = parts.catalogue.get(session)
            created = client_filing.file_request(
                session,
                client,
                params.filing(fields),
                catalogue,
                policy,
                numbers=parts.protocol_numbers,
            )
            answer = CreatedOut(
                service_request_id=format_protocol_number(created.number),
                token=created.token,
                service_notice=public_requests.describe_deadline(created.service.deadline(policy)),
                account_id=fields.get("account_id", [""])[0] or None,
            )
        return answer

    @router.post(
        "/requests.{fmt}",
        dependencies=[Depends(limits.limit_posts_per_ip)],
        responses={
            **_ok(list[CreatedOut], "Registrada: o protocolo e o prazo"),
            **documented_errors([400, 403, 404, 413, 429]),
        },
        summary="Registrar uma solicitação (formulário; exige api_key)",
        description=POST_NOTES,
        openapi_extra={"requestBody": FORM_BODY},
    )
    async def create_request(fmt: FmtPath, request: Request) -> Response:
        form = await request.form()
        fields = params.form_fields(list(form.multi_items()))
        created = await run_in_threadpool(file_from_form, fields)
        return render(fmt, [created], "service_requests", "request")

    return router


_TEXT = {"type": "string"}
ADDRESS_ID_NOTE = (
    "Código do endereço no cadastro do cliente (até 100 caracteres, uma linha, sem HTML). A "
    "Central 156 não tem cadastro de endereços: o código não localiza a solicitação (serviços "
    "com endereço exigem address_string), mas é guardado numa linha da descrição — "
    f'"{client_filing.ADDRESS_ID_LABEL}: …" — que a secretaria vê; nas respostas públicas o '
    "valor aparece omitido."
)
POST_NOTES = (
    "A resposta traz o service_request_id (o protocolo) e também um token: clientes feitos "
    "para servidores com tokens podem consultar GET tokens/{token}, que devolve o mesmo "
    f"protocolo. address_id: {ADDRESS_ID_NOTE}"
)
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
                    "address_id": {
                        "type": "string",
                        "maxLength": client_filing.MAX_ADDRESS_ID,
                        "description": ADDRESS_ID_NOTE,
                    },
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
