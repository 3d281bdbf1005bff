"""The questions a service asks besides the address and the description (Open311 "attributes").

Derived from the catalogue's service types (their group and whether they need an address), so a
new service of a known group asks the same questions with no new data:

- ``PONTO_REFERENCIA``: a reference point ("em frente à escola"), for every service with an
  address: field teams find the spot faster; kept in the request's ``reference`` column.
- ``RISCO_PESSOAS``: "is there a risk to people?", for the groups where a hazard is plausible
  (a loose wire, a hole, a falling branch, a leak); required there so triage can see it.
- ``TIPO_RESIDUO``: which kinds of waste (several may apply), for urban cleaning.

The answers other than the reference point are written as lines of the request's description, so
every side (desktop, inbox, IVR) shows them without knowing about attributes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from citizen_center.errors import ValidationError

MAX_TEXT = 200  # characters of a free-text answer


class Datatype(enum.StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"

    @property
    def is_list(self) -> bool:
        return self in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class ServiceAttribute:
    code: str
    description: str
    datatype: Datatype
    required: bool
    order: int
    datatype_description: str = ""
    values: tuple[AttributeValue, ...] = ()
    # Where an answer goes: a description line with this label (none: the reference column).
    description_label: str = ""
    max_length: int = MAX_TEXT

    def parse(self, raw: Sequence[str]) -> tuple[str, ...]:
        """The answer's values, checked; raises ``ValidationError`` with a pt-BR message."""
        given = tuple(v.strip() for v in raw if v.strip())
        if not given:
            if self.required:
                raise ValidationError(f"O atributo {self.code} é obrigatório: {self.description}")
            return ()
        if len(given) > 1 and self.datatype is not Datatype.MULTIVALUELIST:
            raise ValidationError(f"O atributo {self.code} aceita um só valor.")
        if self.datatype.is_list:
            keys = {v.key for v in self.values}
            unknown = [v for v in given if v not in keys]
            if unknown:
                raise ValidationError(
                    f"Valor inválido para {self.code}: {unknown[0]!r} "
                    f"(valores aceitos: {', '.join(sorted(keys))})."
                )
            return tuple(dict.fromkeys(given))
        if len(given[0]) > self.max_length:
            raise ValidationError(
                f"O atributo {self.code} tem no máximo {self.max_length} caracteres."
            )
        return given

    def value_names(self, keys: Sequence[str]) -> list[str]:
        names = {v.key: v.name for v in self.values}
        return [names.get(k, k) for k in keys]


REFERENCE_POINT = "PONTO_REFERENCIA"
RISK_TO_PEOPLE = "RISCO_PESSOAS"
WASTE_KINDS = "TIPO_RESIDUO"

# Groups of the catalogue where a hazard to people is plausible.
RISK_GROUPS = frozenset(
    {
        "Iluminação pública",
        "Vias e calçadas",
        "Árvores",
        "Água e esgoto",
        "Trânsito e transporte",
        "Animais",
    }
)
WASTE_GROUPS = frozenset({"Limpeza urbana"})
# Who is asked a question: the services of these groups, or every service with an address.
WITH_ADDRESS = None


@dataclass(frozen=True)
class _Question:
    code: str
    description: str
    datatype: Datatype
    required: bool
    asked_of: frozenset[str] | None
    values: tuple[tuple[str, str], ...] = ()  # (key, what the citizen reads)
    description_label: str = ""


# The questions, in the order a service asks them.
_QUESTIONS = (
    _Question(
        REFERENCE_POINT,
        "Ponto de referência (ex.: em frente à escola, perto da parada de ônibus)",
        Datatype.STRING,
        required=False,
        asked_of=WITH_ADDRESS,
    ),
    _Question(
        RISK_TO_PEOPLE,
        "Há risco para pessoas?",
        Datatype.SINGLEVALUELIST,
        required=True,
        asked_of=RISK_GROUPS,
        values=(("sim", "Sim"), ("nao", "Não")),
        description_label="Há risco para pessoas",
    ),
    _Question(
        WASTE_KINDS,
        "Tipo de resíduo (marque todos os que houver)",
        Datatype.MULTIVALUELIST,
        required=False,
        asked_of=WASTE_GROUPS,
        values=(
            ("domestico", "Lixo doméstico"),
            ("reciclavel", "Recicláveis"),
            ("entulho", "Entulho/caliça"),
            ("volumoso", "Móveis e volumosos"),
            ("vegetal", "Galhos e restos de poda"),
        ),
        description_label="Tipo de resíduo",
    ),
)


def _attribute(question: _Question, order: int) -> ServiceAttribute:
    free_text = question.datatype is Datatype.STRING
    return ServiceAttribute(
        code=question.code,
        description=question.description,
        datatype=question.datatype,
        required=question.required,
        order=order,
        datatype_description=f"Texto livre, até {MAX_TEXT} caracteres." if free_text else "",
        values=tuple(AttributeValue(key, name) for key, name in question.values),
        description_label=question.description_label,
    )


_ASKED = tuple(
    (question.asked_of, _attribute(question, order))
    for order, question in enumerate(_QUESTIONS, start=1)
)


def attributes_for(group: str, requires_address: bool) -> tuple[ServiceAttribute, ...]:
    """The questions of a service of ``group``, in order."""
    return tuple(
        attribute
        for asked_of, attribute in _ASKED
        if (requires_address if asked_of is WITH_ADDRESS else group in asked_of)
    )


@dataclass(frozen=True)
class AttributeAnswers:
    """The checked answers: the reference point, and the lines for the description."""

    reference: str
    description_lines: tuple[str, ...]


def answer_attributes(
    attributes: Sequence[ServiceAttribute], raw: Mapping[str, Sequence[str]]
) -> AttributeAnswers:
    """Check every answer against the service's questions (unknown codes are errors)."""
    known = {a.code: a for a in attributes}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        accepted = ", ".join(known) or "nenhum"
        raise ValidationError(
            f"Atributo desconhecido para este serviço: {unknown[0]} (aceitos: {accepted})."
        )
    reference = ""
    lines: list[str] = []
    for attribute in attributes:
        values = attribute.parse(raw.get(attribute.code, ()))
        if not values:
            continue
        if attribute.code == REFERENCE_POINT:
            reference = values[0]
        else:
            lines.append(
                f"{attribute.description_label}: {', '.join(attribute.value_names(values))}."
            )
    return AttributeAnswers(reference, tuple(lines))
