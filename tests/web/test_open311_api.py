"""The Open311 API through the real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import func, select

from citizen_center.db import Database
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel, Status
from citizen_center.models import (
    AuditLog,
    Citizen,
    FocalPoint,
    ProtocolCounter,
    RequestEvent,
    ServiceRequest,
)
from citizen_center.services import api_clients, duplicates, requests
from citizen_center.services.citizens import AddressInput, CitizenInput, register_citizen
from citizen_center.services.common import Actor
from tests.fixtures.databases import sqlite_only
from tests.web.open311_fixtures import ROOMY, Open311, new_key, running

STAFF = Actor.system("Fulano Servidor")
POTHOLE = {
    "service_code": "VIA-BURACO",
    "address_string": "Avenida Ipiranga, 1200 - Azenha",
    "lat": "-30.0512345",
    "long": "-51.2112345",
    "attribute[RISCO_PESSOAS]": "sim",
    "attribute[PONTO_REFERENCIA]": "em frente ao posto",
    "first_name": "Ana",
    "last_name": "Beatriz Souza",
    "phone": "(51) 99876-5432",
    "email": "ana.souza@example.com",
    "description": "Buraco fundo na faixa da direita",
}


@pytest.fixture
def open311(migrated_db: Database) -> Iterator[Open311]:
    yield from running(migrated_db)


def post(api: Open311, fmt: str = "json", **fields: str) -> httpx.Response:
    return api.http.post(f"/requests.{fmt}", data={"api_key": api.key, **POTHOLE, **fields})


def counts(database: Database) -> tuple[int, int, int]:
    with database.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(ServiceRequest)) or 0,
            session.scalar(select(func.count()).select_from(RequestEvent)) or 0,
            session.scalar(select(func.count()).select_from(Citizen)) or 0,
        )


def xml(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def error_of(response: httpx.Response) -> str:
    body = response.json()
    assert body[0]["code"] == response.status_code
    return str(body[0]["description"])


@sqlite_only  # formats, not storage
def test_discovery_in_both_formats(open311: Open311) -> None:
    answer = open311.http.get("/discovery.json")
    assert answer.headers["access-control-allow-origin"] == "*"
    as_json = answer.json()
    assert as_json["endpoints"][0]["url"].endswith("/open311/v2/")
    assert "text/xml" in as_json["endpoints"][0]["formats"]
    root = xml(open311.http.get("/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iterfind("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


@sqlite_only  # the catalogue as the API shows it
def test_services_and_their_definitions(open311: Open311) -> None:
    services = {s["service_code"]: s for s in open311.http.get("/services.json").json()}
    assert services["VIA-BURACO"]["group"] == "Vias e calçadas"
    assert services["VIA-BURACO"]["metadata"] is True
    assert services["IPTU-INFO"]["metadata"] is False  # no place, no hazard: no questions
    root = xml(open311.http.get("/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    definition = xml(open311.http.get("/services/ARV-PODA.xml"))
    assert definition.tag == "service_definition"
    codes = [a.findtext("code") for a in definition.iterfind("attributes/attribute")]
    assert codes == ["PONTO_REFERENCIA", "RISCO_PESSOAS"]
    risk = definition.find("attributes/attribute[code='RISCO_PESSOAS']")
    assert risk is not None and risk.findtext("required") == "true"
    assert [v.findtext("key") for v in risk.iterfind("values/value")] == ["sim", "nao"]
    unknown = open311.http.get("/services/NAO-EXISTE.xml")
    assert unknown.status_code == 404
    assert xml(unknown).findtext("error/code") == "404"


def test_a_posted_request_is_opened_by_the_client_on_its_channel(open311: Open311) -> None:
    answer = post(open311, "xml")
    assert answer.status_code == 200, answer.text
    number = xml(answer).findtext("request/service_request_id")
    assert number
    assert (
        xml(answer).findtext("request/service_notice") == "Prazo de atendimento: 30 dias corridos."
    )
    with open311.database.transaction() as session:
        item = requests.get_request(session, number)
        assert item.channel is Channel.APP and item.api_client_id is not None
        assert (item.latitude, item.longitude) == (-30.0512345, -51.2112345)
        assert item.reference == "em frente ao posto"
        assert "Há risco para pessoas: Sim." in item.description
        assert (item.street, item.house_number, item.neighbourhood) == (
            "Avenida Ipiranga",
            "1200",
            "Azenha",
        )
        assert item.status is Status.FORWARDED and item.focal_point is not None
        assert [e.channel for e in item.events] == [Channel.APP, Channel.APP]
        assert item.citizen is not None and item.citizen.name == "Ana Beatriz Souza"
        citizen_id = item.citizen_id
    again = post(open311)  # the same phone and name: the same citizen, not a second one
    with open311.database.transaction() as session:
        second = requests.get_request(session, again.json()[0]["service_request_id"])
        assert second.citizen_id == citizen_id
        lookups = session.scalars(select(AuditLog.detail).where(AuditLog.citizen_id == citizen_id))
        assert any(d.startswith("lookup by phone") for d in lookups)


def test_every_post_answer_carries_a_token_that_gives_the_protocol(open311: Open311) -> None:
    as_json = post(open311).json()[0]
    token, number = as_json["token"], as_json["service_request_id"]
    answer = xml(post(open311, "xml"))
    xml_token, xml_number = (
        answer.findtext("request/token"),
        answer.findtext("request/service_request_id"),
    )
    assert xml_token and xml_number and len({token, xml_token, number, xml_number}) == 4
    with open311.database.transaction() as session:
        assert requests.get_request(session, number).token == token
    assert open311.http.get(f"/tokens/{token}.json").json() == [
        {"token": token, "service_request_id": number}
    ]
    back = xml(open311.http.get(f"/tokens/{xml_token}.xml"))
    assert back.tag == "service_requests"
    assert [(r.findtext("token"), r.findtext("service_request_id")) for r in back] == [
        (xml_token, xml_number)
    ]
    for unknown in ("abc.xml", f"{token[::-1]}x.json", f"{'x' * 300}.json", "%20.xml"):
        refused = open311.http.get(f"/tokens/{unknown}")
        assert refused.status_code == 404, unknown
        code = (
            xml(refused).findtext("error/code")
            if unknown.endswith(".xml")
            else str(refused.json()[0]["code"])
        )
        assert code == "404"
    # The token is the filer's: no public answer carries it.
    for path in ("/requests.json", f"/requests/{number}.xml", "/servicerequestupdates.json"):
        body = open311.http.get(path, params={"extensions": "true"}).text
        assert token not in body and "token" not in body, path


def test_an_address_id_is_kept_and_documented(open311: Open311) -> None:
    answer = post(open311, address_id="CDL-4521.00-1587")
    number = answer.json()[0]["service_request_id"]
    personal = open311.http.post(
        "/requests.xml",
        data={"api_key": open311.key, "service_code": "IPTU-INFO", "address_id": "LOTE 77"},
    )
    assert personal.status_code == 200, personal.text
    other = xml(personal).findtext("request/service_request_id") or ""
    with open311.database.transaction() as session:
        kept = requests.get_request(session, number).description
        assert "Código de endereço do cliente: CDL-4521.00-1587" in kept.splitlines()
        alone = requests.get_request(session, other).description
        assert alone == "Código de endereço do cliente: LOTE 77"
    for shown in (open311.http.get(f"/requests/{n}.json").json()[0] for n in (number, other)):
        assert "Código de endereço do cliente: [dado pessoal omitido]" in shown["description"]
        assert "1587" not in shown["description"] and "LOTE" not in shown["description"]
        assert shown["address_id"] == ""
    described = open311.web.url + "/openapi.json"
    operation = httpx.get(described).json()["paths"]["/open311/v2/requests.{fmt}"]["post"]
    assert "Código de endereço do cliente" in operation["description"]
    assert "tokens/{token}" in operation["description"]
    before = counts(open311.database)
    for bad, says in (("x" * 101, "100"), ("1\n2", "uma só linha"), ("<i>1</i>", "HTML")):
        refused = post(open311, address_id=bad)
        assert refused.status_code == 400 and says in error_of(refused), bad
    assert counts(open311.database) == before


def test_a_whatsapp_client_files_on_its_own_channel(open311: Open311) -> None:
    key = new_key(open311.database, "bot", Channel.WHATSAPP)
    answer = open311.http.post("/requests.json", data={**POTHOLE, "api_key": key})
    with open311.database.transaction() as session:
        item = requests.get_request(session, answer.json()[0]["service_request_id"])
        assert item.channel is Channel.WHATSAPP


@sqlite_only  # who may post, not how it is stored
def test_api_keys_missing_wrong_and_revoked_are_refused(open311: Open311) -> None:
    before = counts(open311.database)
    assert open311.http.post("/requests.json", data=POTHOLE).status_code == 403
    assert post(open311, api_key="nao-e-uma-chave").status_code == 403
    with open311.database.transaction() as session:
        api_clients.revoke_api_client(session, "app-da-prefeitura")
    refused = post(open311, "xml")
    assert refused.status_code == 403 and "revogada" in (
        xml(refused).findtext("error/description") or ""
    )
    assert counts(open311.database) == before


# Each bad argument, the status the spec gives it and a word of the message (one server for
# all of them: a server per case would cost the fast tier seconds).
BAD_POSTS: list[tuple[dict[str, str], int, str]] = [
    ({"service_code": "NAO-EXISTE"}, 404, "desconhecido"),
    ({"service_code": ""}, 400, "service_code"),
    ({"attribute[RISCO_PESSOAS]": "talvez"}, 400, "RISCO_PESSOAS"),
    ({"attribute[RISCO_PESSOAS]": ""}, 400, "obrigatório"),
    ({"attribute[COR]": "azul"}, 400, "desconhecido"),
    ({"lat": "-30.05", "long": ""}, 400, "lat e long"),
    ({"lat": "51.2", "long": "-30.05"}, 400, "fora de Porto Alegre"),
    ({"lat": "abc"}, 400, "número"),
    ({"address_string": ""}, 400, "address_string"),
    ({"description": "<script>alert(1)</script>"}, 400, "HTML"),
    ({"description": "x" * 4001}, 400, "4000"),
    ({"phone": "12"}, 400, "elefone"),
    ({"email": "sem-arroba"}, 400, "email"),
    ({"media_url": "ftp://x"}, 400, "media_url"),
    ({"jurisdiction_id": "outra.cidade"}, 404, "jurisdiction_id"),
    (
        {
            "service_code": "ARV-PODA",
            "first_name": "",
            "last_name": "",
            "phone": "",
            "email": "",
        },
        400,
        "identificação",
    ),
]


def test_bad_posts_get_the_spec_error_and_write_nothing(open311: Open311) -> None:
    before = counts(open311.database)
    for fields, status, says in BAD_POSTS:
        answer = post(open311, **fields)
        assert answer.status_code == status, (fields, answer.text)
        assert says in error_of(answer), fields
    assert counts(open311.database) == before


def test_a_refusal_after_the_first_writes_undoes_them(open311: Open311) -> None:
    """The citizen is registered and a protocol number reserved before the forwarding finds
    no focal point: the whole POST is undone, the counter and the citizens included."""
    with open311.database.transaction() as session:
        for focal_point in session.scalars(select(FocalPoint).where(FocalPoint.is_primary)):
            focal_point.is_primary = False
        counter = session.scalar(select(func.coalesce(func.max(ProtocolCounter.last_value), 0)))
    before = counts(open311.database)
    answer = post(open311, first_name="Nova", last_name="Pessoa", phone="51 98888-7777")
    assert answer.status_code == 400 and "ponto focal" in error_of(answer)
    assert counts(open311.database) == before
    with open311.database.transaction() as session:
        assert (
            session.scalar(select(func.coalesce(func.max(ProtocolCounter.last_value), 0)))
            == counter
        )


def test_multi_value_attributes_and_anonymous_services(open311: Open311) -> None:
    form = [
        ("api_key", open311.key),
        ("service_code", "CALICA"),
        ("address_string", "Rua da República - Cidade Baixa"),
        ("attribute[TIPO_RESIDUO][]", "entulho"),
        ("attribute[TIPO_RESIDUO][]", "vegetal"),
        ("first_name", "Carlos"),
        ("last_name", "Lima"),
        ("email", "carlos@example.com"),
    ]
    answer = open311.http.post(
        "/requests.json",
        content=urlencode(form).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    anonymous = open311.http.post(
        "/requests.json",
        data={
            "api_key": open311.key,
            "service_code": "SEMAFORO",
            "address_string": "Av. Goethe",
            "attribute[RISCO_PESSOAS]": "nao",
        },
    )
    assert anonymous.status_code == 200, anonymous.text
    with open311.database.transaction() as session:
        waste = requests.get_request(session, answer.json()[0]["service_request_id"])
        assert "Tipo de resíduo: Entulho/caliça, Galhos e restos de poda." in waste.description
        light = requests.get_request(session, anonymous.json()[0]["service_request_id"])
        assert light.citizen_id is None


def open_at(database: Database, code: str, when: datetime, **extra: object) -> str:
    with database.transaction() as session:
        item = requests.open_request(
            session,
            service_code=code,
            channel=Channel.PHONE,
            actor=STAFF,
            address=AddressInput(street="Rua Teste", neighbourhood="Centro"),
            now=when,
            **extra,  # type: ignore[arg-type]
        )
        return format_protocol_number(item.number)


def ids(response: httpx.Response) -> list[str]:
    return [str(x["service_request_id"]) for x in response.json()]


def test_get_requests_filters_paging_and_dates(open311: Open311) -> None:
    now = datetime.now(UTC)
    holes = [open_at(open311.database, "VIA-BURACO", now - timedelta(days=d)) for d in (1, 2, 3)]
    old = open_at(open311.database, "VIA-BURACO", now - timedelta(days=120))
    light = open_at(open311.database, "SEMAFORO", now - timedelta(hours=5))
    with open311.database.transaction() as session:
        requests.change_status(
            session, requests.get_request(session, holes[2]), Status.RESOLVED, STAFF, "Tapado."
        )
    get = open311.http.get
    assert ids(get("/requests.json")) == [light, *holes]  # the last 90 days, newest first
    assert ids(get("/requests.json", params={"service_code": "VIA-BURACO"})) == holes
    assert ids(get("/requests.json", params={"status": "closed"})) == [holes[2]]
    assert ids(get("/requests.json", params={"status": "open"})) == [light, *holes[:2]]
    assert ids(get("/requests.json", params={"page_size": 2, "page": 2})) == holes[1:]
    start = (now - timedelta(days=125)).isoformat()
    end = (now - timedelta(days=100)).isoformat()
    assert ids(get("/requests.json", params={"start_date": start, "end_date": end})) == [old]
    both = {"service_request_id": f"{old},{holes[0]}", "service_code": "SEMAFORO"}
    assert set(ids(get("/requests.json", params=both))) == {old, holes[0]}
    one = get(f"/requests/{light}.xml")
    assert [r.findtext("service_request_id") for r in xml(one).iterfind("request")] == [light]
    assert xml(one).tag == "service_requests"
    too_long = get("/requests.xml", params={"start_date": start, "end_date": now.isoformat()})
    assert too_long.status_code == 400 and "90 dias" in (
        xml(too_long).findtext("error/description") or ""
    )
    for bad in ({"page_size": 501}, {"page": 0}, {"status": "aberto"}, {"start_date": "ontem"}):
        assert get("/requests.json", params=bad).status_code == 400, bad
    assert get("/requests.json", params={"service_code": "NAO-EXISTE"}).status_code == 404
    assert get("/requests/2026-0000099-0.json").status_code == 404
    assert get("/tokens/abc.xml").status_code == 404


def test_extensions_and_updates_show_the_public_history_only(open311: Open311) -> None:
    number = post(open311).json()[0]["service_request_id"]
    with open311.database.transaction() as session:
        item = requests.get_request(session, number)
        requests.change_status(session, item, Status.IN_PROGRESS, STAFF)
        requests.add_note(session, item, STAFF, "Ligar para Fulano Servidor no ramal 2233")
        requests.change_status(session, item, Status.RESOLVED, STAFF, "Buraco tapado.")
    plain = open311.http.get(f"/requests/{number}.json").json()[0]
    assert "extended_attributes" not in plain and plain["status"] == "closed"
    extended = open311.http.get(f"/requests/{number}.json", params={"extensions": "true"}).json()[0]
    attributes = extended["extended_attributes"]
    assert attributes["channel"] == "app" and attributes["duplicate"] is False
    assert [n["detailed_status"] for n in attributes["notes"]] == [
        "open",
        "action_scheduled",
        "in_progress",
        "fixed",
    ]
    assert attributes["notes"][-1]["summary"] == "Resolvida pela secretaria: Buraco tapado."
    root = xml(open311.http.get("/requests.xml", params={"extensions": "true"}))
    assert len(root.findall("request/extended_attributes/notes/note")) == 4
    updates = open311.http.get("/servicerequestupdates.json").json()
    assert [u["status"] for u in updates] == ["action_scheduled", "in_progress", "fixed"]
    assert all(u["service_request_id"] == number for u in updates)
    with open311.database.transaction() as session:
        event_ids = [str(e.id) for e in requests.get_request(session, number).events]
    assert {u["update_id"] for u in updates} <= set(event_ids)
    as_xml = xml(open311.http.get("/servicerequestupdates.xml"))
    assert as_xml.tag == "service_request_updates" and len(as_xml.findall("request_update")) == 3
    everything = open311.http.get("/requests.json", params={"extensions": "true"}).text
    assert "Fulano" not in everything and "2233" not in everything


def test_a_duplicate_carries_chicagos_fields_and_is_closed(open311: Open311) -> None:
    first = post(open311).json()[0]["service_request_id"]
    again = post(open311, description="O mesmo buraco, de novo").json()[0]["service_request_id"]
    with open311.database.transaction() as session:
        item = requests.get_request(session, again)
        duplicates.mark_duplicate(session, item, first, STAFF)

    def extended(fmt: str, number: str) -> httpx.Response:
        return open311.http.get(f"/requests/{number}.{fmt}", params={"extensions": "true"})

    child = extended("json", again).json()[0]
    assert child["status"] == "closed"
    assert child["status_notes"].startswith(f"Fechada: duplicada do protocolo {first}")
    attributes = child["extended_attributes"]
    assert attributes["duplicate"] is True and attributes["parent_service_request_id"] == first
    assert attributes["notes"][-1]["detailed_status"] == "duplicate"
    assert attributes["notes"][-1]["summary"] == f"Duplicada do protocolo {first}."
    parent = extended("json", first).json()[0]
    assert parent["status"] == "open"
    assert parent["extended_attributes"]["duplicate"] is False
    assert parent["extended_attributes"]["parent_service_request_id"] is None
    as_xml = xml(extended("xml", again)).find("request/extended_attributes")
    assert as_xml is not None
    assert as_xml.findtext("duplicate") == "true"
    assert as_xml.findtext("parent_service_request_id") == first
    parent_xml = xml(extended("xml", first)).find("request/extended_attributes")
    assert parent_xml is not None and parent_xml.findtext("duplicate") == "false"
    listed = open311.http.get("/requests.json", params={"extensions": "true"}).json()
    assert {r["service_request_id"]: r["extended_attributes"]["duplicate"] for r in listed} == {
        first: False,
        again: True,
    }
    closed = open311.http.get("/requests.json", params={"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [again]
    updates = open311.http.get("/servicerequestupdates.json").json()
    assert [u["status"] for u in updates if u["service_request_id"] == again][-1] == "duplicate"

    with open311.database.transaction() as session:  # a mistake, undone
        duplicates.unmark_duplicate(session, requests.get_request(session, again), STAFF, "x")
    undone = extended("json", again).json()[0]
    assert undone["status"] == "open" and undone["extended_attributes"]["duplicate"] is False
    assert undone["extended_attributes"]["notes"][-1]["summary"] == (
        "Não era duplicada: voltou ao atendimento."
    )


def test_public_answers_never_show_personal_data(open311: Open311) -> None:
    with open311.database.transaction() as session:
        citizen = register_citizen(
            session,
            CitizenInput(
                name="Joana Prates da Silva",
                cpf="529.982.247-25",
                phones=["51 98765-4321"],
                email="joana.prates@example.com",
            ),
            STAFF,
        )
        item = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel=Channel.PHONE,
            actor=STAFF,
            citizen_id=citizen.id,
            address=AddressInput(
                street="Rua Vinte e Quatro de Outubro",
                house_number="1587",
                complement="ap 302",
                neighbourhood="Auxiliadora",
                zipcode="90510-003",
            ),
            description=(
                "Sou a joana prates: me liguem no 51 98765-4321 ou joana.prates@example.com, "
                "CPF 52998224725"
            ),
        )
        item.latitude, item.longitude = -30.0234567, -51.1987654
        number = format_protocol_number(item.number)
    bodies = [
        open311.http.get(path, params={"extensions": "true"}).text
        for path in (
            "/requests.json",
            "/requests.xml",
            f"/requests/{number}.json",
            f"/requests/{number}.xml",
            "/servicerequestupdates.json",
            "/servicerequestupdates.xml",
        )
    ]
    for secret in (
        "Joana",
        "Prates",
        "52998224725",
        "529.982.247-25",
        "98765-4321",
        "5551987654321",
        "joana.prates",
        "Outubro, 1587",
        "1587 ",
        "<house_number>",
        '"house_number"',
        "complement",
        "ap 302",
        "-30.0234567",
        "-51.1987654",
    ):
        assert all(secret.casefold() not in body.casefold() for body in bodies), secret
    shown = open311.http.get(f"/requests/{number}.json").json()[0]
    assert shown["address"] == "Rua Vinte e Quatro de Outubro — Auxiliadora, Porto Alegre"
    assert (shown["lat"], shown["long"]) == (-30.023, -51.199)
    assert shown["zipcode"] == "90510003"


@sqlite_only  # the limiter is in memory
@pytest.mark.web  # starts its own server
def test_rate_limits_answer_429_with_retry_after(migrated_db: Database) -> None:
    tight = ROOMY.model_copy(
        update={"get_rate_per_ip": "3/minute", "post_rate_per_key": "1/minute"}
    )
    for api in running(migrated_db, tight):
        statuses = [api.http.get("/services.xml").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = api.http.get("/services.xml")
        assert int(refused.headers["retry-after"]) >= 1
        assert xml(refused).findtext("error/code") == "429"
        assert api.http.get("/tokens/abcdefghijklmnopqrstuv.json").status_code == 429
        assert post(api).status_code == 200
        assert post(api).status_code == 429  # the key's allowance, not the address's


@sqlite_only  # refused before any database work
@pytest.mark.web  # starts its own server
def test_a_body_past_the_limit_is_413(migrated_db: Database) -> None:
    for api in running(migrated_db, ROOMY.model_copy(update={"api_max_body_kb": 1})):
        before = counts(migrated_db)
        answer = post(api, description="x" * 3000)
        assert answer.status_code == 413 and "KB" in error_of(answer)
        assert counts(migrated_db) == before
