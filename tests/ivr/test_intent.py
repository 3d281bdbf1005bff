from __future__ import annotations

import pytest

from citizen_center.catalogue import shipped_catalogue
from citizen_center.config import IvrSettings
from ivr.intent import (
    Decision,
    IntentKind,
    IntentMatcher,
    MenuContext,
    digits_only,
    extract_protocol,
    format_protocol,
    words_to_digits,
)


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.shipped()


@pytest.mark.parametrize(
    ("said", "service", "queue"),
    [
        ("as lâmpadas da minha rua estão queimadas", "ILUM-APAGADA", "servicos-urbanos"),
        ("TEM UM BURACO ENORME NA MINHA RUA!", "VIA-BURACO", "servicos-urbanos"),
        ("o caminhão do lixo não passou", "LIXO-COLETA", "limpeza-urbana"),
        ("cano estourado na calçada", "AGUA-VAZAMENTO", "agua-esgoto"),
        ("estou sem agua desde ontem", "AGUA-FALTA", "agua-esgoto"),
        ("a sinaleira da esquina está apagada", "SEMAFORO", "transito-transporte"),
        ("tem um cachorro bravo solto", "CAO-BRAVIO", "geral"),
        ("preciso da segunda via do IPTU", "IPTU-INFO", "geral"),
        ("Semáforos estragados", "SEMAFORO", "transito-transporte"),
        ("semaforo", "SEMAFORO", "transito-transporte"),
    ],
)
def test_service_keywords_from_the_catalogue(
    matcher: IntentMatcher, said: str, service: str, queue: str
) -> None:
    intent = matcher.match(said)
    assert (intent.kind, intent.service_code, intent.queue_code) == (
        IntentKind.SERVICE,
        service,
        queue,
    )
    assert intent.decision(IvrSettings()) is Decision.ACCEPT


def test_every_queue_is_reachable_by_speech(matcher: IntentMatcher) -> None:
    catalogue = shipped_catalogue()
    for queue in catalogue.queues:
        service = next(s for s in catalogue.service_types if s.queue == queue.code)
        assert matcher.match(service.keywords[0]).queue_code == queue.code


def test_group_name_leads_to_the_queue(matcher: IntentMatcher) -> None:
    intent = matcher.match("água e esgoto")
    assert intent.kind is IntentKind.SERVICE and intent.queue_code == "agua-esgoto"


def test_ambiguous_keywords_count_less(matcher: IntentMatcher) -> None:
    # Keyword evidence for the speech model: two services' keywords in one answer are weaker
    # evidence than one service's alone.
    ambiguous = matcher.match("mato alto no terreno baldio")
    clear = matcher.match("mato alto na praça")
    assert ambiguous.kind is IntentKind.SERVICE
    assert ambiguous.confidence < clear.confidence


@pytest.mark.parametrize("said", ["quero pedir uma pizza de calabresa", "bom dia", "", "  ..."])
def test_off_menu_speech_is_rejected(matcher: IntentMatcher, said: str) -> None:
    intent = matcher.match(said)
    assert intent.kind is IntentKind.UNKNOWN
    assert intent.decision(IvrSettings()) is Decision.REJECT


@pytest.mark.parametrize("context", list(MenuContext))
def test_atendente_works_everywhere(matcher: IntentMatcher, context: MenuContext) -> None:
    assert matcher.match("quero falar com um atendente", context).kind is IntentKind.AGENT
    assert matcher.match("Atendente", context).kind is IntentKind.AGENT


def test_consult_protocol(matcher: IntentMatcher) -> None:
    assert matcher.match("quero consultar o meu protocolo").kind is IntentKind.CONSULT_PROTOCOL


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("sim", IntentKind.YES),
        ("isso mesmo", IntentKind.YES),
        ("Não.", IntentKind.NO),
        ("não é isso", IntentKind.NO),
        ("um", IntentKind.YES),
        ("repete", IntentKind.REPEAT),
    ],
)
def test_confirmation_answers(matcher: IntentMatcher, said: str, kind: IntentKind) -> None:
    assert matcher.match(said, MenuContext.CONFIRM).kind is kind


def test_no_only_means_no_when_confirming(matcher: IntentMatcher) -> None:
    assert matcher.match("não passou o lixo").service_code == "LIXO-COLETA"


@pytest.mark.parametrize(
    ("key", "context", "kind", "queue"),
    [
        ("2", MenuContext.MAIN, IntentKind.SERVICE, "agua-esgoto"),
        ("8", MenuContext.MAIN, IntentKind.CONSULT_PROTOCOL, None),
        ("0", MenuContext.MAIN, IntentKind.AGENT, None),
        ("1", MenuContext.CONFIRM, IntentKind.YES, None),
        ("2", MenuContext.CONFIRM, IntentKind.NO, None),
        ("7", MenuContext.SURVEY, IntentKind.UNKNOWN, None),
        ("5", MenuContext.SURVEY, IntentKind.DIGITS, None),
    ],
)
def test_keys(
    matcher: IntentMatcher, key: str, context: MenuContext, kind: IntentKind, queue: str | None
) -> None:
    intent = matcher.match_key(key, context)
    assert (intent.kind, intent.queue_code) == (kind, queue)


def test_spoken_key(matcher: IntentMatcher) -> None:
    assert matcher.match("opção três").queue_code == "limpeza-urbana"


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("um dois três", "123"),
        ("1, 2, 3", "123"),
        ("vinte e três", "23"),
        ("mil duzentos e trinta e quatro", "1234"),
        ("meia meia", "66"),
        ("nota cinco", "5"),
    ],
)
def test_numbers_as_words_or_digits(said: str, digits: str) -> None:
    assert digits_only(said) == digits


def test_words_to_digits_keeps_other_words() -> None:
    assert words_to_digits("Nota: Cinco!") == "nota 5"


@pytest.mark.parametrize(
    "said",
    [
        "dois mil e vinte e seis, zero zero zero um dois três quatro, cinco",
        "2 0 2 6 0 0 0 1 2 3 4 5",
        "o protocolo é 2026-0001234-5",
        "202600012345#",
    ],
)
def test_protocol_from_speech_or_keys(said: str) -> None:
    assert extract_protocol(said) == "202600012345"


def test_protocol_needs_twelve_digits() -> None:
    assert extract_protocol("um dois três") is None
    assert format_protocol("202600012345") == "2026-0001234-5"


def test_survey_scores(matcher: IntentMatcher) -> None:
    assert matcher.match("cinco", MenuContext.SURVEY).digits == "5"
    assert matcher.match("nove", MenuContext.SURVEY).kind is IntentKind.UNKNOWN


def test_protocol_context_digits(matcher: IntentMatcher) -> None:
    intent = matcher.match(
        "dois mil e vinte e seis zero zero zero um dois três quatro cinco", MenuContext.PROTOCOL
    )
    assert intent.kind is IntentKind.DIGITS and intent.digits == "202600012345"
