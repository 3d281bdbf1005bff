"""Menu actions: their kinds, the pt-BR phrases callers use for them, and the menu keys.

Service keywords come from the catalogue; only the IVR's own vocabulary is written here.
"""

from __future__ import annotations

from enum import StrEnum


class IntentKind(StrEnum):
    SERVICE = "service"  # a service type (or just its queue) was recognised
    CONSULT_PROTOCOL = "consult_protocol"
    AGENT = "agent"
    YES = "yes"
    NO = "no"
    REPEAT = "repeat"
    DIGITS = "digits"
    UNKNOWN = "unknown"


class MenuContext(StrEnum):
    """The question the caller is answering; it limits what an answer can mean."""

    MAIN = "main"  # "diga em poucas palavras o motivo da sua ligação"
    CONFIRM = "confirm"  # "Você disse ...? Diga sim ou tecle 1"
    PROTOCOL = "protocol"  # "diga ou digite o número do protocolo"
    SURVEY = "survey"  # "avalie o atendimento de 1 a 5"

    def allowed_kinds(self) -> frozenset[IntentKind]:
        common = {IntentKind.AGENT, IntentKind.REPEAT}
        extra = {
            MenuContext.MAIN: {IntentKind.SERVICE, IntentKind.CONSULT_PROTOCOL, IntentKind.DIGITS},
            MenuContext.CONFIRM: {IntentKind.YES, IntentKind.NO, IntentKind.DIGITS},
            MenuContext.PROTOCOL: {IntentKind.DIGITS},
            MenuContext.SURVEY: {IntentKind.DIGITS},
        }[self]
        return frozenset(common | extra)


ACTION_PHRASES: dict[IntentKind, tuple[str, ...]] = {
    IntentKind.CONSULT_PROTOCOL: (
        "protocolo",
        "consultar protocolo",
        "número de protocolo",
        "consultar um protocolo",
        "situação do pedido",
        "andamento da solicitação",
        "acompanhar solicitação",
        "acompanhar pedido",
        "minha solicitação",
        "consultar",
    ),
    IntentKind.AGENT: (
        "atendente",
        "falar com atendente",
        "falar com um atendente",
        "operador",
        "atendimento humano",
        "falar com uma pessoa",
        "falar com alguém",
    ),
    IntentKind.YES: (
        "sim",
        "isso",
        "isso mesmo",
        "correto",
        "certo",
        "exatamente",
        "positivo",
        "confirmo",
        "pode ser",
        "é isso",
    ),
    IntentKind.NO: ("não", "negativo", "errado", "não é isso", "nada disso", "incorreto"),
    IntentKind.REPEAT: ("repetir", "repete", "de novo", "novamente", "não entendi", "outra vez"),
}

# Main-menu keys that are not queues (the queues' keys come from the catalogue).
KEY_CONSULT_PROTOCOL = "8"
KEY_AGENT = "0"
KEY_REPEAT = "*"
MENU_KEYS: dict[str, IntentKind] = {
    KEY_CONSULT_PROTOCOL: IntentKind.CONSULT_PROTOCOL,
    KEY_AGENT: IntentKind.AGENT,
    KEY_REPEAT: IntentKind.REPEAT,
}
# After the status of an open request of the same service: another problem, or hang up.
KEY_OTHER_PROBLEM = "1"
KEY_END_CALL = "2"
KEY_YES = "1"
KEY_NO = "2"
CONFIRM_KEYS: dict[str, IntentKind] = {KEY_YES: IntentKind.YES, KEY_NO: IntentKind.NO}
SURVEY_SCORES = ("1", "2", "3", "4", "5")
