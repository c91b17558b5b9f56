"""search: the outbox of dataset changes an external search index (Tantivy) is fed from, and each index node's
position in it.

Every write that changes what search returns inserts one `search_outbox` row per dataset, in its own transaction,
so the outbox holds exactly the committed changes. On PostgreSQL each row also records its transaction id
(`txid`, xid8): concurrent transactions commit out of sequence order, so an indexer's position is the snapshot it
read the outbox in, and rows are new to it when they were not visible in that snapshot (catalog/search/outbox.py).
On SQLite writers take turns, so sequence order is commit order and the position is a sequence number;
AUTOINCREMENT keeps a number from being reused once the outbox has been emptied.

Revision ID: 0012_search_outbox
Revises: 0011_account_activity_user
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_search_outbox"
down_revision = "0011_account_activity_user"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_outbox ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.create_index("ix_search_outbox_txid", "search_outbox", ["txid"])
    op.create_index("ix_search_outbox_created", "search_outbox", ["created"])
    op.create_table(
        "search_index_node",
        sa.Column("node", sa.String(200), primary_key=True),
        sa.Column("generation", sa.String(100), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.Column("indexed", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("updated", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_index_node")
    op.drop_table("search_outbox")
