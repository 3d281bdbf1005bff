"""The intent model, the calibrated decision and the number readers, on transcripts (no audio).

The shipped model and calibration are used as the IVR loads them; their quality is measured by
the evaluation set (``central156 speech eval``), not here: these tests pin the behaviour the call
flow relies on.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from citizen_center.catalogue import shipped_catalogue
from citizen_center.config import IvrSettings
from citizen_center.db import Database
from citizen_center.phrasings import MenuLabel, Phrasing, load_phrasings
from citizen_center.services.catalogue import catalogue_from_database
from ivr.intent import Decision, Intent, IntentKind, IntentMatcher, MenuContext, classifier
from ivr.intent import understanding as understanding_module
from ivr.intent.classifier import IntentClassifier, training_examples
from ivr.intent.numbers import survey_score, valid_protocol
from ivr.intent.understanding import Calibration, Evidence, SpeechUnderstanding, load_understanding
from ivr.speech.base import Hypothesis, Recognition


@pytest.fixture
def understanding(shipped_understanding: SpeechUnderstanding) -> SpeechUnderstanding:
    return shipped_understanding


def heard(*texts: str, logprob: float = -0.3, no_speech: float = 0.01) -> Recognition:
    hypotheses = tuple(Hypothesis(t, logprob - 0.05 * i) for i, t in enumerate(texts))
    return Recognition(
        texts[0],
        0.8,
        "test",
        0.1,
        transcript=texts[0],
        hypotheses=hypotheses,
        no_speech_prob=no_speech,
    )


def test_the_shipped_model_was_trained_on_the_shipped_corpus_and_catalogue() -> None:
    # Fails when a phrasing or the catalogue changed without `central156 speech train`.
    current = IntentClassifier.load().is_current(load_phrasings(), shipped_catalogue())
    assert current, "the corpus or catalogue changed: run `central156 speech train`"


@pytest.mark.parametrize(
    ("said", "service"),
    [
        ("o poste da frente tá apagado faz uma semana", "ILUM-APAGADA"),
        ("a sinaleira da esquina tá piscando amarelo", "SEMAFORO"),
        ("largaram um monte de caliça na calçada", "CALICA"),
        ("tá saindo água limpa do meio da rua", "AGUA-VAZAMENTO"),
    ],
)
def test_described_problems_reach_their_service(
    understanding: SpeechUnderstanding, said: str, service: str
) -> None:
    intent = understanding.understand(heard(said), MenuContext.MAIN)
    assert (intent.kind, intent.service_code) == (IntentKind.SERVICE, service)
    assert intent.queue_code == shipped_catalogue().service(service).queue


@pytest.mark.parametrize(
    "said", ["alô, é da pizzaria?", "peraí que eu tô no telefone", "bom dia, tudo bem?"]
)
def test_off_menu_speech_is_never_routed(understanding: SpeechUnderstanding, said: str) -> None:
    intent = understanding.understand(heard(said), MenuContext.MAIN)
    assert intent.kind is IntentKind.UNKNOWN
    assert intent.decision(IvrSettings()) is Decision.REJECT


def test_menu_words_and_status_questions(understanding: SpeechUnderstanding) -> None:
    assert (
        understanding.understand(heard("quero saber como tá o meu pedido"), MenuContext.MAIN).kind
        is IntentKind.CONSULT_PROTOCOL
    )
    assert (
        understanding.understand(heard("me passa pra uma pessoa"), MenuContext.MAIN).kind
        is IntentKind.AGENT
    )
    assert understanding.understand(heard("isso mesmo"), MenuContext.CONFIRM).kind is IntentKind.YES
    assert (
        understanding.understand(heard("não, tá errado"), MenuContext.CONFIRM).kind is IntentKind.NO
    )
    # "sim" answers a confirmation, not the menu's question.
    assert understanding.understand(heard("sim"), MenuContext.MAIN).kind is IntentKind.UNKNOWN


def test_a_key_read_aloud_needs_no_model(understanding: SpeechUnderstanding) -> None:
    intent = understanding.understand(heard("opção dois"), MenuContext.MAIN)
    assert (intent.kind, intent.queue_code) == (IntentKind.SERVICE, "agua-esgoto")


def test_agreeing_transcripts_make_a_surer_answer_than_disagreeing_ones(
    understanding: SpeechUnderstanding,
) -> None:
    agreeing = understanding.understand(
        heard("tem um buraco enorme na rua", "tem um buraco enorme na rua.", "tem buraco na rua"),
        MenuContext.MAIN,
    )
    disagreeing = understanding.understand(
        heard("tem um buraco enorme na rua", "tem um carro enorme na rua", "tem lixo na rua"),
        MenuContext.MAIN,
    )
    assert agreeing.service_code == disagreeing.service_code == "VIA-BURACO"
    assert agreeing.confidence > disagreeing.confidence


def test_a_doubtful_recognition_lowers_the_confidence(understanding: SpeechUnderstanding) -> None:
    def probability(recognition: Recognition) -> float:
        candidate = understanding.candidate(recognition, MenuContext.MAIN)
        assert candidate is not None and candidate.label == "ESGOTO"
        return understanding.calibration.probability(candidate.evidence)

    said = "o esgoto tá voltando pelo ralo"
    assert probability(heard(said, logprob=-1.6, no_speech=0.6)) < probability(heard(said))


def test_protocol_numbers_need_a_valid_check_digit(understanding: SpeechUnderstanding) -> None:
    assert (
        valid_protocol("dois mil e vinte e seis zero zero zero um dois três quatro zero")
        == "202600012340"
    )
    assert valid_protocol("2026 0001234 5") is None  # check digit does not match
    # The first transcript has a wrong digit; a later one holds a valid number.
    intent = understanding.understand(
        heard("2026 0001234 5", "2026 0001234 0"), MenuContext.PROTOCOL
    )
    assert (intent.kind, intent.digits) == (IntentKind.DIGITS, "202600012340")


@pytest.mark.parametrize(
    ("said", "score"),
    [
        ("nota cinco", "5"),
        ("dou um quatro", "4"),
        ("três, foi mais ou menos", "3"),
        ("a moça foi um amor, nota cinco", "5"),
        ("um", "1"),
        ("foi ótimo", None),
    ],
)
def test_survey_scores(said: str, score: str | None) -> None:
    assert survey_score(said) == score


def test_only_services_are_confirmed_and_yes_must_be_sure() -> None:
    settings = IvrSettings(intent_accept_confidence=0.9, intent_confirm_confidence=0.5)
    unsure = 0.7
    assert Intent(IntentKind.SERVICE, unsure).decision(settings) is Decision.CONFIRM
    assert Intent(IntentKind.AGENT, unsure).decision(settings) is Decision.ACCEPT
    assert Intent(IntentKind.YES, unsure).decision(settings) is Decision.REJECT
    assert Intent(IntentKind.YES, 0.95).decision(settings) is Decision.ACCEPT
    assert Intent(IntentKind.SERVICE, 0.3).decision(settings) is Decision.REJECT


def test_calibration_is_a_probability_that_rises_with_the_evidence(tmp_path: object) -> None:
    def evidence(top: float) -> Evidence:
        return Evidence(top, top / 2, top, 0.8, 0.01, 5, True, False, 1.0, MenuContext.MAIN)

    right = [True] * 40 + [False] * 20
    samples = [evidence(0.6 + 0.01 * i) for i in range(40)] + [
        evidence(0.2 + 0.01 * i) for i in range(20)
    ]
    fitted = Calibration.fit(samples, right, "test")
    low, high = fitted.probability(evidence(0.25)), fitted.probability(evidence(0.95))
    assert 0.0 < low < high < 1.0
    path = tmp_path / "calibration.json"  # type: ignore[operator]
    fitted.save(path)
    assert Calibration.load(path) == fitted


def test_a_tiny_corpus_trains_in_seconds_and_unknown_labels_are_refused() -> None:
    catalogue = shipped_catalogue()
    tiny = [
        Phrasing("VIA-BURACO", "a rua tá toda esburacada", "t:1"),
        Phrasing(MenuLabel.OFF_MENU.value, "alô, quem fala?", "t:2"),
        Phrasing(MenuLabel.YES.value, "isso", "t:3"),
    ]
    model = IntentClassifier.train(tiny, catalogue)
    assert "VIA-BURACO" in model.labels and "queue:agua-esgoto" in model.labels
    with pytest.raises(ValueError, match="t:9"):
        training_examples([*tiny, Phrasing("NAO-EXISTE", "x", "t:9")], catalogue)


def test_every_corpus_label_is_known_to_the_catalogue() -> None:
    examples = training_examples(load_phrasings(), shipped_catalogue())
    labels = {label for label, _ in examples}
    assert {m.value for m in MenuLabel} <= labels
    assert {s.code for s in shipped_catalogue().service_types} <= labels


# One heard phrasing in HEARD_SHARE joins the retraining here: the whole heard set doubles the
# examples and made this the suite's slowest test (1.5 min on 2 cores); what it proves is the
# retraining path, which reads the real heard set all the same (below).
HEARD_SHARE = 10


@pytest.mark.slow  # retrains the classifier on the whole corpus
def test_a_catalogue_edit_is_understood_without_shipping_a_new_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalogue = shipped_catalogue()
    first, *rest = catalogue.service_types
    edited = replace(
        catalogue, service_types=(replace(first, keywords=(*first.keywords, "lampião")), *rest)
    )
    read: list[Phrasing] = []

    def some_heard(phrasings: list[Phrasing]) -> list[Phrasing]:
        read.extend(classifier.heard_phrasings(phrasings))
        return read[::HEARD_SHARE]

    monkeypatch.setattr(understanding_module, "heard_phrasings", some_heard)
    assert not IntentClassifier.load().is_current(load_phrasings(), edited)
    understanding = load_understanding(edited, IntentMatcher(edited))  # retrained in seconds
    assert understanding.classifier.is_current(load_phrasings(), edited)
    assert read and {p.label for p in read} <= {p.label for p in load_phrasings()}


def test_the_database_catalogue_needs_no_retraining(migrated_db: Database) -> None:
    # The IVR reads the catalogue from the database, which lists services in another order.
    with migrated_db.transaction() as session:
        stored = catalogue_from_database(session, shipped_catalogue())
    assert IntentClassifier.load().is_current(load_phrasings(), stored)
