import pytest

from citizen_center.domain.identifiers import (
    format_cpf,
    format_phone,
    names_agree,
    normalize_cpf,
    normalize_phone,
)
from citizen_center.errors import ValidationError


@pytest.mark.parametrize("raw", ["529.982.247-25", "52998224725", " 529 982 247 25 "])
def test_valid_cpf_is_normalised_to_digits(raw: str) -> None:
    assert normalize_cpf(raw) == "52998224725"
    assert format_cpf("52998224725") == "529.982.247-25"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("529.982.247-26", "dígito verificador"),
        ("111.111.111-11", "todos os dígitos iguais"),
        ("1234567890", "11 dígitos"),
        ("abc.def.ghi-jk", "11 dígitos"),
    ],
)
def test_invalid_cpf_is_rejected_with_a_clear_message(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError, match="CPF inválido") as error:
        normalize_cpf(raw)
    assert reason in str(error.value)


@pytest.mark.parametrize(
    "raw",
    [
        "(51) 99999-1234",
        "51999991234",
        "+55 51 99999-1234",
        "051999991234",
        "5551999991234",
        "99999-1234",
    ],
)
def test_mobile_numbers_in_every_usual_form_give_one_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+5551999991234"


def test_landline_with_carrier_code_and_local_number() -> None:
    assert normalize_phone("0 21 51 3289-1234") == "+555132891234"
    assert normalize_phone("3289-1234") == "+555132891234"
    assert normalize_phone("3289-1234", default_area_code="11") == "+551132891234"
    assert format_phone("+5551999991234") == "(51) 99999-1234"


@pytest.mark.parametrize("raw", ["123", "abc", "(51) 0000-1234", "", "51 9999-1234x", "++55"])
def test_malformed_phone_is_rejected_with_a_clear_message(raw: str) -> None:
    with pytest.raises(ValidationError, match="Telefone inválido"):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("typed", "agrees"),
    [
        ("Carla Souza Dias", True),
        ("carla  dias", True),
        ("C. Dias", True),
        ("CARLA S. DIAS", True),
        ("Cárla Dias", True),
        ("Bruno Dias", False),
        ("Carla Souza", False),
        ("Dias", True),
        ("", False),
    ],
)
def test_names_agree_on_the_surname_and_the_other_words_or_their_initials(
    typed: str, agrees: bool
) -> None:
    assert names_agree("Carla Souza Dias", typed) is agrees
