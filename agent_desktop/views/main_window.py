"""The main window: agent bar, banners, the screen pop on the left, the work tabs on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QWidget,
)

from agent_desktop.views.agent_bar import AgentBar
from agent_desktop.views.call_panel import CallPanel
from agent_desktop.views.citizen_form import CitizenForm
from agent_desktop.views.common import DeskServices, set_framed_central
from agent_desktop.views.request_form import RequestForm
from agent_desktop.views.request_search import RequestSearchView
from agent_desktop.views.wrapup_panel import WrapupPanel
from agent_desktop.widgets.banner import Banner

STYLE = """
QMainWindow, QWidget { font-size: 13px; }
QGroupBox { font-weight: 600; border: 1px solid #d0d5dd; border-radius: 6px; margin-top: 10px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; color: #344054; }
QTabBar::tab { padding: 6px 14px; }
QTabBar::tab:selected { font-weight: 600; }
QTableView { gridline-color: #eaecf0; }
QHeaderView::section { background: #f2f4f7; padding: 4px; border: none;
                       border-bottom: 1px solid #d0d5dd; font-weight: 600; }
"""


def scrollable(widget: QWidget) -> QScrollArea:
    """Forms scroll rather than squeeze at 1366×768."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


class MainWindow(QMainWindow):
    """GUI thread only. Holds the views; ``DeskController`` gives them behaviour."""

    def __init__(self, services: DeskServices, agent_text: str, pause_reasons: tuple[str, ...],
                 wrapup_codes: tuple[str, ...]) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Central 156 — Agent desktop"))
        self.setObjectName("mainWindow")
        self.setStyleSheet(STYLE)
        self.bar = AgentBar(agent_text, pause_reasons, self)
        self.pbx_banner = Banner("pbxBanner", self)
        self.db_banner = Banner("dbBanner", self)
        self.notice = Banner("noticeBanner", self)
        self.call_panel = CallPanel(self)
        self.request_form = RequestForm(services, self)
        self.citizen_form = CitizenForm(services, self)
        self.search = RequestSearchView(services, self)
        self.wrapup = WrapupPanel(wrapup_codes, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("workTabs")
        self.tabs.addTab(scrollable(self.request_form), self.tr("New request"))
        self.tabs.addTab(scrollable(self.citizen_form), self.tr("Citizen"))
        self.tabs.addTab(self.search, self.tr("Find requests"))
        self.tabs.addTab(self.wrapup, self.tr("Wrap-up"))
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.call_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        set_framed_central(self, (self.bar, self.pbx_banner, self.db_banner, self.notice),
                           splitter, margin=8)
        self.setMinimumSize(1024, 640)
        self._shortcuts()

    def _shortcuts(self) -> None:
        keys = {
            "F2": lambda: self.tabs.setCurrentIndex(1),
            "F3": self.focus_service_search,
            "F4": self.focus_request_search,
            "F8": self.bar.pause.click,
            "F9": self.bar.queues.click,
            "F10": lambda: self.tabs.setCurrentIndex(3),
        }
        for key, action in keys.items():
            QShortcut(QKeySequence(key), self, action)

    def focus_service_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.request_form.search.setFocus()

    def focus_request_search(self) -> None:
        self.tabs.setCurrentIndex(2)
        self.search.query.setFocus()
        self.search.query.selectAll()
