"""Indexes for list pages deep in a big history.

A flow-run page past an offset reads the skipped runs' (created, id) only: with
both in one index SQLite reads them from the index alone (offset 50,000: 45 to
2 ms), where the index on `created` sent it to each run's row for its id. A
deployment's runs are read newest first from (deployment_id, created) without a
sort, and the artifacts list newest first from (created, id).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (table, the index's columns before or None, its columns after)
_CHANGES: list[tuple[str, list[str] | None, list[str]]] = [
    ("flow_runs", ["created"], ["created", "id"]),
    ("flow_runs", ["deployment_id"], ["deployment_id", "created"]),
    ("artifacts", None, ["created", "id"]),
]


def _name(table: str, columns: list[str]) -> str:
    return op.f(f"ix_{table}__{'_'.join(columns)}")


def upgrade() -> None:
    for table, before, after in _CHANGES:
        if before is not None:
            op.drop_index(_name(table, before), table_name=table)
        op.create_index(_name(table, after), table, after)


def downgrade() -> None:
    for table, before, after in reversed(_CHANGES):
        op.drop_index(_name(table, after), table_name=table)
        if before is not None:
            op.create_index(_name(table, before), table, before)
