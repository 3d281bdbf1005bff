"""``central156 stats`` (queue_log import, reports, PDF summary) and ``central156 inbox``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.config import Settings, load_settings
from citizen_center.db import Database, open_database
from citizen_center.errors import CitizenCenterError
from citizen_center.models import User
from citizen_center.services import inbox, report_export, reports
from citizen_center.services.common import Actor
from citizen_center.services.queue_log import import_queue_log
from citizen_center.services.report_export import ReportTable
from citizen_center.services.reports import (
    CallDimension,
    Period,
    ReportOptions,
    SatisfactionDimension,
)

REPORT_KINDS = ("calls", "pauses", "satisfaction", "channels", "late", "reopened")


def _setup() -> tuple[Settings, Database, ReportOptions]:
    settings = load_settings()
    options = ReportOptions.from_settings(settings.reports, settings.catalogue.timezone)
    return settings, open_database(settings), options


def _period(months: int, first: date | None, last: date | None, tz: str) -> Period:
    if first or last:
        if not (first and last):
            raise click.UsageError("--from and --to go together")
        return Period.days(first, last, tz)
    return Period.last_months(months, tz)


@click.group()
def stats() -> None:
    """Supervisors' statistics: Asterisk's queue_log and the reports."""


@stats.command("import-queue-log")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--progress/--no-progress", default=True, show_default=True)
def import_queue_log_command(paths: tuple[Path, ...], progress: bool) -> None:
    """Import what queue_log files have that the database has not seen (safe to repeat).

    Without PATHS, the file from [reports] queue_log_path (default: the local Asterisk's). Give
    rotated files too (queue_log.1 ...): lines already imported are recognised and skipped.
    """
    settings, database, _ = _setup()
    targets = paths or (settings.reports.resolved_queue_log_path(settings.pbx),)
    for path in targets:
        if not path.is_file():
            raise click.ClickException(f"{path}: no such file")
        click.echo(import_queue_log(database, path, progress=progress).describe())


# Satisfaction by channel is its own report (month and channel together), not a dimension.
BY_CHANNEL = "channel"
DIMENSION_CHOICES = sorted(
    {d.value for d in CallDimension} | {d.value for d in SatisfactionDimension} | {BY_CHANNEL}
)


@stats.command("report")
@click.argument("kind", type=click.Choice(REPORT_KINDS))
@click.option(
    "--by",
    "dimension",
    type=click.Choice(DIMENSION_CHOICES),
    default=None,
    help="calls: total|queue|agent|hour|day|month; satisfaction: "
    "total|month|agent|service|channel; late: service (default) or total",
)
@click.option(
    "--months",
    default=1,
    show_default=True,
    type=click.IntRange(1, 120),
    help="The current month and the ones before it.",
)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--queue", default=None, help="calls: one queue only")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the table to this CSV file.",
)
def report_command(
    kind: str,
    dimension: str | None,
    months: int,
    first: datetime | None,
    last: datetime | None,
    queue: str | None,
    csv_path: Path | None,
) -> None:
    """Print one report as a table (and write it as CSV)."""
    _, database, options = _setup()
    period = _period(
        months, first.date() if first else None, last.date() if last else None, options.timezone
    )
    with database.transaction() as session:
        table = _report_table(session, kind, dimension, period, options, queue)
    click.echo(f"Período: {period.describe(options.timezone)}")
    click.echo(report_export.format_text(table, options.timezone))
    if csv_path:
        report_export.write_csv(table, csv_path)
        click.echo(f"CSV: {csv_path}")


def _report_table(
    session: Session,
    kind: str,
    dimension: str | None,
    period: Period,
    options: ReportOptions,
    queue: str | None,
) -> ReportTable:
    try:
        if kind == "calls":
            by = CallDimension(dimension or "queue")
            rows = reports.call_stats(session, period, by, options, queue)
            return ReportTable.of(f"Chamadas por {by.value}", rows, by.value)
        if kind == "satisfaction" and dimension == BY_CHANNEL:
            return ReportTable.of(
                "Satisfação por canal e mês",
                reports.satisfaction_by_channel(session, period, options),
            )
        if kind == "satisfaction":
            sby = SatisfactionDimension(dimension or "month")
            return ReportTable.of(
                f"Satisfação por {sby.value}",
                reports.satisfaction(session, period, sby, options),
                sby.value,
            )
    except ValueError as exc:
        raise click.UsageError(f"--by {dimension} does not apply to {kind}") from exc
    if kind == "pauses":
        return ReportTable.of("Pausas", reports.pause_stats(session, period))
    if kind == "channels":
        return ReportTable.of("Canais por mês", reports.channel_mix(session, period, options))
    if kind == "late":
        return ReportTable.of(
            "Solicitações em atraso",
            reports.late_requests(session, by_service=dimension != "total"),
        )
    return ReportTable.of(
        "Reaberturas por secretaria", reports.reopened_by_secretariat(session, period)
    )


@stats.command("pdf")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--months", default=1, show_default=True, type=click.IntRange(1, 120))
def pdf_command(path: Path, months: int) -> None:
    """Write the printable summary (calls, satisfaction, channels, late, reopened) to PATH."""
    _, database, options = _setup()
    period = Period.last_months(months, options.timezone)
    with database.transaction() as session:
        tables = report_export.summary_tables(session, period, options)
    report_export.write_pdf_summary(
        path,
        tables,
        title="Central 156 - resumo de atendimento",
        subtitle=f"Período: {period.describe(options.timezone)}; nível de serviço: "
        f"{options.service_level_target_percent:.0f} % em "
        f"{options.service_level_seconds} s",
        tz=options.timezone,
    )
    click.echo(f"PDF: {path}")


@click.group("inbox")
def inbox_group() -> None:
    """The focal points' inbox and its scheduled job."""


@inbox_group.command("close-expired")
@click.option(
    "--days", type=click.IntRange(1), default=None, help="Default: [inbox] auto_close_days."
)
def close_expired_command(days: int | None) -> None:
    """Close resolved requests the citizen has not disputed within the configured days
    (run daily; running it twice closes nothing more)."""
    settings, database, _ = _setup()
    wait = days or settings.inbox.auto_close_days
    with database.transaction() as session:
        closed = inbox.close_expired_resolutions(session, wait)
    click.echo(f"{closed} resolved request(s) closed after {wait} days without a dispute")


@inbox_group.command("list")
@click.argument("username")
def list_command(username: str) -> None:
    """The inbox of a focal-point user, nearest deadline first."""
    _, database, options = _setup()
    try:
        with database.transaction() as session:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise click.ClickException(f"no user {username!r}")
            items = inbox.inbox(session, user_id, actor=Actor.operator())
    except CitizenCenterError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in items:
        flag = f"ATRASADO {item.days_late} d" if item.late else ""
        due = item.expected_at.astimezone(ZoneInfo(options.timezone))
        click.echo(
            f"{item.number}  {due:%d/%m/%Y}  {item.status.label_pt:<13} "
            f"{item.service[:40]:<40} {flag}"
        )
    click.echo(f"{len(items)} request(s)")
