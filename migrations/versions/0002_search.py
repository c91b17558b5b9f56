"""search index: search_package (flat row + stored dict), search_value (multi-valued exact fields),
and the full-text part: an FTS5 table on SQLite, a tsvector column with a GIN index on PostgreSQL.

Revision ID: 0002_search
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_search"
down_revision = "0001_core"
branch_labels = None
depends_on = None

DOC_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FTS_DDL = ("CREATE VIRTUAL TABLE search_fts USING fts5(hi, mid, low, fld, "
           "tokenize = \"unicode61 remove_diacritics 0 tokenchars ':_-'\")")


def upgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    columns = [
        sa.Column("doc_id", DOC_ID, primary_key=True, autoincrement=True),
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title_string", sa.Text()),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("owner_org", sa.String(36)),
        sa.Column("organization", sa.String(100)),
        sa.Column("license_id", sa.Text()),
        sa.Column("creator_user_id", sa.String(36)),
        sa.Column("url", sa.Text()),
        sa.Column("version", sa.String(100)),
        sa.Column("metadata_created", sa.DateTime()),
        sa.Column("metadata_modified", sa.DateTime()),
    ]
    if not is_sqlite:
        columns.append(sa.Column("tsv", postgresql.TSVECTOR()))
    op.create_table("search_package", *columns, sa.UniqueConstraint("package_id", name="uq_search_package_package_id"))
    # Sort indexes carry state and private so paging with the public filter is an index-only walk.
    for name, column in (("modified", "metadata_modified"), ("created", "metadata_created"),
                         ("title_string", "title_string"), ("name", "name")):
        op.create_index(f"ix_search_package_{name}", "search_package", [column, "package_id", "state", "private"])
    op.create_index("ix_search_package_id", "search_package", ["package_id", "state", "private"])
    op.create_index("ix_search_package_owner_org", "search_package", ["owner_org"])
    op.create_index("ix_search_package_organization", "search_package", ["organization"])
    op.create_index("ix_search_package_license_id", "search_package", ["license_id"])
    op.create_table(
        "search_doc",
        sa.Column("doc_id", DOC_ID, primary_key=True, autoincrement=False),
        sa.Column("data_dict", sa.Text(), nullable=False),
    )
    op.create_table(
        "search_value",
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("doc_id", DOC_ID, nullable=False),
        sa.PrimaryKeyConstraint("field", "value", "doc_id", name="pk_search_value"),
    )
    op.create_index("ix_search_value_doc_id", "search_value", ["doc_id"])
    if is_sqlite:
        op.get_bind().exec_driver_sql(FTS_DDL)  # raw: the tokenchars would read as a bind parameter
        # Deleting an index row (purge, clearing) takes its full-text row with it.
        op.execute("CREATE TRIGGER search_package_fts_delete AFTER DELETE ON search_package "
                   "BEGIN DELETE FROM search_fts WHERE rowid = old.doc_id; END")
    else:
        op.execute("CREATE INDEX ix_search_package_tsv ON search_package USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_value")
    op.drop_table("search_doc")
    op.drop_table("search_package")
