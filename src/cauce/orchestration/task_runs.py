"""Recording a batch of task-run changes through the task-run rules.

The engine decides each task-run state itself (it is the run's only writer
while the run lives) and the batch writer hands the changes over in batches.
But others may end a task run meanwhile: the server marking a dead process's
runs Crashed, a cancellation. So every batch is decided again here, under the
rows' locks, against what is stored: a state the rules reject is dropped (a
late batch never undoes a newer state), and a task run's row is rewritten
only when the last of its states in the batch was accepted (or the run is new),
with the last state accepted.
A batch sent twice (its answer lost) changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
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
    seen_state_ids: Mapping[uuid.UUID, uuid.UUID] | None = None,
    engine_decided: bool = False,
) -> BatchOutcome:
    """Record task runs as they are now, the new states the rules accept, and log lines.

    `seen_state_ids`: the state each task run's first new state was made from, when
    the writer says; each later state of a run was made from the one before it.
    `engine_decided`: the states come from this process's engine, which decided each
    against the one before it. A state whose predecessor was accepted here a moment
    ago then needs no deciding again (the same rules on the same two states); each
    run's first state in the batch is still decided against what is stored.
    Call inside a write transaction."""
    stored = writes.select_task_run_states(executor, [t.id for t in task_runs])
    # Runs are keyed by their ids' integers: UUID's __hash__ and __eq__ are Python code,
    # and a batch looks each run up a dozen times.
    current = {task_run_id.int: state for task_run_id, state in stored.items()}
    recorded = set(current)
    accepted: list[tuple[uuid.UUID, State]] = []
    last_accepted: dict[int, bool] = {}
    seen = {task_run_id.int: state_id for task_run_id, state_id in (seen_state_ids or {}).items()}
    for task_run_id, state in task_run_states:
        key = task_run_id.int
        now = current.get(key)
        # The same state again is accepted: its history row is written once either way.
        is_accepted = (
            now is None
            or now.id.int == state.id.int
            or (engine_decided and last_accepted.get(key, False))
            or decide(TASK_RUN_RULES, now, state, expected_state_id=seen.get(key)).status
            is SetStateStatus.ACCEPT
        )
        seen[key] = state.id
        last_accepted[key] = is_accepted
        if is_accepted:
            current[key] = state
            accepted.append((task_run_id, state))
    changed = _rows_to_write(task_runs, current, last_accepted, recorded)
    writes.write_batch(executor, changed, accepted, logs)
    return BatchOutcome(len(accepted), len(task_run_states) - len(accepted))


def _rows_to_write(
    task_runs: list[TaskRun],
    current: dict[int, State],
    last_accepted: dict[int, bool],
    recorded: set[int],
) -> list[tuple[TaskRun, State]]:
    """Each run whose row is written, with the state to write in it.

    A run's row is written unless its last state here was refused, and always with the
    last state recorded for it: the snapshot is the engine's live object and may already
    be past this batch's states, which the next batch brings (and which must then follow
    the state stored, not overtake it). The state is handed on beside the run, not read
    from it again: the engine may move it on meanwhile."""
    return [
        (t, current[key])
        for t, key in ((t, t.id.int) for t in task_runs)
        if key in current and (last_accepted.get(key, True) or key not in recorded)
    ]
