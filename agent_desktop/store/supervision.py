"""The supervisors' data: reports for the statistics views, today's queue figures for the
wallboard, and the periodic import of the local ``queue_log``.

Thread-safety: safe from any thread (the views call it from background jobs): it holds the
thread-safe ``Database`` and immutable options; each method opens its own transaction and returns
immutable values. The report logic lives in ``citizen_center.services.reports``; this only picks
the report and shapes the result.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agent_desktop.telephony.queue_board import TodayCounts
from citizen_center.db import Database
from citizen_center.services import report_export, reports
from citizen_center.services.queue_log import ImportResult, import_queue_log
from citizen_center.services.report_export import ReportTable
from citizen_center.services.reports import (
    CallDimension,
    CallStats,
    Period,
    ReportOptions,
    SatisfactionDimension,
)

log = logging.getLogger(__name__)


class ReportKind(enum.Enum):
    """Every report the statistics view offers; the value is the pt-BR title (also the CSV's
    and the PDF's)."""

    CALLS_BY_QUEUE = "Chamadas por fila"
    CALLS_BY_AGENT = "Chamadas por atendente"
    CALLS_BY_HOUR = "Chamadas por hora do dia"
    CALLS_BY_DAY = "Chamadas por dia"
    CALLS_BY_MONTH = "Chamadas por mês"
    PAUSES = "Pausas por atendente e motivo"
    SATISFACTION_BY_MONTH = "Satisfação por mês"
    SATISFACTION_BY_AGENT = "Satisfação por atendente"
    SATISFACTION_BY_SERVICE = "Satisfação por serviço"
    SATISFACTION_BY_CHANNEL = "Satisfação por canal e mês"
    CHANNELS_BY_MONTH = "Canais das solicitações por mês"
    LATE_BY_SECRETARIAT = "Solicitações em atraso por secretaria"
    LATE_BY_SERVICE = "Solicitações em atraso por secretaria e serviço"
    REOPENED = "Reaberturas por secretaria"

    @property
    def key_heading(self) -> str:
        return _KEY_HEADINGS.get(self, "")


_KEY_HEADINGS = {
    ReportKind.CALLS_BY_QUEUE: "Fila",
    ReportKind.CALLS_BY_AGENT: "Atendente",
    ReportKind.CALLS_BY_HOUR: "Hora",
    ReportKind.CALLS_BY_DAY: "Dia",
    ReportKind.CALLS_BY_MONTH: "Mês",
    ReportKind.SATISFACTION_BY_MONTH: "Mês",
    ReportKind.SATISFACTION_BY_AGENT: "Atendente",
    ReportKind.SATISFACTION_BY_SERVICE: "Serviço",
}
Query = Callable[[Session, Period, ReportOptions], list[Any]]


def _calls(by: CallDimension) -> Query:
    return lambda session, period, options: reports.call_stats(session, period, by, options)


def _satisfaction(by: SatisfactionDimension) -> Query:
    return lambda session, period, options: reports.satisfaction(session, period, by, options)


# Late requests are a picture of now, whatever the period.
_QUERIES: dict[ReportKind, Query] = {
    ReportKind.CALLS_BY_QUEUE: _calls(CallDimension.QUEUE),
    ReportKind.CALLS_BY_AGENT: _calls(CallDimension.AGENT),
    ReportKind.CALLS_BY_HOUR: _calls(CallDimension.HOUR),
    ReportKind.CALLS_BY_DAY: _calls(CallDimension.DAY),
    ReportKind.CALLS_BY_MONTH: _calls(CallDimension.MONTH),
    ReportKind.PAUSES: lambda session, period, _o: reports.pause_stats(session, period),
    ReportKind.SATISFACTION_BY_MONTH: _satisfaction(SatisfactionDimension.MONTH),
    ReportKind.SATISFACTION_BY_AGENT: _satisfaction(SatisfactionDimension.AGENT),
    ReportKind.SATISFACTION_BY_SERVICE: _satisfaction(SatisfactionDimension.SERVICE),
    ReportKind.SATISFACTION_BY_CHANNEL: lambda s, period, options: reports.satisfaction_by_channel(
        s, period, options
    ),
    ReportKind.CHANNELS_BY_MONTH: lambda s, period, options: reports.channel_mix(
        s, period, options
    ),
    ReportKind.LATE_BY_SECRETARIAT: lambda s, _p, _o: reports.late_requests(s, by_service=False),
    ReportKind.LATE_BY_SERVICE: lambda s, _p, _o: reports.late_requests(s, by_service=True),
    ReportKind.REOPENED: lambda s, period, _o: reports.reopened_by_secretariat(s, period),
}


@dataclass(frozen=True)
class ReportResult:
    kind: ReportKind
    period: Period
    items: tuple[Any, ...]  # the report's dataclasses (charts read them)
    table: ReportTable  # the same, as the export's table


@dataclass(frozen=True)
class TodaySnapshot:
    """Today's figures per queue from the database, complete up to ``cutoff`` (epoch)."""

    counts: Mapping[str, TodayCounts]
    cutoff: float
    imported: ImportResult | None


class SupervisorStore:
    """See the module docstring."""

    def __init__(
        self,
        database: Database,
        options: ReportOptions,
        queue_log: Path | None = None,
        levels: tuple[int, ...] = (30,),
    ) -> None:
        self.database = database
        self.options = options
        self.queue_log = queue_log
        self.levels = levels  # the wallboard's service-level thresholds, seconds

    @property
    def tz(self) -> str:
        return self.options.timezone

    def period(self, first: date, last: date) -> Period:
        return Period.days(first, last, self.tz)

    def report(self, kind: ReportKind, period: Period) -> ReportResult:
        began = time.perf_counter()
        with self.database.transaction() as session:
            items = tuple(_QUERIES[kind](session, period, self.options))
        log.info(
            "report %s rows=%d ms=%.0f", kind.name, len(items), (time.perf_counter() - began) * 1000
        )
        return ReportResult(
            kind, period, items, ReportTable.of(kind.value, items, kind.key_heading)
        )

    def export_csv(self, result: ReportResult, path: Path) -> Path:
        report_export.write_csv(result.table, path)
        return path

    def export_pdf(self, period: Period, path: Path, now: datetime | None = None) -> Path:
        """The printable summary of the period (every standard table)."""
        with self.database.transaction() as session:
            tables = report_export.summary_tables(session, period, self.options, now)
        return report_export.write_pdf_summary(
            path,
            tables,
            title="Central 156 - Relatório de atendimento",
            subtitle=f"Período: {period.describe(self.tz)}",
            tz=self.tz,
        )

    # ---------------------------------------------------------------- the wallboard

    def import_queue_log(self) -> ImportResult | None:
        """Read what Asterisk appended to the local queue_log (nothing when there is none)."""
        if self.queue_log is None or not self.queue_log.is_file():
            return None
        return import_queue_log(self.database, self.queue_log)

    def today(self, now: float | None = None) -> TodaySnapshot:
        """Import the queue_log, then today's figures per queue. The cut-off is taken before the
        import: whatever Asterisk logs later is counted live by the board."""
        cutoff = time.time() if now is None else now
        imported = self.import_queue_log()
        day = datetime.fromtimestamp(cutoff, ZoneInfo(self.tz)).date()
        period = Period.days(day, day, self.tz)
        with self.database.transaction() as session:
            per_level = [
                {
                    row.key: row
                    for row in reports.call_stats(
                        session,
                        period,
                        CallDimension.QUEUE,
                        replace(self.options, service_level_seconds=seconds),
                    )
                }
                for seconds in self.levels
            ]
        return TodaySnapshot(_today_counts(per_level), cutoff, imported)


def _today_counts(per_level: list[dict[str, CallStats]]) -> dict[str, TodayCounts]:
    """``call_stats`` rows (one query per service-level threshold) as the board's counters."""
    first = per_level[0] if per_level else {}
    return {
        queue: TodayCounts(
            answered=row.answered,
            abandoned=row.abandoned + row.short_abandoned,
            short_abandoned=row.short_abandoned,
            other_exits=row.other_exits,
            within=tuple(level[queue].answered_within for level in per_level),
            wait_sum=(row.asa_seconds or 0.0) * row.answered,
        )
        for queue, row in first.items()
    }
