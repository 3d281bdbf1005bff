"""The sentences the dialplan itself plays when the IVR is not on the call, and where prompts live.

These belong to the PBX: ``dialplans/extensions.conf`` plays them by file name
(``${C156_SOUNDS}/falha-tecnica``) when the FastAGI server fails, out of hours and when no agent
is left. The IVR's prompt catalogue includes them under ``dialplan/`` so ``central156 prompts
build`` renders them with the rest (natural voice when online); ``render.ensure_sounds`` copies
those renders into the runtime folder, or speaks them with espeak-ng when there are none.
"""

from __future__ import annotations

# The language folder under the audio directory (Asterisk's ``sounds/<language>`` layout).
LANGUAGE_DIR = "pt_BR"
# Where the dialplan's sentences sit in the IVR's prompt catalogue (and its rendered audio).
DIALPLAN_PROMPT_PREFIX = "dialplan/"

DIALPLAN_PROMPTS: dict[str, str] = {
    "falha-tecnica": (
        "Desculpe, tivemos um problema técnico. Vamos transferir sua ligação para um atendente."
    ),
    "fora-do-horario": (
        "Central 156 da Prefeitura de Porto Alegre. Nosso atendimento telefônico está fechado "
        "agora. Ligue novamente no horário de atendimento."
    ),
    "sem-atendentes": (
        "Todos os nossos atendentes continuam ocupados. Por favor, ligue novamente mais tarde."
    ),
    "obrigado": "Obrigado por ligar para a Central 156.",
}
