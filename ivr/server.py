"""The FastAGI server: a thread per call, handlers by script name, reload and graceful stop.

Like wazo-agid: a threaded TCP server with a backlog; each connection reads the AGI environment,
looks up the handler by ``agi_network_script``, and runs it. A failure that escapes a handler is
logged with the call's uniqueid and leaves ``C156_ROUTE`` empty, which sends the channel to the
dialplan's failure path (apology, general queue).

Reload (SIGHUP) builds a new ``IvrRuntime`` (settings, catalogue, intent matcher...) and swaps
it in; each call keeps the runtime it started with, so live calls are not disturbed and no lock
is held during a call. The server keeps no state between calls: several servers can serve
several Asterisk boxes against one PostgreSQL.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from citizen_center.logs import call_context
from ivr.agi import AgiProtocolError, CallerHungUp, FastAgiChannel
from ivr.registry import HandlerRegistry, UnknownScriptError, script_name
from pbx.channel_vars import ChannelVar

log = logging.getLogger(__name__)

# Longest silence on a call's socket before the thread gives up on it (a stuck Asterisk).
SOCKET_IDLE_TIMEOUT_S = 900
FAILURE_VARIABLE = ChannelVar.ROUTE

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


class FastAgiServer(socketserver.ThreadingMixIn, socketserver.TCPServer, Generic[R]):
    """Serves FastAGI connections; ``run_call`` binds a channel and a runtime to a handler."""

    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        registry: HandlerRegistry[Any],
        runtimes: RuntimeHolder[R],
        run_call: Callable[[Callable[..., None], FastAgiChannel, R], None],
    ) -> None:
        self.registry = registry
        self.runtimes = runtimes
        self._run_call = run_call
        self._live = 0
        self._live_lock = threading.Condition()
        super().__init__(address, _ConnectionHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def live_calls(self) -> int:
        with self._live_lock:
            return self._live

    def serve_connection(self, connection: socket.socket) -> None:
        connection.settimeout(SOCKET_IDLE_TIMEOUT_S)
        with self._live_lock:
            self._live += 1
        try:
            self._serve(connection)
        finally:
            with self._live_lock:
                self._live -= 1
                self._live_lock.notify_all()

    def _serve(self, connection: socket.socket) -> None:
        try:
            channel = FastAgiChannel(connection)
        except (AgiProtocolError, CallerHungUp, OSError) as exc:
            log.warning("rejected a FastAGI connection: %s", exc)
            return
        uniqueid = channel.env.get("agi_uniqueid", "-")
        with call_context(uniqueid):
            name = script_name(channel.env.get("agi_network_script", ""))
            runtime = self.runtimes.current
            started = time.monotonic()
            try:
                handler = self.registry.get(name)
                log.info("call started script=%s caller=%s", name, channel.env.get("agi_callerid"))
                self._run_call(handler, channel, runtime)
                log.info("call handed back to the dialplan after %.1fs", time.monotonic() - started)
            except CallerHungUp:
                log.info("caller hung up after %.1fs", time.monotonic() - started)
            except UnknownScriptError as exc:
                log.error("%s", exc)
                _send_to_failure_path(channel)
            except Exception:
                log.exception("AGI handler %s failed; sending the call to the failure path", name)
                _send_to_failure_path(channel)
            finally:
                channel.close()

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


class _ConnectionHandler(socketserver.BaseRequestHandler):
    server: FastAgiServer[object]

    def handle(self) -> None:
        self.server.serve_connection(self.request)
