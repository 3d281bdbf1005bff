"""``central156 ivr``: run the FastAGI server; replay its journal, close lost calls by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from citizen_center.config import load_settings
from citizen_center.db import open_database
from citizen_center.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    from ivr.recorder import Replayer


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
    # Fail fast, in one line, on a database that is wrongly configured (a bad URL, not SQLite,
    # not migrated): running would only hide it. A database that is merely down is another
    # matter: the IVR serves callers without it and journals what it writes (issue 11), so a
    # restart during an outage must not leave every caller without the menu.
    try:
        open_database(full).dispose()
    except DatabaseUnavailableError as exc:
        click.echo(f"warning: {exc}; serving calls anyway, writes go to the journal", err=True)
    settings = full.ivr
    try:
        server = build_server(host or settings.listen_host, port or settings.listen_port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host or settings.listen_host}:{port or settings.listen_port}: {exc}"
        ) from exc
    serve_forever(server)


@ivr.command()
@click.option(
    "--older-than",
    type=float,
    help="Seconds without an outcome before a call counts as lost (default: [ivr] "
    "lost_call_after_s).",
)
def sweep(older_than: float | None) -> None:
    """Close the calls a dead IVR left open (outcome ivr_lost). The IVR service does this at
    start and every minute; this is for when no IVR is running."""
    replayer = _replayer(older_than)
    if replayer.recorder.journal.pending():
        raise click.ClickException("the journal is not replayed yet: run `central156 ivr replay`")
    closed = replayer.sweep()
    click.echo(f"{len(closed)} lost call(s) closed" + (": " + ", ".join(closed) if closed else ""))


@ivr.command()
def replay() -> None:
    """Write the IVR journal (what the IVR could not write while the database was away) to the
    database now. The IVR service does this every [ivr] journal_replay_s."""
    result = _replayer(None).replay()
    click.echo(f"{result.replayed} entries replayed, {result.dropped} dropped")
    if result.remaining:
        raise click.ClickException("the database is unavailable: entries remain in the journal")


def _replayer(older_than: float | None) -> Replayer:
    from datetime import timedelta

    from citizen_center.db import Database
    from ivr.journal import Journal
    from ivr.recorder import CallRecorder, Replayer

    settings = load_settings()
    database = Database.from_settings(settings)
    limit = timedelta(
        seconds=older_than if older_than is not None else settings.ivr.lost_call_after_s
    )
    recorder = CallRecorder(Journal(settings.ivr.resolved_journal_dir()))
    return Replayer(recorder, lambda: database, lambda: limit)
