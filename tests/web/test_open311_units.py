"""The Open311 pieces that need no server: XML shape, attributes, arguments, masking, spans,
address_id lines, API keys, the CLI, tokens and the channel on request events (SQLite and
PostgreSQL for the last ones)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from citizen_center.cli import main
from citizen_center.db import Database
from citizen_center.domain.service_attributes import answer_attributes, attributes_for
from citizen_center.domain.workflow import Channel, Status
from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import ApiClient
from citizen_center.services import api_clients, client_filing, public_requests, requests
from citizen_center.services.citizens import AddressInput
from citizen_center.services.client_filing import parse_address_string
from citizen_center.services.common import Actor
from citizen_center.services.public_requests import Window, mask_personal_data, open311_status
from web.open311 import params
from web.open311.errors import Open311Error
from web.open311.formats import to_xml


def test_xml_uses_the_spec_element_names_and_drops_what_xml_cannot_hold() -> None:
    body = to_xml(
        "service_definition",
        None,
        {"attributes": [{"code": "A", "values": [{"key": "sim", "name": "Sim\x01"}]}], "x": None},
    )
    root = ElementTree.fromstring(body)
    assert root.findtext("attributes/attribute/values/value/name") == "Sim"
    assert root.find("x") is not None and root.findtext("x") == ""


def test_attributes_follow_the_catalogue_group() -> None:
    codes = [a.code for a in attributes_for("Limpeza urbana", True)]
    assert codes == ["PONTO_REFERENCIA", "TIPO_RESIDUO"]
    assert attributes_for("Tributos", False) == ()
    answers = answer_attributes(
        attributes_for("Árvores", True),
        {"RISCO_PESSOAS": ["nao"], "PONTO_REFERENCIA": ["esquina"]},
    )
    assert answers.reference == "esquina"
    assert answers.description_lines == ("Há risco para pessoas: Não.",)
    with pytest.raises(ValidationError, match="um só valor"):
        answer_attributes(attributes_for("Árvores", True), {"RISCO_PESSOAS": ["sim", "nao"]})


def test_attribute_form_keys_and_repeated_fields() -> None:
    fields = {"attribute[A]": ["1"], "attribute[B][]": ["x", "y"], "service_code": ["VIA-BURACO"]}
    assert params.attributes(fields) == {"A": ["1"], "B": ["x", "y"]}
    with pytest.raises(Open311Error, match="malformado"):
        params.attributes({"attribute[A": ["1"]})
    with pytest.raises(Open311Error, match="repetido"):
        params.filing({"service_code": ["VIA-BURACO", "CALICA"]})
    with pytest.raises(Open311Error) as unknown:
        params.check_jurisdiction("sao-paulo")
    assert unknown.value.status == 404


def test_personal_data_is_masked_in_free_text() -> None:
    text = "ligar (51) 99876-5432, 529.982.247-25 ou a@b.com.br; buraco no 1200"
    assert mask_personal_data(text) == (
        "ligar [dado pessoal omitido], [dado pessoal omitido] ou [dado pessoal omitido]; "
        "buraco no 1200"
    )


def test_the_citizens_own_name_is_masked_too() -> None:
    assert mask_personal_data("Sou a Joana da SILVA, da rua", "Joana da Silva") == (
        "Sou a [dado pessoal omitido] da [dado pessoal omitido], da rua"
    )


def test_an_address_id_becomes_one_bounded_line_masked_in_public() -> None:
    line = client_filing.address_id_line("  CDL-4521.00-1587 ")
    assert line == "Código de endereço do cliente: CDL-4521.00-1587"
    assert client_filing.address_id_line("   ") == ""
    for bad, says in (
        ("x" * 101, "100"),
        ("<b>1</b>", "HTML"),
        ("12\n34", "uma só linha"),
        ("12\t34", "uma só linha"),
        ("12\x0034", "controle"),
    ):
        with pytest.raises(ValidationError, match=says):
            client_filing.address_id_line(bad)
    assert mask_personal_data(f"Buraco fundo\n{line}\nFoto: https://x/1.jpg") == (
        "Buraco fundo\nCódigo de endereço do cliente: [dado pessoal omitido]\nFoto: https://x/1.jpg"
    )


def test_tokens_are_random_and_url_safe() -> None:
    tokens = {client_filing.new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)


def test_an_unknown_or_malformed_token_is_not_found(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        for token in ("", "abc", client_filing.new_token(), "x" * 33, "a b c d e f g h i j k"):
            with pytest.raises(NotFoundError, match="Token desconhecido"):
                public_requests.number_for_token(session, token)


def test_open_and_closed_from_the_domain_statuses() -> None:
    assert {s for s in Status if open311_status(s) == "closed"} == {
        Status.RESOLVED,
        Status.CLOSED,
        Status.CANCELLED,
    }


def test_windows_are_at_most_90_days_and_default_to_the_last_90() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert Window.of(None, None, now) == Window(now - timedelta(days=90), now)
    assert Window.of(now - timedelta(days=10), None, now).end == now
    with pytest.raises(ValidationError, match="90 dias"):
        Window.of(now - timedelta(days=91), now)
    with pytest.raises(ValidationError, match="anterior"):
        Window.of(now, now - timedelta(days=1))


def test_address_strings() -> None:
    place = parse_address_string("Av. Ipiranga, 1200 - Azenha", "posto")
    assert (place.street, place.house_number, place.neighbourhood, place.reference) == (
        "Av. Ipiranga",
        "1200",
        "Azenha",
        "posto",
    )
    assert parse_address_string("Rua da Praia, perto do mercado").house_number == ""


def test_keys_are_kept_only_as_hashes(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        issued = api_clients.create_api_client(session, "parceiro", Channel.WEB)
        stored = session.get_one(ApiClient, issued.client.id)
        assert stored.key_hash == api_clients.hash_key(issued.key) != issued.key
        assert issued.key[:6] == stored.key_hint
        assert api_clients.verify_api_key(session, issued.key).name == "parceiro"
        with pytest.raises(ValidationError, match="Já existe"):
            api_clients.create_api_client(session, "parceiro")
        with pytest.raises(ValidationError, match="Canal"):
            api_clients.create_api_client(session, "outro", Channel.PHONE)
        api_clients.revoke_api_client(session, "parceiro")
        with pytest.raises(api_clients.ApiKeyRefused, match="revogada"):
            api_clients.verify_api_key(session, issued.key)


def test_the_api_client_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRAL156_DATABASE_URL", f"sqlite:///{tmp_path / 'c.sqlite3'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(main, ["api-client", "add", "app-poa", "--channel", "whatsapp"])
    assert added.exit_code == 0, added.output
    key = added.output.split("api_key: ")[1].split()[0]
    listed = runner.invoke(main, ["api-client", "list"]).output
    assert "app-poa\twhatsapp\t" in listed and key not in listed and "ativo" in listed
    assert runner.invoke(main, ["api-client", "revoke", "app-poa"]).exit_code == 0
    assert "revogado" in runner.invoke(main, ["api-client", "list"]).output
    missing = runner.invoke(main, ["api-client", "revoke", "nenhum"])
    assert missing.exit_code == 1 and "não encontrado" in missing.output


def test_every_event_records_its_channel(migrated_db: Database) -> None:
    actor = Actor.system("teste")
    with migrated_db.transaction() as session:
        item = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel=Channel.WEB,
            actor=actor,
            address=AddressInput(street="Rua A"),
        )
        requests.change_status(session, item, Status.RESOLVED, actor, "feito")
        requests.change_status(
            session, item, Status.REOPENED, actor, "não foi feito", channel=Channel.WEB
        )
        requests.add_note(session, item, actor, "ligou de novo", channel=Channel.PHONE)
        session.flush()
        assert [e.channel for e in item.events] == [
            Channel.WEB,
            Channel.WEB,
            None,
            Channel.WEB,
            Channel.PHONE,
        ]
