"""search index on PostgreSQL: the tsvector stays in the row (lz4), sort indexes cover doc_id.

Ranking reads the tsvector of every match. Stored out of line (the default for values over ~2 kB, 40 % of
the benchmark's rows) each read is a TOAST index lookup: ts_rank over 94,000 matches took 270 ms; inline
and lz4-compressed, 67 ms. The sort indexes gain doc_id (INCLUDE) so that paging, OFFSET included, is an
index-only scan instead of a sort of every visible row (start=90,000 by id: 930 ms -> 13 ms), and a small
(state, private) index (deduplicated to a few pages) makes counting the visible rows cheap (7.7 -> 3.3 ms).
SQLite needs neither: its indexes carry the rowid (doc_id), and FTS5 keeps its own storage.

Revision ID: 0005_search_storage
Revises: 0004_datastore
"""

from alembic import op

revision = "0005_search_storage"
down_revision = "0004_datastore"
branch_labels = None
depends_on = None

SORT_INDEXES = {
    "ix_search_package_modified": "metadata_modified, package_id, state, private",
    "ix_search_package_created": "metadata_created, package_id, state, private",
    "ix_search_package_title_string": "title_string, package_id, state, private",
    "ix_search_package_name": "name, package_id, state, private",
    "ix_search_package_id": "package_id, state, private",
}


def _lz4_available() -> bool:
    enumvals = op.get_bind().exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'").scalar()
    return bool(enumvals) and "lz4" in enumvals


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE search_package ALTER COLUMN tsv SET STORAGE MAIN")
    if _lz4_available():
        op.execute("ALTER TABLE search_package ALTER COLUMN tsv SET COMPRESSION lz4")
    # Existing values keep their old storage until rewritten; the cast makes a new value.
    op.execute("UPDATE search_package SET tsv = tsv::text::tsvector WHERE tsv IS NOT NULL")
    for name, columns in SORT_INDEXES.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON search_package ({columns}) INCLUDE (doc_id)")
    op.execute("CREATE INDEX ix_search_package_visible ON search_package (state, private)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX ix_search_package_visible")
    for name, columns in SORT_INDEXES.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON search_package ({columns})")
    op.execute("ALTER TABLE search_package ALTER COLUMN tsv SET STORAGE EXTENDED")
