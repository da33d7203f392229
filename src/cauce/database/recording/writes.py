"""What a run writes while it records itself: flows, flow runs, states, task runs, logs.

Written once against StatementExecutor, so the same code records through the
sqlite3 driver (the embedded default) and through SQLAlchemy (PostgreSQL).
"""

from __future__ import annotations

import uuid
from typing import Any

from cauce.database.recording.columns import HISTORY_COLUMNS, LOG_COLUMNS, TASK_RUN_COLUMNS
from cauce.database.recording.executors import Row, StatementExecutor
from cauce.database.rows import state_from_row
from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import State, now_utc


def state_columns(state: State) -> Row:
    """The state_* column values of a run whose current state is `state`."""
    return {
        "state_id": state.id,
        "state_type": state.type.value,
        "state_name": state.name,
        "state_message": state.message,
        "state_timestamp": state.timestamp,
        "scheduled_time": state.scheduled_time,
    }


def history_row(state: State, run_key: str, run_id: uuid.UUID) -> Row:
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


def flow_id_for_name(executor: StatementExecutor, name: str) -> uuid.UUID:
    """The id of the flow named `name`, recording it first if it is new."""
    rows = executor.execute("select_flow_id", {"name": name})
    if not rows:
        executor.execute("insert_flow", {"id": new_id(), "name": name, "created": now_utc()})
        rows = executor.execute("select_flow_id", {"name": name})
    flow_id: uuid.UUID = rows[0]["id"]
    return flow_id


def insert_flow_run(
    executor: StatementExecutor,
    flow_run: FlowRun,
    flow_id: uuid.UUID,
    parent_flow_run_id: uuid.UUID | None,
) -> bool:
    """Record a new flow run with its first state. An auto-scheduled run whose
    deployment already has one at that time is not recorded: False."""
    row = {
        "id": flow_run.id,
        "flow_id": flow_id,
        "name": flow_run.name,
        "parameters": flow_run.parameters,
        "tags": flow_run.tags,
        "parent_flow_run_id": parent_flow_run_id,
        "parent_task_run_id": flow_run.parent_task_run_id,
        "run_count": flow_run.run_count,
        "created": flow_run.created,
        "deployment_id": flow_run.deployment_id,
        "expected_start_time": flow_run.expected_start_time,
        "auto_scheduled": flow_run.auto_scheduled,
        "deployment_schedule_id": flow_run.deployment_schedule_id,
        "host": flow_run.host,
        "pid": flow_run.pid,
        **state_columns(flow_run.state),
    }
    if flow_run.auto_scheduled:
        if not executor.execute("insert_scheduled_flow_run", row):
            return False
    else:
        executor.execute("insert_flow_run", row)
    executor.execute(
        "insert_flow_run_state", history_row(flow_run.state, "flow_run_id", flow_run.id)
    )
    return True


def select_flow_run_for_update(executor: StatementExecutor, flow_run_id: uuid.UUID) -> Row | None:
    """A flow run's current state columns and run times, its row locked; None if absent."""
    rows = executor.execute("select_flow_run_for_update", {"id": flow_run_id})
    return rows[0] if rows else None


def update_flow_run_state(
    executor: StatementExecutor, flow_run_id: uuid.UUID, state: State, times: dict[str, Any]
) -> None:
    """Make `state` the run's current state, with its run times, and append it to its history."""
    executor.execute(
        "update_flow_run_state", {"flow_run_id": flow_run_id, **state_columns(state), **times}
    )
    executor.execute("insert_flow_run_state", history_row(state, "flow_run_id", flow_run_id))


def task_run_row(task_run: TaskRun) -> Row:
    """The task_runs row of `task_run` as it is now."""
    return {
        "id": task_run.id,
        "flow_run_id": task_run.flow_run_id,
        "task_name": task_run.task_name,
        "name": task_run.name,
        "cache_key": task_run.cache_key,
        "tags": task_run.tags,
        "task_inputs": {k: [str(i) for i in v] for k, v in task_run.task_inputs.items()},
        "run_count": task_run.run_count,
        "start_time": task_run.start_time,
        "end_time": task_run.end_time,
        "created": task_run.created,
        **state_columns(task_run.state),
    }


def select_task_run_states(
    executor: StatementExecutor, task_run_ids: list[uuid.UUID]
) -> dict[uuid.UUID, State]:
    """The current state of each of these task runs that is recorded, their rows locked."""
    if not task_run_ids:
        return {}
    rows = executor.execute("select_task_run_states", {"ids": task_run_ids})
    return {row["id"]: state_from_row(row) for row in rows}


TASK_RUN_STATE_VALUES = (*HISTORY_COLUMNS, "task_run_id")


def write_batch(
    executor: StatementExecutor,
    task_runs: list[tuple[TaskRun, State]],
    task_run_states: list[tuple[uuid.UUID, State]],
    logs: list[LogEntry],
) -> None:
    """Record task runs as they are now, each with the state given beside it, their new
    states and log lines.

    The same values as task_run_row and history_row give, as tuples: a batch holds
    thousands of rows. A state's type is written as `str()` of the StrEnum, which is
    its value without the enum property's cost.
    """
    runs = [_task_run_values(t, state) for t, state in task_runs]
    executor.executemany_values("upsert_task_run", TASK_RUN_COLUMNS, runs)
    executor.executemany_values(
        "insert_task_run_state",
        TASK_RUN_STATE_VALUES,
        [
            (s.id, str(s.type), s.name, s.message, s.timestamp, s.scheduled_time, i)
            for i, s in task_run_states
        ],
    )
    executor.executemany_values(
        "insert_log",
        LOG_COLUMNS,
        [
            (e.flow_run_id, e.task_run_id, e.name, e.level, e.message, e.timestamp, e.uid)
            for e in logs
        ],
    )


def _task_run_values(t: TaskRun, state: State) -> tuple[Any, ...]:
    """`t`'s task_runs row with `state`, in TASK_RUN_COLUMNS' order."""
    inputs = t.task_inputs
    return (
        t.id,
        t.flow_run_id,
        t.task_name,
        t.name,
        t.cache_key,
        t.tags,
        {k: [str(i) for i in v] for k, v in inputs.items()} if inputs else {},
        t.run_count,
        t.start_time,
        t.end_time,
        t.created,
        state.id,
        str(state.type),
        state.name,
        state.message,
        state.timestamp,
        state.scheduled_time,
    )
