"""TLS on the gateway: the certificate and key come from the configuration, the desktop trusts the
CA it is given, and a client that does not trust it gets no session. A self-signed certificate
made by openssl for the test; no PBX behind the gateway (it reports the PBX down)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot
from websockets.sync.client import connect

from agent_desktop.gateway_link import GatewayLink
from citizen_center.config import Settings, load_settings
from citizen_center.db import Database
from citizen_center.domain.workflow import Role
from citizen_center.services import users
from gateway.client import GatewayLoginError, GatewaySession, login
from gateway.server import RunningGateway, start_in_thread
from tests.fixtures.asterisk import free_port
from tests.fixtures.databases import fresh_database_url

PASSWORD = "senha-de-teste-1"
# Each test starts a TLS server with a fresh certificate: a second or so each.
pytestmark = pytest.mark.slow


def self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl")
    cert, key = folder / "gateway.pem", folder / "gateway.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_gateway(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[RunningGateway, Settings]]:
    cert, key = self_signed(tmp_path)
    database = Database.from_url(next(fresh_database_url("sqlite", request, tmp_path)))
    with database.transaction() as session:
        users.create_user(
            session,
            username="ana",
            full_name="Ana",
            role=Role.AGENT,
            password=PASSWORD,
            phone_interface="PJSIP/agent-2001",
        )
    base = load_settings()
    settings = base.replace(
        # Nothing listens on this AMI port: the gateway serves desktops with the PBX down.
        pbx=base.pbx.replace(runtime_dir=tmp_path / "pbx", ami_port=free_port()),
        gateway=base.gateway.replace(
            tls_cert_file=str(cert), tls_key_file=str(key), tls_ca_file=str(cert)
        ),
    )
    running = start_in_thread(settings, database)
    try:
        yield running, settings.replace(gateway=settings.gateway.replace(url=running.url))
    finally:
        running.stop()
        database.dispose()


def test_login_and_stream_over_tls_with_the_configured_ca(
    tls_gateway: tuple[RunningGateway, Settings],
) -> None:
    running, settings = tls_gateway
    assert running.url.startswith("https://")
    session = login(running.url, "ana", PASSWORD, ca_file=settings.gateway.tls_ca_file)
    assert session.stream_url.startswith("wss://")
    trusted = ssl.create_default_context(cafile=settings.gateway.tls_ca_file)
    with connect(
        session.stream_url,
        ssl=trusted,
        open_timeout=5,
        additional_headers={"Authorization": f"Bearer {session.token}"},
    ) as socket:
        hello = json.loads(socket.recv(timeout=5))
    assert hello["type"] == "hello" and hello["pbx"] == "down"


def test_a_client_that_does_not_trust_the_certificate_gets_nothing(
    tls_gateway: tuple[RunningGateway, Settings],
) -> None:
    running, _settings = tls_gateway
    with pytest.raises(GatewayLoginError, match="Não foi possível falar"):
        login(running.url, "ana", PASSWORD)  # the system CAs only
    with pytest.raises((httpx.ConnectError, httpx.RemoteProtocolError)):  # plain HTTP: refused
        httpx.get(running.url.replace("https://", "http://") + "/v1/health", timeout=2)


def test_the_desktops_link_trusts_the_configured_ca(
    qtbot: QtBot,
    tls_gateway: tuple[RunningGateway, Settings],
) -> None:
    running, settings = tls_gateway
    session: GatewaySession = login(
        running.url, "ana", PASSWORD, ca_file=settings.gateway.tls_ca_file
    )
    link = GatewayLink(session)
    try:
        # The hello arrives over wss (TLS done), saying the PBX behind is down.
        with qtbot.waitSignal(
            link.errorText, timeout=10000, check_params_cb=lambda text: "central telefônica" in text
        ):
            link.start()
    finally:
        link.stop()
