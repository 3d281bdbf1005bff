"""Assembling and running the gateway from the settings: ``central156 gateway serve``.

The AMI credentials and the token key come from the configuration or, on the PBX host, from the
runtime folder's secret store (generated on first use, mode 0600) — the same store the rendered
``manager.conf`` takes the gateway's AMI secret from.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TypeAlias

import uvicorn

from citizen_center.config import Settings
from citizen_center.db import Database
from gateway.app import GatewayParts, create_app
from gateway.hub import Hub
from gateway.tokens import TokenSigner
from pbx.ami.aio import AmiState, AsyncAmiClient
from pbx.render import GATEWAY_AMI_USER, RuntimeLayout, SecretStore
from serving.thread import RunningServer, serve_in_thread

log = logging.getLogger(__name__)

TOKEN_SECRET_NAME = "gateway-token"
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


# A gateway served from a background thread (the demo's and the tests' way to run one).
RunningGateway: TypeAlias = RunningServer[GatewayParts]


def start_in_thread(settings: Settings, database: Database, port: int = 0) -> RunningGateway:
    """Serve on ``port`` (0: a free one) and return once it accepts connections."""
    parts = build_parts(settings, database)
    return serve_in_thread(uvicorn_config(settings, parts, port), parts, "gateway")
