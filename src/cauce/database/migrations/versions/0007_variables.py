"""Variables: named JSON values that flows read at run time.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from cauce.database.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "variables",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),  # JSON text (tables.JSONText)
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_variables")),
        sa.UniqueConstraint("name", name=op.f("uq_variables__name")),
    )


def downgrade() -> None:
    op.drop_table("variables")
