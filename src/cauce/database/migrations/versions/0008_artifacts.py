"""Artifacts: what runs make for people to see (markdown, tables, links, progress, images).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from cauce.database.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),  # JSON text (tables.JSONText)
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("task_run_id", sa.Uuid(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_runs.id"],
            name=op.f("fk_artifacts__flow_run_id__flow_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
    )
    op.create_index(op.f("ix_artifacts__flow_run_id"), "artifacts", ["flow_run_id"])
    op.create_index(op.f("ix_artifacts__key_created"), "artifacts", ["key", "created"])


def downgrade() -> None:
    op.drop_index(op.f("ix_artifacts__key_created"), table_name="artifacts")
    op.drop_index(op.f("ix_artifacts__flow_run_id"), table_name="artifacts")
    op.drop_table("artifacts")
