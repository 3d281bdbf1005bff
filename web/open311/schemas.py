"""The shapes of the Open311 answers (GeoReport v2 with Chicago's and mySociety's extensions).

They render the JSON, feed the XML and make the OpenAPI description, so the three agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    code: int = Field(description="O código HTTP do erro (400, 403, 404, 413, 429).")
    description: str


class EndpointOut(BaseModel):
    specification: str
    url: str
    changeset: datetime
    type: Literal["production", "test"]
    formats: list[str]


class DiscoveryOut(BaseModel):
    changeset: datetime
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true quando o serviço tem atributos (services/{code}).")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValueOut(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValueOut]


class ServiceDefinitionOut(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class NoteOut(BaseModel):
    datetime: datetime
    status: Literal["open", "closed"]
    detailed_status: str
    summary: str


class ExtendedAttributesOut(BaseModel):
    channel: str = Field(description="phone, app, whatsapp, web, email, in_person")
    duplicate: bool = Field(description="true quando foi fechada como duplicada de outra.")
    parent_service_request_id: str | None = Field(
        description="O protocolo do qual é duplicada (nunca ele mesmo duplicado); null se não é."
    )
    notes: list[NoteOut]


class RequestOut(BaseModel):
    service_request_id: str = Field(description="O número de protocolo (AAAA-NNNNNNN-D).")
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime = Field(description="O prazo publicado do serviço.")
    address: str = Field(description="Logradouro e bairro, nunca o número da casa.")
    address_id: str = Field(
        description="Sempre vazio: a Central 156 não tem cadastro de endereços. O address_id "
        "enviado no POST fica numa linha da descrição, com o valor omitido aqui."
    )
    zipcode: str
    lat: float | None = Field(description="Arredondada a 3 casas (~100 m).")
    long: float | None
    media_url: str
    extended_attributes: ExtendedAttributesOut | None = Field(
        default=None, description="Só com extensions=true."
    )


class CreatedOut(BaseModel):
    service_request_id: str = Field(description="O número de protocolo (AAAA-NNNNNNN-D).")
    token: str = Field(
        description="Para clientes feitos para servidores com tokens: GET tokens/{token} "
        "devolve este mesmo service_request_id."
    )
    service_notice: str
    account_id: str | None


class TokenOut(BaseModel):
    token: str
    service_request_id: str = Field(description="O número de protocolo (AAAA-NNNNNNN-D).")


class UpdateOut(BaseModel):
    update_id: str
    service_request_id: str
    status: str = Field(description="Estados do mySociety: open, action_scheduled, ...")
    description: str
    updated_datetime: datetime
    media_url: str
