"""Agents as compact coloured tiles: a list model, a delegate that paints them, and the grid.

A ``QListView`` in icon mode lays the tiles out and gives selection, keyboard navigation and a
context menu for free; the delegate paints each tile (name, state, queue or pause reason, time in
the state coloured green/yellow/red) so 60+ agents stay readable at 1366×768.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from agent_desktop.telephony.queue_board import AgentTile, Level
from agent_desktop.widgets.board_style import (
    calls_text,
    duration,
    level_colour,
    state_colour,
    state_label,
    state_tint,
)

Index = QModelIndex | QPersistentModelIndex
TILE_ROLE = Qt.ItemDataRole.UserRole + 1
TILE_SIZE = QSize(158, 58)


class AgentTileModel(QAbstractListModel):
    """The tiles of the last snapshot. GUI thread only.

    ``set_tiles`` keeps the rows (and so the selection) when the same agents come back in the
    same order — the usual case every second — and only says their data changed.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tiles: list[AgentTile] = []

    def set_tiles(self, tiles: Sequence[AgentTile]) -> None:
        same_agents = [t.interface for t in tiles] == [t.interface for t in self.tiles]
        if same_agents and self.tiles:
            self.tiles = list(tiles)
            self.dataChanged.emit(self.index(0), self.index(len(self.tiles) - 1))
            return
        self.beginResetModel()
        self.tiles = list(tiles)
        self.endResetModel()

    def tile_at(self, index: Index) -> AgentTile | None:
        return (
            self.tiles[index.row()] if index.isValid() and index.row() < len(self.tiles) else None
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.tiles)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        tile = self.tile_at(index)
        if tile is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tile.name
        if role == TILE_ROLE:
            return tile
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(tile)
        return None


def status_line(tile: AgentTile) -> str:
    return f"{state_label(tile.state)} · {tile.detail}" if tile.detail else state_label(tile.state)


def tooltip(tile: AgentTile) -> str:
    queues = ", ".join(tile.queues) or "—"
    return f"{tile.name}\n{tile.interface}\n{status_line(tile)} {duration(tile.seconds)}\n{queues}"


class AgentTileDelegate(QStyledItemDelegate):
    """Paints one tile: a state stripe, name, state and detail, and the timer. GUI thread."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return TILE_SIZE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        tile = index.data(TILE_ROLE)
        if not isinstance(tile, AgentTile):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = option.rect.adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        self._background(painter, box, tile, selected)
        self._texts(painter, box, tile, option.font)
        painter.restore()

    @staticmethod
    def _background(painter: QPainter, box: QRect, tile: AgentTile, selected: bool) -> None:
        border = (
            level_colour(tile.level)
            if tile.level in (Level.WARN, Level.ALERT)
            else QColor("#d0d5dd")
        )
        painter.setPen(
            QPen(
                QColor("#155eef") if selected else border,
                3 if selected or tile.level is Level.ALERT else 1,
            )
        )
        painter.setBrush(state_tint(tile.state))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(state_colour(tile.state))
        painter.drawRoundedRect(QRect(box.left(), box.top(), 6, box.height()), 3, 3)

    @staticmethod
    def _texts(painter: QPainter, box: QRect, tile: AgentTile, base: QFont) -> None:
        inner = box.adjusted(12, 4, -6, -4)
        bold = QFont(base)
        bold.setBold(True)
        bold.setPointSizeF(base.pointSizeF() * 0.95)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.82)
        line = inner.height() // 3
        painter.setFont(bold)
        painter.setPen(QColor("#101828"))
        name = painter.fontMetrics().elidedText(
            tile.name, Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), line),
            Qt.AlignmentFlag.AlignVCenter,
            name,
        )
        painter.setFont(small)
        painter.setPen(state_colour(tile.state).darker(130))
        status = painter.fontMetrics().elidedText(
            status_line(tile), Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(
            QRect(inner.left(), inner.top() + line, inner.width(), line),
            Qt.AlignmentFlag.AlignVCenter,
            status,
        )
        if tile.seconds is not None:
            painter.setFont(bold)
            painter.setPen(level_colour(tile.level))
            painter.drawText(
                QRect(inner.left(), inner.top() + 2 * line, inner.width(), line),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                duration(tile.seconds),
            )
        if tile.calls_taken:
            painter.setFont(small)
            painter.setPen(QColor("#667085"))
            painter.drawText(
                QRect(inner.left(), inner.top() + 2 * line, inner.width(), line),
                Qt.AlignmentFlag.AlignVCenter,
                calls_text(tile.calls_taken),
            )


class AgentTileView(QListView):
    """The grid of tiles; wraps to the width, scrolls beyond. GUI thread only."""

    def __init__(self, model: AgentTileModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agentTiles")
        self.setModel(model)
        self.setItemDelegate(AgentTileDelegate(self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setGridSize(TILE_SIZE + QSize(4, 4))
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setStyleSheet("QListView#agentTiles{background:white;border:none;}")
