#!/usr/bin/env python3
"""Build ``citizen_center/data/catalogue.json`` from the reference facts in ``../shared/data``.

Run by a developer when the reference data changes; the product only reads the versioned JSON it
writes (``central156 db seed`` loads it). Bump ``CATALOGUE_VERSION`` with every change.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

CATALOGUE_VERSION = "2026.11.1"

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data"
TARGET = ROOT / "citizen_center" / "data" / "catalogue.json"

# Agent queues by service group, and the key that picks each in the IVR's key menu.
# Key 2 is DMAE's, as on the city's existing 156 menu.
QUEUES = [
    {
        "code": "servicos-urbanos",
        "name": "Iluminação, vias e árvores",
        "dtmf": "1",
        "groups": ["Iluminação pública", "Vias e calçadas", "Árvores", "Praças e parques"],
    },
    {"code": "agua-esgoto", "name": "Água e esgoto", "dtmf": "2", "groups": ["Água e esgoto"]},
    {"code": "limpeza-urbana", "name": "Limpeza urbana", "dtmf": "3", "groups": ["Limpeza urbana"]},
    {
        "code": "transito-transporte",
        "name": "Trânsito e transporte",
        "dtmf": "4",
        "groups": ["Trânsito e transporte"],
    },
    {
        "code": "geral",
        "name": "Outros assuntos",
        "dtmf": "9",
        "groups": ["Fiscalização", "Saúde", "Animais", "Tributos", "Ouvidoria"],
    },
]

# Extra pt-BR words callers use, beyond the reference keywords (see shared/docs/glossary.md).
EXTRA_KEYWORDS = {
    "ILUM-APAGADA": ["poste sem luz", "luz do poste", "lâmpada queimada"],
    "VIA-BURACO": ["buraco na rua", "buraco enorme", "rua com buraco"],
    "AGUA-VAZAMENTO": ["vazando água", "cano furado"],
    "LIXO-COLETA": ["não passou o lixo", "lixo não foi recolhido"],
    "SEMAFORO": ["sinaleira apagada", "sinaleira estragada"],
}

# Services a citizen may ask for without identifying themselves (complaints, information,
# and reports about public spaces where the reporter's identity does not matter).
ANONYMOUS_ALLOWED = {
    "OUVIDORIA",
    "IPTU-INFO",
    "DESCARTE-IRREG",
    "TERRENO-BALDIO",
    "DENGUE",
    "ESTAC-IRREG",
    "AMBULANTE",
    "ILUM-APAGADA",
    "VIA-BURACO",
    "SEMAFORO",
}


def read_csv(name: str) -> list[dict[str, str]]:
    with (SOURCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build() -> dict[str, object]:
    secretariats = [
        {
            "code": row["code"],
            "name": row["name_pt"],
            "notes": row["notes"],
            "focal_points": [
                {
                    "name": f"Ponto focal {row['code']}",
                    "email": f"pontofocal.{row['code'].lower()}@portoalegre.rs.gov.br",
                    "phone": "",
                    "primary": True,
                }
            ],
        }
        for row in read_csv("poa-secretariats.csv")
    ]
    queue_of_group = {group: q["code"] for q in QUEUES for group in q["groups"]}
    services = []
    for row in read_csv("poa-services.csv"):
        if row["group_pt"] not in queue_of_group:
            sys.exit(f"service group {row['group_pt']!r} has no queue in QUEUES")
        keywords = [k.strip() for k in row["keywords_pt"].split("|") if k.strip()]
        keywords += [k for k in EXTRA_KEYWORDS.get(row["code"], []) if k not in keywords]
        services.append(
            {
                "code": row["code"],
                "name": row["name_pt"],
                "group": row["group_pt"],
                "queue": queue_of_group[row["group_pt"]],
                "description": row["name_pt"],
                "keywords": keywords,
                "secretariat": row["secretariat"],
                # Empty means "none published": the configurable default applies.
                "deadline_days": int(row["deadline_days"]) if row["deadline_days"] else None,
                "deadline_kind": row["deadline_kind"] or None,
                "requires_address": row["requires_address"] == "yes",
                "allows_anonymous": row["code"] in ANONYMOUS_ALLOWED,
                "source_note": row["source_note"],
            }
        )
    return {
        "version": CATALOGUE_VERSION,
        "queues": QUEUES,
        "secretariats": secretariats,
        "service_types": services,
    }


if __name__ == "__main__":
    TARGET.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
