"""The citizen page through the real web server (uvicorn, HTTP) on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from citizen_center.db import Database
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel, Status
from citizen_center.models import Citizen as CitizenRow
from citizen_center.models import (
    RequestPhoto,
    ServiceRequest,
    ServiceType,
    SurveyResponse,
    utcnow,
)
from citizen_center.services import duplicates, requests
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import Actor
from tests.fixtures.databases import sqlite_only
from tests.web.conftest import FOLLOW_CODE, PROTOCOL, Citizen, jpeg_with_gps, web_settings
from web.citizen.routes import CitizenPage
from web.parts import WebParts
from web.server import RunningWeb, start_in_thread

POTHOLE = {
    "servico": "VIA-BURACO",
    "rua": "Rua dos Andradas",
    "numero": "1234",
    "bairro": "Centro Histórico",
    "referencia": "em frente ao museu",
    "descricao": "Buraco grande no meio da rua.",
}


def counts(database: Database) -> tuple[int, int, int]:
    with database.transaction() as session:
        return (
            session.scalar(select(func.count(ServiceRequest.id))) or 0,
            session.scalar(select(func.count(RequestPhoto.id))) or 0,
            session.scalar(select(func.count(CitizenRow.id))) or 0,
        )


def filed(citizen: Citizen, fields: dict[str, str], **kwargs: object) -> tuple[str, str]:
    page = citizen.file(fields, **kwargs)  # type: ignore[arg-type]
    assert page.status_code == 200, page.text
    number, code = PROTOCOL.search(page.text), FOLLOW_CODE.search(page.text)
    assert number and code, page.text
    return number.group(1).replace("-", ""), code.group(1)


def test_a_citizen_files_with_a_photo_and_follows_without_seeing_staff_or_personal_data(
    citizen: Citizen, migrated_db: Database
) -> None:
    fields = {**POTHOLE, "nome": "Maria Souza", "telefone": "(51) 99876-5432"}
    number, code = filed(citizen, fields, photos=[("buraco.jpg", jpeg_with_gps(), "image/jpeg")])
    with migrated_db.transaction() as session:
        request = requests.get_request(session, number)
        assert request.channel is Channel.WEB and request.status is Status.FORWARDED
        assert request.focal_point_id is not None  # on its way to the secretariat's inbox
        assert {e.channel for e in request.events} == {Channel.WEB}
        assert request.citizen is not None and request.citizen.name == "Maria Souza"
        assert request.follow_code_hash and code not in request.follow_code_hash
        requests.add_note(
            session, request, Actor.system("pf.smsurb"), "Equipe do Carlos vai amanhã."
        )

    page = citizen.client.get(f"/protocolo/{number}")
    assert page.status_code == 200
    text = page.text
    assert "Encaminhada à secretaria responsável" in text and "Rua dos Andradas" in text
    for secret in ("Maria", "99876", "1234", "Carlos", "pf.smsurb", code):
        assert secret not in text, secret
    photo = citizen.client.get(f"/protocolo/{number}/fotos/1")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(photo.content)) as image:
        assert max(image.size) == 640 and not image.getexif().get_ifd(0x8825)


def test_the_closure_is_disputed_and_rated_only_with_the_follow_code(
    citizen: Citizen, migrated_db: Database
) -> None:
    number, code = filed(citizen, POTHOLE)
    with migrated_db.transaction() as session:
        request = requests.get_request(session, number)
        requests.change_status(
            session, request, Status.RESOLVED, Actor.system("pf"), "Buraco tapado."
        )
    page = citizen.client.get(f"/protocolo/{number}")
    assert "Buraco tapado." in page.text and "O problema foi resolvido?" in page.text

    token = citizen.token(f"/protocolo/{number}")
    wrong = citizen.client.post(
        f"/protocolo/{number}/contestar",
        data={"csrf_token": token, "codigo": "AAAA-BBBB-CCCC", "motivo": "Continua lá."},
    )
    assert wrong.status_code == 400 and "Código de acompanhamento incorreto" in wrong.text
    assert 'aria-invalid="true" aria-describedby="erro-codigo-contestar"' in wrong.text

    disputed = citizen.client.post(
        f"/protocolo/{number}/contestar",
        data={"csrf_token": token, "codigo": code.lower(), "motivo": "O buraco continua lá."},
    )
    assert disputed.status_code == 200 and "Sua contestação foi registrada" in disputed.text
    with migrated_db.transaction() as session:
        request = requests.get_request(session, number)
        assert request.status is Status.REOPENED and request.reopen_count == 1
        assert request.events[-1].channel is Channel.WEB
        assert request.events[-1].actor_label == "citizen"
        requests.change_status(session, request, Status.RESOLVED, Actor.system("pf"), "Feito.")

    rate = {"csrf_token": token, "codigo": code, "nota": "4", "comentario": "Demorou um pouco."}
    assert citizen.client.post(f"/protocolo/{number}/avaliar", data=rate).status_code == 200
    rate["nota"] = "5"
    assert citizen.client.post(f"/protocolo/{number}/avaliar", data=rate).status_code == 200
    bad = citizen.client.post(f"/protocolo/{number}/avaliar", data={**rate, "nota": "9"})
    assert bad.status_code == 400 and "Escolha uma nota de 1 a 5." in bad.text
    with migrated_db.transaction() as session:
        answers = session.scalars(select(SurveyResponse)).all()
        assert [(a.score, a.channel, a.comment) for a in answers] == [
            (5, Channel.WEB, "Demorou um pouco.")
        ]
        assert answers[0].request_id == requests.get_request(session, number).id


@sqlite_only  # the token check comes before the database
def test_a_forged_or_stale_form_writes_nothing(citizen: Citizen, migrated_db: Database) -> None:
    before = counts(migrated_db)
    no_token = citizen.client.post("/solicitar", data=POTHOLE)
    assert no_token.status_code == 403 and "Formulário expirado" in no_token.text
    token = citizen.token("/solicitar")
    citizen.client.cookies.clear()  # another browser replaying this one's token
    other = citizen.client.post("/solicitar", data={**POTHOLE, "csrf_token": token})
    assert other.status_code == 403
    assert counts(migrated_db) == before


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_half_written(
    citizen: Citizen, migrated_db: Database
) -> None:
    before = counts(migrated_db)
    page = citizen.file(
        {**POTHOLE, "servico": "NAO-EXISTE", "latitude": "abc", "longitude": "-51.2"},
        photos=[("nota.jpg", b"%PDF-1.4 this is no photo", "image/jpeg")],
    )
    assert page.status_code == 400
    assert 'aria-describedby="dica-servico erro-servico" aria-invalid="true"' in page.text
    assert "Latitude inválida" in page.text and "não é uma imagem" in page.text
    assert 'value="Rua dos Andradas"' in page.text  # what was typed is kept

    # A good photo with a failure later (a service that needs identification, none given):
    # neither the request nor the photo nor a citizen is written.
    page = citizen.file(
        {**POTHOLE, "servico": "CAO-BRAVIO"},
        photos=[("cao.jpg", jpeg_with_gps(), "image/jpeg")],
    )
    assert page.status_code == 400 and "exige a identificação" in page.text
    page = citizen.file({**POTHOLE, "nome": "Zé", "telefone": "123"})
    assert page.status_code == 400 and "Telefone inválido" in page.text
    assert counts(migrated_db) == before


@sqlite_only  # refused before any database work
def test_too_many_or_too_big_photos_are_refused(citizen: Citizen, migrated_db: Database) -> None:
    before = counts(migrated_db)
    photo = ("p.jpg", jpeg_with_gps(200, 200), "image/jpeg")
    page = citizen.file(POTHOLE, photos=[photo] * 4)
    assert page.status_code == 400 and "no máximo 3 fotos" in page.text
    big = ("big.jpg", b"\xff\xd8" + b"0" * (3 * 1024 * 1024), "image/jpeg")
    page = citizen.file(POTHOLE, photos=[big])
    assert page.status_code == 400 and "mais de 2 MB" in page.text
    huge = ("huge.jpg", b"0" * (8 * 1024 * 1024), "image/jpeg")
    page = citizen.file(POTHOLE, photos=[huge])
    assert page.status_code == 413 and "Envio grande demais" in page.text
    assert counts(migrated_db) == before


def test_open_requests_nearby_are_suggested_before_filing_another(
    citizen: Citizen, migrated_db: Database
) -> None:
    at_museum = {**POTHOLE, "latitude": "-30.0277", "longitude": "-51.2287"}
    first, _ = filed(citizen, at_museum)
    # 150 m away (same service): suggested first; the citizen may still file.
    near = {
        **POTHOLE,
        "rua": "Rua Sete de Setembro",
        "latitude": "-30.0290",
        "longitude": "-51.2287",
    }
    page = citizen.file(near)
    assert (
        page.status_code == 200
        and "acompanhe uma destas em vez de abrir outra" in page.text.lower()
    )
    assert f'href="/protocolo/{first}"' in page.text and "Registrar mesmo assim" in page.text
    assert "1234" not in page.text.split('id="form-solicitar"')[0]  # no house number shown
    fragment = citizen.client.get(
        "/solicitar/semelhantes",
        params={"servico": "VIA-BURACO", "latitude": "-30.0290", "longitude": "-51.2287"},
    )
    assert f"/protocolo/{first}" in fragment.text and "cerca de 145 m" in fragment.text
    second, _ = filed(citizen, {**near, "mesmo_assim": "1"})
    assert second != first
    # Far away (2 km), or another service: nothing suggested, filed at once.
    far = {**POTHOLE, "latitude": "-30.0460", "longitude": "-51.2287"}
    filed(citizen, far)
    street_only = {**POTHOLE, "servico": "ILUM-APAGADA"}
    filed(citizen, street_only)
    page = citizen.file(street_only)  # same street, no point: the street decides
    assert "Já existe solicitação aberta aqui perto" in page.text


def test_the_home_page_finds_a_protocol_and_explains_a_wrong_one(
    citizen: Citizen, migrated_db: Database
) -> None:
    with migrated_db.transaction() as session:
        number = requests.open_request(
            session,
            service_code="ILUM-APAGADA",
            channel=Channel.PHONE,
            actor=Actor.system("agente"),
            address=AddressInput(street="Avenida Ipiranga", house_number="10"),
            now=utcnow() - timedelta(days=60),
        ).number
    found = citizen.client.get("/acompanhar", params={"protocolo": number[:4] + "-" + number[4:]})
    assert found.status_code == 200 and "prazo vencido" in found.text
    assert "código de acompanhamento" not in found.text  # filed by phone: no web actions
    wrong = citizen.client.get("/acompanhar", params={"protocolo": "2026-123"})
    assert wrong.status_code == 400 and 'aria-invalid="true"' in wrong.text
    assert citizen.client.get("/protocolo/202600000000").status_code == 404
    assert citizen.client.get("/estatico/../routes.py").status_code == 404
    assert citizen.client.get("/estatico/pagina.css").status_code == 200


@sqlite_only  # the limiter is in memory
@pytest.mark.web  # starts its own server
def test_too_many_forms_from_one_address_get_a_page_saying_when_to_try_again(
    migrated_db: Database,
) -> None:
    running = start_in_thread(web_settings(post_rate_per_ip="2/minute"), migrated_db)
    try:
        with httpx.Client(base_url=running.url, timeout=20) as client:
            citizen = Citizen(client)
            assert citizen.file(POTHOLE).status_code == 200
            assert citizen.file(POTHOLE).status_code in (200, 400)  # filed, or a duplicate offered
            before = counts(migrated_db)
            third = citizen.file(POTHOLE)
            assert third.status_code == 429
            assert int(third.headers["Retry-After"]) >= 1
            assert "Tente de novo em" in third.text
            assert counts(migrated_db) == before
    finally:
        running.stop()


def deactivate(database: Database, code: str) -> None:
    with database.transaction() as session:
        session.scalars(select(ServiceType).where(ServiceType.code == code)).one().active = False


def test_the_page_and_the_api_share_one_catalogue_snapshot(
    citizen: Citizen, web_server: RunningWeb, migrated_db: Database
) -> None:
    offered = 'option value="VIA-BURACO"'
    assert offered in citizen.client.get("/solicitar").text
    deactivate(migrated_db, "VIA-BURACO")
    # Within [web] catalogue_cache_s (10 s by default) the form still offers it...
    assert offered in citizen.client.get("/solicitar").text
    catalogue = web_server.parts.catalogue
    assert catalogue.ttl_seconds == 10
    with migrated_db.transaction() as session:
        # ...from the very snapshot the Open311 API files and lists against.
        assert catalogue.get(session).services["VIA-BURACO"].active
    catalogue.forget()  # as if its time were up
    assert offered not in citizen.client.get("/solicitar").text
    refused = citizen.file(POTHOLE)
    assert refused.status_code == 400 and "VIA-BURACO" not in counts_by_service(migrated_db)


def counts_by_service(database: Database) -> dict[str, int]:
    with database.transaction() as session:
        rows = session.execute(
            select(ServiceType.code, func.count(ServiceRequest.id))
            .join(ServiceRequest, ServiceRequest.service_type_id == ServiceType.id)
            .group_by(ServiceType.code)
        )
        return {code: count for code, count in rows}


@sqlite_only  # a cache in front of the database
def test_the_forms_groups_are_derived_once_per_snapshot(migrated_db: Database) -> None:
    parts = WebParts(migrated_db, web_settings(catalogue_cache_s=0))
    page = CitizenPage(parts)
    first = page._catalogue()
    assert "VIA-BURACO" in first.codes
    assert all(c.code in first.codes for choices in first.groups.values() for c in choices)
    deactivate(migrated_db, "VIA-BURACO")
    # 0 s: a snapshot per use, so the change shows at once.
    again = page._catalogue()
    assert "VIA-BURACO" not in again.codes
    assert all(c.code != "VIA-BURACO" for choices in again.groups.values() for c in choices)
    assert parts.catalogue.cached() is None
    kept = WebParts(migrated_db, web_settings())
    kept_page = CitizenPage(kept)
    assert kept.catalogue.cached() is None  # nothing read before the first form
    assert kept_page._catalogue() is kept_page._catalogue()  # one snapshot, derived once
    assert kept.catalogue.cached() is not None


def test_a_duplicate_sends_the_citizen_to_the_protocol_it_was_merged_into(
    citizen: Citizen, migrated_db: Database
) -> None:
    number, _code = filed(citizen, POTHOLE)
    with migrated_db.transaction() as session:
        first = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel=Channel.PHONE,
            actor=Actor.system("ivr"),
            address=AddressInput(street="Rua dos Andradas", neighbourhood="Centro Histórico"),
        ).number
        request = requests.get_request(session, number)
        duplicates.mark_duplicate(session, request, first, Actor.system("pf.smsurb"))
    page = citizen.client.get(f"/protocolo/{number}")
    assert page.status_code == 200
    shown = format_protocol_number(first)
    assert f"Esta solicitação foi unida ao protocolo {shown}" in page.text
    assert f'<a href="/protocolo/{first}">Acompanhe o protocolo {shown}</a>' in page.text
    assert "Avalie o atendimento" not in page.text  # closed unsolved: nothing to rate here
    # The status line and the history step both name it, with a link; nothing reads "Concluída".
    link = f'<a href="/protocolo/{first}">{shown}</a>'
    assert f"Unida ao protocolo {link} (o mesmo problema)</dd>" in page.text
    history = page.text[page.text.index('id="titulo-historico"') :]
    assert f"Unida ao protocolo {link} (o mesmo problema)" in history
    assert "Concluída" not in page.text
    followed = citizen.client.get(f"/protocolo/{first}")
    assert followed.status_code == 200 and "foi unida ao protocolo" not in followed.text
