"""``central156 ivr``: run the FastAGI server."""

from __future__ import annotations

import click

from citizen_center.config import load_settings


@click.group()
def ivr() -> None:
    """The IVR (FastAGI server for the 156 menu)."""


@ivr.command()
@click.option("--host", help="Listen address (default: [ivr] listen_host).")
@click.option("--port", type=int, help="Listen port (default: [ivr] listen_port).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the 156 call flow to Asterisk. SIGHUP reloads settings and catalogue."""
    from ivr.service import build_server, serve_forever

    settings = load_settings().ivr
    try:
        server = build_server(host or settings.listen_host, port or settings.listen_port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host or settings.listen_host}:{port or settings.listen_port}: {exc}"
        ) from exc
    serve_forever(server)
