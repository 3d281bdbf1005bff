"""The main window: agent bar, banners, the screen pop on the left, the work tabs on the right."""

from __future__ import annotations

import enum

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


class WorkTab(enum.Enum):
    """The work tabs, in the order they appear."""

    REQUEST = enum.auto()
    CITIZEN = enum.auto()
    SEARCH = enum.auto()
    WRAPUP = enum.auto()


def scrollable(widget: QWidget) -> QScrollArea:
    """Forms scroll rather than squeeze at 1366×768."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


class MainWindow(QMainWindow):
    """GUI thread only. Holds the views; ``DeskController`` gives them behaviour."""

    def __init__(
        self,
        services: DeskServices,
        agent_text: str,
        pause_reasons: tuple[str, ...],
        wrapup_codes: tuple[str, ...],
    ) -> None:
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
        # Tabs are reached through their WorkTab, never their position: adding or moving a tab
        # cannot silently send the agent to the wrong one.
        self._pages: dict[WorkTab, QWidget] = {
            WorkTab.REQUEST: scrollable(self.request_form),
            WorkTab.CITIZEN: scrollable(self.citizen_form),
            WorkTab.SEARCH: self.search,
            WorkTab.WRAPUP: self.wrapup,
        }
        titles = {
            WorkTab.REQUEST: self.tr("New request"),
            WorkTab.CITIZEN: self.tr("Citizen"),
            WorkTab.SEARCH: self.tr("Find requests"),
            WorkTab.WRAPUP: self.tr("Wrap-up"),
        }
        for tab in WorkTab:
            self.tabs.addTab(self._pages[tab], titles[tab])
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.call_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        set_framed_central(
            self, (self.bar, self.pbx_banner, self.db_banner, self.notice), splitter, margin=8
        )
        self.setMinimumSize(1024, 640)
        self._shortcuts()

    def _shortcuts(self) -> None:
        keys = {
            "F2": self.show_citizen,
            "F3": self.focus_service_search,
            "F4": self.focus_request_search,
            "F8": self.bar.pause.click,
            "F9": self.bar.queues.click,
            "F10": self.show_wrapup,
        }
        for key, action in keys.items():
            QShortcut(QKeySequence(key), self, action)

    # ---------------------------------------------------------------- navigation

    def page(self, tab: WorkTab) -> QWidget:
        """The tab's widget (the forms' are their scroll areas)."""
        return self._pages[tab]

    def show_tab(self, tab: WorkTab) -> None:
        self.tabs.setCurrentWidget(self._pages[tab])

    def current_tab(self) -> WorkTab | None:
        shown = self.tabs.currentWidget()
        return next((tab for tab, page in self._pages.items() if page is shown), None)

    def show_request_form(self) -> None:
        self.show_tab(WorkTab.REQUEST)

    def show_citizen(self) -> None:
        self.show_tab(WorkTab.CITIZEN)

    def show_search(self) -> None:
        self.show_tab(WorkTab.SEARCH)

    def show_wrapup(self) -> None:
        self.show_tab(WorkTab.WRAPUP)

    def focus_service_search(self) -> None:
        self.show_request_form()
        self.request_form.search.setFocus()

    def focus_request_search(self) -> None:
        self.show_search()
        self.search.query.setFocus()
        self.search.query.selectAll()
