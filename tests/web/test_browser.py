"""The citizen page in a real browser (Debian's Chromium driven by Playwright), JavaScript on.

File a request with a photo, read the protocol number and the follow code, follow it; the focal
point resolves it (through the inbox service), the citizen disputes; resolved again, the citizen
rates. Then the same form by keyboard alone. The screenshots in ``docs/screenshots`` come from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Geolocation, Page, expect, sync_playwright

from citizen_center.db import Database
from citizen_center.domain.workflow import Channel, Role, Status
from citizen_center.services import inbox, requests, users
from tests.fixtures.databases import fresh_database_url
from tests.web.conftest import jpeg_with_gps, web_settings
from web.server import RunningWeb, start_in_thread

CHROMIUM = Path("/usr/bin/chromium")
# The flags that keep Debian's Chromium quiet on a closed network (docs: channels.md §4).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
MUSEUM: Geolocation = {"latitude": -30.0277, "longitude": -51.2287}


@pytest.fixture(scope="module")
def web_browser() -> Iterator[Browser]:
    """Chromium from Debian (``make test`` installs it): Playwright's own download needs a CDN."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/install-system-packages chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[RunningWeb, Database]]:
    database = Database.from_url(next(fresh_database_url("sqlite", request, tmp_path)))
    running = start_in_thread(web_settings(), database)
    try:
        yield running, database
    finally:
        running.stop()
        database.dispose()


@pytest.fixture
def page(web_browser: Browser) -> Iterator[Page]:
    context = web_browser.new_context(
        locale="pt-BR",
        viewport={"width": 1000, "height": 900},
        geolocation=MUSEUM,
        permissions=["geolocation"],
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def focal_point_of_smsurb(database: Database) -> int:
    with database.transaction() as session:
        return users.create_user(
            session,
            username="pf.smsurb",
            full_name="Paula Focal",
            role=Role.FOCAL_POINT,
            password="senha-segura-1",
            secretariat_code="SMSUrb",
        ).id


def resolve_in_the_inbox(database: Database, focal_point: int, number: str, note: str) -> None:
    with database.transaction() as session:
        assert number in [item.number for item in inbox.inbox(session, focal_point)]
        inbox.resolve(session, focal_point, number, note)


def test_file_with_a_photo_follow_dispute_and_rate_in_chromium(
    page: Page, site: tuple[RunningWeb, Database], tmp_path: Path
) -> None:
    web, database = site
    focal_point = focal_point_of_smsurb(database)
    photo = tmp_path / "buraco.jpg"
    photo.write_bytes(jpeg_with_gps(2400, 1800))

    page.goto(f"{web.url}/solicitar")
    page.get_by_label("Buscar serviço").fill("buraco asfalto")
    expect(page.locator("#busca-servico-estado")).to_contain_text("encontrado")
    expect(page.get_by_label("Serviço (obrigatório)")).to_have_value("VIA-BURACO")
    page.get_by_label("Descrição").fill("Buraco fundo perto da faixa de pedestres.")
    page.get_by_label("Rua, avenida ou praça").fill("Rua dos Andradas")
    page.get_by_label("Número").fill("1234")
    page.get_by_label("Bairro").fill("Centro Histórico")
    page.get_by_role("button", name="Usar minha localização").click()
    expect(page.get_by_label("Latitude")).to_have_value("-30.027700")
    page.get_by_label(re.compile("^Até 3 fotos")).set_input_files(photo)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "citizen-file.png"), full_page=True)
    page.get_by_role("button", name="Registrar solicitação").click()

    expect(page.get_by_role("heading", name="Solicitação registrada")).to_be_visible()
    shown = page.locator("#numero-protocolo").inner_text()
    code = page.locator("#codigo-acompanhamento").inner_text()
    number = shown.replace("-", "")
    assert re.fullmatch(r"\d{4}-\d{7}-\d", shown) and re.fullmatch(r"[A-Z0-9-]{14}", code)
    page.get_by_role("link", name="Acompanhar esta solicitação").click()
    expect(page.locator("#situacao")).to_have_text("Encaminhada à secretaria responsável")
    photo_shown = page.get_by_role("img", name="Foto 1 enviada com a solicitação")
    expect(photo_shown).to_be_visible()
    assert photo_shown.evaluate("img => img.naturalWidth") == 1600  # shrunk to the setting

    # A neighbour about to report the same hole sees it first, with "use my location".
    page.goto(f"{web.url}/solicitar")
    page.get_by_label("Serviço (obrigatório)").select_option("VIA-BURACO")
    page.get_by_role("button", name="Usar minha localização").click()
    expect(page.locator("#semelhantes")).to_contain_text(f"Acompanhe este: protocolo {shown}")
    page.get_by_role("link", name=f"Acompanhe este: protocolo {shown}").click()

    resolve_in_the_inbox(database, focal_point, number, "Buraco tapado com asfalto.")
    page.reload()
    expect(page.locator("#situacao")).to_have_text("Resolvida (aguardando sua confirmação)")
    expect(page.get_by_text("Buraco tapado com asfalto.")).to_be_visible()
    page.locator("#codigo-contestar").fill(code)
    page.get_by_label("O que não foi resolvido?").fill("Abriu de novo com a chuva.")
    page.get_by_role("button", name="Não foi resolvido: contestar").click()
    expect(page.locator("#feito")).to_contain_text("Sua contestação foi registrada")
    expect(page.locator("#situacao")).to_have_text("Reaberta")

    resolve_in_the_inbox(database, focal_point, number, "Refeito com base nova.")
    page.reload()
    page.locator("#codigo-avaliar").fill(code)
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Comentário (opcional)").fill("Resolveram, mas precisou voltar.")
    page.get_by_role("button", name="Enviar avaliação").click()
    expect(page.locator("#feito")).to_have_text("Obrigado pela avaliação!")
    page.screenshot(path=str(SCREENSHOTS / "citizen-follow.png"), full_page=True)

    with database.transaction() as session:
        request = requests.get_request(session, number)
        assert request.status is Status.RESOLVED and request.reopen_count == 1
        assert request.channel is Channel.WEB and request.latitude == MUSEUM["latitude"]
        citizen_steps = [e for e in request.events if e.actor_label == "citizen"]
        assert [e.to_status for e in citizen_steps] == [Status.REOPENED]
        assert citizen_steps[0].channel is Channel.WEB


def focus_path(page: Page, presses: int) -> list[str]:
    ids = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        ids.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    return ids


def test_the_form_is_filled_and_sent_by_keyboard_alone(
    page: Page, site: tuple[RunningWeb, Database]
) -> None:
    web, _ = site
    page.goto(f"{web.url}/solicitar")
    path = focus_path(page, 22)
    fields = [
        "busca-servico",
        "servico",
        "descricao",
        "rua",
        "numero",
        "bairro",
        "referencia",
        "latitude",
        "longitude",
        "fotos",
        "nome",
        "telefone",
        "cpf",
    ]
    reached = [name for name in path if name in fields]
    assert reached == fields, path  # every field, in reading order
    assert path[0] == "Pular para o conteúdo"

    page.goto(f"{web.url}/solicitar")
    focus_path(page, 4)  # skip link, home, the two menu links: the service search next
    page.keyboard.press("Tab")
    page.keyboard.type("lampada queimada")
    page.keyboard.press("Enter")  # picks the first match and moves to the list
    assert page.evaluate("document.activeElement.id") == "servico"
    assert page.locator("#servico").input_value() == "ILUM-APAGADA"
    page.keyboard.press("Tab")
    page.keyboard.type("Poste apagado há uma semana.")
    page.keyboard.press("Tab")
    page.keyboard.type("Avenida Ipiranga")
    page.keyboard.press("Enter")  # Enter in a text field sends the form
    expect(page.get_by_role("heading", name="Solicitação registrada")).to_be_visible()
    assert re.fullmatch(r"\d{4}-\d{7}-\d", page.locator("#numero-protocolo").inner_text())
