"""Running Alembic migrations from code (``central156 db upgrade`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from citizen_center.db import Database
from citizen_center.errors import DatabaseConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = _scripts_config()
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_scripts_config()).get_current_head()


def _scripts_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def require_current(database: Database) -> None:
    """Refuse a database this version's code cannot work with: not migrated, or migrated by an
    older or newer version (``DatabaseConfigError`` naming the fix)."""
    current = current_revision(database.engine)
    head = head_revision()
    if current == head:
        return
    where = database.engine.url.render_as_string(hide_password=True)
    if current is None:
        raise DatabaseConfigError(
            f"the database {where} has no Central 156 tables: run `central156 db upgrade` "
            f"(and `central156 db seed`), or fix {database.setting}"
        )
    raise DatabaseConfigError(
        f"the database {where} is at revision {current}, this version needs {head}: run "
        "`central156 db upgrade` (or, if the database is newer, update Central 156)"
    )


def upgrade_and_seed(database: Database) -> None:
    """Migrate to head and load the shipped catalogue: a database ready for use (tests, benches)."""
    from citizen_center.catalogue import shipped_catalogue
    from citizen_center.services.catalogue import load_catalogue

    upgrade(database.engine)
    with database.transaction() as session:
        load_catalogue(session, shipped_catalogue())
