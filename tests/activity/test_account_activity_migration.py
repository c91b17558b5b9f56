"""Migration 0011 on both databases: account activities recorded with the acting sysadmin as user_id become the
account's own, as CKAN records them; other activities keep their user."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.migration_runs import empty_url, migrate  # noqa: F401 (empty_url is a fixture)


def test_account_activities_become_the_accounts(empty_url: str) -> None:  # noqa: F811 (the fixture)
    migrate(empty_url, "upgrade", "0010_vocabulary")
    engine = create_engine(empty_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO activity (id, timestamp, user_id, object_id, activity_type, data, is_restricted) VALUES "
            "('a1', '2026-01-01 00:00:00', 'admin', 'alice', 'new user', '{}', false), "
            "('a2', '2026-01-02 00:00:00', 'admin', 'alice', 'changed user', '{}', false), "
            "('a3', '2026-01-03 00:00:00', 'admin', 'dataset-1', 'new package', '{}', false)"))
    migrate(empty_url, "upgrade", "head")
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT id, user_id FROM activity")).all())
    assert rows == {"a1": "alice", "a2": "alice", "a3": "admin"}
    migrate(empty_url, "downgrade", "0010_vocabulary")
    migrate(empty_url, "upgrade", "head")
    engine.dispose()
