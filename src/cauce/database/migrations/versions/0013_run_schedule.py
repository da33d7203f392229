"""A scheduled run names the schedule that made it, and its unique key is (deployment,
schedule, expected start time): two schedules due at one instant make a run each.
Existing runs keep NULL (the scheduler counts one for the first schedule due then).

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_WHERE = sa.text("auto_scheduled = true")


def upgrade() -> None:
    op.add_column("flow_runs", sa.Column("deployment_schedule_id", sa.Uuid(), nullable=True))
    op.drop_index("uq_flow_runs__auto_scheduled", table_name="flow_runs")
    op.create_index(
        "uq_flow_runs__auto_scheduled",
        "flow_runs",
        ["deployment_id", "deployment_schedule_id", "expected_start_time"],
        unique=True,
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )


def downgrade() -> None:
    # Two runs at one time (two schedules) cannot both keep the narrower key: the
    # downgrade fails on them rather than choose which run to lose.
    op.drop_index("uq_flow_runs__auto_scheduled", table_name="flow_runs")
    op.create_index(
        "uq_flow_runs__auto_scheduled",
        "flow_runs",
        ["deployment_id", "expected_start_time"],
        unique=True,
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy of flow_runs, whose
    # dropped old copy would cascade to task runs and logs.
    op.drop_column("flow_runs", "deployment_schedule_id")
