"""The evaluation set itself: size, balance, an honest split, reproducible audio, and the outcome
rules the table counts. (Accuracy is not asserted here: ``make bench`` prints it.)"""

from __future__ import annotations

import wave
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from citizen_center.catalogue import shipped_catalogue
from citizen_center.phrasings import load_phrasings
from ivr.intent import Decision, Intent, IntentKind, MenuContext
from ivr.intent.classifier import prepare
from ivr.speech.base import Recognition
from ivr.speech.evaluation.dataset import (
    ClipRenderer,
    EvalClip,
    EvalItem,
    Group,
    Split,
    clips_for,
    load_items,
)
from ivr.speech.evaluation.scoring import Outcome, Turn, outcome_of
from ivr.speech.evaluation.table import render, rows


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_items()


def test_the_set_covers_every_service_and_the_menu_with_enough_off_menu_speech(
    items: list[EvalItem],
) -> None:
    assert len(items) >= 500
    groups = Counter(i.group for i in items)
    assert groups[Group.OFF_MENU] / len(items) >= 0.14
    assert all(groups[g] for g in Group)
    expected = {i.expected for i in items}
    assert {s.code for s in shipped_catalogue().service_types} <= expected
    assert {"agent", "repeat", "consult_protocol", "yes", "no"} <= expected
    assert len({i.id for i in items}) == len(items)


def test_the_split_is_fixed_and_stratified(items: list[EvalItem]) -> None:
    by_label: dict[str, Counter[Split]] = {}
    for item in items:
        by_label.setdefault(item.expected, Counter())[item.split] += 1
    services = {s.code for s in shipped_catalogue().service_types}
    for label in services:
        assert by_label[label][Split.DEV] and by_label[label][Split.TEST], label
    dev = sum(c[Split.DEV] for c in by_label.values())
    assert 0.35 <= dev / len(items) <= 0.45


def test_no_evaluation_sentence_is_in_the_training_corpus(items: list[EvalItem]) -> None:
    # Short closed-vocabulary answers ("sim", "atendente") are allowed to coincide.
    corpus = {prepare(p.text) for p in load_phrasings()}
    leaked = [
        i.text for i in items if len(prepare(i.text).split()) >= 4 and prepare(i.text) in corpus
    ]
    assert leaked == []


def test_clips_use_at_least_five_voices_and_a_third_are_noisy(items: list[EvalItem]) -> None:
    clips = list(clips_for(items))
    assert len(clips) == 2 * len(items)
    assert len({c.voice for c in clips}) >= 5
    noisy = [c for c in clips if c.snr_db is not None]
    assert 0.3 <= len(noisy) / len(clips) <= 0.36
    assert all(5.0 <= (c.snr_db or 0) <= 15.0 for c in noisy)
    assert [c.key for c in clips] == [c.key for c in clips_for(items)]  # reproducible


def test_a_rendered_clip_is_telephone_audio_after_a_g711_round_trip(
    items: list[EvalItem], tmp_path: Path
) -> None:
    cough = next(i for i in items if i.text == "[tosse]")
    robotic = next(c for c in clips_for([cough]) if not c.natural)
    noisy = EvalClip(robotic.item, robotic.voice, 1.0, 10.0, "street")
    path = ClipRenderer(tmp_path).render(noisy)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert len(samples) > 8000 * 0.5
    assert len(np.unique(samples)) <= 256  # μ-law has 256 levels
    assert ClipRenderer(tmp_path).render(noisy) == path  # cached


def outcome(expected: str, intent: Intent, decision: Decision) -> Outcome:
    group = Group.OFF_MENU if expected == "off_menu" else Group.SERVICE
    item = EvalItem("e1", Split.TEST, MenuContext.MAIN, expected, group, "texto")
    return outcome_of(item, intent, decision, shipped_catalogue())


def test_outcome_rules() -> None:
    pothole = Intent(
        IntentKind.SERVICE, 0.9, service_code="VIA-BURACO", queue_code="servicos-urbanos"
    )
    assert outcome("VIA-BURACO", pothole, Decision.ACCEPT) is Outcome.RIGHT
    # Same queue, another service: the call still reaches the right agents.
    assert outcome("ILUM-APAGADA", pothole, Decision.ACCEPT) is Outcome.RIGHT
    assert outcome("VIA-BURACO", pothole, Decision.CONFIRM) is Outcome.CONFIRMED
    assert outcome("AGUA-FALTA", pothole, Decision.ACCEPT) is Outcome.MISROUTE
    assert outcome("AGUA-FALTA", pothole, Decision.CONFIRM) is Outcome.DECLINED
    assert outcome("AGUA-FALTA", pothole, Decision.REJECT) is Outcome.RETRY
    assert outcome("off_menu", pothole, Decision.REJECT) is Outcome.RIGHT
    assert outcome("off_menu", pothole, Decision.CONFIRM) is Outcome.DECLINED
    assert outcome("off_menu", pothole, Decision.ACCEPT) is Outcome.MISROUTE
    # "Repete" asks the question again: for a cough, that is the rejection it should get.
    repeat = Intent(IntentKind.REPEAT, 0.95)
    assert outcome("off_menu", repeat, Decision.ACCEPT) is Outcome.RIGHT
    assert outcome("VIA-BURACO", repeat, Decision.ACCEPT) is Outcome.RETRY
    assert outcome("repeat", repeat, Decision.ACCEPT) is Outcome.RIGHT


def test_the_table_prints_every_outcome(items: list[EvalItem]) -> None:
    clip = next(iter(clips_for(items[:1])))
    heard = Recognition("x", 0.5, "test", 0.2)
    turns = [
        Turn(clip, heard, Intent(IntentKind.UNKNOWN, 0.0), Decision.REJECT, o, 0.2) for o in Outcome
    ]
    text = render("t", rows(turns))
    assert "misroute" in text and "declined" in text and "20.0%" in text
