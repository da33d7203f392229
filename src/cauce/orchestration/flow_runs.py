"""Creating a flow run: the one path for every writer (a flow's own process, the API,
and later the scheduler and `deployment run`).

Its first state is any state the rules accept for a run with no current state.
The flow is recorded by name on first use. The caller holds a write transaction.
A run the scheduler makes (`auto_scheduled`) is made once per deployment and
time, however many passes, restarts or servers try: a unique index decides.
"""

from __future__ import annotations

import uuid

from cauce.database.recording import writes
from cauce.database.recording.executors import StatementExecutor
from cauce.schemas.flow_runs import FlowRun


class FlowRunExists(Exception):
    """A flow run with this id is already recorded; nothing was written."""


def create_flow_run(
    executor: StatementExecutor,
    flow_run: FlowRun,
    parent_flow_run_id: uuid.UUID | None,
    flow_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, bool]:
    """Record a new flow run (its id chosen by the caller) with its first state.

    Returns the id of its flow, and whether the run was recorded (False only for an
    auto-scheduled run that its deployment already has). `flow_id`, when the caller
    remembers it, saves looking the flow up."""
    if writes.select_flow_run_for_update(executor, flow_run.id) is not None:
        raise FlowRunExists(f"Flow run {flow_run.id} already exists")
    if flow_id is None:
        flow_id = writes.flow_id_for_name(executor, flow_run.flow_name)
    return flow_id, writes.insert_flow_run(executor, flow_run, flow_id, parent_flow_run_id)
