"""What every view needs: clear error messages and drafts saved as the agent types."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from agent_desktop.gateway_link import ConnectionState
from agent_desktop.jobs import JobRunner
from agent_desktop.store.drafts import DraftStore
from agent_desktop.store.service import DesktopStore
from agent_desktop.widgets.indicators import DotState
from citizen_center.errors import CitizenCenterError, DatabaseUnavailableError

ERROR_STYLE = "color:#b42318;font-weight:600;"
OK_STYLE = "color:#067647;font-weight:600;"


class DeskServices:
    """What views share: the store (data), the job runner (threads) and the drafts (disk).

    Thread-safety: GUI thread; the store it hands to jobs is itself thread-safe.
    """

    def __init__(self, store: DesktopStore, jobs: JobRunner, drafts: DraftStore) -> None:
        self.store = store
        self.jobs = jobs
        self.drafts = drafts


def error_text(exc: Exception) -> str:
    """A message an agent can act on; domain errors already carry pt-BR text."""
    if isinstance(exc, DatabaseUnavailableError):
        return QCoreApplication.translate(
            "Errors",
            "Database unavailable: nothing was lost, the form is kept. Try again in a moment.",
        )
    if isinstance(exc, CitizenCenterError):
        return str(exc)
    return QCoreApplication.translate("Errors", "Unexpected error: %1").replace("%1", str(exc))


def pbx_state_text(state: ConnectionState) -> tuple[DotState, str]:
    """The status dot's colour and text for the PBX connection (agent and supervisor bars)."""
    translate = QCoreApplication.translate
    texts = {
        ConnectionState.CONNECTED: (DotState.OK, translate("DeskController", "PBX connected")),
        ConnectionState.CONNECTING: (
            DotState.WARN,
            translate("DeskController", "PBX connecting..."),
        ),
        ConnectionState.RETRYING: (DotState.BAD, translate("DeskController", "PBX offline")),
        ConnectionState.DISCONNECTED: (
            DotState.IDLE,
            translate("DeskController", "PBX disconnected"),
        ),
    }
    return texts[state]


def set_framed_central(
    window: QMainWindow, top: Sequence[QWidget], content: QWidget, margin: int
) -> None:
    """Every role's window: the status bar and banners edge to edge on top, the content below."""
    central = QWidget(window)
    layout = QVBoxLayout(central)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for widget in top:
        layout.addWidget(widget)
    body = QWidget(central)
    body_layout = QVBoxLayout(body)
    body_layout.setContentsMargins(margin, margin, margin, margin)
    body_layout.addWidget(content)
    layout.addWidget(body, 1)
    window.setCentralWidget(central)


def show_message(label: QLabel, text: str, ok: bool = False) -> None:
    label.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
    label.setText(text)


class DraftKeeper(QObject):
    """Saves a form to disk shortly after each edit, and restores it on start.

    Thread-safety: GUI thread only.
    """

    def __init__(
        self,
        drafts: DraftStore,
        name: str,
        collect: Callable[[], dict[str, Any]],
        restore: Callable[[dict[str, Any]], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.drafts = drafts
        self.name = name
        self.collect = collect
        self.restore = restore
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.save_now)

    def touched(self) -> None:
        self._timer.start()

    def save_now(self) -> None:
        self._timer.stop()
        self.drafts.save(self.name, self.collect())

    def restore_saved(self) -> bool:
        data = self.drafts.load(self.name)
        if not data:
            return False
        self.restore(data)
        return True

    def discard(self) -> None:
        self._timer.stop()
        self.drafts.discard(self.name)
