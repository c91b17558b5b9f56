"""activity: account activities belong to the account, and a user's stream has an index.

`new user`/`changed user` activities were recorded with the acting user (a sysadmin creating or editing an
account) as `user_id`; CKAN's user_changed subscription records the account itself, and `user_activity_list`
is the activities whose `user_id` is the user. Rows written before the fix are mended here, so a sysadmin's
stream stops listing the accounts it managed. The (user_id, timestamp) index serves that stream newest first
without reading every activity.

Revision ID: 0011_account_activity_user
Revises: 0010_vocabulary
"""

from alembic import op

revision = "0011_account_activity_user"
down_revision = "0010_vocabulary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE activity SET user_id = object_id WHERE activity_type IN ('new user', 'changed user')")
    op.create_index("ix_activity_user_timestamp", "activity", ["user_id", "timestamp"])


def downgrade() -> None:
    # Who acted is not recorded elsewhere: the mended rows stay the account's.
    op.drop_index("ix_activity_user_timestamp", table_name="activity")
