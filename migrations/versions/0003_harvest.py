"""harvest sources, jobs and objects

Revision ID: 0003_harvest
Revises: 0002_search
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_harvest"
down_revision = "0002_search"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "harvest_source",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("owner_org", sa.String(length=36), nullable=True),
        sa.Column("config", JSON, nullable=False),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("validation_state", sa.String(length=20), nullable=False),
        sa.Column("validation_comment", sa.Text(), nullable=True),
        sa.Column("validated_by", sa.String(length=36), nullable=True),
        sa.Column("validated_at", sa.DateTime(), nullable=True),
        sa.Column("creator_user_id", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("next_run", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["owner_org"], ["group.id"], name=op.f("fk_harvest_source_owner_org_group")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_source")),
        sa.UniqueConstraint("name", name=op.f("uq_harvest_source_name")),
    )
    op.create_index(op.f("ix_harvest_source_owner_org"), "harvest_source", ["owner_org"])

    op.create_table(
        "harvest_job",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("started", sa.DateTime(), nullable=True),
        sa.Column("gather_finished", sa.DateTime(), nullable=True),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.Column("heartbeat", sa.DateTime(), nullable=True),
        sa.Column("cursor", JSON, nullable=True),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("gather_complete", sa.Boolean(), nullable=False),
        sa.Column("pages_total", sa.Integer(), nullable=True),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("stats", JSON, nullable=False),
        sa.Column("gather_errors", JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["harvest_source.id"], name=op.f("fk_harvest_job_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_job")),
    )
    op.create_index("ix_harvest_job_source_created", "harvest_job", ["source_id", "created"])
    op.create_index(op.f("ix_harvest_job_status"), "harvest_job", ["status"])

    op.create_table(
        "harvest_object",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("content", JSON, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=True),
        sa.Column("remote_url", sa.Text(), nullable=True),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("last_seen_job_id", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["harvest_job.id"], name=op.f("fk_harvest_object_job_id_harvest_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["harvest_source.id"], name=op.f("fk_harvest_object_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_object")),
    )
    op.create_index("ix_harvest_object_source_guid", "harvest_object", ["source_id", "guid"])
    op.create_index(
        "ix_harvest_object_source_current", "harvest_object", ["source_id", "current", "last_seen_job_id"]
    )
    op.create_index("ix_harvest_object_job_status", "harvest_object", ["job_id", "status"])
    op.create_index(
        "uq_harvest_object_current_guid", "harvest_object", ["source_id", "guid"], unique=True,
        sqlite_where=sa.text('"current"'), postgresql_where=sa.text('"current"'),
    )
    op.create_index(op.f("ix_harvest_object_package_id"), "harvest_object", ["package_id"])

    op.create_table(
        "harvest_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_log")),
    )
    op.create_index("ix_harvest_log_created", "harvest_log", ["created"])
    op.create_index(op.f("ix_harvest_log_source_id"), "harvest_log", ["source_id"])


def downgrade() -> None:
    op.drop_table("harvest_log")
    op.drop_table("harvest_object")
    op.drop_table("harvest_job")
    op.drop_table("harvest_source")
