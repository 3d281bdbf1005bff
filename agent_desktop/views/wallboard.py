"""The live queue wallboard: a card per queue (and the total), the agents as tiles, and the
supervisor's commands on the selected agent (pause with a reason, resume, log out of a queue)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.telephony.queue_board import AgentState, AgentTile, BoardSnapshot
from agent_desktop.views.common import show_message
from agent_desktop.widgets.agent_tiles import AgentTileModel, AgentTileView
from agent_desktop.widgets.board_style import STATE_COLOURS, state_label
from agent_desktop.widgets.queue_cards import QueueCard


class WallboardView(QWidget):
    """GUI thread only. Draws snapshots; emits the supervisor's commands."""

    pauseRequested = Signal(str, str)  # interface, reason
    resumeRequested = Signal(str)  # interface
    logoutRequested = Signal(str, str)  # interface, queue

    def __init__(
        self, levels: tuple[int, ...], reasons: tuple[str, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wallboard")
        self.levels = levels
        self.cards: dict[str, QueueCard] = {}
        self.total = QueueCard(self.tr("All queues"), levels, self)
        self.cards_row = QHBoxLayout()
        self.cards_row.setSpacing(6)
        self.cards_row.addWidget(self.total)
        self.states = QLabel(self)
        self.states.setObjectName("stateCounts")
        self.queue_filter = QComboBox(self)
        self.queue_filter.setObjectName("queueFilter")
        self.queue_filter.addItem(self.tr("All queues"), "")
        self.queue_filter.currentIndexChanged.connect(self._refilter)
        self.model = AgentTileModel(self)
        self.tiles = AgentTileView(self.model, self)
        self.tiles.customContextMenuRequested.connect(self._menu)
        self.tiles.selectionModel().currentChanged.connect(lambda *_: self._selection_changed())
        self.snapshot: BoardSnapshot | None = None
        self._build_actions(reasons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(self.cards_row)
        heading = QHBoxLayout()
        heading.addWidget(self.states, 1)
        heading.addWidget(QLabel(self.tr("Queue:"), self))
        heading.addWidget(self.queue_filter)
        layout.addLayout(heading)
        layout.addWidget(self.tiles, 1)
        layout.addLayout(self.action_row)
        self._selection_changed()

    def _build_actions(self, reasons: tuple[str, ...]) -> None:
        self.selected = QLabel(self)
        self.selected.setObjectName("selectedAgent")
        self.reason = QComboBox(self)
        self.reason.setObjectName("supervisorReason")
        self.reason.setEditable(True)  # a supervisor may type a reason not in the list
        self.reason.addItems(list(reasons))
        self.pause = QPushButton(self.tr("Pause (Ctrl+P)"), self)
        self.pause.setObjectName("supervisorPause")
        self.resume = QPushButton(self.tr("Resume (Ctrl+R)"), self)
        self.resume.setObjectName("supervisorResume")
        self.logout_queue = QComboBox(self)
        self.logout_queue.setObjectName("logoutQueue")
        self.logout = QPushButton(self.tr("Log out of queue (Ctrl+L)"), self)
        self.logout.setObjectName("supervisorLogout")
        self.message = QLabel(self)
        self.message.setObjectName("wallboardMessage")
        self.pause.clicked.connect(self._pause)
        self.resume.clicked.connect(self._resume)
        self.logout.clicked.connect(self._logout)
        for key, button in (
            ("Ctrl+P", self.pause),
            ("Ctrl+R", self.resume),
            ("Ctrl+L", self.logout),
        ):
            QShortcut(QKeySequence(key), self, button.click)
        self.action_row = QHBoxLayout()
        for widget in (
            self.selected,
            self.reason,
            self.pause,
            self.resume,
            self.logout_queue,
            self.logout,
        ):
            self.action_row.addWidget(widget)
        self.action_row.addWidget(self.message, 1)

    # ---------------------------------------------------------------- drawing

    def show_snapshot(self, snapshot: BoardSnapshot) -> None:
        self.snapshot = snapshot
        self.total.show_figures(snapshot.totals)
        for figures in snapshot.queues:
            self.card(figures.queue).show_figures(figures)
        self.states.setText(self._state_counts(snapshot))
        self._show_tiles()
        self._selection_changed()

    def card(self, queue: str) -> QueueCard:
        card = self.cards.get(queue)
        if card is None:
            card = self.cards[queue] = QueueCard(queue, self.levels, self)
            self.cards_row.addWidget(card)
            self.queue_filter.addItem(queue, queue)
        return card

    def _state_counts(self, snapshot: BoardSnapshot) -> str:
        parts = []
        for state in AgentState:
            count = snapshot.count(state)
            if count or state in (AgentState.FREE, AgentState.TALKING, AgentState.PAUSED):
                colour = STATE_COLOURS[state][0]
                parts.append(
                    f"<span style='color:{colour};font-size:15px'>■</span> "
                    f"{state_label(state)} <b>{count}</b>"
                )
        return "&nbsp;&nbsp;&nbsp;".join(parts)

    def _show_tiles(self) -> None:
        if self.snapshot is None:
            return
        queue = self.queue_filter.currentData() or ""
        tiles = [t for t in self.snapshot.agents if not queue or queue in t.queues]
        self.model.set_tiles(tiles)

    def _refilter(self) -> None:
        self._show_tiles()

    # ---------------------------------------------------------------- commands

    def current_tile(self) -> AgentTile | None:
        return self.model.tile_at(self.tiles.currentIndex())

    def select(self, interface: str) -> bool:
        for row, tile in enumerate(self.model.tiles):
            if tile.interface == interface:
                self.tiles.setCurrentIndex(self.model.index(row))
                return True
        return False

    def _selection_changed(self) -> None:
        tile = self.current_tile()
        for widget in (self.pause, self.resume, self.logout, self.logout_queue):
            widget.setEnabled(tile is not None and tile.state is not AgentState.LOGGED_OUT)
        if tile is None:
            self.selected.setText(self.tr("Select an agent:"))
            return
        self.selected.setText(f"<b>{tile.name}</b>")
        wanted = self.logout_queue.currentText()
        if [self.logout_queue.itemText(i) for i in range(self.logout_queue.count())] != list(
            tile.queues
        ):
            self.logout_queue.clear()
            self.logout_queue.addItems(list(tile.queues))
            self.logout_queue.setCurrentText(wanted)

    def _pause(self) -> None:
        tile = self.current_tile()
        reason = self.reason.currentText().strip()
        if tile is None:
            return
        if not reason:
            show_message(self.message, self.tr("Choose or type the reason for the pause."))
            return
        self.pauseRequested.emit(tile.interface, reason)

    def _resume(self) -> None:
        tile = self.current_tile()
        if tile is not None:
            self.resumeRequested.emit(tile.interface)

    def _logout(self) -> None:
        tile = self.current_tile()
        if tile is not None and self.logout_queue.currentText():
            self.logoutRequested.emit(tile.interface, self.logout_queue.currentText())

    def _menu(self, at: QPoint) -> None:
        index = self.tiles.indexAt(at)
        if not index.isValid():
            return
        self.tiles.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction(self.pause.text(), self.pause.click)
        menu.addAction(self.resume.text(), self.resume.click)
        menu.addAction(self.logout.text(), self.logout.click)
        menu.exec(self.tiles.viewport().mapToGlobal(at))

    def show_result(self, ok: bool, text: str) -> None:
        show_message(
            self.message,
            self.tr("Done.") if ok else self.tr("The PBX refused: %1").replace("%1", text),
            ok,
        )
