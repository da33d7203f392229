"""Workers, where each flow run's process is, and the watchdog's per-deployment limit.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from cauce.database.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("work_pool_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", UTCDateTime(), nullable=False),
        sa.Column("last_heartbeat", UTCDateTime(), nullable=False),
        sa.Column("stopped", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_pool_id"],
            ["work_pools.id"],
            name=op.f("fk_workers__work_pool_id__work_pools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
        sa.UniqueConstraint("work_pool_id", "name", name=op.f("uq_workers__work_pool_id_name")),
    )
    op.create_index(op.f("ix_workers__work_pool_id"), "workers", ["work_pool_id"])
    with op.batch_alter_table("flow_runs") as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat", UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_flow_runs__worker_id"), ["worker_id"])
    with op.batch_alter_table("deployments") as batch_op:
        batch_op.add_column(sa.Column("watchdog_running_after_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch_op:
        batch_op.drop_column("watchdog_running_after_seconds")
    with op.batch_alter_table("flow_runs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_runs__worker_id"))
        for name in ("heartbeat", "pid", "host", "worker_id"):
            batch_op.drop_column(name)
    op.drop_index(op.f("ix_workers__work_pool_id"), table_name="workers")
    op.drop_table("workers")
