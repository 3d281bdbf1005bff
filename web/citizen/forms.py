"""The citizen page's forms: what was typed, checked field by field, with pt-BR messages tied to
the field they are about (the page shows each next to its field, ``aria-describedby``)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from starlette.datastructures import FormData, UploadFile

from citizen_center.services.citizens import AddressInput
from citizen_center.services.nearby import Point
from citizen_center.services.photos import PreparedPhoto
from citizen_center.services.self_service import (
    MAX_COMMENT,
    MAX_DESCRIPTION,
    Identification,
    OnlineFiling,
)

# The filing form's text fields (names as in the HTML), kept to show them again after an error.
FILING_FIELDS = (
    "servico",
    "rua",
    "numero",
    "bairro",
    "referencia",
    "latitude",
    "longitude",
    "descricao",
    "nome",
    "telefone",
    "cpf",
)
SHORT_FIELD = 200
PHOTO_FIELD = "fotos"


@dataclass
class FilingForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    photo_uploads: list[UploadFile] = field(default_factory=list)
    ignore_duplicates: bool = False

    @property
    def point(self) -> Point | None:
        latitude, longitude = _number(self.values["latitude"]), _number(self.values["longitude"])
        if latitude is None or longitude is None:
            return None
        return Point(latitude, longitude)

    def filing(self, photos: list[PreparedPhoto]) -> OnlineFiling:
        v = self.values
        point = self.point
        return OnlineFiling(
            service_code=v["servico"],
            address=AddressInput(
                street=v["rua"],
                house_number=v["numero"],
                neighbourhood=v["bairro"],
                reference=v["referencia"],
            ),
            description=v["descricao"],
            latitude=point.latitude if point else None,
            longitude=point.longitude if point else None,
            identification=Identification(v["nome"], v["telefone"], v["cpf"]),
            photos=tuple(photos),
        )


def read_filing(form: FormData, service_codes: AbstractSet[str], max_photos: int) -> FilingForm:
    values = {name: _text(form, name) for name in FILING_FIELDS}
    uploads = [
        item
        for item in form.getlist(PHOTO_FIELD)
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    parsed = FilingForm(
        values, photo_uploads=uploads, ignore_duplicates=_text(form, "mesmo_assim") == "1"
    )
    errors = parsed.errors
    if values["servico"] not in service_codes:
        errors["servico"] = "Escolha o serviço na lista."
    for name in ("rua", "numero", "bairro", "referencia", "nome", "telefone", "cpf"):
        if len(values[name]) > SHORT_FIELD:
            errors[name] = f"No máximo {SHORT_FIELD} caracteres."
    if len(values["descricao"]) > MAX_DESCRIPTION:
        errors["descricao"] = f"No máximo {MAX_DESCRIPTION} caracteres."
    _check_point(values, errors)
    if len(uploads) > max_photos:
        errors[PHOTO_FIELD] = f"Envie no máximo {max_photos} fotos."
    _check_identification(values, errors)
    return parsed


def _check_point(values: dict[str, str], errors: dict[str, str]) -> None:
    latitude, longitude = values["latitude"], values["longitude"]
    if not latitude and not longitude:
        return
    lat, lon = _number(latitude), _number(longitude)
    if lat is None or not -90 <= lat <= 90:
        errors["latitude"] = "Latitude inválida: um número entre -90 e 90, como -30.0346."
    if lon is None or not -180 <= lon <= 180:
        errors["longitude"] = "Longitude inválida: um número entre -180 e 180, como -51.2177."


def _check_identification(values: dict[str, str], errors: dict[str, str]) -> None:
    if not (values["nome"] or values["telefone"] or values["cpf"]):
        return
    if len(values["nome"]) < 2:
        errors["nome"] = "Para se identificar, informe o nome."
    if not values["telefone"] and not values["cpf"]:
        errors["telefone"] = "Informe um telefone ou o CPF (ou deixe a identificação em branco)."


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class ClosureAnswer:
    code: str
    reason: str = ""
    score: int | None = None
    comment: str = ""


def read_closure_answer(form: FormData, errors: dict[str, str], *, rating: bool) -> ClosureAnswer:
    code = _text(form, "codigo")
    if not code:
        errors["codigo"] = "Informe o código de acompanhamento."
    reason, comment = _text(form, "motivo"), _text(form, "comentario")
    if len(reason) > MAX_COMMENT or len(comment) > MAX_COMMENT:
        errors["motivo" if len(reason) > MAX_COMMENT else "comentario"] = (
            f"No máximo {MAX_COMMENT} caracteres."
        )
    score = None
    if rating:
        keyed = _text(form, "nota")
        if keyed not in {"1", "2", "3", "4", "5"}:
            errors["nota"] = "Escolha uma nota de 1 a 5."
        else:
            score = int(keyed)
    return ClosureAnswer(code, reason, score, comment)
