"""Every sentence the IVR says, in Brazilian Portuguese, keyed by a stable prompt key.

A key is also the file's path under ``<audio dir>/pt_BR/`` without extension (``menu/main`` ->
``pt_BR/menu/main.wav``), which is what Asterisk's STREAM FILE wants. Besides whole sentences there
are pieces for concatenation (digits, numbers, months, years, statuses, service and queue names),
so numbers and dates are spoken without synthesis during a call.
"""

from __future__ import annotations

from citizen_center.catalogue import Catalogue
from citizen_center.domain.workflow import Status
from ivr.intent.actions import (
    KEY_AGENT,
    KEY_CONSULT_PROTOCOL,
    KEY_END_CALL,
    KEY_NO,
    KEY_OTHER_PROBLEM,
    KEY_REPEAT,
    KEY_YES,
)
from pbx.prompts import DIALPLAN_PROMPT_PREFIX, DIALPLAN_PROMPTS


def _spoken_key(key: str) -> str:
    return {"*": "asterisco", "#": "sustenido"}.get(key, key)


SENTENCES: dict[str, str] = {
    "welcome": "Olá! Você ligou para a Central 156 da Prefeitura de Porto Alegre.",
    "lgpd_notice": "Esta ligação pode ser gravada para a qualidade do atendimento.",
    "open_requests/one": "Você tem uma solicitação em aberto.",
    "open_requests/before": "Você tem",
    "open_requests/after": "solicitações em aberto.",
    "open_requests/offer": (
        f"Para saber a situação, diga protocolo ou tecle {KEY_CONSULT_PROTOCOL}."
    ),
    "open_requests/same_service": "Você já tem uma solicitação deste serviço em andamento.",
    "open_requests/new_or_end": (
        f"Se é outro problema, tecle {KEY_OTHER_PROBLEM} para falar com um atendente. "
        f"Para encerrar, tecle {KEY_END_CALL}."
    ),
    "menu/ask_reason": "Diga, em poucas palavras, o motivo da sua ligação.",
    "menu/or_keys": "Ou, se preferir, tecle a opção desejada.",
    "menu/repeat": f"Para ouvir as opções novamente, tecle {_spoken_key(KEY_REPEAT)}.",
    "menu/not_understood": "Desculpe, não entendi.",
    "menu/fallback_keys": "Vamos tentar pelo teclado.",
    "menu/no_input": "Não ouvi a sua resposta.",
    "menu/invalid_key": "Opção inválida.",
    "confirm/you_said": "Você disse",
    "confirm/say_yes": f"Diga sim ou tecle {KEY_YES}. Se não for isso, diga não ou tecle {KEY_NO}.",
    "protocol/ask": "Diga ou digite o número do protocolo, com os doze dígitos, e tecle sustenido.",
    "protocol/number": "Protocolo número",
    "protocol/unknown": (
        "Não encontramos esse número de protocolo. Confira o número e tente novamente."
    ),
    "protocol/invalid": "O número informado não é um protocolo válido.",
    "protocol/service": "Serviço:",
    "protocol/status": "Situação:",
    "protocol/expected": "Previsão de atendimento:",
    "protocol/no_expected": "Ainda não há previsão de atendimento.",
    # A duplicate's read-back: followed by the read-back of the protocol it was joined to
    # ("... acompanhada pelo / protocolo número 2 0 2 6 ...").
    "protocol/joined": (
        "Esta solicitação foi unida a outra, que trata do mesmo problema, e passa a ser "
        "acompanhada pelo"
    ),
    "protocol/another": (
        f"Para consultar outro protocolo, tecle {KEY_CONSULT_PROTOCOL}. "
        f"Para falar com um atendente, tecle {KEY_AGENT}."
    ),
    "transfer/agent": "Aguarde, vamos transferir a sua ligação para um atendente.",
    "transfer/queue": "Aguarde, vamos transferir a sua ligação para o setor de",
    "transfer/busy": "Todos os nossos atendentes estão ocupados. Por favor, aguarde na linha.",
    "failure/apology": "Desculpe, estamos com uma instabilidade no sistema.",
    "failure/general_queue": "Vamos transferir a sua ligação para o atendimento geral.",
    "failure/try_later": "Por favor, ligue novamente mais tarde.",
    # Another IVR server took the call over after the first one failed mid-call.
    "failure/resume": "Desculpe a interrupção. Vamos continuar o seu atendimento.",
    "after_hours": (
        "O atendimento telefônico da Central 156 funciona de segunda a sexta, das oito às vinte "
        "horas, e aos sábados, das oito às quatorze horas. Você também pode registrar a sua "
        "solicitação pelo aplicativo ou pelo site da prefeitura."
    ),
    "survey/ask": (
        "Antes de desligar, avalie o atendimento de 1 a 5, em que 1 é muito ruim e 5 é ótimo."
    ),
    "survey/thanks": "Obrigado pela sua avaliação.",
    "survey/invalid": "Nota inválida. Tecle um número de 1 a 5.",
    "goodbye": "A Prefeitura de Porto Alegre agradece a sua ligação. Até logo!",
    **{f"{DIALPLAN_PROMPT_PREFIX}{name}": text for name, text in DIALPLAN_PROMPTS.items()},
    "date/day": "dia",
    "date/of": "de",
    "date/first": "primeiro",
    "deadline/late": "em atraso",
    "deadline/on_time": "dentro do prazo",
    "num/and": "e",
    "num/thousand": "mil",
}

# Status keys match the domain's workflow (open → forwarded → in_progress → resolved → closed,
# reopened, cancelled); the text is what the caller hears.
STATUS_WORDS: dict[str, str] = {status.value: status.label_pt for status in Status}
MONTHS = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
_UNITS = ("zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove")
_TEENS = (
    "dez",
    "onze",
    "doze",
    "treze",
    "quatorze",
    "quinze",
    "dezesseis",
    "dezessete",
    "dezoito",
    "dezenove",
)
_TENS = (
    "",
    "",
    "vinte",
    "trinta",
    "quarenta",
    "cinquenta",
    "sessenta",
    "setenta",
    "oitenta",
    "noventa",
)
HUNDREDS = (
    "",
    "cento",
    "duzentos",
    "trezentos",
    "quatrocentos",
    "quinhentos",
    "seiscentos",
    "setecentos",
    "oitocentos",
    "novecentos",
)
# Whole-year pieces sound better than "dois mil" + "e" + "vinte e seis"; other years are composed.
YEARS = range(2020, 2041)


def below_hundred_words(n: int) -> str:
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return _TENS[tens] + (f" e {_UNITS[unit]}" if unit else "")


def number_words(n: int) -> str:
    """pt-BR words for 0 <= n <= 9999 (masculine), e.g. 2026 -> "dois mil e vinte e seis"."""
    if not 0 <= n <= 9999:
        raise ValueError(f"number out of range for speech: {n}")
    if n < 100:
        return below_hundred_words(n)
    thousands, rest = divmod(n, 1000)
    parts: list[str] = []
    if thousands:
        parts.append("mil" if thousands == 1 else f"{_UNITS[thousands]} mil")
    if rest:
        hundreds, tail = divmod(rest, 100)
        words = (
            "cem"
            if rest == 100
            else " e ".join(
                w for w in (HUNDREDS[hundreds], below_hundred_words(tail) if tail else "") if w
            )
        )
        # "mil e vinte", "mil e cem", but "mil duzentos e trinta": "e" only before a round group.
        if thousands and (hundreds == 0 or tail == 0):
            parts.append("e")
        parts.append(words)
    return " ".join(parts)


def key_menu_text(catalogue: Catalogue) -> str:
    """The key menu, built from the catalogue's queues plus the IVR's own options."""
    options = [
        f"Para {queue.name.lower()}, tecle {queue.dtmf}."
        for queue in sorted(catalogue.queues, key=lambda q: q.dtmf)
    ]
    options.append(f"Para consultar um protocolo, tecle {KEY_CONSULT_PROTOCOL}.")
    options.append(f"Para falar com um atendente, tecle {KEY_AGENT}.")
    return " ".join(options)


def all_prompts(catalogue: Catalogue) -> dict[str, str]:
    """Every prompt key and its text: sentences and concatenation pieces."""
    prompts = dict(SENTENCES)
    prompts["menu/keys"] = key_menu_text(catalogue)
    prompts.update({f"digit/{d}": _UNITS[d] for d in range(10)})
    prompts.update({f"num/{n}": below_hundred_words(n) for n in range(100)})
    prompts.update({f"num/{h * 100}": HUNDREDS[h] for h in range(2, 10)})
    prompts["num/100"] = "cem"
    prompts["num/cento"] = "cento"  # 101-199: "cento e ..."
    prompts.update({f"year/{y}": number_words(y) for y in YEARS})
    prompts.update({f"month/{i}": name for i, name in enumerate(MONTHS, start=1)})
    prompts.update({f"status/{code}": word for code, word in STATUS_WORDS.items()})
    prompts.update({f"service/{s.code}": s.name for s in catalogue.service_types})
    prompts.update({f"queue/{q.code}": q.name for q in catalogue.queues})
    return prompts
