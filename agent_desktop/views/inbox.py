"""The focal point's inbox: the secretariat's requests by deadline (late ones in red), the
selected request's history, and what the focal point does with it — acknowledge (in progress),
resolve with the note the citizen will hear or read, forward to another secretariat with a
reason, mark as the duplicate of another protocol (asked in ``DuplicateDialog``; undone at once
with the button that appears). Refusals (another secretariat's request, an empty note, another
service's protocol...) show the backend's pt-BR message."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.jobs import JobRunner
from agent_desktop.qtmodels import Column, TableModel, local_date, tr
from agent_desktop.store.dto import RequestEventView
from agent_desktop.store.inbox_store import InboxStore, SecretariatOption
from agent_desktop.views.common import error_text, show_message
from agent_desktop.views.duplicate_dialog import DuplicateDialog
from agent_desktop.widgets.tables import row_table
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Status
from citizen_center.services.inbox import InboxItem

REFRESH_MS = 60_000


def _late_text(item: InboxItem) -> str:
    if not item.late:
        return ""
    return tr("LATE") + (f" ({item.days_late} d)" if item.days_late else "")


def inbox_model(parent: QWidget | None = None) -> TableModel[InboxItem]:
    return TableModel(
        [
            Column("Protocol", lambda i: format_protocol_number(i.number)),
            Column("Service", lambda i: i.service),
            Column("Status", lambda i: i.status.label_pt),
            Column("Deadline", lambda i: local_date(i.expected_at)),
            Column("Late", _late_text),
            Column("Reopenings", lambda i: str(i.reopen_count) if i.reopen_count else ""),
            Column("Neighbourhood", lambda i: i.neighbourhood),
        ],
        highlight=lambda i: i.late,
        parent=parent,
    )


class InboxView(QWidget):
    """GUI thread only; every read and change is a background job."""

    changed = Signal(str)  # the protocol acted on
    loaded = Signal()

    def __init__(self, store: InboxStore, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inbox")
        self.store = store
        self.jobs = jobs
        self.model = inbox_model(self)
        self.table = row_table(self.model, "inboxTable", self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        self.summary = QLabel(self)
        self.summary.setObjectName("inboxSummary")
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("inboxDetail")
        self.history = TableModel[RequestEventView](
            [
                Column("When", lambda e: local_date(e.at, with_time=True)),
                Column("Status", lambda e: e.status.label_pt),
                Column("By", lambda e: e.actor),
                Column("Note", lambda e: e.note),
            ],
            parent=self,
        )
        self.history_table = QTableView(self)
        self.history_table.setObjectName("inboxHistory")
        self.history_table.setModel(self.history)
        self.history_table.verticalHeader().hide()
        self.history_table.horizontalHeader().setStretchLastSection(True)
        self.message = QLabel(self)
        self.message.setObjectName("inboxMessage")
        self.message.setWordWrap(True)
        self._build_actions()
        self._lay_out()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.reload)
        self._timer.start(REFRESH_MS)
        QShortcut(QKeySequence("F5"), self, self.reload)
        self._selected()

    def _build_actions(self) -> None:
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("inboxNote")
        self.note.setPlaceholderText(
            self.tr("What was done — the citizen will hear or read this note")
        )
        self.note.setMaximumHeight(70)
        self.acknowledge = QPushButton(self.tr("Acknowledge: in progress (Ctrl+K)"), self)
        self.acknowledge.setObjectName("inboxAcknowledge")
        self.resolve = QPushButton(self.tr("Resolve (Ctrl+Enter)"), self)
        self.resolve.setObjectName("inboxResolve")
        self.destination = QComboBox(self)
        self.destination.setObjectName("inboxDestination")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("inboxReason")
        self.reason.setPlaceholderText(self.tr("Why it belongs to that secretariat"))
        self.forward = QPushButton(self.tr("Forward (Ctrl+Shift+F)"), self)
        self.forward.setObjectName("inboxForward")
        self.mark_duplicate = QPushButton(self.tr("Mark as duplicate… (Ctrl+D)"), self)
        self.mark_duplicate.setObjectName("inboxMarkDuplicate")
        # Shown after a mark, for the mistake noticed at once (the request leaves the inbox).
        self.undo_duplicate = QPushButton(self.tr("Undo"), self)
        self.undo_duplicate.setObjectName("inboxUndoDuplicate")
        self.undo_duplicate.hide()
        self._marked = ""  # the protocol the undo button would unmark
        self.acknowledge.clicked.connect(self._acknowledge)
        self.resolve.clicked.connect(self._resolve)
        self.forward.clicked.connect(self._forward)
        self.mark_duplicate.clicked.connect(self._ask_parent)
        self.undo_duplicate.clicked.connect(self._undo_duplicate)
        for key, button in (
            ("Ctrl+K", self.acknowledge),
            ("Ctrl+Return", self.resolve),
            ("Ctrl+Shift+F", self.forward),
            ("Ctrl+D", self.mark_duplicate),
        ):
            QShortcut(QKeySequence(key), self, button.click)

    def _lay_out(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.table, 1)
        actions = QGroupBox(self.tr("What the secretariat did"), self)
        grid = QVBoxLayout(actions)
        grid.addWidget(self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.acknowledge)
        buttons.addWidget(self.resolve)
        buttons.addWidget(self.mark_duplicate)
        grid.addLayout(buttons)
        forward = QHBoxLayout()
        forward.addWidget(QLabel(self.tr("Not ours — forward to:"), self))
        forward.addWidget(self.destination)
        forward.addWidget(self.reason, 1)
        forward.addWidget(self.forward)
        grid.addLayout(forward)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 2)
        right_layout.addWidget(QLabel(self.tr("History"), self))
        right_layout.addWidget(self.history_table, 2)
        right_layout.addWidget(actions)
        outcome = QHBoxLayout()
        outcome.addWidget(self.message, 1)
        outcome.addWidget(self.undo_duplicate)
        right_layout.addLayout(outcome)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # ---------------------------------------------------------------- loading

    def start(self) -> None:
        self.jobs.run(self.store.secretariats, self._fill_destinations)
        self.reload()

    def _fill_destinations(self, options: tuple[SecretariatOption, ...]) -> None:
        self.destination.clear()
        for option in options:
            self.destination.addItem(f"{option.code} — {option.name}", option.code)

    def reload(self) -> None:
        self.jobs.run(self.store.items, self._show_items, self._failed)

    def _show_items(self, items: tuple[InboxItem, ...]) -> None:
        current = self.current()
        self.model.set_rows(items)
        late = sum(1 for i in items if i.late)
        self.summary.setText(
            self.tr("%n request(s) to work on", "", len(items))
            + (" — " + self.tr("%n late", "", late) if late else "")
        )
        if current is not None:
            self.select(current.number)
        self._selected()
        self.loaded.emit()

    def current(self) -> InboxItem | None:
        return self.model.row_at(self.table.currentIndex())

    def select(self, number: str) -> bool:
        for row, item in enumerate(self.model.rows):
            if item.number == number:
                self.table.selectRow(row)
                return True
        return False

    def _selected(self) -> None:
        item = self.current()
        for widget in (self.acknowledge, self.resolve, self.forward, self.mark_duplicate):
            widget.setEnabled(item is not None)
        self.acknowledge.setEnabled(item is not None and item.status is not Status.IN_PROGRESS)
        if item is None:
            self.detail.setHtml(self.tr("Choose a request on the left."))
            self.history.set_rows([])
            return
        self.detail.setHtml(_detail_html(item))
        self.jobs.run(lambda: self.store.history(item.number), self.history.set_rows, self._failed)

    # ---------------------------------------------------------------- actions

    def _act(
        self, work: Callable[[str], object], done_text: str, *, undoable: bool = False
    ) -> None:
        """Run ``work`` on the current request; ``done_text``'s %1 is its protocol, %2 the
        protocol ``work`` returned. ``undoable``: offer the undo button afterwards."""
        item = self.current()
        if item is None:
            return
        number = item.number

        def finished(result: object) -> None:
            text = done_text.replace("%1", format_protocol_number(number))
            if isinstance(result, str):  # the protocol a duplicate was linked to
                text = text.replace("%2", format_protocol_number(result))
            show_message(self.message, text, ok=True)
            self._offer_undo(number if undoable else "")
            self.note.clear()
            self.reason.clear()
            self.reload()
            self.changed.emit(number)

        self._offer_undo("")
        self.jobs.run(lambda: work(number), finished, self._failed)

    def _acknowledge(self) -> None:
        note = self.note.toPlainText()
        self._act(lambda n: self.store.acknowledge(n, note), self.tr("%1 is in progress."))

    def _resolve(self) -> None:
        note = self.note.toPlainText()
        self._act(
            lambda n: self.store.resolve(n, note), self.tr("%1 resolved; the citizen will be told.")
        )

    def _forward(self) -> None:
        code, reason = self.destination.currentData(), self.reason.text()
        self._act(
            lambda n: self.store.forward(n, str(code or ""), reason), self.tr("%1 forwarded.")
        )

    def _ask_parent(self) -> None:
        item = self.current()
        if item is None:
            return
        dialog = DuplicateDialog(item.number, self)
        dialog.accepted.connect(lambda: self._mark_duplicate(dialog.parent_text))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _mark_duplicate(self, parent: str) -> None:
        self._act(
            lambda n: self.store.mark_duplicate(n, parent),
            self.tr("%1 closed as a duplicate of %2; the citizen will be sent to follow it."),
            undoable=True,
        )

    def _undo_duplicate(self) -> None:
        number = self._marked
        if not number:
            return
        self._offer_undo("")

        def finished(_result: object) -> None:
            show_message(
                self.message,
                self.tr("%1 is not a duplicate any more: back in the inbox.").replace(
                    "%1", format_protocol_number(number)
                ),
                ok=True,
            )
            self.reload()
            self.changed.emit(number)

        self.jobs.run(lambda: self.store.unmark_duplicate(number), finished, self._failed)

    def _offer_undo(self, number: str) -> None:
        self._marked = number
        self.undo_duplicate.setVisible(bool(number))

    def _failed(self, exc: Exception) -> None:
        show_message(self.message, error_text(exc))


def _detail_html(item: InboxItem) -> str:
    where = ", ".join(p for p in (item.street, item.neighbourhood) if p)
    late = (
        f"<p style='color:#b42318;font-weight:600'>{html.escape(_late_text(item))}</p>"
        if item.late
        else ""
    )
    reopened = (
        f"<p style='color:#b54708'>{html.escape(tr('Reopenings'))}: {item.reopen_count}</p>"
        if item.reopen_count
        else ""
    )
    return (
        f"<h3>{format_protocol_number(item.number)} — {html.escape(item.service)}</h3>"
        f"{late}{reopened}<p><b>{html.escape(tr('Status'))}:</b> "
        f"{html.escape(item.status.label_pt)} · <b>{html.escape(tr('Deadline'))}:</b> "
        f"{local_date(item.expected_at)}</p><p><b>{html.escape(tr('Address'))}:</b> "
        f"{html.escape(where)}</p><p>{html.escape(item.description)}</p>"
    )
