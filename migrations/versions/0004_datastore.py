"""datastore and uploads

Revision ID: 0004_datastore
Revises: 0003_harvest
"""

revision = "0004_datastore"
down_revision = "0003_harvest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
