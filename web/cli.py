"""``central156 web serve``: the citizens' web server (Open311 API and citizen page)."""

from __future__ import annotations

import click

from citizen_center.config import load_settings
from citizen_center.db import Ping, open_database


@click.group()
def web() -> None:
    """The citizens' web server: the Open311 API and the citizen page."""


@web.command()
def serve() -> None:
    """Serve at the configured host and port until interrupted."""
    from web.server import serve as run

    settings = load_settings()
    # One line at start-up for a bad setting or a stopped database, not an error per request.
    database = open_database(settings, ping=Ping.AFTER_IDLE)
    click.echo(
        f"citizens' web server on {settings.web.resolved_url()} "
        f"(Open311 at {settings.web.resolved_url()}/open311/v2/)"
    )
    run(settings, database)
