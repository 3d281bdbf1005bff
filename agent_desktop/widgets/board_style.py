"""Colours, labels and number formats shared by the wallboard's tiles, cards and charts."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from agent_desktop.telephony.queue_board import AgentState, Level

# (strong colour, light tint) per agent state: the tint fills the tile, the strong colour marks it.
STATE_COLOURS: dict[AgentState, tuple[str, str]] = {
    AgentState.FREE: ("#12b76a", "#ecfdf3"),
    AgentState.RINGING: ("#2e90fa", "#eff8ff"),
    AgentState.TALKING: ("#7a5af8", "#f4f3ff"),
    AgentState.WRAPUP: ("#0ba5ec", "#f0f9ff"),
    AgentState.PAUSED: ("#f79009", "#fffaeb"),
    AgentState.UNAVAILABLE: ("#667085", "#f2f4f7"),
    AgentState.LOGGED_OUT: ("#98a2b3", "#f9fafb"),
}
LEVEL_COLOURS = {
    Level.OK: "#067647",
    Level.WARN: "#b54708",
    Level.ALERT: "#b42318",
    Level.NEUTRAL: "#475467",
}
LEVEL_BACKGROUNDS = {
    Level.OK: "#ecfdf3",
    Level.WARN: "#fffaeb",
    Level.ALERT: "#fef3f2",
    Level.NEUTRAL: "#f9fafb",
}


def state_colour(state: AgentState) -> QColor:
    return QColor(STATE_COLOURS[state][0])


def state_tint(state: AgentState) -> QColor:
    return QColor(STATE_COLOURS[state][1])


def level_colour(level: Level) -> QColor:
    return QColor(LEVEL_COLOURS[level])


def state_label(state: AgentState) -> str:
    labels = {
        AgentState.FREE: QCoreApplication.translate("Wallboard", "Free"),
        AgentState.RINGING: QCoreApplication.translate("Wallboard", "Ringing"),
        AgentState.TALKING: QCoreApplication.translate("Wallboard", "Talking"),
        AgentState.WRAPUP: QCoreApplication.translate("Wallboard", "Wrap-up"),
        AgentState.PAUSED: QCoreApplication.translate("Wallboard", "Paused"),
        AgentState.UNAVAILABLE: QCoreApplication.translate("Wallboard", "Phone offline"),
        AgentState.LOGGED_OUT: QCoreApplication.translate("Wallboard", "Logged out"),
    }
    return labels[state]


def calls_text(count: int) -> str:
    return QCoreApplication.translate("Wallboard", "%n call(s)", "", count)


def duration(seconds: float | None) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` beyond; a dash when unknown."""
    if seconds is None:
        return "—"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.0f}%"
