"""States read back from a run row's state_* columns or from a *_states table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from cauce.states import State, StateType


def state_from_run_row(row: Row[Any]) -> State:
    """The current state kept on a flow_runs or task_runs row."""
    return State(
        type=StateType(row.state_type),
        name=row.state_name,
        message=row.state_message,
        timestamp=row.state_timestamp,
        scheduled_time=row.scheduled_time,
        id=row.state_id,
    )


def state_from_history_row(row: Row[Any]) -> State:
    """A state from a *_states table row."""
    return State(
        type=StateType(row.type),
        name=row.name,
        message=row.message,
        timestamp=row.timestamp,
        scheduled_time=row.scheduled_time,
        id=row.id,
    )
