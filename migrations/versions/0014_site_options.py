"""site: settings kept in the database and edited from /ckan-admin/config (CKAN's config_option_* actions).

`site_option`: one row per option set by a sysadmin (`ckan.site_title`, `ckan.site_description`,
`ckan.site_logo`, `ckan.default_license_id`); an option without a row takes its default (catalog/site/options.py).
Like CKAN's `system_info` table, but only the keys Moisson knows are written.

Revision ID: 0014_site_options
Revises: 0013_review
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_site_options"
down_revision = "0013_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_option",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(36), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("site_option")
