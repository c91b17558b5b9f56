"""package_extra: find the datasets holding an upstream URI (the `uri` extra) without reading every extra.

Each DCAT page asks which public dataset publishes under each URI of the page (catalog/dcat/uri_owners.py),
so the answer must cost a probe per URI whatever the catalog's size. The index is partial (only `uri` rows)
and, on PostgreSQL, a hash index: a btree refuses entries over about 2,700 bytes, and an extra's value has no
length limit, so a long URI would have made a dataset impossible to save.

Revision ID: 0009_package_extra_uri
Revises: 0008_search_value_by_doc
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_package_extra_uri"
down_revision = "0008_search_value_by_doc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_package_extra_uri", "package_extra", ["value"],
                    postgresql_using="hash", postgresql_where=sa.text("key = 'uri'"),
                    sqlite_where=sa.text("key = 'uri'"))


def downgrade() -> None:
    op.drop_index("ix_package_extra_uri", table_name="package_extra")
