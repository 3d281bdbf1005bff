"""A uvicorn server in a background thread: how the demo and the tests run the gateway and the
web server inside their own process."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

import uvicorn

STARTUP_TIMEOUT_SECONDS = 15.0
POLL_SECONDS = 0.02

Parts = TypeVar("Parts")


@dataclass
class RunningServer(Generic[Parts]):
    """A server accepting connections at ``url``, with what its application was built from."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str
    parts: Parts
    loop: asyncio.AbstractEventLoop  # the server's: call_soon_threadsafe onto it
    native_thread_id: int  # the serving thread's (its CPU time: /proc/self/task/<id>)

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def serve_in_thread(config: uvicorn.Config, parts: Parts, name: str) -> RunningServer[Parts]:
    """Serve ``config`` (port 0: a free one) from a thread called ``name`` and return once it
    accepts connections; the URL's scheme follows the configuration's TLS certificate."""
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    native_ids: list[int] = []

    def run() -> None:
        native_ids.append(threading.get_native_id())
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve())
        finally:
            loop.close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"the {name} server did not start")
    bound = server.servers[0].sockets[0].getsockname()[1]
    scheme = "https" if config.ssl_certfile else "http"
    url = f"{scheme}://{config.host}:{bound}"
    return RunningServer(server, thread, url, parts, loop, native_ids[0])
