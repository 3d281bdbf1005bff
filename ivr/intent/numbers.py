"""Numbers in answers: a protocol number with a valid check digit, a survey score of 1 to 5."""

from __future__ import annotations

from citizen_center.domain.protocol import luhn_check_digit
from ivr.intent.normalise import is_number_word, normalise, words_to_digits
from ivr.intent.protocol import extract_protocol

SURVEY_RANGE = range(1, 6)
_ARTICLES = {"um", "uma"}
_SCORE_CUES = {"nota", "dou", "daria", "vale", "avalio", "avaliacao"}


def valid_protocol(text: str) -> str | None:
    """The 12 digits of a spoken or keyed protocol number when its check digit holds."""
    digits = extract_protocol(text)
    if digits is None or luhn_check_digit(digits[:11]) != int(digits[11]):
        return None
    return digits


def survey_score(text: str) -> str | None:
    """The 1-5 score in a survey answer: "nota cinco", "dou um quatro", "três, mais ou menos".

    "um"/"uma" before another word is an article ("foi um amor", "dou um quatro"), not a score,
    unless a cue precedes it ("nota um, péssimo") or it is all the caller said; a number after
    "nota"/"dou" is the score.
    """
    words = normalise(text).split()
    found: list[tuple[int, bool]] = []  # (value, right after a cue)
    for index, word in enumerate(words):
        if not is_number_word(word):
            continue
        value = words_to_digits(word)
        if not value.isdigit() or int(value) not in SURVEY_RANGE:
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        before = words[index - 1] if index > 0 else ""
        # "dou um quatro": the article passes the cue on to the number after it.
        cued = before in _SCORE_CUES or (
            before in _ARTICLES and index > 1 and words[index - 2] in _SCORE_CUES
        )
        if word in _ARTICLES and following and (is_number_word(following) or not cued):
            continue
        found.append((int(value), cued))
    if not found:
        lone = [w for w in words if w in _ARTICLES]
        return "1" if lone and len(words) <= 2 else None
    cued_values = [value for value, cued in found if cued]
    return str(cued_values[-1] if cued_values else found[-1][0])
