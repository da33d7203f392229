"""Events: what code emitted as having happened to a resource (Prefect's emit_event).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from cauce.database.tables import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred", UTCDateTime(), nullable=False),
        sa.Column("event", sa.String(length=1024), nullable=False),
        sa.Column("resource", sa.JSON(), nullable=False),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events__occurred"), "events", ["occurred"])
    op.create_index(op.f("ix_events__event_occurred"), "events", ["event", "occurred"])


def downgrade() -> None:
    op.drop_index(op.f("ix_events__event_occurred"), table_name="events")
    op.drop_index(op.f("ix_events__occurred"), table_name="events")
    op.drop_table("events")
