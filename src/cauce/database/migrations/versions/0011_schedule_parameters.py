"""A deployment's schedule carries parameters of its own, taken over the deployment's
by the runs it makes (Prefect 3's per-schedule parameters). Existing schedules get {}.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deployment_schedules") as batch_op:
        batch_op.add_column(sa.Column("parameters", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("deployment_schedules") as batch_op:
        batch_op.drop_column("parameters")
