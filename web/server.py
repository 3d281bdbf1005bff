"""Running the web server from the settings: ``central156 web serve``, the demo and the tests."""

from __future__ import annotations

import socket
from typing import TypeAlias

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from citizen_center.config import Settings, load_settings
from citizen_center.db import Database, Ping, open_database
from serving.thread import RunningServer, serve_in_thread
from web.app import create_app
from web.parts import WebParts


def uvicorn_config(settings: Settings, parts: WebParts, port: int | None = None) -> uvicorn.Config:
    web = settings.web
    return uvicorn.Config(
        create_app(parts),
        host=web.host,
        port=web.port if port is None else port,
        # The city's reverse proxy terminates TLS and says who the client is.
        proxy_headers=True,
        log_config=None,
        access_log=False,
        lifespan="on",
    )


def worker_app() -> FastAPI:
    """The application of one worker process (uvicorn's factory when ``[web] workers`` > 1):
    each worker reads the settings and opens its own database pool."""
    settings = load_settings()
    return create_app(WebParts(open_database(settings, ping=Ping.AFTER_IDLE), settings))


def serve(settings: Settings, database: Database) -> None:
    """Run until interrupted (the command's body)."""
    web = settings.web
    if web.workers > 1:
        # The workers are new processes (spawned): they cannot share this one's pool.
        database.dispose()
        config = uvicorn.Config(
            f"{__name__}:{worker_app.__name__}",
            factory=True,
            host=web.host,
            port=web.port,
            workers=web.workers,
            proxy_headers=True,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        # What uvicorn.run does for workers, with a socket of our own (see _listening_socket).
        Multiprocess(config, sockets=[_listening_socket(web.host, web.port)]).run()
        return
    try:
        uvicorn.Server(uvicorn_config(settings, WebParts(database, settings))).run()
    finally:
        database.dispose()


def _listening_socket(host: str, port: int) -> socket.socket:
    """The socket the workers share, made with its protocol named. uvicorn's own
    (``Config.bind_socket``) leaves it 0, and asyncio turns Nagle's algorithm off
    (TCP_NODELAY) only on connections of a socket that says TCP: every answer then waited
    about 40 ms for the client's delayed ACK (bench/web.py: 50 ms for a 2 ms GET)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


# A web server served from a background thread (the demo's and the tests' way to run one).
RunningWeb: TypeAlias = RunningServer[WebParts]


def start_in_thread(settings: Settings, database: Database, port: int = 0) -> RunningWeb:
    """Serve on ``port`` (0: a free one) and return once it accepts connections."""
    parts = WebParts(database, settings)
    return serve_in_thread(uvicorn_config(settings, parts, port), parts, "web")
