"""Resuming a paused flow run: its process, waiting in pause_flow_run, sees it Running
again and goes on. Every door (the client, the API, the CLI, the UI) comes here."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection

from cauce.database.queries.flow_runs import select_flow_run
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
from cauce.orchestration.set_state import set_flow_run_state
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.states import SetStateStatus
from cauce.states import Running, StateType

RESUMED = "Resumed."


def resume_flow_run(connection: Connection, flow_run_id: uuid.UUID) -> FlowRun:
    """Resume the paused run; the run after. InvalidRequest when it is not paused."""
    flow_run = select_flow_run(connection, flow_run_id)
    if flow_run is None:
        raise ObjectNotFound(f"flow run {flow_run_id} does not exist")
    current = flow_run.state
    if current.type is not StateType.PAUSED:
        raise InvalidRequest(f"flow run {flow_run.name!r} is not paused: it is {current!r}")
    result = set_flow_run_state(
        SqlAlchemyExecutor(connection), flow_run_id, Running(RESUMED), expected_state_id=current.id
    )
    if result.status is not SetStateStatus.ACCEPT or result.state is None:
        raise InvalidRequest(f"flow run {flow_run.name!r} could not be resumed: {result.reason}")
    flow_run.state = result.state
    return flow_run
