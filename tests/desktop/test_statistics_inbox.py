"""Statistics views against the hand-counted queue_log fixture (table, chart, CSV and PDF
export from the UI), and the focal point's inbox through to a citizen's reopening."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCharts import QStackedBarSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from agent_desktop.qtmodels import request_history_model
from agent_desktop.roles import InboxDesk, SupervisorDesk, build_inbox, build_supervisor
from agent_desktop.store.dto import AgentUser
from agent_desktop.store.supervision import ReportKind
from agent_desktop.views.duplicate_dialog import DuplicateDialog
from agent_desktop.views.statistics import PeriodPreset, StatisticsView
from citizen_center.config import Settings, WallboardSettings, load_settings
from citizen_center.db import Database
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel, Role, Status
from citizen_center.models import AuditLog, SurveyResponse, utcnow
from citizen_center.services import duplicates, inbox, requests, users
from citizen_center.services.citizens import AddressInput, RequestSummary
from citizen_center.services.common import Actor
from citizen_center.services.queue_log import import_queue_log
from tests.fixtures.gateway import offline_session

SAMPLE = Path(__file__).parents[1] / "fixtures" / "data" / "queue_log.sample"
SUPERVISOR = AgentUser(1, "supervisora", "Sara Supervisora", Role.SUPERVISOR, "")
STREET = AddressInput(street="Rua da Praia", house_number="100", neighbourhood="Centro")


def quiet_settings() -> Settings:
    return Settings(
        wallboard=WallboardSettings(import_interval_seconds=0), desktop=load_settings().desktop
    )


@pytest.fixture
def supervisor(qtbot: QtBot, database: Database) -> Iterator[SupervisorDesk]:
    desk = build_supervisor(quiet_settings(), database, SUPERVISOR, offline_session(SUPERVISOR))
    qtbot.addWidget(desk.window)
    desk.window.resize(1366, 768)
    desk.window.show()
    yield desk
    desk.close()


def show(qtbot: QtBot, view: StatisticsView, kind: ReportKind) -> list[list[str]]:
    with qtbot.waitSignal(view.reportShown, timeout=10000):
        view.choose(kind)
    return [list(row) for row in view.model.rows]


def test_statistics_match_the_hand_counted_sample_and_export(
    qtbot: QtBot,
    supervisor: SupervisorDesk,
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = tmp_path / "queue_log"
    log.write_bytes(SAMPLE.read_bytes())
    import_queue_log(database, log)
    view = supervisor.statistics
    supervisor.window.show_tab(view)
    view.choose_preset(PeriodPreset.CUSTOM)
    view.set_period(date(2026, 3, 1), date(2026, 3, 31))

    rows = {r[0]: r for r in show(qtbot, view, ReportKind.CALLS_BY_QUEUE)}
    headings = [
        view.model.headerData(i, Qt.Orientation.Horizontal) for i in range(view.model.columnCount())
    ]
    assert headings[:5] == ["Fila", "Ofertadas", "Atendidas", "Abandonadas", "Aband. curtos"]
    # agua-esgoto: 5 offered, 2 answered, 1 abandoned, 1 short, 1 timeout; SL 1/4; ASA 28.5.
    assert rows["agua-esgoto"][1:8] == ["5", "2", "1", "1", "1", "1", "25.0 %"]
    assert rows["agua-esgoto"][10:12] == ["28.5", "150.0"]
    assert rows["geral"][1:3] == ["3", "2"] and rows["limpeza-urbana"][3] == "1"
    assert view.chart.isVisible() and len(view.chart.chart().series()) == 3  # bars, SL, target

    agents = {r[0]: r[2] for r in show(qtbot, view, ReportKind.CALLS_BY_AGENT)}
    assert agents == {"Ana Souza": "2", "Bruno Lima": "2"}
    assert not view.chart.isVisible()
    pauses = show(qtbot, view, ReportKind.PAUSES)
    assert [(r[0], r[1], r[2]) for r in pauses] == [
        ("Ana Souza", "almoco", "1"),
        ("Bruno Lima", "treinamento", "1"),
    ]

    show(qtbot, view, ReportKind.CALLS_BY_QUEUE)
    target = tmp_path / "filas.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    with qtbot.waitSignal(view.exported, timeout=10000):
        view.export_csv.click()
    with target.open(encoding="utf-8") as handle:
        exported = {row["key"]: row for row in csv.DictReader(handle)}
    assert (exported["agua-esgoto"]["offered"], exported["agua-esgoto"]["answered"]) == ("5", "2")
    assert float(exported["agua-esgoto"]["service_level"]) == 0.25

    pdf = tmp_path / "resumo.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(pdf), ""))
    with qtbot.waitSignal(view.exported, timeout=20000):
        view.export_pdf.click()
    assert pdf.read_bytes().startswith(b"%PDF")


def test_satisfaction_by_channel_table_chart_and_history_channel(
    qtbot: QtBot, supervisor: SupervisorDesk, database: Database
) -> None:
    with database.transaction() as session:
        web = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel=Channel.WEB,
            actor=Actor.system("web"),
            address=STREET,
            now=datetime(2026, 3, 2, 15, tzinfo=UTC),
        )
        for score, channel in ((5, Channel.PHONE), (3, Channel.PHONE), (4, Channel.WEB)):
            session.add(
                SurveyResponse(
                    score=score,
                    channel=channel,
                    at=datetime(2026, 3, 3, 15, tzinfo=UTC),
                    request_id=web.id if channel is Channel.WEB else None,
                )
            )
    view = supervisor.statistics
    supervisor.window.show_tab(view)
    view.choose_preset(PeriodPreset.CUSTOM)
    view.set_period(date(2026, 3, 1), date(2026, 3, 31))
    rows = show(qtbot, view, ReportKind.SATISFACTION_BY_CHANNEL)
    assert [r[:4] for r in rows] == [
        ["2026-03", "telefone", "2", "4.0"],
        ["2026-03", "web", "1", "4.0"],
    ]
    assert view.chart.isVisible()
    assert sorted(s.name() for s in view.chart.chart().series()) == ["telefone", "web"]

    # The caller's history on the desktop labels a web request with its channel.
    model = request_history_model()
    model.set_rows(
        [
            RequestSummary(
                web.number,
                "VIA-BURACO",
                "Buraco",
                web.status,
                web.created_at,
                web.expected_at,
                False,
                web.channel,
            )
        ]
    )
    channel_column = next(
        i for i in range(model.columnCount()) if model.columns[i].title == "Channel"
    )
    assert model.data(model.index(0, channel_column)) == "Web"


def test_reopened_report_shows_duplicates_apart_in_table_chart_and_csv(
    qtbot: QtBot,
    supervisor: SupervisorDesk,
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staff = Actor.system("pf.smsurb")
    resolved, parent, duplicate = (open_pothole(database, days_ago) for days_ago in (3, 2, 1))
    with database.transaction() as session:
        requests.change_status(
            session, requests.get_request(session, resolved), Status.RESOLVED, staff, "Tapado."
        )
        duplicates.mark_duplicate(session, requests.get_request(session, duplicate), parent, staff)
    view = supervisor.statistics
    supervisor.window.show_tab(view)
    view.choose_preset(PeriodPreset.LAST_30_DAYS)
    rows = show(qtbot, view, ReportKind.REOPENED)
    headings = [
        view.model.headerData(i, Qt.Orientation.Horizontal) for i in range(view.model.columnCount())
    ]
    assert headings[:5] == ["Secretaria", "Solicitações", "Resolvidas", "Duplicadas", "Reabertas"]
    assert [r[:5] for r in rows] == [["SMSUrb", "3", "1", "1", "0"]]
    (series,) = view.chart.chart().series()
    assert isinstance(series, QStackedBarSeries)
    bars = series.barSets()
    # (The tests run untranslated: the source texts.)
    assert [(b.label(), b.at(0)) for b in bars] == [
        ("Reopened", 0),
        ("Resolved, not reopened", 1),
        ("Closed as duplicates", 1),
    ]
    target = tmp_path / "reaberturas.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    with qtbot.waitSignal(view.exported, timeout=10000):
        view.export_csv.click()
    with target.open(encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert (row["resolved"], row["duplicates"]) == ("1", "1")


# --------------------------------------------------------------------------- the inbox


@pytest.fixture
def focal_point(database: Database) -> AgentUser:
    with database.transaction() as session:
        user = users.create_user(
            session,
            username="pf.smsurb",
            full_name="Paula Focal",
            role=Role.FOCAL_POINT,
            password="senha-segura-1",
            secretariat_code="SMSUrb",
        )
        return AgentUser(user.id, user.username, user.full_name, user.role, "")


def open_pothole(database: Database, days_ago: int) -> str:
    with database.transaction() as session:
        return requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="phone",
            actor=Actor.system("agente"),
            address=STREET,
            now=utcnow() - timedelta(days=days_ago),
        ).number


@pytest.fixture
def inbox_desk(qtbot: QtBot, database: Database, focal_point: AgentUser) -> Iterator[InboxDesk]:
    desk = build_inbox(database, focal_point)
    qtbot.addWidget(desk.window)
    desk.window.resize(1366, 768)
    desk.window.show()
    yield desk
    desk.close()


def test_focal_point_works_the_inbox_through_to_a_reopening(
    qtbot: QtBot,
    database: Database,
    inbox_desk: InboxDesk,
) -> None:
    late = open_pothole(database, 90)
    recent = open_pothole(database, 0)
    other = open_pothole(database, 1)
    view = inbox_desk.inbox
    with qtbot.waitSignal(view.loaded, timeout=10000):
        inbox_desk.start()
    assert [i.number for i in view.model.rows] == [late, other, recent]  # nearest deadline first
    assert view.model.rows[0].late and not view.model.rows[1].late
    assert str(view.model.data(view.model.index(0, 4))).startswith("LATE (")

    def act(button_name: str) -> str:
        """Click, wait for the inbox to reload after the change, return the message shown."""
        with qtbot.waitSignal(view.loaded, timeout=10000):
            getattr(view, button_name).click()
        return view.message.text()

    assert view.select(recent)
    view.note.setPlainText("   ")
    view.resolve.click()  # refused: the citizen must hear what was done
    qtbot.waitUntil(lambda: "cidadão ouvirá" in view.message.text(), timeout=5000)
    act("acknowledge")
    assert view.select(recent) and view.current() is not None
    assert view.current().status is Status.IN_PROGRESS  # type: ignore[union-attr]
    view.note.setPlainText("Buraco tapado com asfalto.")
    assert "resolved" in act("resolve")
    assert recent not in [i.number for i in view.model.rows]

    assert view.select(other)
    view.reason.setText("")
    view.forward.click()  # refused: no reason
    qtbot.waitUntil(lambda: "motivo" in view.message.text(), timeout=5000)
    view.destination.setCurrentIndex(view.destination.findData("DMAE"))
    view.reason.setText("Vazamento de água, não buraco.")
    act("forward")
    assert other not in [i.number for i in view.model.rows]

    with database.transaction() as session:  # the citizen disputes the resolution
        inbox.dispute_resolution(session, recent, "O buraco continua lá.")
    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.reload()
    back = next(i for i in view.model.rows if i.number == recent)
    assert back.status is Status.REOPENED and back.reopen_count == 1
    assert view.select(recent)
    qtbot.waitUntil(lambda: view.history.rowCount() >= 4, timeout=5000)
    statuses = [e.status for e in view.history.rows]
    assert statuses[-3:] == [Status.IN_PROGRESS, Status.RESOLVED, Status.REOPENED]
    assert view.history.rows[-1].note == "O buraco continua lá."

    # LGPD (issue 11): the lists and the requests opened are in the audit trail, by this user.
    with database.transaction() as session:
        details = list(
            session.scalars(
                select(AuditLog.detail)
                .where(AuditLog.user_id == view.store.user_id)
                .order_by(AuditLog.id)
            )
        )
    assert any(d.startswith("inbox_list ") and late in d for d in details)
    assert f"inbox_view {recent}" in details


def test_focal_point_marks_a_duplicate_and_undoes_it(
    qtbot: QtBot, database: Database, inbox_desk: InboxDesk
) -> None:
    first = open_pothole(database, 3)
    again = open_pothole(database, 0)
    with database.transaction() as session:
        light = requests.open_request(
            session,
            service_code="ILUM-APAGADA",
            channel="phone",
            actor=Actor.system("agente"),
            address=STREET,
        ).number
    view = inbox_desk.inbox
    with qtbot.waitSignal(view.loaded, timeout=10000):
        inbox_desk.start()

    def ask(parent: str) -> None:
        assert view.select(again)
        view.mark_duplicate.click()
        dialog = view.findChild(DuplicateDialog)
        assert dialog is not None and dialog.isVisible()
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled()  # nothing typed yet
        qtbot.keyClicks(dialog.parent_number, parent)  # type: ignore[no-untyped-call]
        ok.click()

    ask(format_protocol_number(light))  # another service's protocol: refused, nothing changes
    qtbot.waitUntil(lambda: "outro serviço" in view.message.text(), timeout=5000)
    assert again in [i.number for i in view.model.rows] and view.undo_duplicate.isHidden()

    with qtbot.waitSignal(view.loaded, timeout=10000):
        ask(format_protocol_number(first))
    assert "duplicate of " + format_protocol_number(first) in view.message.text()
    assert again not in [i.number for i in view.model.rows]
    assert not view.undo_duplicate.isHidden()
    with database.transaction() as session:
        marked = requests.get_request(session, again)
        assert marked.status is Status.CLOSED
        assert marked.events[-1].actor_label == "pf.smsurb"
        assert marked.events[-1].note == f"Duplicada do protocolo {format_protocol_number(first)}."

    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.undo_duplicate.click()  # a mistake noticed at once
    assert again in [i.number for i in view.model.rows] and view.undo_duplicate.isHidden()
    with database.transaction() as session:
        restored = requests.get_request(session, again)
        assert restored.status is Status.FORWARDED and restored.duplicate_of_id is None
