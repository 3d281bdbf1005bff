"""The statistics view: pick a report and a period, see it as a chart and a table, export it to
CSV or the printable PDF summary. Reports run as background jobs (``SupervisorStore``)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChartView
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.jobs import JobRunner
from agent_desktop.qtmodels import Column, Index, TableModel
from agent_desktop.store.supervision import ReportKind, ReportResult, SupervisorStore
from agent_desktop.views.common import error_text, show_message
from agent_desktop.widgets.report_charts import chart_for, has_chart

Cells = list[str]


class PeriodPreset(enum.Enum):
    """The period choices; the value is how many days before today the period begins."""

    TODAY = 0
    LAST_7_DAYS = 6
    LAST_30_DAYS = 29
    LAST_12_MONTHS = 364
    CUSTOM = -1


class StatisticsView(QWidget):
    """GUI thread only."""

    reportShown = Signal(object)  # ReportResult
    exported = Signal(str)  # path

    def __init__(
        self,
        store: SupervisorStore,
        jobs: JobRunner,
        target_percent: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statistics")
        self.store = store
        self.jobs = jobs
        self.target_percent = target_percent
        self.result: ReportResult | None = None
        self.reports = QListWidget(self)
        self.reports.setObjectName("reportList")
        for kind, label in self._labels().items():
            self.reports.addItem(label)
            self.reports.item(self.reports.count() - 1).setData(Qt.ItemDataRole.UserRole, kind)
        self.reports.setMaximumWidth(260)
        self.reports.currentRowChanged.connect(lambda _row: self.load())
        self._build_period()
        self.chart = QChartView(self)
        self.chart.setObjectName("reportChart")
        self.chart.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart.setMinimumHeight(230)
        self.model = ReportModel([], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("reportTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.message = QLabel(self)
        self.message.setObjectName("statisticsMessage")
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(self.chart)
        body.addWidget(self.table)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        right = QVBoxLayout()
        right.addLayout(self.period_row)
        right.addWidget(body, 1)
        right.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.reports)
        layout.addLayout(right, 1)
        for key, action in (
            ("Ctrl+E", self.export_csv.click),
            ("Ctrl+Shift+P", self.export_pdf.click),
            ("Ctrl+Return", self.load),
        ):
            QShortcut(QKeySequence(key), self, action)

    def _labels(self) -> dict[ReportKind, str]:
        return {
            ReportKind.CALLS_BY_QUEUE: self.tr("Calls by queue"),
            ReportKind.CALLS_BY_AGENT: self.tr("Calls by agent"),
            ReportKind.CALLS_BY_HOUR: self.tr("Calls by hour of the day"),
            ReportKind.CALLS_BY_DAY: self.tr("Calls by day"),
            ReportKind.CALLS_BY_MONTH: self.tr("Calls by month"),
            ReportKind.PAUSES: self.tr("Pauses by agent and reason"),
            ReportKind.SATISFACTION_BY_MONTH: self.tr("Satisfaction by month"),
            ReportKind.SATISFACTION_BY_AGENT: self.tr("Satisfaction by agent"),
            ReportKind.SATISFACTION_BY_SERVICE: self.tr("Satisfaction by service"),
            ReportKind.SATISFACTION_BY_CHANNEL: self.tr("Satisfaction by channel and month"),
            ReportKind.CHANNELS_BY_MONTH: self.tr("Channels by month"),
            ReportKind.LATE_BY_SECRETARIAT: self.tr("Late requests by secretariat"),
            ReportKind.LATE_BY_SERVICE: self.tr("Late requests by secretariat and service"),
            ReportKind.REOPENED: self.tr("Reopened by secretariat"),
        }

    def _build_period(self) -> None:
        self.preset = QComboBox(self)
        self.preset.setObjectName("periodPreset")
        for preset, label in (
            (PeriodPreset.TODAY, self.tr("Today")),
            (PeriodPreset.LAST_7_DAYS, self.tr("Last 7 days")),
            (PeriodPreset.LAST_30_DAYS, self.tr("Last 30 days")),
            (PeriodPreset.LAST_12_MONTHS, self.tr("Last 12 months")),
            (PeriodPreset.CUSTOM, self.tr("Custom")),
        ):
            self.preset.addItem(label, preset)
        self.first = QDateEdit(self)
        self.first.setObjectName("periodFirst")
        self.last = QDateEdit(self)
        self.last.setObjectName("periodLast")
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.refresh = QPushButton(self.tr("Show (Ctrl+Enter)"), self)
        self.refresh.setObjectName("reportRefresh")
        self.refresh.clicked.connect(self.load)
        self.export_csv = QPushButton(self.tr("Export CSV (Ctrl+E)"), self)
        self.export_csv.setObjectName("exportCsv")
        self.export_csv.clicked.connect(self._export_csv)
        self.export_pdf = QPushButton(self.tr("PDF summary (Ctrl+Shift+P)"), self)
        self.export_pdf.setObjectName("exportPdf")
        self.export_pdf.clicked.connect(self._export_pdf)
        self.preset.currentIndexChanged.connect(self._apply_preset)
        self.period_row = QHBoxLayout()
        for widget in (
            QLabel(self.tr("Period:"), self),
            self.preset,
            self.first,
            QLabel(self.tr("to"), self),
            self.last,
            self.refresh,
        ):
            self.period_row.addWidget(widget)
        self.period_row.addStretch(1)
        self.period_row.addWidget(self.export_csv)
        self.period_row.addWidget(self.export_pdf)
        self.choose_preset(PeriodPreset.LAST_30_DAYS)
        self._apply_preset()

    def choose_preset(self, preset: PeriodPreset) -> None:
        for row in range(self.preset.count()):
            if self.preset.itemData(row) is preset:
                self.preset.setCurrentIndex(row)
                return

    def current_preset(self) -> PeriodPreset:
        preset = self.preset.currentData()
        return preset if isinstance(preset, PeriodPreset) else PeriodPreset.CUSTOM

    def _apply_preset(self) -> None:
        preset = self.current_preset()
        custom = preset is PeriodPreset.CUSTOM
        self.first.setEnabled(custom)
        self.last.setEnabled(custom)
        if not custom:
            today = date.today()
            self.set_period(today - timedelta(days=preset.value), today)

    def set_period(self, first: date, last: date) -> None:
        self.first.setDate(QDate(first.year, first.month, first.day))
        self.last.setDate(QDate(last.year, last.month, last.day))

    def period_dates(self) -> tuple[date, date]:
        first, last = self.first.date(), self.last.date()
        return (
            date(first.year(), first.month(), first.day()),
            date(last.year(), last.month(), last.day()),
        )

    def choose(self, kind: ReportKind) -> None:
        for row in range(self.reports.count()):
            if self.reports.item(row).data(Qt.ItemDataRole.UserRole) is kind:
                self.reports.setCurrentRow(row)
                return

    def current_kind(self) -> ReportKind | None:
        item = self.reports.currentItem()
        kind = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return kind if isinstance(kind, ReportKind) else None

    # ---------------------------------------------------------------- loading

    def load(self) -> None:
        kind = self.current_kind()
        first, last = self.period_dates()
        if kind is None:
            return
        if last < first:
            show_message(self.message, self.tr("The period ends before it begins."))
            return
        show_message(self.message, self.tr("Computing..."), ok=True)
        period = self.store.period(first, last)
        self.jobs.run(
            lambda: self.store.report(kind, period),
            self._show,
            lambda exc: show_message(self.message, error_text(exc)),
        )

    def _show(self, result: ReportResult) -> None:
        if result.kind is not self.current_kind():
            return  # the supervisor moved on meanwhile
        self.result = result
        table = result.table
        self.model.columns = [
            Column(h or self.tr("Key"), _cell(i)) for i, h in enumerate(table.headings())
        ]
        self.model.set_rows(table.formatted_rows(self.store.tz))
        chart = chart_for(result, self.target_percent)
        self.chart.setVisible(has_chart(result.kind))
        if chart is not None:
            old = self.chart.chart()
            self.chart.setChart(chart)
            old.deleteLater()
        text = self.tr("%1 — %2: %n row(s).", "", len(result.items))
        show_message(
            self.message,
            text.replace("%1", result.kind.value).replace(
                "%2", result.period.describe(self.store.tz)
            ),
            ok=True,
        )
        self.reportShown.emit(result)

    # ---------------------------------------------------------------- export

    def _ask_path(self, suggestion: str, filter_text: str) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export"), str(Path.home() / suggestion), filter_text
        )
        return Path(name) if name else None

    def _export_csv(self) -> None:
        result = self.result
        if result is None:
            show_message(self.message, self.tr("Show a report first."))
            return
        path = self._ask_path(f"{result.kind.name.lower()}.csv", "CSV (*.csv)")
        if path is not None:
            self.jobs.run(
                lambda: self.store.export_csv(result, path),
                self._exported,
                lambda exc: show_message(self.message, error_text(exc)),
            )

    def _export_pdf(self) -> None:
        first, last = self.period_dates()
        path = self._ask_path(f"central156-{first:%Y%m%d}-{last:%Y%m%d}.pdf", "PDF (*.pdf)")
        if path is not None:
            period = self.store.period(first, last)
            self.jobs.run(
                lambda: self.store.export_pdf(period, path),
                self._exported,
                lambda exc: show_message(self.message, error_text(exc)),
            )

    def _exported(self, path: Path) -> None:
        show_message(self.message, self.tr("Saved to %1").replace("%1", str(path)), ok=True)
        self.exported.emit(str(path))


class ReportModel(TableModel[Cells]):
    """Report rows as formatted text; figures right-aligned like a spreadsheet."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


def _cell(index: int) -> Callable[[Cells], str]:
    return lambda row: row[index]
