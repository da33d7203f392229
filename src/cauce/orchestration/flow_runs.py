"""Creating a flow run: the one path for every writer (a flow's own process, the API,
and later the scheduler and `deployment run`); and changing its name or tags.

Its first state is any state the rules accept for a run with no current state.
The flow is recorded by name on first use. The caller holds a write transaction.
A run the scheduler makes (`auto_scheduled`) is made once per deployment and
time, however many passes, restarts or servers try: a unique index decides.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from cauce.database.recording import writes
from cauce.database.recording.executors import StatementExecutor
from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
from cauce.schemas.flow_runs import FlowRun

if TYPE_CHECKING:
    from sqlalchemy import Connection


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
    (found,) = executor.execute(
        "select_new_flow_run", {"id": flow_run.id, "flow_name": flow_run.flow_name}
    )
    if found["run_exists"]:
        raise FlowRunExists(f"Flow run {flow_run.id} already exists")
    if flow_id is None:
        flow_id = found["flow_id"] or writes.flow_id_for_name(executor, flow_run.flow_name)
    return flow_id, writes.insert_flow_run(executor, flow_run, flow_id, parent_flow_run_id)


def update_flow_run(
    connection: Connection,
    flow_run_id: uuid.UUID,
    name: str | None = None,
    tags: list[str] | None = None,
) -> FlowRun:
    """Rename the run and/or replace its tags (what is None stays); the run after.
    InvalidRequest for an empty name or tag."""
    from cauce.database.queries.flow_runs import select_flow_run, update_flow_run_fields

    fields: dict[str, object] = {}
    if name is not None:
        if not name.strip():
            raise InvalidRequest("a flow run's name cannot be empty")
        fields["name"] = name
    if tags is not None:
        if any(not tag.strip() for tag in tags):
            raise InvalidRequest("a flow run's tags cannot be empty")
        fields["tags"] = sorted(set(tags))
    if fields and not update_flow_run_fields(connection, flow_run_id, **fields):
        raise ObjectNotFound(f"flow run {flow_run_id} does not exist")
    flow_run = select_flow_run(connection, flow_run_id)
    if flow_run is None:
        raise ObjectNotFound(f"flow run {flow_run_id} does not exist")
    return flow_run
