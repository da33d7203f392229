"""Flow runs of one flow, or in one state, read newest first without a sort.

The UI's flows page and its list filtered by state read a flow's (or a state's)
newest runs: with the flow (or state type) and the creation time in one index, a
page of 100,000 runs is read in index order instead of sorting every match.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_REPLACED = {"flow_id": ["flow_id", "created"], "state_type": ["state_type", "created"]}


def upgrade() -> None:
    for column, columns in _REPLACED.items():
        op.drop_index(op.f(f"ix_flow_runs__{column}"), table_name="flow_runs")
        op.create_index(op.f(f"ix_flow_runs__{'_'.join(columns)}"), "flow_runs", columns)


def downgrade() -> None:
    for column, columns in _REPLACED.items():
        op.drop_index(op.f(f"ix_flow_runs__{'_'.join(columns)}"), table_name="flow_runs")
        op.create_index(op.f(f"ix_flow_runs__{column}"), "flow_runs", [column])
