"""An outbox position covers a writer's token exactly as the database would decide it (writers check it without
asking the database: catalog/search/tantivy_backend.py wait_searchable)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from catalog.search.outbox import PostgresCursor, SqliteCursor

SNAPSHOTS = ["100:100:", "100:105:", "100:105:100,103", "5:9:5,6,8", "1:1:"]
TOKENS = [1, 4, 5, 6, 7, 8, 9, 99, 100, 101, 102, 103, 104, 105, 106]


def test_postgres_covers_is_pg_visible_in_snapshot(services: Any) -> None:
    cursor = PostgresCursor()
    if services.db.is_sqlite:
        return  # the text form of a PostgreSQL snapshot is checked against PostgreSQL itself
    with services.db.engine.connect() as conn:
        for snapshot in SNAPSHOTS:
            for token in TOKENS:
                expected = conn.scalar(text("SELECT pg_visible_in_snapshot(CAST(:t AS xid8), CAST(:s AS pg_snapshot))"),
                                       {"t": str(token), "s": snapshot})
                assert cursor.covers(snapshot, token) is bool(expected), (snapshot, token)


def test_sqlite_covers_is_a_sequence_comparison() -> None:
    cursor = SqliteCursor()
    assert cursor.covers("7", 7) and cursor.covers("8", 7) and not cursor.covers("6", 7)
