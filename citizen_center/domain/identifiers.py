"""Brazilian identifiers: CPF check digits and phone numbers in E.164."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from citizen_center.errors import ValidationError


def normalize_cpf(value: str) -> str:
    """Return the CPF's 11 digits, or raise ValidationError if the check digits do not match."""
    digits = re.sub(r"[.\-\s]", "", value.strip())
    if not re.fullmatch(r"\d{11}", digits):
        raise ValidationError(f"CPF inválido: {value!r} deve ter 11 dígitos.")
    if digits == digits[0] * 11:
        raise ValidationError(f"CPF inválido: {value!r} (todos os dígitos iguais).")
    for position in (9, 10):
        if int(digits[position]) != _cpf_check_digit(digits[:position]):
            raise ValidationError(f"CPF inválido: {value!r} (dígito verificador não confere).")
    return digits


def _cpf_check_digit(prefix: str) -> int:
    weight_start = len(prefix) + 1
    total = sum(int(d) * w for d, w in zip(prefix, range(weight_start, 1, -1), strict=True))
    remainder = total * 10 % 11
    return 0 if remainder == 10 else remainder


def complete_cpf(base: str) -> str:
    """The 11-digit CPF whose first nine digits are ``base`` (appends both check digits)."""
    if not re.fullmatch(r"\d{9}", base):
        raise ValueError(f"a CPF base has 9 digits, not {base!r}")
    first = str(_cpf_check_digit(base))
    return base + first + str(_cpf_check_digit(base + first))


def format_cpf(digits: str) -> str:
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def normalize_phone(value: str, default_area_code: str = "51") -> str:
    """Normalise a Brazilian phone number to E.164 (``+5551999991234``).

    Accepts what agents type and what a PBX delivers as caller id: with or without ``+55``, with
    the trunk prefix ``0`` and a carrier code, or a local number without the area code (which
    then belongs to ``default_area_code``).
    """
    raw = value.strip()
    digits = re.sub(r"\D", "", raw)
    if not digits or re.search(r"[^\d\s()+\-.]", raw):
        raise ValidationError(f"Telefone inválido: {value!r}.")
    if not raw.startswith("+") and len(digits) in (8, 9):
        digits = default_area_code + digits
    candidate = "+" + digits if raw.startswith("+") else digits
    try:
        parsed = phonenumbers.parse(candidate, "BR")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"Telefone inválido: {value!r}.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"Telefone inválido: {value!r} não é um número brasileiro válido.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """``+5551999991234`` → ``(51) 99999-1234``, as agents read it."""
    parsed = phonenumbers.parse(e164, "BR")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def same_name(registered: str, typed: str) -> bool:
    """The same name, spaces and case aside (a shared phone's holders told apart by it)."""
    return " ".join(registered.split()).casefold() == " ".join(typed.split()).casefold()


def _name_words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in plain if not unicodedata.combining(c))
    return letters.replace(".", " ").split()


def names_agree(registered: str, typed: str) -> bool:
    """Whether ``typed`` could be how the person registered as ``registered`` writes their
    name: the same surname (the last word), and every other word one of theirs or its initial,
    accents and case aside ("C. Dias", "carla dias" and "Carla Souza Dias" for "Carla Souza
    Dias"; not "Bruno Dias")."""
    words, given = _name_words(registered), _name_words(typed)
    if not words or not given or given[-1] != words[-1]:
        return False
    return all(any(g == w or (len(g) == 1 and w.startswith(g)) for w in words) for g in given[:-1])
