"""Fill agent_desktop/i18n/central156_pt_BR.ts with the pt-BR texts, then compile the .qm.

    pyside6-lupdate $(find agent_desktop -name '*.py') -ts agent_desktop/i18n/central156_pt_BR.ts
    python scripts/desktop_translations.py      # fills new entries, runs pyside6-lrelease

The English source texts are the fallback; texts built at run time (table column titles) are
listed under the "Models" context here because lupdate cannot see them.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

TS = Path(__file__).resolve().parent.parent / "agent_desktop" / "i18n" / "central156_pt_BR.ts"

# A table kept as written: the formatter would join each entry's wrapped text onto one line.
# fmt: off
PT_BR = {
    "Channel": "Canal", "Web": "Web", "WhatsApp": "WhatsApp",
    " (primary)": " (principal)", " — LATE": " — EM ATRASO", "(nothing)": "(nada)",
    "(51) 99999-1234, (51) 3333-4444": "(51) 99999-1234, (51) 3333-4444",
    "Add note": "Adicionar observação", "Hang up": "Encerrar ligação",
    "End this call (the citizen hears the survey)":
        "Encerrar esta ligação (o cidadão ouve a pesquisa de satisfação)",
    "Address": "Endereço", "Available": "Disponível",
    "CEP": "CEP", "CPF": "CPF", "Calls": "Chamadas", "Citizen": "Cidadão",
    "Call ended: choose the wrap-up code. No new call reaches you until you finish.":
        "Chamada encerrada: escolha a tabulação. Nenhuma nova chamada chega até você concluir.",
    "Central 156 — Agent desktop": "Central 156 — Mesa do atendente",
    "Central 156 — Login": "Central 156 — Entrar",
    "Choose a wrap-up code first.": "Escolha primeiro um código de encerramento (tabulação).",
    "Choose the service first (type in the search box).":
        "Escolha o serviço primeiro (digite na busca).",
    "Citizen not identified.": "Cidadão não identificado.", "Citizen saved.": "Cidadão salvo.",
    "Compl.": "Compl.", "Complement": "Complemento",
    "Connection to the PBX lost (%1). Reconnecting automatically; your forms are kept.":
        "Conexão com a central telefônica perdida (%1). Reconectando automaticamente; seus "
        "formulários foram mantidos.",
    "Copy": "Copiar", "Database": "Banco de dados", "Database offline": "Banco fora do ar",
    "Database unavailable. What you typed is kept (also on disk); retrying every 5 s.":
        "Banco de dados indisponível. O que você digitou está guardado (também em disco); "
        "nova tentativa a cada 5 s.",
    "Database unavailable: nothing was lost, the form is kept. Try again in a moment.":
        "Banco de dados indisponível: nada foi perdido, o formulário foi mantido. Tente de novo "
        "em instantes.",
    "Description": "Descrição", "E-mail": "E-mail", "Edit (F2)": "Editar (F2)",
    "Expected by": "Previsão de atendimento:", "Find requests": "Buscar protocolos",
    "Finish wrap-up (Ctrl+F)": "Concluir atendimento (Ctrl+F)",
    "Forward to another focal point": "Encaminhar para outro ponto focal",
    "Forwarded to": "Encaminhado para", "In call": "Em atendimento",
    "Join queues (F9)": "Entrar nas filas (F9)", "LATE": "EM ATRASO",
    "Leave queues (F9)": "Sair das filas (F9)",
    "Missed call at %1 (caller %2).": "Chamada não atendida às %1 (número %2).",
    "Name *": "Nome *", "Neighbourhood": "Bairro", "New citizen": "Novo cidadão",
    "New citizen (F2)": "Cadastrar cidadão (F2)", "New request": "Nova solicitação",
    "No call": "Sem chamada", "No call to wrap up.": "Nenhum atendimento a tabular.",
    "No service chosen.": "Nenhum serviço escolhido.", "No.": "Nº",
    "Note (what the citizen added)": "Observação (o que o cidadão acrescentou)",
    "Note added.": "Observação registrada.", "Number": "Número",
    "Out of the queues": "Fora das filas", "PBX connected": "Central conectada",
    "PBX connecting...": "Conectando à central...", "PBX disconnected": "Central desconectada",
    "PBX offline": "Central fora do ar", "Password": "Senha", "Pause (F8)": "Pausar (F8)",
    "Paused: %1": "Em pausa: %1", "Phone": "Ramal", "Phones": "Telefones",
    "Protocol consulted:": "Protocolo consultado:",
    "Protocol number — read it out to the citizen:":
        "Número de protocolo — leia para o cidadão:",
    "Protocol, phone, CPF, name or street (F4)": "Protocolo, telefone, CPF, nome ou rua (F4)",
    "Queue:": "Fila:", "Reason for the other destination": "Motivo do outro destino",
    "Reconnect now": "Reconectar agora", "Reference": "Referência",
    "Reference point": "Ponto de referência",
    "Register request (Ctrl+Enter)": "Registrar solicitação (Ctrl+Enter)",
    "Registering...": "Registrando...", "Reopen": "Reabrir",
    "Request reopened.": "Protocolo reaberto.", "Requests": "Solicitações",
    "Requests registered in this call:": "Protocolos registrados nesta chamada:",
    "Resume (F8)": "Retomar (F8)", "Retry now": "Tentar agora", "Ringing": "Tocando",
    "Said:": "Disse:", "Save citizen (Ctrl+S)": "Salvar cidadão (Ctrl+S)",
    "Saving...": "Salvando...", "Search": "Buscar", "Searching...": "Buscando...",
    "Service": "Serviço", "Service:": "Serviço:", "Street": "Logradouro",
    "Street (logradouro)": "Logradouro",
    "The caller hung up before the answer.": "O cidadão desligou antes do atendimento.",
    "Type what the citizen needs: buraco, lâmpada, lixo, vazamento... (F3)":
        "Digite o que o cidadão precisa: buraco, lâmpada, lixo, vazamento... (F3)",
    "Type your phone (no phone is registered for this user).":
        "Informe seu ramal (este usuário não tem ramal cadastrado).",
    "Unexpected error: %1": "Erro inesperado: %1", "Unknown number": "Número desconhecido",
    "Update citizen": "Atualizar cadastro", "Use the citizen's address": "Usar o endereço do "
    "cidadão", "User": "Usuário", "Waited:": "Esperou:", "What the IVR learned": "O que a URA "
    "identificou", "What the citizen reports, in their words": "O relato do cidadão, com as "
    "palavras dele", "Where": "Local", "Why the citizen disputes the closure": "Por que o "
    "cidadão contesta o encerramento", "Wrap-up": "Pós-atendimento",
    "Wrap-up code (required):": "Tabulação (obrigatória):",
    "You were paused: resume (F8) when you are back.":
        "Você foi colocado em pausa: retome (F8) quando voltar.",
    "address optional": "endereço opcional", "address required": "endereço obrigatório",
    "deadline": "prazo", "e.g. PJSIP/agent-2001 (empty: your registered phone)":
        "ex.: PJSIP/agent-2001 (vazio: o ramal cadastrado)", "expected": "previsão",
    "no CPF": "sem CPF", "none": "nenhum", "pause after the call: %1": "pausa após a chamada: %1",
    # "Models" context (column titles, built at run time)
    "Protocol": "Protocolo", "Status": "Situação", "Opened": "Aberto em",
    "Deadline": "Prazo", "Late": "Atraso", "When": "Quando", "Queue": "Fila",
    "Wrap-up code": "Tabulação", "Outcome": "Resultado", "Survey": "Pesquisa",
    "Secretariat": "Secretaria", "Group": "Grupo",
    # Wallboard, statistics and inbox (issue 6)
    "waiting": "em espera", "Longest": "Maior espera", "ASA": "TME", "SL": "NS",
    "Free": "Livre", "Answered": "Atendidas", "Abandoned": "Abandonadas", "short": "curtos",
    "Talking": "Em ligação", "Paused": "Em pausa", "Phone offline": "Ramal fora do ar",
    "Logged out": "Fora das filas", "All queues": "Todas as filas",
    "Pause (Ctrl+P)": "Pausar (Ctrl+P)", "Resume (Ctrl+R)": "Retomar (Ctrl+R)",
    "Log out of queue (Ctrl+L)": "Tirar da fila (Ctrl+L)",
    "Select an agent:": "Selecione um atendente:",
    "Choose or type the reason for the pause.": "Escolha ou digite o motivo da pausa.",
    "Done.": "Feito.", "The PBX refused: %1": "A central recusou: %1",
    "Today's history could not be read (%1); the board counts calls seen live.":
        "O histórico de hoje não pôde ser lido (%1); o painel conta as chamadas vistas ao vivo.",
    "Connection to the PBX lost (%1). Reconnecting automatically; the board resynchronises "
    "when it is back.": "Conexão com a central telefônica perdida (%1). Reconectando "
    "automaticamente; o painel se ressincroniza quando ela voltar.",
    "Calls and service level": "Chamadas e nível de serviço",
    "Short abandons": "Abandonos curtos", "calls": "chamadas",
    "service level %": "nível de serviço %", "Service level %": "Nível de serviço %",
    "Target %1%": "Meta %1%", "Requests by channel, month by month":
        "Solicitações por canal, mês a mês", "App": "Aplicativo", "Telephone": "Telefone",
    "In person": "Presencial",
    "requests": "solicitações",
    "Satisfaction: distribution of scores 1 to 5": "Satisfação: distribuição das notas 1 a 5",
    "Score %1": "Nota %1", "Pending requests: late and on time":
        "Solicitações pendentes: em atraso e no prazo", "On time": "No prazo",
    "Resolved and reopened requests per secretariat":
        "Solicitações resolvidas e reabertas por secretaria",
    "Reopened": "Reabertas", "Resolved, not reopened": "Resolvidas, não reabertas",
    "Closed as duplicates": "Duplicadas (unidas a outro protocolo)",
    "What was done — the citizen will hear or read this note":
        "O que foi feito — o cidadão vai ouvir ou ler esta nota",
    "Acknowledge: in progress (Ctrl+K)": "Receber: em andamento (Ctrl+K)",
    "Resolve (Ctrl+Enter)": "Resolver (Ctrl+Enter)",
    "Why it belongs to that secretariat": "Por que cabe àquela secretaria",
    "Forward (Ctrl+Shift+F)": "Encaminhar (Ctrl+Shift+F)",
    "What the secretariat did": "O que a secretaria fez",
    "Not ours — forward to:": "Não é nosso — encaminhar para:", "History": "Histórico",
    "Choose a request on the left.": "Escolha uma solicitação à esquerda.",
    "%1 is in progress.": "%1 está em andamento.",
    "%1 resolved; the citizen will be told.": "%1 resolvido; o cidadão será avisado.",
    "%1 forwarded.": "%1 encaminhado.",
    "Central 156 — Supervision": "Central 156 — Supervisão", "Queue board": "Painel de filas",
    "Statistics": "Estatísticas",
    "Central 156 — Secretariat inbox": "Central 156 — Caixa de entrada da secretaria",
    "Inbox": "Caixa de entrada", "Calls by queue": "Chamadas por fila",
    "Calls by agent": "Chamadas por atendente", "Calls by hour of the day":
        "Chamadas por hora do dia", "Calls by day": "Chamadas por dia",
    "Calls by month": "Chamadas por mês", "Pauses by agent and reason":
        "Pausas por atendente e motivo", "Satisfaction by month": "Satisfação por mês",
    "Satisfaction by agent": "Satisfação por atendente",
    "Satisfaction by service": "Satisfação por serviço",
    "Satisfaction by channel and month": "Satisfação por canal e mês",
    "Average score by channel, month by month": "Nota média por canal, mês a mês",
    "average score": "nota média",
    "Channels by month": "Canais por mês",
    "Late requests by secretariat": "Atrasos por secretaria",
    "Late requests by secretariat and service": "Atrasos por secretaria e serviço",
    "Reopened by secretariat": "Reaberturas por secretaria", "Today": "Hoje",
    "Last 7 days": "Últimos 7 dias", "Last 30 days": "Últimos 30 dias",
    "Last 12 months": "Últimos 12 meses", "Custom": "Personalizado",
    "Show (Ctrl+Enter)": "Mostrar (Ctrl+Enter)", "Export CSV (Ctrl+E)": "Exportar CSV (Ctrl+E)",
    "PDF summary (Ctrl+Shift+P)": "Resumo em PDF (Ctrl+Shift+P)", "Period:": "Período:",
    "to": "a", "The period ends before it begins.": "O período termina antes de começar.",
    "Computing...": "Calculando...", "Key": "Chave", "Export": "Exportar",
    "Show a report first.": "Mostre um relatório primeiro.", "Saved to %1": "Salvo em %1",
    "Longest wait": "Maior espera", "Free agents": "Livres",
    "Abandoned; in brackets the short abandons, counted apart":
        "Abandonadas; entre parênteses os abandonos curtos, contados à parte",
    "By": "Por", "Note": "Nota", "Reopenings": "Reaberturas",
    # Duplicates (issue 13)
    "Mark as duplicate… (Ctrl+D)": "Marcar como duplicada… (Ctrl+D)", "Undo": "Desfazer",
    "Mark as duplicate": "Marcar como duplicada",
    "%1 is the same problem as the protocol:": "%1 é o mesmo problema que o protocolo:",
    "Protocol number, e.g. 2026-0001234-0": "Número do protocolo, ex.: 2026-0001234-0",
    "%1 will be closed as its duplicate, and the citizen told to follow that protocol. It can "
    "be undone.": "%1 será fechado como duplicado dele, e o cidadão orientado a acompanhar "
    "aquele protocolo. Dá para desfazer.",
    "%1 closed as a duplicate of %2; the citizen will be sent to follow it.":
        "%1 fechado como duplicado do protocolo %2; o cidadão será orientado a acompanhá-lo.",
    "%1 is not a duplicate any more: back in the inbox.":
        "%1 não é mais duplicado: voltou à caixa de entrada.",
    "Mark as duplicate…": "Marcar como duplicada…",
    "Not a duplicate (undo)": "Não é duplicada (desfazer)",
    "Closed as a duplicate.": "Fechada como duplicada.",
    "Not a duplicate any more.": "Não é mais duplicada.",
}
# fmt: on
PLURALS = {
    "%n call(s)": ("%n chamada", "%n chamadas"),
    "%n request(s) to work on": ("%n solicitação a tratar", "%n solicitações a tratar"),
    "%n late": ("%n em atraso", "%n em atraso"),
    "%1 — %2: %n row(s).": ("%1 — %2: %n linha.", "%1 — %2: %n linhas."),
    "%n request(s) found.": ("%n protocolo encontrado.", "%n protocolos encontrados."),
    "Available in %n queue(s)": ("Disponível em %n fila", "Disponível em %n filas"),
}
MODEL_TITLES = (
    "Protocol",
    "Channel",
    "Telephone",
    "Web",
    "App",
    "WhatsApp",
    "E-mail",
    "In person",
    "Service",
    "Status",
    "Opened",
    "Deadline",
    "Late",
    "When",
    "Queue",
    "Wrap-up",
    "Outcome",
    "Survey",
    "Citizen",
    "Address",
    "Secretariat",
    "Group",
    "LATE",
    "Reopenings",
    "Neighbourhood",
    "By",
    "Note",
)
MODEL_PT = {"Wrap-up": "Tabulação"}


def fill(root: ET.Element) -> list[str]:
    missing = []
    for message in root.iter("message"):
        source = message.findtext("source", "")
        translation = message.find("translation")
        assert translation is not None
        translation.attrib.pop("type", None)
        if source in PLURALS:
            message.set("numerus", "yes")
            for child in list(translation):
                translation.remove(child)
            translation.text = None
            for form in PLURALS[source]:
                ET.SubElement(translation, "numerusform").text = form
        elif source in PT_BR:
            translation.text = PT_BR[source]
        else:
            translation.set("type", "unfinished")
            missing.append(source)
    return missing


def add_models_context(root: ET.Element) -> None:
    for context in root.findall("context"):
        if context.findtext("name") == "Models":
            root.remove(context)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = "Models"
    for title in MODEL_TITLES:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = title
        ET.SubElement(message, "translation").text = MODEL_PT.get(title, PT_BR[title])


def main() -> int:
    tree = ET.parse(TS)
    root = tree.getroot()
    root.set("language", "pt_BR")
    add_models_context(root)
    missing = fill(root)
    ET.indent(tree)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), str(TS), "-qm", str(TS.with_suffix(".qm"))], check=True)
    for source in missing:
        print(f"untranslated: {source!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
