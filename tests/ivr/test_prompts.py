from __future__ import annotations

import time
import wave
from datetime import date
from pathlib import Path

import pytest

from citizen_center.catalogue import shipped_catalogue
from ivr.prompts import (
    PAUSE,
    PromptBuilder,
    all_prompts,
    date_keys,
    joined_readback_keys,
    number_keys,
    open_requests_keys,
    protocol_keys,
    status_key,
    status_readback_keys,
)
from ivr.prompts.build import load_manifest
from ivr.prompts.catalogue import number_words

SAMPLE = {
    "welcome": "Olá! Você ligou para a Central 156.",
    "digit/5": "cinco",
    "status/in_progress": "em andamento",
}


def _gtts_offline(text: str, dest: Path, timeout: float) -> None:
    from gtts.tts import gTTSError

    raise gTTSError("Failed to connect (test)")


def test_gtts_failure_falls_back_to_espeak_and_rebuild_is_cached(tmp_path: Path) -> None:
    first = PromptBuilder(tmp_path, "auto", gtts=_gtts_offline).build(SAMPLE, progress=False)
    assert {r.engine for r in first} == {"espeak"}

    calls: list[str] = []

    def counting_espeak_guard(text: str, dest: Path, timeout: float) -> None:
        calls.append(text)
        _gtts_offline(text, dest, timeout)

    started = time.perf_counter()
    PromptBuilder(tmp_path, "auto", gtts=counting_espeak_guard).build(SAMPLE, progress=False)
    assert time.perf_counter() - started < 0.5
    assert len(calls) <= 1  # gTTS is given up after its first failure in a build


def test_output_is_telephone_wav(tmp_path: Path) -> None:
    PromptBuilder(tmp_path, "espeak").build(SAMPLE, progress=False)
    for key in [*SAMPLE, PAUSE]:
        with wave.open(str(tmp_path / "pt_BR" / f"{key}.wav"), "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
            assert wav.getnframes() > 1000
    manifest = load_manifest(tmp_path)
    assert manifest["digit/5"]["text"] == "cinco"
    assert manifest["digit/5"]["engine"] == "espeak"


def test_changed_text_is_rerendered(tmp_path: Path) -> None:
    builder = PromptBuilder(tmp_path, "espeak")
    builder.build({"goodbye": "Até logo!"}, progress=False)
    before = (tmp_path / "pt_BR" / "goodbye.wav").read_bytes()
    builder.build({"goodbye": "Até logo e obrigado pela sua ligação!"}, progress=False)
    assert (tmp_path / "pt_BR" / "goodbye.wav").read_bytes() != before


def _seconds(wav_path: Path) -> float:
    with wave.open(str(wav_path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def test_faster_espeak_speech_is_shorter_and_cached_apart(tmp_path: Path) -> None:
    """The tests' prompts are spoken faster (tests/fixtures/asterisk.py): shorter files, with
    renders of their own, so the default speed's cache stays valid and is never mixed in."""
    normal = PromptBuilder(tmp_path, "espeak").build(SAMPLE, progress=False)
    welcome = _seconds(tmp_path / "pt_BR" / "welcome.wav")
    fast = PromptBuilder(tmp_path, "espeak", espeak_words_per_minute=320)
    quick = fast.build(SAMPLE, progress=False)
    assert _seconds(tmp_path / "pt_BR" / "welcome.wav") < 0.75 * welcome
    assert {r.digest for r in quick}.isdisjoint(r.digest for r in normal)
    assert len(list((tmp_path / ".cache").glob("*.wav"))) == 2 * len(SAMPLE)


def test_catalogue_covers_every_service_and_queue() -> None:
    catalogue = shipped_catalogue()
    prompts = all_prompts(catalogue)
    for service in catalogue.service_types:
        assert prompts[f"service/{service.code}"] == service.name
    for queue in catalogue.queues:
        assert f"tecle {queue.dtmf}" in prompts["menu/keys"]
        assert f"queue/{queue.code}" in prompts


def _known_keys() -> set[str]:
    return set(all_prompts(shipped_catalogue())) | {PAUSE}


@pytest.mark.parametrize("n", [0, 7, 16, 31, 100, 101, 120, 999, 1000, 1020, 1234, 2026, 2150])
def test_number_keys_say_the_number(n: int) -> None:
    prompts = all_prompts(shipped_catalogue())
    spoken = " ".join(prompts[key] for key in number_keys(n))
    assert spoken == number_words(n)


def test_number_words() -> None:
    assert number_words(2026) == "dois mil e vinte e seis"
    assert number_words(1234) == "mil duzentos e trinta e quatro"


def test_protocol_read_digit_by_digit_with_group_pauses() -> None:
    keys = protocol_keys("202600012345")
    assert keys[0] == "protocol/number"
    digits = [k.split("/")[1] for k in keys if k.startswith("digit/")]
    assert "".join(digits) == "202600012345"
    assert keys.count(PAUSE) == 2
    assert keys.index(PAUSE) == 5  # after "protocolo número" + 4 digits of the year


def test_date_keys() -> None:
    assert date_keys(date(2026, 3, 5)) == [
        "date/day",
        "num/5",
        "date/of",
        "month/3",
        "date/of",
        "year/2026",
    ]
    assert date_keys(date(2026, 1, 1))[1] == "date/first"


def test_open_requests_keys() -> None:
    assert open_requests_keys(0) == []
    assert open_requests_keys(1) == ["open_requests/one"]
    assert open_requests_keys(3) == ["open_requests/before", "num/3", "open_requests/after"]


@pytest.mark.parametrize(
    ("status", "key"),
    [
        ("in_progress", "status/in_progress"),
        ("Em andamento", "status/in_progress"),
        ("FORWARDED", "status/forwarded"),
        ("cancelado", "status/cancelled"),
    ],
)
def test_status_key(status: str, key: str) -> None:
    assert status_key(status) == key


def test_readback_uses_only_rendered_prompts() -> None:
    keys = status_readback_keys(
        "202600012345", "VIA-BURACO", "in_progress", date(2026, 12, 1), late=True
    )
    assert set(keys) <= _known_keys()
    assert keys[-1] == "deadline/late"
    assert "service/VIA-BURACO" in keys


def test_a_duplicate_is_read_back_as_joined_to_its_parent_then_the_parents_status() -> None:
    parent = status_readback_keys(
        "202600012345", "VIA-BURACO", "forwarded", date(2026, 12, 1), late=False
    )
    keys = joined_readback_keys("202600067893", parent)
    assert set(keys) <= _known_keys()
    # Its own number, "... foi unida a outra ... acompanhada pelo", then the parent's read-back.
    joined = keys.index("protocol/joined")
    assert keys[:joined] == [*protocol_keys("202600067893"), PAUSE]
    assert keys[joined + 1 :] == parent
    assert "status/closed" not in keys
    text = all_prompts(shipped_catalogue())["protocol/joined"]
    assert text.endswith("acompanhada pelo") and "mesmo problema" in text
