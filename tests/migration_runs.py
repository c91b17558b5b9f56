"""Running migrations on an empty database of each kind, for tests of what a migration does to old rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from catalog.migrate import alembic_config
from tests.conftest import SELECTED, create_pg_database, drop_pg_database


@pytest.fixture(params=SELECTED)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = create_pg_database("migrate")
    try:
        yield url
    finally:
        drop_pg_database(url)


def migrate(url: str, verb: str, revision: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)
    engine.dispose()
