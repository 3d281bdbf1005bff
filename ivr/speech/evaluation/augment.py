"""The corpus as the recogniser hears it: each phrasing spoken by espeak-ng over a phone line and
transcribed by Whisper, the way the IVR will transcribe callers.

Whisper garbles robotic and noisy speech in ways no one writes by hand ("a sinaleira" heard as
"assim a leira"); training the intent model on these transcripts as well, under the phrasing's
own label, teaches it those garbles. Only the corpus is spoken (never the evaluation set), with
espeak-ng variants (instant to synthesise); the result is a derived file shipped beside the
model (``model/heard_phrasings.tsv``) and rebuilt by ``central156 speech augment`` for new
phrasings only (lines already heard are kept).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from citizen_center.phrasings import Phrasing
from ivr.intent.classifier import heard_path, load_heard
from ivr.speech.caller_voice import ESPEAK_VOICES, CallerVoice, Utterance
from ivr.speech.whisper_engine import WhisperRecognizer

_SAVE_EVERY = 100


def _voice_for(phrasing: Phrasing) -> str:
    digest = hashlib.sha256(phrasing.text.encode()).digest()
    return ESPEAK_VOICES[digest[0] % len(ESPEAK_VOICES)]


def augment(
    phrasings: Sequence[Phrasing],
    recognizer: WhisperRecognizer,
    vocabulary: str,
    cache_dir: Path,
    progress: Callable[[int], None] | None = None,
    path: Path | None = None,
) -> int:
    """Hear every phrasing not heard yet; returns how many were added. Saved every
    ``_SAVE_EVERY`` phrasings, so an interrupted run keeps what it heard."""
    target = path or heard_path()
    known = load_heard(target)
    missing = [p for p in phrasings if p.text not in known or known[p.text][0] != p.label]
    current = {p.text for p in phrasings}
    voice = CallerVoice(cache_dir)
    if progress is not None:
        progress(len(phrasings) - len(missing))  # heard before
    for done, phrasing in enumerate(missing, start=1):
        wav = voice.speak(Utterance(phrasing.text, _voice_for(phrasing), trail=0.6))
        heard = recognizer.recognize(wav, vocabulary=vocabulary).transcript
        known[phrasing.text] = (phrasing.label, " ".join(heard.split()))
        if done % _SAVE_EVERY == 0:
            _save(known, current, target)
        if progress is not None:
            progress(1)
    _save(known, current, target)
    return len(missing)


def _save(known: dict[str, tuple[str, str]], current: set[str], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["label", "text", "heard"])
        for text, (label, heard) in sorted(known.items()):
            if text in current:
                writer.writerow([label, text, heard])
    partial.replace(target)
