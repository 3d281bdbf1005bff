"""The FastAGI server: a bounded pool of call workers, handlers by script name, reload and stop.

Each connection reads the AGI environment (within ``agi_env_timeout_seconds``), looks up the
handler by ``agi_network_script``, and runs it. A failure that escapes a handler is logged with the
call's uniqueid and leaves ``C156_ROUTE`` empty, which sends the channel to the dialplan's
failure path (apology, general queue). A hang-up in any form (the ``HANGUP`` line, a closed
socket, a TCP reset) ends the call quietly.

Capacity. At most ``max_calls`` calls are served at once, each by a worker thread of a bounded
pool (threads are reused, and leave after a minute idle). A connection beyond the limit is
closed at once: Asterisk reads EOF, ``C156_ROUTE`` stays empty and the caller takes the failure
path within milliseconds instead of waiting on a backlog. Refusals are logged once per burst
(the first one, then a count at most every ``REFUSAL_LOG_INTERVAL_S``, and a line when calls are
accepted again), never once per connection: a flood must not also flood the log. Every
accepted socket is closed on every path, by the worker that served it.

Why threads. An AGI call is a short command/reply exchange with long waits in between (Asterisk
plays the prompts and records the answers; the IVR only waits), so a worker spends its life
blocked on a socket, and the blocking code reads like the menu it implements. The 156's peaks
are tens of simultaneous callers, and what limits a server is speech recognition (about one
answer per second on two cores, see bench/README.md), not threads: a few hundred blocked
threads cost memory (their stacks), not CPU. What threads would not carry well is per-call
*audio streaming* (a frame every 20 ms per caller for streaming recognition): that is a
different workload (many small reads per second per call, GIL-bound) which belongs in an
asyncio loop or a separate media process feeding the recogniser, with the AGI control channel
staying here. Thread-per-call stays the right design for the control channel; streaming audio
should not be added to it.

Reload (SIGHUP) builds a new ``IvrRuntime`` (settings, catalogue, intent matcher...) and swaps
it in; each call keeps the runtime it started with, so live calls are not disturbed and no lock
is held during a call. The server keeps no state between calls: several servers can serve
several Asterisk boxes against one PostgreSQL.
"""

from __future__ import annotations

import errno
import logging
import queue
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from citizen_center.logs import call_context, log_safe
from ivr.agi import AgiProtocolError, CallerHungUp, FastAgiChannel
from ivr.registry import HandlerRegistry, UnknownScriptError, script_name
from pbx.channel_vars import ChannelVar

log = logging.getLogger(__name__)

DEFAULT_MAX_CALLS = 500
DEFAULT_ENV_TIMEOUT_S = 5.0
# Longest silence on a call's socket before the worker gives up on it (a stuck Asterisk).
DEFAULT_IDLE_TIMEOUT_S = 900.0
FAILURE_VARIABLE = ChannelVar.ROUTE
# During a burst of refusals (or of accept() failing for lack of descriptors), at most one log
# line this often.
REFUSAL_LOG_INTERVAL_S = 10.0
# After accept() fails for lack of file descriptors, pause before the next try: the listening
# socket stays readable, and retrying at once spins a core (what the flood showed).
ACCEPT_BACKOFF_S = 0.05
WORKER_IDLE_EXIT_S = 60.0
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}

R = TypeVar("R")


class RuntimeHolder(Generic[R]):
    """The current runtime; replaced whole on reload. Reading it is atomic, so no lock."""

    def __init__(self, factory: Callable[[], R]) -> None:
        self._factory = factory
        self._current = factory()
        self._reload_lock = threading.Lock()

    @property
    def current(self) -> R:
        return self._current

    def reload(self) -> R:
        with self._reload_lock:
            fresh = self._factory()
            self._current = fresh
            return fresh


CallRunner = Callable[[FastAgiChannel, R], None]


class BurstLog:
    """Logs a repeated event once per burst: the first, then a count at most every
    ``interval`` seconds, and ``close`` says how many there were once it stops."""

    def __init__(self, logger: logging.Logger, interval: float = REFUSAL_LOG_INTERVAL_S) -> None:
        self._log = logger
        self._interval = interval
        self._lock = threading.Lock()
        self._unlogged = 0
        self._total = 0
        self._last: float | None = None

    def note(self, message: str, *args: object) -> None:
        now = time.monotonic()
        with self._lock:
            self._total += 1
            if self._last is not None and now - self._last < self._interval:
                self._unlogged += 1
                return
            more, self._unlogged, self._last = self._unlogged, 0, now
        suffix = f" ({more} more since the last line)" if more else ""
        self._log.warning(message + suffix, *args)

    def close(self, message: str) -> None:
        """The burst is over: one line with its total (nothing if there was none)."""
        with self._lock:
            total, self._total, self._unlogged, self._last = self._total, 0, 0, None
        if total:
            self._log.warning(message, total)


class WorkerPool:
    """At most ``size`` daemon threads running submitted calls; threads are started on demand,
    reused, and leave after ``idle_exit_s`` without work.

    Not ``ThreadPoolExecutor``: its threads are joined at interpreter exit, so a process asked
    to stop would wait for every call still on the line (up to the idle limit).
    """

    def __init__(self, size: int, name: str, idle_exit_s: float = WORKER_IDLE_EXIT_S) -> None:
        self.size = size
        self._name = name
        self._idle_exit_s = idle_exit_s
        self._tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._queued = 0  # submitted, not yet taken by a worker
        self._waiting = 0  # workers blocked waiting for a task
        self._started = 0

    @property
    def threads(self) -> int:
        with self._lock:
            return self._threads

    def submit(self, task: Callable[[], None]) -> None:
        """Run ``task`` on a worker: a waiting one, else a new one while under ``size``. The
        server admits at most ``size`` calls at once, so a task never waits for long."""
        with self._lock:
            self._tasks.put(task)
            self._queued += 1
            if self._queued > self._waiting and self._threads < self.size:
                self._threads += 1
                self._started += 1
                threading.Thread(
                    target=self._work, name=f"{self._name}-{self._started}", daemon=True
                ).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                self._waiting += 1
            try:
                task = self._tasks.get(timeout=self._idle_exit_s)
            except queue.Empty:
                with self._lock:
                    self._waiting -= 1
                    if self._queued <= self._waiting:  # nothing left for this worker
                        self._threads -= 1
                        return
                continue
            with self._lock:
                self._waiting -= 1
                self._queued -= 1
            try:
                task()
            except Exception:  # the task's own handling failed; keep the worker
                log.exception("worker task failed")


class FastAgiServer(socketserver.TCPServer, Generic[R]):
    """Serves FastAGI connections; ``run_call`` binds a channel and a runtime to a handler."""

    allow_reuse_address = True
    # The kernel's backlog: connections wait there only while the accept loop catches up
    # (refused ones are closed at once), so this bounds nothing about calls.
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        registry: HandlerRegistry[Any],
        runtimes: RuntimeHolder[R],
        run_call: Callable[[Callable[..., None], FastAgiChannel, R], None],
        *,
        max_calls: int = DEFAULT_MAX_CALLS,
        env_timeout_s: float = DEFAULT_ENV_TIMEOUT_S,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
    ) -> None:
        self.registry = registry
        self.runtimes = runtimes
        self.max_calls = max_calls
        self.env_timeout_s = env_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self._run_call = run_call
        self._live = 0
        self._live_lock = threading.Condition()
        self._workers = WorkerPool(max_calls, "agi")
        self._refusals = BurstLog(log)
        self._accept_failures = BurstLog(log)
        super().__init__(address, socketserver.BaseRequestHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def live_calls(self) -> int:
        with self._live_lock:
            return self._live

    @property
    def worker_threads(self) -> int:
        return self._workers.threads

    # --- accepting -----------------------------------------------------------------------------
    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return self.socket.accept()
        except OSError as exc:
            if exc.errno in _OUT_OF_DESCRIPTORS:
                self._accept_failures.note(
                    "FastAGI server cannot accept connections: %s (live calls %d)",
                    exc,
                    self.live_calls,
                )
                time.sleep(ACCEPT_BACKOFF_S)
            raise  # socketserver drops this attempt and polls again

    def process_request(self, request: Any, client_address: Any) -> None:
        connection: socket.socket = request
        with self._live_lock:
            admitted = self._live < self.max_calls
            if admitted:
                self._live += 1
        if not admitted:
            # Closed before reading anything: Asterisk sees EOF, C156_ROUTE stays empty, and the
            # dialplan's failure path runs now rather than after a timeout.
            self.shutdown_request(connection)
            self._refusals.note(
                "FastAGI connection limit reached (%d calls): refusing new connections, "
                "callers get the failure path",
                self.max_calls,
            )
            return
        self._refusals.close("FastAGI server accepting calls again; %d connection(s) refused")
        self._accept_failures.close("FastAGI server accepting again after %d failed accept(s)")
        self._workers.submit(lambda: self._serve_and_close(connection))

    def _serve_and_close(self, connection: socket.socket) -> None:
        try:
            self.serve_connection(connection)
        finally:
            self.shutdown_request(connection)  # shutdown + close; closing twice is harmless
            with self._live_lock:
                self._live -= 1
                self._live_lock.notify_all()

    # --- serving -------------------------------------------------------------------------------
    def serve_connection(self, connection: socket.socket) -> None:
        """Serve one call on ``connection`` (the caller closes it)."""
        try:
            channel = FastAgiChannel(connection, self.env_timeout_s, self.idle_timeout_s)
        except CallerHungUp as exc:
            log.info("FastAGI connection closed before its environment: %s", exc)
            return
        except (AgiProtocolError, OSError) as exc:
            log.warning("rejected a FastAGI connection: %s", exc)
            return
        try:
            self._serve(channel)
        finally:
            channel.close()

    def _serve(self, channel: FastAgiChannel) -> None:
        uniqueid = channel.env.get("agi_uniqueid", "-")
        with call_context(log_safe(uniqueid, 40)):
            name = script_name(channel.env.get("agi_network_script", ""))
            runtime = self.runtimes.current
            started = time.monotonic()
            try:
                handler = self.registry.get(name)
                log.info(
                    "call started script=%s caller=%s",
                    log_safe(name, 40),
                    log_safe(channel.env.get("agi_callerid", "")),
                )
                self._run_call(handler, channel, runtime)
                log.info("call handed back to the dialplan after %.1fs", time.monotonic() - started)
            except CallerHungUp as exc:
                log.info("caller hung up after %.1fs (%s)", time.monotonic() - started, exc)
            except UnknownScriptError as exc:
                log.error("%s", log_safe(str(exc), 200))
                _send_to_failure_path(channel)
            except Exception:
                log.exception("AGI handler %s failed; sending the call to the failure path", name)
                _send_to_failure_path(channel)

    def wait_for_calls(self, timeout: float) -> bool:
        """Wait until no call is being served; False if some still are after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._live_lock:
            while self._live:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._live_lock.wait(remaining)
        return True


def _send_to_failure_path(channel: FastAgiChannel) -> None:
    try:
        channel.set_variable(FAILURE_VARIABLE, "")
    except Exception as exc:  # the channel may be gone too; nothing more to do
        log.info("could not mark the failure on the channel: %s", exc)
