"""The paraphrase corpus: how callers ask for each service, written as they speak.

``citizen_center/data/phrasings/*.tsv`` (columns ``label``, ``text``) holds hundreds of phrasings
per service type, plus the menu's own intents (``consult_protocol``, ``agent``, ``repeat``,
``yes``, ``no``) and ``off_menu`` speech the line cannot route (wrong numbers, greetings,
chit-chat). Some lines are deliberately written the way a recogniser garbles a phone line. The
catalogue owner grows it by adding lines and running ``central156 speech train``.

Labels are checked against the catalogue by whoever trains on it; this module only reads.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path


class MenuLabel(StrEnum):
    """Corpus labels that are not service codes."""

    CONSULT_PROTOCOL = "consult_protocol"
    AGENT = "agent"
    REPEAT = "repeat"
    YES = "yes"
    NO = "no"
    OFF_MENU = "off_menu"


@dataclass(frozen=True)
class Phrasing:
    label: str
    text: str
    source: str  # the file it came from, for error messages


def phrasings_dir() -> Path:
    return Path(str(resources.files("citizen_center") / "data" / "phrasings"))


def load_phrasings(folder: Path | None = None) -> list[Phrasing]:
    """Every phrasing in the corpus folder, in file and line order."""
    found: list[Phrasing] = []
    for path in sorted((folder or phrasings_dir()).glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
                label, text = (row.get("label") or "").strip(), (row.get("text") or "").strip()
                if not label or not text:
                    raise ValueError(f"{path.name}:{line}: a phrasing needs a label and a text")
                found.append(Phrasing(label, text, f"{path.name}:{line}"))
    return found


def corpus_fingerprint(phrasings: list[Phrasing]) -> str:
    """Changes whenever a phrasing is added, removed or relabelled."""
    digest = hashlib.sha256()
    for phrasing in phrasings:
        digest.update(f"{phrasing.label}\t{phrasing.text}\n".encode())
    return digest.hexdigest()[:16]
