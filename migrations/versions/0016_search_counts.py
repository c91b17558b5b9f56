"""search index: num_resources and num_tags as integer columns of search_package, so they filter, range and sort
as numbers (CKAN's Solr int fields: q=num_resources:[2 TO *], fq=num_tags:0, sort=num_resources desc).

Filled from each row's stored package_show dict (search_doc), so no rebuild is needed on the database backends;
the Tantivy index's schema version changes with it (`moisson search-index rebuild`).

Revision ID: 0016_search_counts
Revises: 0015_resource_view
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_search_counts"
down_revision = "0015_resource_view"  # after the site settings and resource views of the same issue
branch_labels = None
depends_on = None

COLUMNS = ("num_resources", "num_tags")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("search_package", sa.Column(name, sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE search_package SET "
                   "num_resources = (d.data_dict::json->>'num_resources')::int, "
                   "num_tags = (d.data_dict::json->>'num_tags')::int "
                   "FROM search_doc d WHERE d.doc_id = search_package.doc_id")
    else:
        for name in COLUMNS:
            op.execute(f"UPDATE search_package SET {name} = (SELECT json_extract(d.data_dict, '$.{name}') "
                       "FROM search_doc d WHERE d.doc_id = search_package.doc_id)")
    for name in COLUMNS:
        op.create_index(f"ix_search_package_{name}", "search_package", [name])


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_index(f"ix_search_package_{name}", "search_package")
    with op.batch_alter_table("search_package") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
