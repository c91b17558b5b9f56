"""Alembic wiring: upgrade to head, and refuse to serve an out-of-date schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from catalog.db import Database
from catalog.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class SchemaOutOfDateError(RuntimeError):
    pass


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(db: Database, read_role: str = Settings.datastore_read_role) -> None:
    """Migrate to head; on PostgreSQL, also create or repair the datastore_search_sql role (`read_role`)."""
    config = alembic_config(db.url)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    if not db.is_sqlite:
        # Not a migration: the role is shared by every database of the cluster and is repaired on each upgrade.
        from catalog.datastore.sql_role import ensure_read_role

        pooled = db.engine.raw_connection()
        try:
            ensure_read_role(pooled.driver_connection, read_role)
        finally:
            pooled.close()


def current_and_head(db: Database) -> tuple[set[str], set[str]]:
    script = ScriptDirectory.from_config(alembic_config(db.url))
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, set(script.get_heads())


def ensure_schema(db: Database, *, create_if_embedded: bool) -> None:
    """The embedded SQLite default is created and migrated on first run; anything else must be current."""
    current, head = current_and_head(db)
    if current == head:
        return
    if create_if_embedded:
        upgrade(db)
        return
    raise SchemaOutOfDateError(
        f"The database schema is at {sorted(current) or 'nothing'} but this Moisson needs {sorted(head)}. "
        "Run `moisson db upgrade` first."
    )
