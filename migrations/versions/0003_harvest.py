"""harvest sources, jobs and objects

Revision ID: 0003_harvest
Revises: 0002_search
"""

revision = "0003_harvest"
down_revision = "0002_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
