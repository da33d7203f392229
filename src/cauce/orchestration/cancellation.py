"""Cancelling a flow run: at once if it has not started, else through Cancelling.

A run that is only waiting (Scheduled, Late, Paused) ends Cancelled now. One that
has a process (Pending, Running) goes to Cancelling: its worker, or its own process
at its next heartbeat, stops the process, and the run then ends Cancelled (the
EndCancellingAsCancelled rule turns the stopped process's Crashed into Cancelled).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection

from cauce.database.queries.flow_runs import select_flow_run
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
from cauce.orchestration.set_state import set_flow_run_state
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateStatus
from cauce.states import Cancelled, Cancelling, StateType

_NOT_STARTED = frozenset({StateType.SCHEDULED, StateType.PAUSED})


def cancel_flow_run(connection: Connection, flow_run_id: uuid.UUID, reason: str) -> FlowRun:
    """Cancel the run (see the module's docstring); the run after. InvalidRequest if it
    has already ended."""
    flow_run = select_flow_run(connection, flow_run_id)
    if flow_run is None:
        raise ObjectNotFound(f"flow run {flow_run_id} does not exist")
    current = flow_run.state
    if current.is_final():
        raise InvalidRequest(f"flow run {flow_run.name!r} has already ended: {current!r}")
    if current.type is StateType.CANCELLING:
        return flow_run
    proposed = Cancelled(reason) if current.type in _NOT_STARTED else Cancelling(reason)
    result = set_flow_run_state(
        SqlAlchemyExecutor(connection), flow_run_id, proposed, expected_state_id=current.id
    )
    if result.status is not SetStateStatus.ACCEPT or result.state is None:
        raise InvalidRequest(f"flow run {flow_run.name!r} could not be cancelled: {result.reason}")
    flow_run.state = result.state
    return flow_run
