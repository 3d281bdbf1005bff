"""Putting the IVR together: the registry's handlers, the runtime, and the FastAGI server."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

import ivr.handlers  # noqa: F401  (registers the handlers)
from citizen_center.errors import ConfigError
from ivr.agi import FastAgiChannel
from ivr.call import AgiCall
from ivr.recorder import Replayer
from ivr.registry import handlers
from ivr.runtime import IvrRuntime, RuntimeFactory
from ivr.server import FastAgiServer, RuntimeHolder

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 30.0


def run_call(
    handler: Callable[[AgiCall], None], channel: FastAgiChannel, runtime: IvrRuntime
) -> None:
    handler(AgiCall(channel, runtime))


def build_server(
    host: str, port: int, factory: RuntimeFactory | None = None
) -> FastAgiServer[IvrRuntime]:
    runtimes = RuntimeHolder((factory or RuntimeFactory()).build)
    # Capacity and deadlines are read once: a reload does not resize a running server.
    ivr = runtimes.current.settings.ivr
    return FastAgiServer(
        (host, port),
        handlers,
        runtimes,
        run_call,
        max_calls=ivr.max_calls,
        env_timeout_s=ivr.agi_env_timeout_seconds,
        idle_timeout_s=ivr.agi_idle_timeout_seconds,
    )


def build_replayer(server: FastAgiServer[IvrRuntime]) -> Replayer:
    """The journal's replayer and lost-call sweeper, following reloads (database, settings)."""
    runtimes = server.runtimes
    return Replayer(
        runtimes.current.recorder,
        lambda: runtimes.current.database,
        lambda: timedelta(seconds=runtimes.current.settings.ivr.lost_call_after_s),
        interval_s=runtimes.current.settings.ivr.journal_replay_s,
    )


def serve_forever(server: FastAgiServer[IvrRuntime], grace_s: float = SHUTDOWN_GRACE_S) -> None:
    """Serve until SIGTERM/SIGINT; SIGHUP reloads. Must run in the main thread (signals)."""
    stop = threading.Event()
    replayer = build_replayer(server)
    replayer.start()  # its first round also sweeps the calls a killed IVR left open

    def on_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    def on_reload(_signum: int, _frame: FrameType | None) -> None:
        # Build the new runtime off the signal handler's frame, in its own thread.
        threading.Thread(target=_reload, args=(server,), name="reload", daemon=True).start()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_reload)
    worker = threading.Thread(target=server.serve_forever, name="fastagi", daemon=True)
    worker.start()
    log.info(
        "FastAGI server listening on %s:%d, handlers: %s",
        *server.server_address[:2],
        ", ".join(handlers.names()),
    )
    stop.wait()
    server.shutdown()  # no new calls
    server.server_close()
    log.info("not taking new calls; %d call(s) in progress", server.live_calls)
    if not server.wait_for_calls(grace_s):
        log.warning("stopping with %d call(s) still in the IVR", server.live_calls)
    replayer.stop()
    if replayer.replay().remaining:  # a last chance; what is left waits for the next start
        log.warning("stopping with journal entries not replayed yet")
    log.info("stopped")


def _reload(server: FastAgiServer[IvrRuntime]) -> None:
    try:
        runtime = server.runtimes.reload()
        log.info("reloaded: catalogue %s", runtime.catalogue.version)
    except ConfigError as exc:
        log.error("reload failed (%s); the previous configuration stays in use", exc)
    except Exception:
        log.exception("reload failed; the previous configuration stays in use")
