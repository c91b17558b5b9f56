"""vocabulary: CKAN's tag vocabularies, and an index to list a vocabulary's tags.

Until now a dataset could give a tag any `vocabulary_id`. Each such id already stored becomes a vocabulary
whose id and name are that id, so those tags stay valid (package_show, tag_list, `vocab_<name>` search) and a
sysadmin can rename the vocabulary afterwards.

Revision ID: 0010_vocabulary
Revises: 0009_package_extra_uri
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_vocabulary"
down_revision = "0009_package_extra_uri"
branch_labels = None
depends_on = None


def upgrade() -> None:
    vocabulary = op.create_table(
        "vocabulary",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vocabulary")),
        sa.UniqueConstraint("name", name=op.f("uq_vocabulary_name")),
    )
    op.create_index(op.f("ix_tag_vocabulary_id"), "tag", ["vocabulary_id"])
    tag = sa.table("tag", sa.column("vocabulary_id", sa.String))
    connection = op.get_bind()
    orphans = connection.execute(
        sa.select(tag.c.vocabulary_id).where(tag.c.vocabulary_id.is_not(None)).distinct()
    ).scalars().all()
    if orphans:
        op.bulk_insert(vocabulary, [{"id": value, "name": value} for value in orphans])


def downgrade() -> None:
    op.drop_index("ix_tag_vocabulary_id", table_name="tag")
    op.drop_table("vocabulary")
