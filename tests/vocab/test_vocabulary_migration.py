"""Migration 0010 on both databases: vocabulary ids stored before it become vocabularies, and it goes back down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from catalog.migrate import alembic_config
from tests.conftest import SELECTED, create_pg_database, drop_pg_database


@pytest.fixture(params=SELECTED)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = create_pg_database("moisson_migrate")
    try:
        yield url
    finally:
        drop_pg_database(url)


def _run(url: str, verb: str, revision: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)
    engine.dispose()


def test_stored_vocabulary_ids_become_vocabularies(empty_url: str) -> None:
    _run(empty_url, "upgrade", "0009_package_extra_uri")
    engine = create_engine(empty_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO tag (id, name, vocabulary_id) VALUES "
                                "('t1', 'jazz', 'legacy-genre'), ('t2', 'blues', 'legacy-genre'), "
                                "('t3', 'free', NULL)"))
    _run(empty_url, "upgrade", "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, name FROM vocabulary")).all()
    assert [tuple(row) for row in rows] == [("legacy-genre", "legacy-genre")]
    _run(empty_url, "downgrade", "0009_package_extra_uri")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM tag")).scalar() == 3
    _run(empty_url, "upgrade", "head")
    engine.dispose()
