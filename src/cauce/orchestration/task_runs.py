"""Recording a batch of task-run changes through the task-run rules.

The engine decides each task-run state itself (it is the run's only writer
while the run lives) and the batch writer hands the changes over in batches.
But others may end a task run meanwhile: the server marking a dead process's
runs Crashed, a cancellation. So every batch is decided again here, under the
rows' locks, against what is stored: a state the rules reject is dropped (a
late batch never undoes a newer state), and a task run's row is rewritten
only when the batch's snapshot of it carries the state that is now current.
A state already stored (a batch sent twice) is dropped the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cauce.database.recording import writes
from cauce.database.recording.executors import StatementExecutor
from cauce.orchestration.policy import TASK_RUN_RULES
from cauce.orchestration.set_state import decide
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateStatus
from cauce.schemas.task_runs import TaskRun
from cauce.states import State


@dataclass(slots=True)
class BatchOutcome:
    """What a batch changed: the states recorded and those the rules refused."""

    recorded_states: int
    refused_states: int


def write_task_run_batch(
    executor: StatementExecutor,
    task_runs: list[TaskRun],
    task_run_states: list[tuple[uuid.UUID, State]],
    logs: list[LogEntry],
) -> BatchOutcome:
    """Record task runs as they are now, the new states the rules accept, and log lines.

    Call inside a write transaction."""
    stored = writes.select_task_run_states(executor, [t.id for t in task_runs])
    current = dict(stored)
    accepted: list[tuple[uuid.UUID, State]] = []
    for task_run_id, state in task_run_states:
        now = current.get(task_run_id)
        if now is not None and (
            now.id == state.id
            or decide(TASK_RUN_RULES, now, state).status is not SetStateStatus.ACCEPT
        ):
            continue
        current[task_run_id] = state
        accepted.append((task_run_id, state))
    changed = [
        t
        for t in task_runs
        if current[t.id].id == t.state.id and stored.get(t.id) is not current[t.id]
    ]
    writes.write_batch(executor, changed, accepted, logs)
    return BatchOutcome(len(accepted), len(task_run_states) - len(accepted))
