"""The window frame of the supervisor's and the focal point's desktops: a top bar (who, PBX and
database state), banners, and the work tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QTabWidget, QWidget

from agent_desktop.views.common import set_framed_central
from agent_desktop.views.main_window import STYLE
from agent_desktop.widgets.banner import Banner
from agent_desktop.widgets.indicators import StatusDot


class TopBar(QWidget):
    """Dark strip with the user's name and the connection dots. GUI thread only."""

    def __init__(self, user_text: str, with_pbx: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agentBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "QWidget#agentBar{background:#101828;} QWidget#agentBar QLabel{color:#f2f4f7;}"
        )
        self.user = QLabel(user_text, self)
        self.user.setStyleSheet("font-weight:600;")
        self.pbx = StatusDot("pbxStatus", self)
        self.pbx.setVisible(with_pbx)
        self.database = StatusDot("dbStatus", self)
        self.clock = QLabel(self)
        self.clock.setObjectName("boardClock")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.user)
        layout.addWidget(self.pbx)
        layout.addWidget(self.database)
        layout.addStretch(1)
        layout.addWidget(self.clock)


class RoleWindow(QMainWindow):
    """GUI thread only. ``add_tab(widget, title, key)``: a tab reachable by a function key;
    ``show_tab(widget)`` brings it forward (tabs are named by their widget, not a position)."""

    def __init__(self, title: str, user_text: str, with_pbx: bool) -> None:
        super().__init__()
        self.setWindowTitle(title)
        self.setStyleSheet(STYLE)
        self.bar = TopBar(user_text, with_pbx, self)
        self.pbx_banner = Banner("pbxBanner", self)
        self.db_banner = Banner("dbBanner", self)
        self.notice = Banner("noticeBanner", self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("roleTabs")
        set_framed_central(
            self, (self.bar, self.pbx_banner, self.db_banner, self.notice), self.tabs, margin=6
        )
        self.setMinimumSize(1024, 640)

    def add_tab(self, widget: QWidget, title: str, key: str) -> None:
        self.tabs.addTab(widget, f"{title} ({key})")
        QShortcut(QKeySequence(key), self, lambda: self.show_tab(widget))

    def show_tab(self, widget: QWidget) -> None:
        if self.tabs.indexOf(widget) < 0:
            raise ValueError(f"{type(widget).__name__} is not a tab of this window")
        self.tabs.setCurrentWidget(widget)
