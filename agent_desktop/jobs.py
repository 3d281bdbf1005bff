"""Background jobs: database work runs on a thread pool, results come back on the GUI thread.

``JobRunner.run(fn, on_done, on_error)`` executes ``fn()`` on a ``QThreadPool`` worker. The
worker emits a signal carrying the result; because the signal's receiver lives in the GUI
thread, Qt queues the call there, so ``on_done`` / ``on_error`` always run on the GUI thread and
may touch widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from citizen_center.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives in the GUI thread; its signals cross from the worker thread by queued connection."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the GUI thread, which decides what to show
            self.relay.failed.emit(exc)
        else:
            self.relay.succeeded.emit(result)


class JobRunner(QObject):
    """Runs callables off the GUI thread.

    Thread-safety: create and call it from the GUI thread; the callables run on pool threads
    and must not touch widgets (they receive none).
    """

    databaseLost = Signal(str)
    databaseBack = Signal()

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._relays: set[_Relay] = set()
        self.database_down = False

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)  # keep it alive until the job reports

        @Slot(object)
        def done(result: Any) -> None:
            self._finish(relay)
            self._database_ok()
            if on_done is not None and _receiver_alive(on_done):
                on_done(result)

        @Slot(object)
        def failed(exc: Exception) -> None:
            self._finish(relay)
            if isinstance(exc, DatabaseUnavailableError):
                self._database_failed(str(exc))
            elif on_error is None:
                log.error("background job failed: %r", exc, exc_info=exc)
            if on_error is not None and _receiver_alive(on_error):
                on_error(exc)

        relay.succeeded.connect(done)
        relay.failed.connect(failed)
        self.pool.start(_Job(fn, relay))

    def _finish(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        relay.deleteLater()

    def _database_failed(self, message: str) -> None:
        if not self.database_down:
            log.warning("database unavailable: %s", message)
        self.database_down = True
        self.databaseLost.emit(message)

    def _database_ok(self) -> None:
        if self.database_down:
            self.database_down = False
            log.info("database reachable again")
            self.databaseBack.emit()

    @property
    def idle(self) -> bool:
        """No job is running or waiting to report its result (GUI thread)."""
        return not self._relays

    def wait(self, msecs: int = 30000) -> bool:
        return bool(self.pool.waitForDone(msecs))


def _receiver_alive(callback: Callable[..., None]) -> bool:
    """False when the callback is a method of a Qt object Qt has already deleted (its window
    closed while the job ran): delivering the result then would touch freed C++ memory."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)
