"""Qt item models over the store's immutable values (one generic table model, columns declared).

Thread-safety: GUI thread only, like every Qt model; ``set_rows`` replaces the whole content
with values a background job produced.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from agent_desktop.store.dto import ServiceOption
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel
from citizen_center.services.citizens import CallSummary, RequestSummary
from citizen_center.services.request_search import RequestMatch

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex
LOCAL_TZ = ZoneInfo("America/Sao_Paulo")
LATE_BACKGROUND = QColor("#fde2e1")
LATE_FOREGROUND = QColor("#9b1c1c")


def tr(text: str) -> str:
    return QCoreApplication.translate("Models", text)


def local_date(moment: datetime | None, with_time: bool = False) -> str:
    if moment is None:
        return ""
    fmt = "%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y"
    return moment.astimezone(LOCAL_TZ).strftime(fmt)


def fold(text: str) -> str:
    """Lower case without accents: "iluminação" matches "iluminacao" as agents type it."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Column(Generic[Row]):
    title: str  # untranslated; translated when shown
    value: Callable[[Row], str]


class TableModel(QAbstractTableModel, Generic[Row]):
    """Rows of immutable values; columns are (title, getter). ``highlight`` marks rows (late)."""

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        highlight: Callable[[Row], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.highlight = highlight
        self.rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, index: Index) -> Row | None:
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[index.column()].value(row)
        marked = self.highlight is not None and self.highlight(row)
        if role == Qt.ItemDataRole.BackgroundRole and marked:
            return QBrush(LATE_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and marked:
            return QBrush(LATE_FOREGROUND)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.columns[section].title)
        return None


def _late_text(late: bool) -> str:
    return tr("LATE") if late else ""


# Where a request came from, as the agent reads it (the names of the channel-mix chart): a
# request filed on the web or the app shows up in a caller's history like a phone one, labelled.
CHANNEL_TITLES = {
    Channel.PHONE: "Telephone",
    Channel.WEB: "Web",
    Channel.APP: "App",
    Channel.WHATSAPP: "WhatsApp",
    Channel.EMAIL: "E-mail",
    Channel.IN_PERSON: "In person",
}


def request_history_model(parent: QObject | None = None) -> TableModel[RequestSummary]:
    return TableModel(
        [
            Column("Protocol", lambda r: format_protocol_number(r.number)),
            Column("Channel", lambda r: tr(CHANNEL_TITLES[r.channel])),
            Column("Service", lambda r: r.service_name),
            Column("Status", lambda r: r.status.label_pt),
            Column("Opened", lambda r: local_date(r.created_at)),
            Column("Deadline", lambda r: local_date(r.expected_at)),
            Column("Late", lambda r: _late_text(r.late)),
        ],
        highlight=lambda r: r.late,
        parent=parent,
    )


def call_history_model(parent: QObject | None = None) -> TableModel[CallSummary]:
    return TableModel(
        [
            Column("When", lambda c: local_date(c.started_at, with_time=True)),
            Column("Queue", lambda c: c.queue),
            Column("Wrap-up", lambda c: c.wrapup_code),
            Column("Outcome", lambda c: c.outcome),
            Column("Survey", lambda c: "" if c.survey_score is None else f"{c.survey_score}/5"),
        ],
        parent=parent,
    )


def request_match_model(parent: QObject | None = None) -> TableModel[RequestMatch]:
    return TableModel(
        [
            Column("Protocol", lambda r: format_protocol_number(r.number)),
            Column("Citizen", lambda r: r.citizen_name),
            Column("Service", lambda r: r.service_name),
            Column("Address", lambda r: r.address),
            Column("Status", lambda r: r.status.label_pt),
            Column("Deadline", lambda r: local_date(r.expected_at)),
            Column("Secretariat", lambda r: r.secretariat_code),
        ],
        highlight=lambda r: r.late,
        parent=parent,
    )


def service_model(parent: QObject | None = None) -> TableModel[ServiceOption]:
    return TableModel(
        [
            Column("Service", lambda s: s.name),
            Column("Group", lambda s: s.group),
            Column("Secretariat", lambda s: s.secretariat_code),
            Column("Deadline", lambda s: s.deadline_text),
        ],
        parent=parent,
    )


class ServiceFilter(QSortFilterProxyModel):
    """Type-ahead over the catalogue: every typed word must appear in the service's name, group
    or keywords (accents and case ignored), so "buraco rua" finds road repair."""

    def __init__(self, source: TableModel[ServiceOption], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self._source = source
        self._words: list[str] = []
        self._folded: dict[str, str] = {}

    def set_query(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9 deprecates invalidateFilter()
            self.beginFilterChange()
            self._words = fold(text).split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = fold(text).split()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        option = self._source.rows[source_row]
        haystack = self._folded.get(option.code)
        if haystack is None:
            haystack = self._folded[option.code] = fold(option.search_text)
        return all(word in haystack for word in self._words)

    def option_at(self, row: int) -> ServiceOption | None:
        source = self.mapToSource(self.index(row, 0))
        return self._source.row_at(source)
