"""Task runs and their state history, written in batches."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, select

from cauce.database.rows import state_from_row
from cauce.database.tables import task_run_states, task_runs
from cauce.schemas.task_runs import TaskRun
from cauce.states import State


def _task_run_from_row(row: Row[Any]) -> TaskRun:
    return TaskRun(
        id=row.id,
        flow_run_id=row.flow_run_id,
        task_name=row.task_name,
        name=row.name,
        state=state_from_row(row._mapping),
        cache_key=row.cache_key,
        tags=row.tags,
        task_inputs={k: [uuid.UUID(i) for i in v] for k, v in row.task_inputs.items()},
        run_count=row.run_count,
        start_time=row.start_time,
        end_time=row.end_time,
        created=row.created,
    )


def select_task_runs(connection: Connection, flow_run_id: uuid.UUID) -> list[TaskRun]:
    """The task runs of a flow run, in the order they were created."""
    rows = connection.execute(
        select(task_runs)
        .where(task_runs.c.flow_run_id == flow_run_id)
        .order_by(task_runs.c.created, task_runs.c.name)
    )
    return [_task_run_from_row(row) for row in rows]


def select_task_run_states(connection: Connection, task_run_id: uuid.UUID) -> list[State]:
    """Every state the task run has had, oldest first."""
    rows = connection.execute(
        select(task_run_states)
        .where(task_run_states.c.task_run_id == task_run_id)
        .order_by(task_run_states.c.timestamp)
    )
    return [state_from_row(row._mapping, prefix="") for row in rows]
