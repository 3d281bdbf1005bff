"""``central156 ivr``: run the FastAGI server."""

from __future__ import annotations

import click

from citizen_center.config import load_settings
from citizen_center.db import open_database


@click.group()
def ivr() -> None:
    """The IVR (FastAGI server for the 156 menu)."""


@ivr.command()
@click.option("--host", help="Listen address (default: [ivr] listen_host).")
@click.option("--port", type=int, help="Listen port (default: [ivr] listen_port).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the 156 call flow to Asterisk. SIGHUP reloads settings and catalogue."""
    from ivr.service import build_server, serve_forever

    full = load_settings()
    # Fail fast on a database that cannot be used, in one line: once running, the IVR rides out
    # an outage (callers go to the general queue), but a bad setting would only show as that.
    # (Asterisk's dialplan does the same for an IVR that is not running, so nothing is lost.)
    open_database(full).dispose()
    settings = full.ivr
    try:
        server = build_server(host or settings.listen_host, port or settings.listen_port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host or settings.listen_host}:{port or settings.listen_port}: {exc}"
        ) from exc
    serve_forever(server)
