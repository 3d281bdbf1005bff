"""One card per queue on the wallboard: callers waiting (big), longest and average wait, today's
answered and abandoned calls, and the service level against the city's target and the 80/20
convention, coloured green/yellow/red."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from agent_desktop.telephony.queue_board import Level, QueueFigures
from agent_desktop.widgets.board_style import LEVEL_BACKGROUNDS, LEVEL_COLOURS, duration, percent


def tr(text: str) -> str:
    # lupdate files module-level tr() calls under the empty context.
    return QCoreApplication.translate("", text)


class QueueCard(QFrame):
    """GUI thread only. ``show_figures`` redraws it from a snapshot.

    Layout: the number of callers waiting, big, on the left; on the right a label/value column
    (captions small and grey, values bold) that stays legible at a sixth of 1366 pixels.
    """

    def __init__(self, title: str, levels: tuple[int, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueCard")
        self.levels = levels
        self.title = QLabel(title, self)
        self.title.setStyleSheet("font-weight:700;font-size:13px;color:#101828;")
        self.waiting = QLabel("0", self)
        self.waiting.setObjectName("waiting")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting_caption = QLabel(tr("waiting"), self)
        self.waiting_caption.setStyleSheet("font-size:10px;color:#475467;")
        service_level = tr("SL")
        rows = (
            ("longest", tr("Longest wait")),
            ("average", tr("ASA")),
            *((f"service{i}", f"{service_level} {seconds} s") for i, seconds in enumerate(levels)),
            ("answered", tr("Answered")),
            ("abandoned", tr("Abandoned")),
            ("agents", tr("Free agents")),
        )
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 5, 8, 5)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(0)
        grid.addWidget(self.title, 0, 0, 1, 3)
        grid.addWidget(self.waiting, 1, 0, len(rows) - 2, 1)
        grid.addWidget(
            self.waiting_caption,
            len(rows) - 1,
            0,
            2,
            1,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
        )
        for row, (name, caption) in enumerate(rows, start=1):
            label = QLabel(caption, self)
            label.setStyleSheet(CAPTION)
            value = QLabel(self)
            value.setObjectName(name)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, 1)
            grid.addWidget(value, row, 2)
            self.values[name] = value
        grid.setColumnStretch(1, 1)
        self.longest, self.average = self.values["longest"], self.values["average"]
        self.service, self.answered = self.values["service0"], self.values["answered"]
        self.abandoned, self.agents = self.values["abandoned"], self.values["agents"]
        self._paint(Level.NEUTRAL)

    def _paint(self, level: Level) -> None:
        self.setStyleSheet(
            f"QFrame#queueCard{{background:{LEVEL_BACKGROUNDS[level]};border:1px solid #d0d5dd;"
            f"border-top:4px solid {LEVEL_COLOURS[level]};border-radius:6px;}}"
        )

    def show_figures(self, figures: QueueFigures) -> None:
        today = figures.today
        worst = max((figures.wait_level, figures.service_level_level), key=SEVERITY.index)
        self._paint(worst)
        colour = LEVEL_COLOURS[figures.wait_level if figures.waiting else Level.NEUTRAL]
        self.waiting.setText(str(figures.waiting))
        self.waiting.setStyleSheet(f"font-size:36px;font-weight:700;color:{colour};min-width:44px;")
        _value(self.longest, duration(figures.longest_wait), figures.wait_level)
        _value(self.average, duration(today.average_wait))
        for i in range(len(self.levels)):
            # The colour judges the city's target (the first); the others are for comparison.
            _value(
                self.values[f"service{i}"],
                percent(today.service_level(i)),
                figures.service_level_level if i == 0 else Level.NEUTRAL,
            )
        _value(self.answered, str(today.answered))
        short = today.short_abandoned
        _value(self.abandoned, f"{today.abandoned - short} (+{short})")
        self.abandoned.setToolTip(tr("Abandoned; in brackets the short abandons, counted apart"))
        _value(self.agents, f"{figures.available}/{figures.members}")


CAPTION = "font-size:11px;color:#475467;"
SEVERITY = (Level.NEUTRAL, Level.OK, Level.WARN, Level.ALERT)


def _value(label: QLabel, text: str, level: Level = Level.NEUTRAL) -> None:
    colour = "#101828" if level in (Level.NEUTRAL, Level.OK) else LEVEL_COLOURS[level]
    label.setStyleSheet(f"font-size:12px;font-weight:700;color:{colour};")
    label.setText(text)
