"""package: public datasets in id, metadata_modified and name order, straight from one index.

The DCAT catalog pages and dump walk public datasets by id (keyset: `id > last ORDER BY id LIMIT n`), and the
catalog's dct:modified is the newest public change. With only (state, private), SQLite (no statistics) read
every public row and sorted it for each page: at 100,000 datasets on SQLite a page's query took 19 ms against 2.8 ms
at 10,000, the newest-change lookup 31 ms against 3.4 ms, and a full dump was quadratic. With the order
column after the equality columns, each is a range scan that stops after n rows. package_list (by name) had
the same sort: 70-320 ms for 100 names at 100,000 datasets, 0.9-3.4 ms with the index. (state, private, id) also serves everything
(state, private) served, so it replaces it.

Revision ID: 0006_package_public_order
Revises: 0005_search_storage
"""

from alembic import op

revision = "0006_package_public_order"
down_revision = "0005_search_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("package") as batch_op:
        batch_op.drop_index("ix_package_state_private")
        batch_op.create_index("ix_package_state_private_id", ["state", "private", "id"])
        batch_op.create_index("ix_package_state_private_modified", ["state", "private", "metadata_modified"])
        batch_op.create_index("ix_package_state_private_name", ["state", "private", "name"])


def downgrade() -> None:
    with op.batch_alter_table("package") as batch_op:
        batch_op.drop_index("ix_package_state_private_name")
        batch_op.drop_index("ix_package_state_private_modified")
        batch_op.drop_index("ix_package_state_private_id")
        batch_op.create_index("ix_package_state_private", ["state", "private"])
