"""``central156 gateway serve``: the agent gateway (run it on the PBX host)."""

from __future__ import annotations

import click

from citizen_center.config import load_settings
from citizen_center.db import open_database
from pbx.render import GATEWAY_AMI_USER


@click.group()
def gateway() -> None:
    """The agent gateway: desktops' only door to the PBX."""


@gateway.command()
def serve() -> None:
    """Serve desktops at the configured host and port until interrupted."""
    from gateway.server import serve as run

    settings = load_settings()
    # Logins need the database: check it before serving, so a bad setting or a stopped server
    # is one line at start-up rather than every desktop's login failing.
    open_database(settings).dispose()
    gw = settings.gateway
    scheme = "https" if gw.tls_cert_file else "http"
    click.echo(
        f"agent gateway on {scheme}://{gw.host}:{gw.port} (PBX AMI "
        f"{settings.pbx.host}:{settings.pbx.ami_port} as {GATEWAY_AMI_USER})"
    )
    run(settings)
