"""Log lines get a unique uid chosen by the client, so a retried batch records them once.

Lines recorded before this revision get a fresh random uid each, made by the
database itself so that a large logs table is updated in one statement.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# A random version-4 UUID for every existing row. SQLite keeps a Uuid as 32 hex
# digits: version nibble 4 at the 13th, variant 8, 9, a or b at the 17th.
_BACKFILL = {
    "postgresql": "UPDATE logs SET uid = gen_random_uuid()",
    "sqlite": (
        "UPDATE logs SET uid = lower("
        "hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2)"
        " || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(8)), 2))"
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("logs") as batch_op:
        batch_op.add_column(sa.Column("uid", sa.Uuid(), nullable=True))
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("logs") as batch_op:
        batch_op.alter_column("uid", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_logs__uid"), ["uid"])


def downgrade() -> None:
    with op.batch_alter_table("logs") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_logs__uid"), type_="unique")
        batch_op.drop_column("uid")
