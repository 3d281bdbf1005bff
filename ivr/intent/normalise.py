"""Text normalisation shared by the intent matcher and the recognisers.

Recognisers and callers spell the same thing many ways: "Lâmpadas queimadas!", "lampada queimada",
"um dois três" or "1, 2, 3". Everything is compared after ``normalise`` (lower case, no accents, no
punctuation) and, for keyword matching, ``stem`` (plural endings removed) on both sides, so the
catalogue's keywords never need to list variants.
"""

from __future__ import annotations

import re
import unicodedata

_UNITS = {
    "zero": 0,
    "um": 1,
    "uma": 1,
    "dois": 2,
    "duas": 2,
    "tres": 3,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "meia": 6,
    "sete": 7,
    "oito": 8,
    "nove": 9,
}
_TEENS = {
    "dez": 10,
    "onze": 11,
    "doze": 12,
    "treze": 13,
    "quatorze": 14,
    "catorze": 14,
    "quinze": 15,
    "dezesseis": 16,
    "dezasseis": 16,
    "dezessete": 17,
    "dezoito": 18,
    "dezenove": 19,
}
_TENS = {
    "vinte": 20,
    "trinta": 30,
    "quarenta": 40,
    "cinquenta": 50,
    "sessenta": 60,
    "setenta": 70,
    "oitenta": 80,
    "noventa": 90,
}
_HUNDREDS = {
    "cem": 100,
    "cento": 100,
    "duzentos": 200,
    "duzentas": 200,
    "trezentos": 300,
    "quatrocentos": 400,
    "quinhentos": 500,
    "seiscentos": 600,
    "setecentos": 700,
    "oitocentos": 800,
    "novecentos": 900,
}
_NUMBER_WORDS = {**_UNITS, **_TEENS, **_TENS, **_HUNDREDS, "mil": 1000}
# Words that only glue a spoken number together ("vinte e três") or separate digit groups.
_NUMBER_GLUE = {"e"}


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation turned into spaces, spaces collapsed."""
    text = strip_accents(text.casefold())
    # Keep digits glued ("2026-0001234-5" stays one run of digits once the dashes go).
    text = re.sub(r"(?<=\d)[.\-/ ](?=\d)", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.strip()


def tokens(text: str) -> list[str]:
    return normalise(text).split()


def stem(word: str) -> str:
    """A light Portuguese plural stemmer (applied to both sides, so it need not be perfect)."""
    for plural, singular in (
        ("oes", "ao"),
        ("aes", "ao"),
        ("zes", "z"),
        ("res", "r"),
        ("ais", "al"),
        ("eis", "el"),
        ("ns", "m"),
    ):
        if len(word) > 4 and word.endswith(plural):
            return word[: -len(plural)] + singular
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def stemmed_tokens(text: str) -> list[str]:
    return [stem(word) for word in tokens(text)]


def _parse_number_run(words: list[str]) -> list[str]:
    """Turn one run of number words into digit strings.

    A spoken number combines while each word is of a lower order than the last ("dois mil e vinte
    e seis" = 2026); a unit right after a unit starts a new number ("um dois três" = 1, 2, 3), so
    numbers read digit by digit come out as consecutive digits.
    """
    numbers: list[str] = []
    total = 0  # completed thousands
    current = 0  # value below a thousand being built
    last_order = 10_000
    started = False

    def flush() -> None:
        nonlocal total, current, last_order, started
        if started:
            numbers.append(str(total + current))
        total, current, last_order, started = 0, 0, 10_000, False

    for word in words:
        if word.isdigit():
            flush()
            numbers.append(word)
            continue
        value = _NUMBER_WORDS[word]
        if value == 1000:
            total += (current or 1) * 1000
            current, last_order, started = 0, 1000, True
            continue
        order = 100 if value >= 100 else 10 if value >= 10 else 1
        if started and order >= last_order:
            flush()
        current += value
        last_order, started = order, True
    flush()
    return numbers


def words_to_digits(text: str) -> str:
    """Replace spoken numbers by digits: "um dois três" -> "1 2 3", "vinte e cinco" -> "25".

    Unlike ``digits_only`` the rest of the text is kept, normalised.
    """
    out: list[str] = []
    run: list[str] = []
    words = tokens(text)
    for index, word in enumerate(words):
        glue_inside_number = (
            word in _NUMBER_GLUE
            and run
            and index + 1 < len(words)
            and words[index + 1] in _NUMBER_WORDS
        )
        if word in _NUMBER_WORDS or word.isdigit():
            run.append(word)
        elif glue_inside_number:
            continue
        else:
            out.extend(_parse_number_run(run))
            run = []
            out.append(word)
    out.extend(_parse_number_run(run))
    return " ".join(out)


def digits_only(text: str) -> str:
    """All the digits the caller said or the recogniser wrote, in order: "um, 2 três" -> "123"."""
    return "".join(word for word in words_to_digits(text).split() if word.isdigit())


def is_number_word(word: str) -> bool:
    return word in _NUMBER_WORDS or word.isdigit()
