"""Reports as tables: CSV files, plain-text tables for the terminal, and a printable PDF summary.

Any list of the report dataclasses becomes a ``ReportTable``; the desktop can show the same
table, and the PDF is made here with fpdf2 (pure Python), so a summary can be printed from a
scheduled job with no screen.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from citizen_center.services import reports
from citizen_center.services.reports import (
    CallDimension,
    Period,
    ReportOptions,
    SatisfactionDimension,
)

# Column headings as supervisors read them (pt-BR); CSV keeps the field names for machines.
HEADINGS = {
    "key": "",
    "offered": "Ofertadas",
    "answered": "Atendidas",
    "abandoned": "Abandonadas",
    "short_abandoned": "Aband. curtos",
    "other_exits": "Outras saídas",
    "answered_within": "Atend. no prazo",
    "service_level": "NS",
    "meets_target": "Meta",
    "abandon_rate": "Tx. abandono",
    "asa_seconds": "TME (s)",
    "aht_seconds": "TMA (s)",
    "responses": "Respostas",
    "average": "Média",
    "satisfied_share": "Satisfeitos",
    "month": "Mês",
    "channel": "Canal",
    "total": "Total",
    "phone": "Telefone",
    "app": "Aplicativo",
    "whatsapp": "WhatsApp",
    "web": "Web",
    "email": "E-mail",
    "in_person": "Presencial",
    "secretariat": "Secretaria",
    "service": "Serviço",
    "pending": "Pendentes",
    "late": "Atrasadas",
    "late_share": "% atraso",
    "oldest_due": "Prazo mais antigo",
    "requests": "Solicitações",
    "resolved": "Resolvidas",
    "duplicates": "Duplicadas",
    "reopened": "Reabertas",
    "reopenings": "Reaberturas",
    "reopen_rate": "Tx. reabertura",
    "agent": "Atendente",
    "reason": "Motivo",
    "pauses": "Pausas",
    "seconds": "Segundos",
    **{f"score_{n}": f"Nota {n}" for n in range(1, 6)},
}
SHARE_FIELDS = frozenset(
    {"service_level", "abandon_rate", "satisfied_share", "late_share", "reopen_rate"}
)

if TYPE_CHECKING:
    from fpdf import FPDF


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: tuple[str, ...]  # field names
    rows: tuple[tuple[Any, ...], ...]
    key_heading: str = ""

    @classmethod
    def of(cls, title: str, items: Sequence[Any], key_heading: str = "") -> ReportTable:
        """A table from a list of report dataclasses (all of one type)."""
        if not items:
            return cls(title, (), (), key_heading)
        columns = tuple(f.name for f in dataclasses.fields(items[0]))
        rows = tuple(tuple(getattr(item, c) for c in columns) for item in items)
        return cls(title, columns, rows, key_heading)

    def headings(self) -> list[str]:
        return [self.key_heading if c == "key" else HEADINGS.get(c, c) for c in self.columns]

    def formatted_rows(self, tz: str = "America/Sao_Paulo") -> list[list[str]]:
        return [
            [_format(c, v, tz) for c, v in zip(self.columns, row, strict=True)] for row in self.rows
        ]


def _format(column: str, value: Any, tz: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "sim" if value else "não"
    if column in SHARE_FIELDS:
        return f"{100 * value:.1f} %"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, datetime):
        return f"{value.astimezone(ZoneInfo(tz)):%d/%m/%Y}"
    if isinstance(value, enum.Enum):
        # Statuses and channels have their pt-BR label; other codes are shown as they are.
        return str(getattr(value, "label_pt", value.value))
    return str(value)


def write_csv(table: ReportTable, target: Path | TextIO) -> None:
    """The table as CSV: field names as the header, raw values (shares as 0..1, ISO datetimes)."""
    if isinstance(target, Path):
        with target.open("w", newline="", encoding="utf-8") as handle:
            write_csv(table, handle)
        return
    writer = csv.writer(target)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            [v.isoformat() if isinstance(v, datetime) else ("" if v is None else v) for v in row]
        )


def format_text(table: ReportTable, tz: str = "America/Sao_Paulo") -> str:
    """The table aligned for a terminal."""
    if not table.columns:
        return f"{table.title}\n  (sem dados)"
    cells = [table.headings(), *table.formatted_rows(tz)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
    lines = [table.title]
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- the standard summary -----------------------------------------------------------------------


def summary_tables(
    session: Session, period: Period, options: ReportOptions, now: datetime | None = None
) -> list[ReportTable]:
    """The tables of the monthly summary the city receives."""
    calls = reports.call_stats
    sat = reports.satisfaction
    return [
        ReportTable.of(
            "Chamadas por fila", calls(session, period, CallDimension.QUEUE, options), "Fila"
        ),
        ReportTable.of(
            "Chamadas por mês", calls(session, period, CallDimension.MONTH, options), "Mês"
        ),
        ReportTable.of(
            "Chamadas por hora do dia", calls(session, period, CallDimension.HOUR, options), "Hora"
        ),
        ReportTable.of(
            "Chamadas por atendente",
            calls(session, period, CallDimension.AGENT, options),
            "Atendente",
        ),
        ReportTable.of(
            "Satisfação por mês", sat(session, period, SatisfactionDimension.MONTH, options), "Mês"
        ),
        ReportTable.of(
            "Satisfação por serviço",
            sat(session, period, SatisfactionDimension.SERVICE, options),
            "Serviço",
        ),
        ReportTable.of(
            "Canais das solicitações por mês", reports.channel_mix(session, period, options)
        ),
        ReportTable.of(
            "Satisfação por canal e mês", reports.satisfaction_by_channel(session, period, options)
        ),
        ReportTable.of(
            "Solicitações em atraso por secretaria",
            reports.late_requests(session, now, by_service=False),
        ),
        ReportTable.of(
            "Reaberturas por secretaria", reports.reopened_by_secretariat(session, period)
        ),
    ]


def _summary_pdf(title: str) -> FPDF:
    # Imported here: fpdf2 costs over half a second to import, and every desktop would pay it at
    # start-up for a PDF most never print.
    from fpdf import FPDF

    class SummaryPdf(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("Helvetica", size=7)
            self.cell(0, 5, _latin1(f"{title} - página {self.page_no()}"), align="R")

    pdf = SummaryPdf(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    return pdf


def write_pdf_summary(
    path: Path,
    tables: Sequence[ReportTable],
    *,
    title: str,
    subtitle: str = "",
    tz: str = "America/Sao_Paulo",
) -> Path:
    """A printable A4 summary: a title, then each table (long tables continue on new pages)."""
    pdf = _summary_pdf(title)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 5, _latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        _pdf_table(pdf, table, tz)
    pdf.output(str(path))
    return path


def _pdf_table(pdf: FPDF, table: ReportTable, tz: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 6, _latin1(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=7)
    if not table.columns:
        pdf.cell(0, 4, "(sem dados)", new_x="LMARGIN", new_y="NEXT")
        return
    # The first column (names) gets the room it needs; the numbers share the rest.
    with pdf.table(
        line_height=4,
        text_align=("LEFT", *("RIGHT",) * (len(table.columns) - 1)),
        col_widths=(3, *(1,) * (len(table.columns) - 1)),
        first_row_as_headings=True,
    ) as grid:
        for cells in [table.headings(), *table.formatted_rows(tz)]:
            row = grid.row()
            for cell in cells:
                row.cell(_latin1(cell))


def _latin1(text: str) -> str:
    # The PDF's built-in Helvetica covers Latin-1 (every Portuguese letter), not dashes or quotes.
    return text.replace("—", "-").replace("–", "-").encode("latin-1", "replace").decode("latin-1")
