"""Flows, flow runs, task runs, their state histories and logs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from cauce.database.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
        sa.UniqueConstraint("name", name=op.f("uq_flows__name")),
    )
    op.create_table(
        "flow_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("parent_flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("parent_task_run_id", sa.Uuid(), nullable=True),
        sa.Column("state_id", sa.Uuid(), nullable=True),
        sa.Column("state_type", sa.String(length=16), nullable=True),
        sa.Column("state_name", sa.String(length=64), nullable=True),
        sa.Column("state_message", sa.Text(), nullable=True),
        sa.Column("state_timestamp", UTCDateTime(), nullable=True),
        sa.Column("scheduled_time", UTCDateTime(), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=True),
        sa.Column("end_time", UTCDateTime(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_flow_runs__flow_id__flows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_runs")),
    )
    op.create_index(op.f("ix_flow_runs__created"), "flow_runs", ["created"], unique=False)
    op.create_index(op.f("ix_flow_runs__flow_id"), "flow_runs", ["flow_id"], unique=False)
    op.create_index(
        op.f("ix_flow_runs__parent_flow_run_id"), "flow_runs", ["parent_flow_run_id"], unique=False
    )
    op.create_index(op.f("ix_flow_runs__state_type"), "flow_runs", ["state_type"], unique=False)
    op.create_table(
        "flow_run_states",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("scheduled_time", UTCDateTime(), nullable=True),
        sa.Column("flow_run_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_runs.id"],
            name=op.f("fk_flow_run_states__flow_run_id__flow_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_run_states")),
    )
    op.create_index(
        op.f("ix_flow_run_states__flow_run_id"), "flow_run_states", ["flow_run_id"], unique=False
    )
    op.create_table(
        "logs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("task_run_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_runs.id"],
            name=op.f("fk_logs__flow_run_id__flow_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logs")),
    )
    op.create_index(
        op.f("ix_logs__flow_run_id_timestamp"), "logs", ["flow_run_id", "timestamp"], unique=False
    )
    op.create_table(
        "task_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("task_name", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("cache_key", sa.String(length=255), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("task_inputs", sa.JSON(), nullable=False),
        sa.Column("state_id", sa.Uuid(), nullable=True),
        sa.Column("state_type", sa.String(length=16), nullable=True),
        sa.Column("state_name", sa.String(length=64), nullable=True),
        sa.Column("state_message", sa.Text(), nullable=True),
        sa.Column("state_timestamp", UTCDateTime(), nullable=True),
        sa.Column("scheduled_time", UTCDateTime(), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=True),
        sa.Column("end_time", UTCDateTime(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_run_id"],
            ["flow_runs.id"],
            name=op.f("fk_task_runs__flow_run_id__flow_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_runs")),
    )
    op.create_index(op.f("ix_task_runs__flow_run_id"), "task_runs", ["flow_run_id"], unique=False)
    op.create_table(
        "task_run_states",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("scheduled_time", UTCDateTime(), nullable=True),
        sa.Column("task_run_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_run_id"],
            ["task_runs.id"],
            name=op.f("fk_task_run_states__task_run_id__task_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_run_states")),
    )
    op.create_index(
        op.f("ix_task_run_states__task_run_id"), "task_run_states", ["task_run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_task_run_states__task_run_id"), table_name="task_run_states")
    op.drop_table("task_run_states")
    op.drop_index(op.f("ix_task_runs__flow_run_id"), table_name="task_runs")
    op.drop_table("task_runs")
    op.drop_index(op.f("ix_logs__flow_run_id_timestamp"), table_name="logs")
    op.drop_table("logs")
    op.drop_index(op.f("ix_flow_run_states__flow_run_id"), table_name="flow_run_states")
    op.drop_table("flow_run_states")
    op.drop_index(op.f("ix_flow_runs__state_type"), table_name="flow_runs")
    op.drop_index(op.f("ix_flow_runs__parent_flow_run_id"), table_name="flow_runs")
    op.drop_index(op.f("ix_flow_runs__flow_id"), table_name="flow_runs")
    op.drop_index(op.f("ix_flow_runs__created"), table_name="flow_runs")
    op.drop_table("flow_runs")
    op.drop_table("flows")
