"""The domain's public views as Open311 answers (the models of ``schemas``)."""

from __future__ import annotations

from citizen_center.domain.service_attributes import ServiceAttribute
from citizen_center.models import ServiceType
from citizen_center.services import client_filing, public_requests
from citizen_center.services.common import Policy
from citizen_center.services.public_requests import PublicRequest, PublicUpdate
from web.open311.schemas import (
    AttributeOut,
    AttributeValueOut,
    ExtendedAttributesOut,
    NoteOut,
    RequestOut,
    ServiceOut,
    UpdateOut,
)


def attribute_out(attribute: ServiceAttribute) -> AttributeOut:
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


def service_out(service: ServiceType) -> ServiceOut:
    return ServiceOut(
        service_code=service.code,
        service_name=service.name,
        description=service.description,
        metadata=bool(client_filing.service_attributes(service)),
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
        # Chicago's fields for a duplicate: the flag, and the parent's protocol number.
        out.extended_attributes = ExtendedAttributesOut(
            channel=item.channel,
            duplicate=item.duplicate_of is not None,
            parent_service_request_id=item.duplicate_of,
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
