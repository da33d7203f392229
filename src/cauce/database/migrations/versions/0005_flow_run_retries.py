"""A flow run's retries as its process declared them, for retrying a crashed run.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flow_runs") as batch_op:
        batch_op.add_column(sa.Column("retries", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retry_delay_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flow_runs") as batch_op:
        batch_op.drop_column("retry_delay_seconds")
        batch_op.drop_column("retries")
