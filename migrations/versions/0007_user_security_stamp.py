"""user: a per-user security stamp that web sessions carry and every request checks.

A session cookie holds only the user id and this stamp. A password change, a sysadmin demotion, a deletion or
"log out everywhere" replaces the stamp, so every cookie issued before stops working at its next request.

Revision ID: 0007_user_security_stamp
Revises: 0006_package_public_order
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007_user_security_stamp"
down_revision = "0006_package_public_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("security_stamp", sa.String(64), nullable=True))
    user = sa.table("user", sa.column("id", sa.String), sa.column("security_stamp", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(
            user.update().where(user.c.id == user_id).values(security_stamp=secrets.token_hex(16))
        )
    with op.batch_alter_table("user") as batch_op:
        batch_op.alter_column("security_stamp", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("security_stamp")
