"""datastore and uploads

Revision ID: 0004_datastore
Revises: 0003_harvest
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_datastore"
down_revision = "0003_harvest"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
READ_ROLE = "moisson_datastore_ro"


def upgrade() -> None:
    op.create_table(
        "datastore_table",
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("info", JSON, nullable=False),
        sa.Column("primary_key", JSON, nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_datastore_table")),
    )
    op.create_table(
        "datastore_load",
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("last_updated", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_datastore_load")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Data tables live apart from the catalog; datastore_search_sql runs as a role that can read
        # nothing else. Creating the role needs CREATEROLE: without it the SQL checks still apply.
        op.execute("CREATE SCHEMA IF NOT EXISTS datastore")
        op.execute(
            f"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{READ_ROLE}') THEN
                    CREATE ROLE {READ_ROLE} NOLOGIN;
                END IF;
            EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN
                RAISE NOTICE 'datastore read-only role not created';
            END $$
            """
        )
        op.execute(
            f"""
            DO $$
            BEGIN
                GRANT USAGE ON SCHEMA datastore TO {READ_ROLE};
                GRANT {READ_ROLE} TO CURRENT_USER;
            EXCEPTION WHEN insufficient_privilege OR undefined_object OR invalid_grant_operation THEN
                RAISE NOTICE 'datastore read-only role not granted';
            END $$
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SCHEMA IF EXISTS datastore CASCADE")
    op.drop_table("datastore_load")
    op.drop_table("datastore_table")
