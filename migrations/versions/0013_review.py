"""review: organizations that require review before publication, and the review rounds of datasets.

`group.review_required` (false for every existing organization: they behave as before). `review_revision`: one
row per round of review of a dataset, at most one open (draft, pending, changes_requested) per dataset, enforced
by a partial unique index on both databases (catalog/review/models.py).

Revision ID: 0013_review
Revises: 0012_search_outbox
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_review"
down_revision = "0012_search_outbox"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
OPEN = sa.text("status IN ('draft', 'pending', 'changes_requested')")


def upgrade() -> None:
    with op.batch_alter_table("group") as batch:
        batch.add_column(sa.Column("review_required", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "review_revision",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("package_id", sa.String(36), sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("owner_org", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author_user_id", sa.String(36), nullable=True),
        sa.Column("data", JSON, nullable=True),
        sa.Column("base", JSON, nullable=True),
        sa.Column("files", JSON, nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("submitted", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(36), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("history", JSON, nullable=False),
    )
    op.create_index("ix_review_revision_package_id", "review_revision", ["package_id"])
    op.create_index("uq_review_revision_open", "review_revision", ["package_id"], unique=True,
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_review_revision_org_status", "review_revision", ["owner_org", "status", "modified"])
    op.create_index("ix_review_revision_author", "review_revision", ["author_user_id", "modified"])


def downgrade() -> None:
    op.drop_table("review_revision")
    with op.batch_alter_table("group") as batch:
        batch.drop_column("review_required")
