"""Assembling and running the gateway from the settings: ``central156 gateway serve``.

The AMI credentials and the token key come from the configuration or, on the PBX host, from the
runtime folder's secret store (generated on first use, mode 0600) — the same store the rendered
``manager.conf`` takes the gateway's AMI secret from.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import uvicorn

from citizen_center.config import Settings
from citizen_center.db import Database
from gateway.app import GatewayParts, create_app
from gateway.hub import Hub
from gateway.tokens import TokenSigner
from pbx.ami.aio import AmiState, AsyncAmiClient
from pbx.render import GATEWAY_AMI_USER, RuntimeLayout, SecretStore

log = logging.getLogger(__name__)

TOKEN_SECRET_NAME = "gateway-token"
STARTUP_TIMEOUT_SECONDS = 15.0
MIN_PING_TIMEOUT_SECONDS = 10.0


def secret_store(settings: Settings) -> SecretStore:
    return SecretStore(RuntimeLayout(settings.pbx.resolved_runtime_dir()).secrets_file)


def gateway_ami_secret(settings: Settings) -> str:
    return secret_store(settings).get(f"ami-{GATEWAY_AMI_USER}")


def token_key(settings: Settings) -> str:
    # 32 bytes: the key length RFC 7518 asks of HS256.
    return settings.gateway.token_secret or secret_store(settings).get(TOKEN_SECRET_NAME, 32)


def build_parts(settings: Settings, database: Database) -> GatewayParts:
    """The hub wired to an AMI session on the configured PBX (not started yet)."""
    gateway, pbx = settings.gateway, settings.pbx
    # The callbacks run only once the session is started, by which time the hub exists.
    ami = AsyncAmiClient(
        pbx.host,
        pbx.ami_port,
        GATEWAY_AMI_USER,
        gateway_ami_secret(settings),
        ping_interval=gateway.ping_interval,
        id_prefix="gw-",
        on_event=lambda message: hub.on_ami_event(message),
        on_state=lambda state: hub.on_ami_state(state is AmiState.CONNECTED),
    )
    hub = Hub(ami, settings.desktop.queues)
    signer = TokenSigner(token_key(settings), gateway.token_hours * 3600)
    return GatewayParts(
        database,
        signer,
        hub,
        start_ami=ami.start,
        stop_ami=ami.stop,
        max_failed_logins=gateway.max_failed_logins,
        lockout=timedelta(minutes=gateway.lockout_minutes),
    )


def uvicorn_config(
    settings: Settings, parts: GatewayParts, port: int | None = None
) -> uvicorn.Config:
    gateway = settings.gateway
    return uvicorn.Config(
        create_app(parts),
        host=gateway.host,
        port=gateway.port if port is None else port,
        ssl_certfile=gateway.tls_cert_file or None,
        ssl_keyfile=gateway.tls_key_file or None,
        # A desktop busy drawing may answer a ping late: drop it only after a long silence.
        ws_ping_interval=gateway.ping_interval,
        ws_ping_timeout=max(2 * gateway.ping_interval, MIN_PING_TIMEOUT_SECONDS),
        ws_max_size=64 * 1024,
        log_config=None,
        access_log=False,
        lifespan="on",
    )


def serve(settings: Settings) -> None:
    """Run until interrupted (the command's body)."""
    database = Database.from_settings(settings)
    try:
        uvicorn.Server(uvicorn_config(settings, build_parts(settings, database))).run()
    finally:
        database.dispose()


@dataclass
class RunningGateway:
    """A gateway served from a background thread (the demo's and the tests' way to run one)."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str
    parts: GatewayParts

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_in_thread(settings: Settings, database: Database, port: int = 0) -> RunningGateway:
    """Serve on ``port`` (0: a free one) and return once it accepts connections."""
    parts = build_parts(settings, database)
    server = uvicorn.Server(uvicorn_config(settings, parts, port))
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve()), name="gateway", daemon=True
    )
    thread.start()
    waited = 0.0
    while not server.started and thread.is_alive() and waited < STARTUP_TIMEOUT_SECONDS:
        threading.Event().wait(0.02)
        waited += 0.02
    if not server.started:
        server.should_exit = True
        raise RuntimeError("the gateway did not start")
    bound = server.servers[0].sockets[0].getsockname()[1]
    scheme = "https" if settings.gateway.tls_cert_file else "http"
    return RunningGateway(server, thread, f"{scheme}://{settings.gateway.host}:{bound}", parts)
