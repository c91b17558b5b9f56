"""resource_view: a resource's saved views (CKAN's resource_view table: table, text, image and chart views).

Rows go with their resource (ON DELETE CASCADE), so deleting or purging a resource or its dataset removes them.

Revision ID: 0015_resource_view
Revises: 0014_site_options
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_resource_view"
down_revision = "0014_site_options"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "resource_view",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("resource_id", sa.String(36), sa.ForeignKey("resource.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("view_type", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("config", JSON, nullable=False),
    )
    op.create_index("ix_resource_view_resource_id", "resource_view", ["resource_id"])


def downgrade() -> None:
    op.drop_table("resource_view")
