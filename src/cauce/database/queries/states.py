"""State rows: a run's current state columns and its history, for both kinds of run."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row

from cauce.states import State, StateType


def state_columns(state: State) -> dict[str, Any]:
    """The state_* column values of a run whose current state is `state`."""
    return {
        "state_id": state.id,
        "state_type": state.type.value,
        "state_name": state.name,
        "state_message": state.message,
        "state_timestamp": state.timestamp,
        "scheduled_time": state.scheduled_time,
    }


def history_row(state: State, run_key: str, run_id: uuid.UUID) -> dict[str, Any]:
    """A row of a *_states table; `run_key` is flow_run_id or task_run_id."""
    return {
        "id": state.id,
        "type": state.type.value,
        "name": state.name,
        "message": state.message,
        "timestamp": state.timestamp,
        "scheduled_time": state.scheduled_time,
        run_key: run_id,
    }


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
