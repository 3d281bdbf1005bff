"""An agent marks a request as the duplicate of another from the request search view, and
undoes it (issue 13): offscreen Qt on the real store, no PBX needed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from agent_desktop.jobs import JobRunner
from agent_desktop.store.drafts import DraftStore
from agent_desktop.store.dto import AgentUser
from agent_desktop.store.service import DesktopStore
from agent_desktop.views.common import DeskServices
from agent_desktop.views.duplicate_dialog import DuplicateDialog
from agent_desktop.views.request_search import RequestSearchView
from citizen_center.db import Database
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Status
from citizen_center.services import requests
from tests.desktop.test_statistics_inbox import open_pothole


@pytest.fixture
def search_view(
    qtbot: QtBot, database: Database, agent: AgentUser, tmp_path: Path
) -> Iterator[RequestSearchView]:
    store = DesktopStore(database)
    store.adopt(agent)
    jobs = JobRunner()
    view = RequestSearchView(DeskServices(store, jobs, DraftStore(tmp_path / "drafts")))
    qtbot.addWidget(view)
    view.show()
    yield view
    jobs.wait()


def test_an_agent_marks_a_duplicate_and_undoes_it(
    qtbot: QtBot, database: Database, search_view: RequestSearchView
) -> None:
    view = search_view
    first, again = open_pothole(database, 1), open_pothole(database, 0)
    view.search(format_protocol_number(again))
    qtbot.waitUntil(lambda: view.current is not None and view.current.number == again, timeout=5000)
    assert view.mark_duplicate.isEnabled() and not view.unmark_duplicate.isEnabled()

    view.mark_duplicate.click()
    dialog = view.findChild(DuplicateDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.parent_number, format_protocol_number(first))  # type: ignore[no-untyped-call]
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(
        lambda: view.current is not None and bool(view.current.duplicate_of), timeout=5000
    )
    assert view.current is not None and view.current.status is Status.CLOSED
    assert f"Duplicada do protocolo {format_protocol_number(first)}" in view.detail.toPlainText()
    assert view.unmark_duplicate.isEnabled() and not view.mark_duplicate.isEnabled()
    with database.transaction() as session:
        assert requests.get_request(session, again).events[-1].actor_label == "agente.teste"

    view.unmark_duplicate.click()
    qtbot.waitUntil(
        lambda: view.current is not None and not view.current.duplicate_of, timeout=5000
    )
    restored = view.current
    assert restored is not None and restored.status is Status.FORWARDED
    assert view.mark_duplicate.isEnabled()
