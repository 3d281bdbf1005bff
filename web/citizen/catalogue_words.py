"""Words citizens use for each service, from the IVR's paraphrase corpus, for the page's
type-ahead: someone who types "escuro" or "fiação" finds the service whose catalogue keywords
say neither. Only words that point to few services are kept ("rua", "minha" point everywhere)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache

from citizen_center.phrasings import load_phrasings

WORD = re.compile(r"[^\W\d_]{4,}")
MAX_SERVICES_PER_WORD = 2
WORDS_PER_SERVICE = 40


@cache
def words_by_service() -> dict[str, tuple[str, ...]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for phrasing in load_phrasings():
        counts[phrasing.label].update(WORD.findall(phrasing.text.lower()))
    services_of: Counter[str] = Counter()
    for words in counts.values():
        services_of.update(words.keys())
    return {
        label: tuple(
            word for word, _ in words.most_common() if services_of[word] <= MAX_SERVICES_PER_WORD
        )[:WORDS_PER_SERVICE]
        for label, words in counts.items()
    }
