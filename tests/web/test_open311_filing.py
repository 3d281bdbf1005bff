"""The Open311 POST's hot path: the catalogue snapshot, the writes without the ORM (one statement
on PostgreSQL), and protocol numbers that stay unique when many API clients file at once (SQLite
and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from unittest.mock import Mock, patch

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel, Status
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import (
    AuditLog,
    Citizen,
    CitizenPhone,
    FocalPoint,
    ProtocolCounter,
    RequestEvent,
    ServiceRequest,
    table_of,
)
from citizen_center.services import (
    api_clients,
    client_filing,
    filing_writes,
    public_requests,
    requests,
)
from citizen_center.services.api_clients import KeyHolder
from citizen_center.services.catalogue_cache import CatalogueCache, CatalogueSnapshot
from citizen_center.services.citizens import AddressInput
from citizen_center.services.client_filing import Filing, Reporter
from citizen_center.services.common import Actor
from citizen_center.services.protocol_blocks import ProtocolBlocks

WHEN = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def pothole(phone: str, name: str = "Ana") -> Filing:
    return Filing(
        service_code="VIA-BURACO",
        lat=-30.05,
        long=-51.21,
        address_string="Avenida Ipiranga, 1200 - Azenha",
        description="Buraco fundo",
        reporter=Reporter(first_name=name, last_name="Souza", phone=phone),
        attributes={"RISCO_PESSOAS": ["sim"]},
    )


def app_client(database: Database) -> tuple[KeyHolder, CatalogueSnapshot]:
    """A new API client of the app channel, its key checked, and the catalogue's snapshot."""
    with database.transaction() as session:
        issued = api_clients.create_api_client(session, "app", Channel.APP)
        return api_clients.verify_api_key(session, issued.key), CatalogueCache().get(session)


def test_the_catalogue_is_read_again_only_after_its_ttl(migrated_db: Database) -> None:
    clock = Clock()
    cache = CatalogueCache(ttl_seconds=10, clock=clock)
    with migrated_db.transaction() as session:
        first = cache.get(session)
        service = first.service("VIA-BURACO")
        assert first.primary_focal_point(service.secretariat_id).id > 0
        with pytest.raises(NotFoundError):
            first.service("NAO-EXISTE")
        for focal_point in session.scalars(select(FocalPoint).where(FocalPoint.is_primary)):
            focal_point.is_primary = False
    clock.now = 9.9
    with migrated_db.transaction() as session:
        assert cache.get(session) is first  # still the snapshot: no query
    clock.now = 10.0
    with migrated_db.transaction() as session:
        fresh = cache.get(session)
    assert fresh is not first
    with pytest.raises(ValidationError, match="ponto focal"):
        fresh.primary_focal_point(service.secretariat_id)
    cache.forget()
    with migrated_db.transaction() as session:
        assert cache.get(session) is not fresh


def test_a_filing_writes_what_open_request_writes(migrated_db: Database) -> None:
    """The hot path against the ORM's own: same columns, events, audit and deadline."""
    with migrated_db.transaction() as session:
        issued = api_clients.create_api_client(session, "app", Channel.APP)
    with migrated_db.transaction() as session:
        client = api_clients.verify_api_key(session, issued.key)
        catalogue = CatalogueCache().get(session)
        filed = client_filing.file_request(
            session, client, pothole("51 99876-5432"), catalogue, now=WHEN
        )
        by_orm = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel=Channel.APP,
            actor=client_filing.client_actor(client),
            address=AddressInput(street="Avenida Ipiranga"),
            now=WHEN,
        )
    with migrated_db.transaction() as session:
        made = requests.get_request(session, filed.number)
        assert made.status is Status.FORWARDED and made.channel is Channel.APP
        assert (made.latitude, made.longitude, made.api_client_id) == (-30.05, -51.21, client.id)
        assert (made.street, made.house_number, made.neighbourhood) == (
            "Avenida Ipiranga",
            "1200",
            "Azenha",
        )
        twin = requests.get_request(session, by_orm.number)
        assert made.expected_at == twin.expected_at
        assert made.focal_point_id == twin.focal_point_id
        assert made.secretariat_id == twin.secretariat_id
        assert [(e.from_status, e.to_status, e.note, e.channel) for e in made.events] == [
            (e.from_status, e.to_status, e.note, e.channel) for e in twin.events
        ]
        assert made.citizen is not None and made.citizen.name == "Ana Souza"
        assert [p.e164 for p in made.citizen.phones] == ["+5551998765432"]
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.citizen_id == made.citizen_id)
        ).all()
        assert actions == ["create"]
    with migrated_db.transaction() as session:  # the same person again: found, read audited
        again = client_filing.file_request(
            session, client, pothole("(51) 99876-5432"), catalogue, now=WHEN
        )
    with migrated_db.transaction() as session:
        assert requests.get_request(session, again.number).citizen_id == made.citizen_id
        details = session.scalars(
            select(AuditLog.detail).where(
                AuditLog.citizen_id == made.citizen_id, AuditLog.action == "read"
            )
        ).all()
        assert details == ["lookup by phone +5551998765432"]


def test_a_filing_keeps_its_token_and_address_id(migrated_db: Database) -> None:
    """The token is written with the request (the same INSERT) and finds it again; an
    address_id is kept as a line of the description, with or without an address_string."""
    client, catalogue = app_client(migrated_db)
    with migrated_db.transaction() as session:
        street = client_filing.file_request(
            session, client, replace(pothole("51 99876-5432"), address_id="CDL-4521"), catalogue
        )
        no_place = Filing(service_code="IPTU-INFO", address_id=" LOTE 77/B ")
        personal = client_filing.file_request(session, client, no_place, catalogue)
    assert street.token != personal.token
    with migrated_db.transaction() as session:
        made = requests.get_request(session, street.number)
        assert made.token == street.token
        assert made.description.splitlines() == [
            "Buraco fundo",
            "Há risco para pessoas: Sim.",
            "Código de endereço do cliente: CDL-4521",
        ]
        assert requests.get_request(session, personal.number).description == (
            "Código de endereço do cliente: LOTE 77/B"
        )
        found = public_requests.number_for_token(session, personal.token)
        assert found == format_protocol_number(personal.number)


def test_concurrent_api_filings_get_distinct_numbers(migrated_db: Database) -> None:
    """Eight API writers in two "processes" (two ``ProtocolBlocks``: blocks committed apart on
    PostgreSQL, the request's own transaction on SQLite) and two desktop writers (the counter
    locked until commit) at once: every request written once, with its own number."""
    with migrated_db.transaction() as session:
        issued = api_clients.create_api_client(session, "app", Channel.APP)
    cache = CatalogueCache()
    processes = (ProtocolBlocks(size=7), ProtocolBlocks(size=5))
    writers, each = 10, 20

    def api_writer(index: int) -> list[str]:
        numbers = []
        for n in range(each):
            with migrated_db.transaction() as session:
                client = api_clients.verify_api_key(session, issued.key)
                filing = pothole(f"51 9{index:03d}{n:05d}", name=f"Pessoa{index}")
                filed = client_filing.file_request(
                    session, client, filing, cache.get(session), numbers=processes[index % 2]
                )
                numbers.append(filed.number)
        return numbers

    def desk_writer(index: int) -> list[str]:
        numbers = []
        for _ in range(each):
            with migrated_db.transaction() as session:
                item = requests.open_request(
                    session,
                    service_code="ILUM-APAGADA",
                    channel=Channel.PHONE,
                    actor=Actor.system(f"desk{index}"),
                    address=AddressInput(street="Rua da República"),
                )
                numbers.append(item.number)
        return numbers

    def writer(index: int) -> list[str]:
        return desk_writer(index) if index >= 8 else api_writer(index)

    try:
        with ThreadPoolExecutor(max_workers=writers) as pool:
            numbers = [n for batch in pool.map(writer, range(writers)) for n in batch]
    finally:
        for blocks in processes:
            blocks.dispose()
    assert len(set(numbers)) == writers * each
    with migrated_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == writers * each


def test_protocol_blocks_are_reserved_and_committed_apart(migrated_db: Database) -> None:
    """PostgreSQL: a block is taken from the counter in a transaction of its own (committed
    even if the request's transaction is undone); SQLite: the counter, in the request's."""
    blocks = ProtocolBlocks(size=3)
    try:
        with migrated_db.transaction() as session:
            first = [blocks.issue(session, WHEN) for _ in range(4)]
        with pytest.raises(ValidationError), migrated_db.transaction() as session:
            blocks.issue(session, WHEN)
            raise ValidationError("the request is refused after its number")
        with migrated_db.transaction() as session:
            counter = session.scalar(
                select(ProtocolCounter.last_value).where(ProtocolCounter.year == 2026)
            )
            next_year = blocks.issue(session, datetime(2027, 1, 2, 12, tzinfo=UTC))
    finally:
        blocks.dispose()
    sequences = [int(n[4:11]) for n in first]
    assert sequences == [1, 2, 3, 4] and {n[:4] for n in first} == {"2026"}
    assert next_year[:4] == "2027" and int(next_year[4:11]) == 1
    if migrated_db.dialect == "postgresql":
        assert counter == 6  # two blocks of 3; the refused request's number is a gap
    else:
        assert counter == 4  # the refused request's number was undone with it


def test_a_refused_filing_writes_nothing(migrated_db: Database) -> None:
    """A refusal after the citizen's registration (no focal point: here the snapshot says so
    before any write; an anonymous filing of a service that needs a name after it)."""
    client, catalogue = app_client(migrated_db)
    with pytest.raises(ValidationError), migrated_db.transaction() as session:
        client_filing.file_request(session, client, pothole("51 98888-7777", "Nova"), catalogue)
        raise ValidationError("a later step refuses")
    with migrated_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == 0
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_a_revoked_key_is_refused_at_once(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        issued = api_clients.create_api_client(session, "app", Channel.WHATSAPP)
    with migrated_db.transaction() as session:
        holder = api_clients.verify_api_key(session, issued.key)
        assert (holder.name, holder.channel) == ("app", Channel.WHATSAPP)
        api_clients.revoke_api_client(session, "app")
    with migrated_db.transaction() as session, pytest.raises(api_clients.ApiKeyRefused):
        api_clients.verify_api_key(session, issued.key)


def _rows_of(session: Session, number: str) -> dict[str, Any]:
    """Every column a filing wrote, ids left out: the request, its events, its citizen, their
    phones and audit rows."""
    request = (
        session.execute(select(table_of(ServiceRequest)).where(ServiceRequest.number == number))
        .one()
        ._asdict()
    )
    events = session.execute(
        select(table_of(RequestEvent))
        .where(RequestEvent.request_id == request["id"])
        .order_by(RequestEvent.id)
    ).all()
    citizen_id = request["citizen_id"]
    citizen = session.execute(select(table_of(Citizen)).where(Citizen.id == citizen_id)).one()
    phones = session.scalars(select(CitizenPhone.e164).where(CitizenPhone.citizen_id == citizen_id))
    audits = session.execute(
        select(AuditLog.action, AuditLog.detail, AuditLog.actor_label, AuditLog.at)
        .where(AuditLog.citizen_id == citizen_id)
        .order_by(AuditLog.id)
    ).all()

    def without_ids(row: dict[str, Any]) -> dict[str, Any]:
        ids = {"id", "request_id", "citizen_id", "number", "token"}  # each filing its own
        return {k: v for k, v in row.items() if k not in ids}

    return {
        "request": without_ids(request),
        "events": [without_ids(e._asdict()) for e in events],
        "citizen": without_ids(citizen._asdict()),
        "phones": list(phones),
        "audits": [tuple(a) for a in audits],
    }


@pytest.mark.parametrize("reporter", ["new", "found"])
def test_one_statement_writes_what_the_steps_write(postgres_db: Database, reporter: str) -> None:
    """On PostgreSQL a filing is one statement; written in steps (SQLite's way) instead, the
    same filing leaves the same rows, to the column."""
    with postgres_db.transaction() as session:
        issued = api_clients.create_api_client(session, "app", Channel.APP)
        client = api_clients.verify_api_key(session, issued.key)
        catalogue = CatalogueCache().get(session)
        if reporter == "found":  # both filings then find this citizen: a read audit each
            client_filing.file_request(session, client, pothole("51 97777-0000"), catalogue)
    written: list[dict[str, Any]] = []
    for writer in (filing_writes._write_in_one_statement, filing_writes._write_in_steps):
        phone = "51 97777-0000" if reporter == "found" else f"51 9777{len(written)}-1111"
        with (
            postgres_db.transaction() as session,
            patch.object(client_filing, "write_filing", Mock(wraps=writer)) as write,
        ):
            filed = client_filing.file_request(session, client, pothole(phone), catalogue, now=WHEN)
        write.assert_called_once()
        with postgres_db.transaction() as session:
            written.append(_rows_of(session, filed.number))
    one_statement, steps = written
    if reporter == "found":  # the same citizen: read the same way by each filing
        audits, later = one_statement.pop("audits"), steps.pop("audits")
        assert [a[0] for a in audits] == ["create", "read"]
        assert later == [*audits, audits[-1]]
    else:  # two new citizens, with the two phones given
        assert (one_statement.pop("phones"), steps.pop("phones")) == (
            ["+5551977701111"],
            ["+5551977711111"],
        )
    assert one_statement == steps
    assert one_statement["request"]["reopen_count"] == 0  # a default the rows leave out
    assert [e["to_status"] for e in one_statement["events"]] == [Status.OPEN, Status.FORWARDED]


def test_a_failing_statement_leaves_nothing(postgres_db: Database) -> None:
    """One statement is all or nothing: a request that cannot be written (an unknown focal
    point here) takes the new citizen, their phone and the audit rows with it."""
    with postgres_db.transaction() as session:
        issued = api_clients.create_api_client(session, "app", Channel.APP)
        client = api_clients.verify_api_key(session, issued.key)
        catalogue = CatalogueCache().get(session)
    service = catalogue.service("VIA-BURACO")
    broken = replace(catalogue.primary_focal_point(service.secretariat_id), id=999_999)
    with (
        pytest.raises(IntegrityError),
        patch.object(type(catalogue), "primary_focal_point", lambda *_: broken),
        postgres_db.transaction() as session,
    ):
        client_filing.file_request(session, client, pothole("51 96666-2222", "Nova"), catalogue)
    with postgres_db.transaction() as session:
        for model in (ServiceRequest, Citizen, CitizenPhone, AuditLog, RequestEvent):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
