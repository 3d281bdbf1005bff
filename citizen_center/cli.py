"""The ``central156`` command line.

The domain's own commands live here (``db``, ``demo-data``, ``request``, ``user``). The other
sides add their command groups through the ``central156.commands`` entry point group in
``setup.cfg``, so the domain never imports telephony or UI code.
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError

from citizen_center import migrate
from citizen_center.catalogue import load_catalogue_file
from citizen_center.config import Settings, load_settings
from citizen_center.db import Database, open_database
from citizen_center.demo_data import MAX_CALLS, MAX_CITIZENS, MAX_REQUESTS
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel, Role
from citizen_center.errors import (
    CitizenCenterError,
    DatabaseUnavailableError,
    NotFoundError,
    ValidationError,
)
from citizen_center.models import ServiceRequest
from citizen_center.services import api_clients, requests, statistics, users
from citizen_center.services.catalogue import load_catalogue
from citizen_center.services.common import DEFAULT_POLICY, Actor, Policy


class _Central156Group(click.Group):
    """The top group: a domain error no command handled (a bad setting, say) is reported as its
    one-line message with exit status 1, not as a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CitizenCenterError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Central156Group)
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """Central 156: Porto Alegre's citizen-service line."""
    from citizen_center.logs import configure_logging

    configure_logging(logging.DEBUG if verbose else logging.INFO)


def _register_plugins() -> None:
    for entry in entry_points(group="central156.commands"):
        command = entry.load()
        main.add_command(command, name=entry.name)


_register_plugins()


def _register_domain_groups() -> None:
    from citizen_center.stats_cli import inbox_group, stats

    main.add_command(stats)
    main.add_command(inbox_group)


_register_domain_groups()


def _database(settings: Settings | None = None, *, schema: bool = True) -> Database:
    """The configured database, probed first: a database that cannot be used stops the command
    with one line naming the fix, never a traceback (``db.open_database``)."""
    return open_database(settings or load_settings(), schema=schema)


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)


@main.group()
def db() -> None:
    """Database: migrations and reference data."""


@db.command()
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply the migrations (creates the embedded SQLite database if needed)."""
    database = _database(schema=False)
    try:
        migrate.upgrade(database.engine, revision)
    except OperationalError as exc:
        _fail(f"cannot reach the database: {exc.orig}")
    click.echo(
        f"database at revision {migrate.current_revision(database.engine)} "
        f"({database.engine.url.render_as_string(hide_password=True)})"
    )


@db.command()
@click.option("--revision", default="base", show_default=True)
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    database = _database(schema=False)
    migrate.downgrade(database.engine, revision)
    click.echo(f"database at revision {migrate.current_revision(database.engine)}")


@db.command()
@click.option(
    "--catalogue",
    "catalogue_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A catalogue JSON file instead of the shipped one.",
)
def seed(catalogue_path: Path | None) -> None:
    """Load secretariats, focal points and the service catalogue; create the admin user.

    The admin comes from CENTRAL156_ADMIN_USER and CENTRAL156_ADMIN_PASSWORD (skipped if unset).
    """
    settings = load_settings()
    database = _database(settings)
    catalogue = load_catalogue_file(catalogue_path)
    with database.transaction() as session:
        summary = load_catalogue(session, catalogue)
    click.echo(
        f"catalogue {summary.version}: {summary.secretariats} secretariats, "
        f"{summary.focal_points} new focal points, {summary.service_types} service types"
    )
    username = os.environ.get("CENTRAL156_ADMIN_USER", "")
    password = os.environ.get("CENTRAL156_ADMIN_PASSWORD", "")
    if not username or not password:
        click.echo(
            "no admin user created (set CENTRAL156_ADMIN_USER and CENTRAL156_ADMIN_PASSWORD)"
        )
        return
    try:
        with database.transaction() as session:
            users.create_user(
                session,
                username=username,
                full_name="Administrador",
                role=Role.ADMIN,
                password=password,
            )
        click.echo(f"admin user {username!r} created")
    except ValidationError as exc:
        click.echo(f"admin user not created: {exc}")


@db.command()
def status() -> None:
    """What the database holds: revision, citizens, requests by status, late requests."""
    database = _database(schema=False)
    try:
        click.echo(f"database: {database.engine.url.render_as_string(hide_password=True)}")
        revision = migrate.current_revision(database.engine)
        head = migrate.head_revision()
        if revision != head:
            # The counts below need this version's tables: say what to do instead of failing.
            click.echo(
                f"revision: {revision or 'none'} (this version needs {head}: "
                "run `central156 db upgrade`)"
            )
            return
        click.echo(f"revision: {revision}")
        click.echo(statistics.describe_overview(statistics.overview(database)))
    except (OperationalError, DatabaseUnavailableError) as exc:
        _fail(f"cannot reach the database: {exc}")


@main.group()
def user() -> None:
    """Users of the desktop."""


@user.command("unlock")
@click.argument("username")
def user_unlock(username: str) -> None:
    """Lift USERNAME's lockout after too many wrong passwords."""
    database = _database()
    try:
        with database.transaction() as session:
            users.unlock_user(session, username)
    except (NotFoundError, DatabaseUnavailableError) as exc:
        _fail(str(exc))
    click.echo(f"Usuário {username!r} desbloqueado.")


@main.group("api-client")
def api_client() -> None:
    """Programs allowed to file requests through the Open311 API (the city's app, partners)."""


@api_client.command("add")
@click.argument("name")
@click.option(
    "--channel",
    type=click.Choice([c.value for c in api_clients.CLIENT_CHANNELS]),
    default=Channel.APP.value,
    show_default=True,
    help="The channel its requests count under (channel-mix report).",
)
def api_client_add(name: str, channel: str) -> None:
    """Create client NAME and print its key (shown this once: only its hash is kept)."""
    database = _database()
    try:
        with database.transaction() as session:
            issued = api_clients.create_api_client(session, name, channel)
            line = f"Cliente {issued.client.name!r} ({channel}) criado. api_key: {issued.key}"
    except (ValidationError, DatabaseUnavailableError) as exc:
        _fail(str(exc))
    click.echo(line)
    click.echo("Guarde a chave agora: ela não é guardada e não pode ser mostrada de novo.")


@api_client.command("list")
def api_client_list() -> None:
    """The clients, their channel, key hint and state (never the keys)."""
    database = _database()
    with database.transaction() as session:
        rows = [
            f"{c.name}\t{c.channel.value}\t{c.key_hint}…\t"
            + ("ativo" if c.active else f"revogado em {c.revoked_at:%Y-%m-%d %H:%M} UTC")
            for c in api_clients.list_api_clients(session)
        ]
    click.echo("\n".join(rows) if rows else "Nenhum cliente da API.")


@api_client.command("revoke")
@click.argument("name")
def api_client_revoke(name: str) -> None:
    """Revoke NAME's key: its next request is refused (403)."""
    database = _database()
    try:
        with database.transaction() as session:
            api_clients.revoke_api_client(session, name)
    except (NotFoundError, DatabaseUnavailableError) as exc:
        _fail(str(exc))
    click.echo(f"Cliente {name!r} revogado.")


@main.group()
def request() -> None:
    """Service requests (protocolos)."""


@request.command("show")
@click.argument("number")
def request_show(number: str) -> None:
    """Show a request, its deadline and its whole history (audited as a read of its citizen's
    data by the system account running the command)."""
    database = _database()
    try:
        with database.transaction() as session:
            item = requests.view_request(session, number, Actor.operator())
            click.echo(describe_request(item))
    except (NotFoundError, ValidationError, DatabaseUnavailableError) as exc:
        _fail(str(exc))


def describe_request(item: ServiceRequest) -> str:
    tz = DEFAULT_POLICY.tz
    late = " — EM ATRASO" if requests.is_late(item) else ""
    lines = [
        f"Protocolo {format_protocol_number(item.number)}",
        f"  Serviço:    {item.service_type.name} ({item.service_type.code})",
        f"  Situação:   {item.status.label_pt}{late}",
        f"  Secretaria: {item.secretariat.code}"
        + (f" — {item.focal_point.name}" if item.focal_point else ""),
        f"  Canal:      {item.channel.value}",
        f"  Aberto em:  {item.created_at.astimezone(tz):%d/%m/%Y %H:%M}",
        f"  Previsão:   {item.expected_at.astimezone(tz):%d/%m/%Y}",
    ]
    if item.street:
        lines.append(f"  Endereço:   {item.street}, {item.house_number} — {item.neighbourhood}")
    if item.description:
        lines.append(f"  Descrição:  {item.description}")
    lines.append("  Histórico:")
    for event in item.events:
        source = event.from_status.label_pt if event.from_status else "—"
        who = event.actor_label or (f"usuário {event.actor_id}" if event.actor_id else "sistema")
        lines.append(
            f"    {event.at.astimezone(tz):%d/%m/%Y %H:%M}  {source} → "
            f"{event.to_status.label_pt}  ({who}) {event.note}"
        )
    return "\n".join(lines)


@main.command("demo-data")
@click.option(
    "--citizens",
    default=1000,
    show_default=True,
    type=click.IntRange(0, MAX_CITIZENS),
    help=f"At most {MAX_CITIZENS:,}.",
)
@click.option(
    "--requests",
    "request_count",
    default=3000,
    show_default=True,
    type=click.IntRange(0, MAX_REQUESTS),
    help=f"At most {MAX_REQUESTS:,}.",
)
@click.option(
    "--calls",
    default=2000,
    show_default=True,
    type=click.IntRange(0, MAX_CALLS),
    help=f"At most {MAX_CALLS:,}.",
)
@click.option(
    "--seed", "random_seed", default=156, show_default=True, help="Random seed (repeatable data)."
)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has requests.")
@click.option(
    "--force",
    is_flag=True,
    help="Add demo data even to a database that holds real citizens, requests or calls.",
)
def demo_data(
    citizens: int, request_count: int, calls: int, random_seed: int, if_empty: bool, force: bool
) -> None:
    """Generate realistic synthetic citizens, requests, calls and surveys.

    One transaction: the run completes or leaves the database as it was. A database that
    already holds data not made by demo-data (no 'supervisor.demo' user) is refused without
    --force.
    """
    from citizen_center.demo_data import generate

    settings = load_settings()
    database = _database(settings)
    if if_empty and statistics.count_requests(database) > 0:
        click.echo("the database already has requests: no demo data added")
        return
    summary = generate(
        database,
        citizens=citizens,
        requests=request_count,
        calls=calls,
        seed=random_seed,
        policy=Policy.from_settings(settings.catalogue),
        force=force,
    )
    click.echo(summary.describe())
