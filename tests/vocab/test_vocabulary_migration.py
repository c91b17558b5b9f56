"""Migration 0010 on both databases: vocabulary ids stored before it become vocabularies, and it goes back down."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.migration_runs import empty_url, migrate  # noqa: F401 (empty_url is a fixture)


def test_stored_vocabulary_ids_become_vocabularies(empty_url: str) -> None:  # noqa: F811 (the fixture)
    migrate(empty_url, "upgrade", "0009_package_extra_uri")
    engine = create_engine(empty_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO tag (id, name, vocabulary_id) VALUES "
                                "('t1', 'jazz', 'legacy-genre'), ('t2', 'blues', 'legacy-genre'), "
                                "('t3', 'free', NULL)"))
    migrate(empty_url, "upgrade", "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, name FROM vocabulary")).all()
    assert [tuple(row) for row in rows] == [("legacy-genre", "legacy-genre")]
    migrate(empty_url, "downgrade", "0009_package_extra_uri")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM tag")).scalar() == 3
    migrate(empty_url, "upgrade", "head")
    engine.dispose()
