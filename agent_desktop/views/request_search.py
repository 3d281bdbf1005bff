"""Find requests by protocol, phone, CPF, name or address; add a note; reopen with a reason;
mark one as the duplicate of another protocol (the citizen already has one for the same
problem), or undo that."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.qtmodels import local_date, request_match_model
from agent_desktop.store.dto import RequestDetail
from agent_desktop.views.common import DeskServices, error_text, show_message
from agent_desktop.views.duplicate_dialog import DuplicateDialog
from agent_desktop.widgets.tables import row_table
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import PENDING, Status
from citizen_center.services.request_search import RequestMatch


class RequestSearchView(QWidget):
    """GUI thread only; searches and changes run as background jobs."""

    def __init__(self, services: DeskServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.current: RequestDetail | None = None
        self.query = QLineEdit(self)
        self.query.setObjectName("requestQuery")
        self.query.setPlaceholderText(self.tr("Protocol, phone, CPF, name or street (F4)"))
        self.query.returnPressed.connect(self.search)
        self.go = QPushButton(self.tr("Search"), self)
        self.go.clicked.connect(self.search)
        self.model = request_match_model(self)
        self.table = row_table(self.model, "requestResults", self)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("requestDetail")
        self.note = QLineEdit(self)
        self.note.setObjectName("requestNote")
        self.note.setPlaceholderText(self.tr("Note (what the citizen added)"))
        self.add_note = QPushButton(self.tr("Add note"), self)
        self.add_note.clicked.connect(self._add_note)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reopenReason")
        self.reason.setPlaceholderText(self.tr("Why the citizen disputes the closure"))
        self.reopen = QPushButton(self.tr("Reopen"), self)
        self.reopen.setObjectName("reopenRequest")
        self.reopen.clicked.connect(self._reopen)
        self.mark_duplicate = QPushButton(self.tr("Mark as duplicate…"), self)
        self.mark_duplicate.setObjectName("markDuplicate")
        self.mark_duplicate.clicked.connect(self._ask_parent)
        self.unmark_duplicate = QPushButton(self.tr("Not a duplicate (undo)"), self)
        self.unmark_duplicate.setObjectName("unmarkDuplicate")
        self.unmark_duplicate.clicked.connect(self._unmark_duplicate)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self._arrange()
        self._update_actions()

    def _arrange(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.go)
        actions = QHBoxLayout()
        actions.addWidget(self.note, 1)
        actions.addWidget(self.add_note)
        reopen = QHBoxLayout()
        reopen.addWidget(self.reason, 1)
        reopen.addWidget(self.reopen)
        reopen.addWidget(self.mark_duplicate)
        reopen.addWidget(self.unmark_duplicate)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail)
        lower_layout.addLayout(actions)
        lower_layout.addLayout(reopen)
        splitter = QSplitter(self)
        splitter.setOrientation(splitter.orientation().Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

    def search(self, text: str | None = None) -> None:
        query = self.query.text() if text is None else text
        self.query.setText(query)
        show_message(self.message, self.tr("Searching..."), ok=True)
        self.services.jobs.run(
            lambda: self.services.store.find_requests(query), self._found, self._failed
        )

    def _found(self, matches: tuple[RequestMatch, ...]) -> None:
        self.model.set_rows(matches)
        text = self.tr("%n request(s) found.", "", len(matches))
        show_message(self.message, text, ok=True)
        if len(matches) == 1:
            self.table.selectRow(0)

    def _failed(self, exc: Exception) -> None:
        show_message(self.message, error_text(exc))

    def _selected(self, selected: QItemSelection, _old: QItemSelection) -> None:
        rows = selected.indexes()
        match = self.model.row_at(rows[0]) if rows else None
        if match is not None:
            number = match.number
            self.services.jobs.run(
                lambda: self.services.store.request(number), self._show, self._failed
            )

    def _show(self, detail: RequestDetail) -> None:
        self.current = detail
        self.detail.setHtml(detail_html(detail))
        self._update_actions()

    def _update_actions(self) -> None:
        has = self.current is not None
        self.add_note.setEnabled(has)
        closed = (
            has
            and self.current is not None
            and self.current.status in (Status.RESOLVED, Status.CLOSED)
        )
        self.reopen.setEnabled(bool(closed))
        current = self.current
        self.mark_duplicate.setEnabled(current is not None and current.status in PENDING)
        self.unmark_duplicate.setEnabled(current is not None and bool(current.duplicate_of))

    def _add_note(self) -> None:
        if self.current is None:
            return
        number, text = self.current.number, self.note.text()
        self.services.jobs.run(
            lambda: self.services.store.add_note(number, text),
            self._changed(self.note, self.tr("Note added.")),
            self._failed,
        )

    def _reopen(self) -> None:
        if self.current is None:
            return
        number, reason = self.current.number, self.reason.text()
        self.services.jobs.run(
            lambda: self.services.store.reopen(number, reason),
            self._changed(self.reason, self.tr("Request reopened.")),
            self._failed,
        )

    def _ask_parent(self) -> None:
        if self.current is None:
            return
        number = self.current.number
        dialog = DuplicateDialog(number, self)
        dialog.accepted.connect(lambda: self._mark_duplicate(number, dialog.parent_text))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _mark_duplicate(self, number: str, parent: str) -> None:
        self.services.jobs.run(
            lambda: self.services.store.mark_duplicate(number, parent),
            self._changed(None, self.tr("Closed as a duplicate.")),
            self._failed,
        )

    def _unmark_duplicate(self) -> None:
        if self.current is None:
            return
        number = self.current.number
        self.services.jobs.run(
            lambda: self.services.store.unmark_duplicate(number),
            self._changed(None, self.tr("Not a duplicate any more.")),
            self._failed,
        )

    def _changed(self, field: QLineEdit | None, text: str) -> Callable[[RequestDetail], None]:
        """What a change does when it is saved: ``field`` (what was typed for it) cleared, the
        request shown as it is now, ``text`` said."""

        def done(detail: RequestDetail) -> None:
            if field is not None:
                field.clear()
            self._show(detail)
            show_message(self.message, text, ok=True)

        return done


def detail_html(detail: RequestDetail) -> str:
    late = " <span style='color:#b42318;font-weight:700'>EM ATRASO</span>" if detail.late else ""
    rows = "".join(
        f"<tr><td>{local_date(e.at, True)}</td><td>{e.status.label_pt}</td>"
        f"<td>{html.escape(e.note)}</td><td>{html.escape(e.actor)}</td></tr>"
        for e in detail.events
    )
    return (
        f"<h3>{format_protocol_number(detail.number)} — {html.escape(detail.service_name)}</h3>"
        f"<p><b>{detail.status.label_pt}</b>{late} · previsão {local_date(detail.expected_at)}"
        f" · {html.escape(detail.secretariat)} {html.escape(detail.focal_point)}</p>"
        f"<p>{html.escape(detail.citizen_name)} · {html.escape(detail.address)}</p>"
        f"<p><i>{html.escape(detail.description)}</i></p>{_duplicate_html(detail)}"
        f"<table cellpadding=3>{rows}</table>"
    )


def _duplicate_html(detail: RequestDetail) -> str:
    if not detail.duplicate_of:
        return ""
    parent = format_protocol_number(detail.duplicate_of)
    return f"<p style='color:#b54708;font-weight:600'>Duplicada do protocolo {parent}</p>"
