"""Work pools, deployments and their schedules; flow runs made from a deployment.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from cauce.database.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_pools",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_pools")),
        sa.UniqueConstraint("name", name=op.f("uq_work_pools__name")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("entrypoint", sa.String(length=1024), nullable=False),
        sa.Column("source", sa.String(length=2048), nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("parameter_schema", sa.JSON(), nullable=False),
        sa.Column("work_pool_id", sa.Uuid(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=255), nullable=True),
        sa.Column("is_paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("concurrency_limit", sa.Integer(), nullable=True),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["flows.id"],
            name=op.f("fk_deployments__flow_id__flows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_pool_id"],
            ["work_pools.id"],
            name=op.f("fk_deployments__work_pool_id__work_pools"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint("flow_id", "name", name=op.f("uq_deployments__flow_id_name")),
    )
    op.create_index(
        op.f("ix_deployments__work_pool_id"), "deployments", ["work_pool_id"], unique=False
    )
    op.create_table(
        "deployment_schedules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deployment_id", sa.Uuid(), nullable=False),
        sa.Column("cron", sa.String(length=255), nullable=True),
        sa.Column("interval_seconds", sa.Float(), nullable=True),
        sa.Column("anchor", UTCDateTime(), nullable=True),
        sa.Column("rrule", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_schedules__deployment_id__deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_schedules")),
    )
    op.create_index(
        op.f("ix_deployment_schedules__deployment_id"),
        "deployment_schedules",
        ["deployment_id"],
        unique=False,
    )
    # Plain ADD COLUMN, never a batch copy of flow_runs: on SQLite that drops the old
    # table, and its ON DELETE CASCADE would take every task run and log line with it.
    if op.get_bind().dialect.name == "sqlite":
        # Alembic would copy the table to add the foreign key; SQLite takes it inline.
        op.execute(
            "ALTER TABLE flow_runs ADD COLUMN deployment_id CHAR(32) "
            "CONSTRAINT fk_flow_runs__deployment_id__deployments "
            "REFERENCES deployments (id) ON DELETE SET NULL"
        )
    else:
        deployment = sa.ForeignKey(
            "deployments.id",
            name=op.f("fk_flow_runs__deployment_id__deployments"),
            ondelete="SET NULL",
        )
        op.add_column("flow_runs", sa.Column("deployment_id", sa.Uuid(), deployment, nullable=True))
    op.add_column("flow_runs", sa.Column("expected_start_time", UTCDateTime(), nullable=True))
    op.add_column(
        "flow_runs",
        sa.Column("auto_scheduled", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(op.f("ix_flow_runs__deployment_id"), "flow_runs", ["deployment_id"])
    op.create_index(
        "uq_flow_runs__auto_scheduled",
        "flow_runs",
        ["deployment_id", "expected_start_time"],
        unique=True,
        sqlite_where=sa.text("auto_scheduled = true"),
        postgresql_where=sa.text("auto_scheduled = true"),
    )


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index("uq_flow_runs__auto_scheduled", table_name="flow_runs")
    op.drop_index(op.f("ix_flow_runs__deployment_id"), table_name="flow_runs")
    if bind.dialect.name == "sqlite":
        # SQLite drops a foreign-key column only by copying the table, and dropping the
        # old copy would cascade to every task run and log line: refuse rather than lose.
        if bind.execute(sa.text("SELECT count(*) FROM flow_runs")).scalar():
            raise RuntimeError("downgrading below 0003 on SQLite needs an empty flow_runs table")
        with op.batch_alter_table("flow_runs") as batch_op:
            batch_op.drop_column("auto_scheduled")
            batch_op.drop_column("expected_start_time")
            batch_op.drop_column("deployment_id")
    else:
        op.drop_constraint(
            op.f("fk_flow_runs__deployment_id__deployments"), "flow_runs", type_="foreignkey"
        )
        for name in ("auto_scheduled", "expected_start_time", "deployment_id"):
            op.drop_column("flow_runs", name)
    op.drop_index(op.f("ix_deployment_schedules__deployment_id"), table_name="deployment_schedules")
    op.drop_table("deployment_schedules")
    op.drop_index(op.f("ix_deployments__work_pool_id"), table_name="deployments")
    op.drop_table("deployments")
    op.drop_table("work_pools")
