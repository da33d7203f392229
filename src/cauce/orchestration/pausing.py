"""Resuming a paused flow run, and failing those paused past their timeout.

A run paused in its process (pause_flow_run) is resumed Running: the process, waiting,
sees it and goes on. A suspended run (suspend_flow_run) has no process: it is resumed
Scheduled now, for a worker of its deployment to run again. Every door (the client, the
API, the CLI, the UI) comes here. A pause's timeout is its state's scheduled time: past
it, the run ends Failed, by the server's crash service or by the resume that came late.

A run paused for input (its Paused state names the input's schema) is resumed only with
input the schema accepts, carried by the state it resumes to (schemas/run_input.py); a
refused input changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cauce.database.queries.flow_runs import flow_run_from_row, flow_run_query, select_flow_run
from cauce.database.recording.executors import SqlAlchemyExecutor
from cauce.database.tables import flow_runs
from cauce.orchestration.errors import InvalidRequest, ObjectNotFound
from cauce.orchestration.set_state import set_flow_run_state
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.run_input import InputError, check_input, input_schema, resumed_message
from cauce.schemas.states import SetStateStatus
from cauce.states import Failed, Running, Scheduled, State, StateType, is_suspended, now_utc

RESUMED = "Resumed."
TIMED_OUT = "Flow run was paused and never resumed: its pause timed out."


def resume_flow_run(
    connection: Connection, flow_run_id: uuid.UUID, run_input: dict[str, Any] | None = None
) -> FlowRun:
    """Resume the paused run, with `run_input` when it waits for input; the run after
    (Failed when its pause had timed out). InvalidRequest when it is not paused, or its
    input is missing, unasked for or refused by its schema."""
    flow_run = select_flow_run(connection, flow_run_id)
    if flow_run is None:
        raise ObjectNotFound(f"flow run {flow_run_id} does not exist")
    current = flow_run.state
    if current.type is not StateType.PAUSED:
        raise InvalidRequest(f"flow run {flow_run.name!r} is not paused: it is {current!r}")
    _check_input(flow_run, run_input)
    now = now_utc()
    message = resumed_message(RESUMED, run_input)
    resumed: State = Scheduled(now, message) if is_suspended(current) else Running(message)
    if _is_expired(current, now):
        resumed = Failed(TIMED_OUT)
    flow_run.state = _set_state(connection, flow_run, resumed, "resumed")
    return flow_run


def fail_expired_pauses(connection: Connection, now: datetime) -> list[uuid.UUID]:
    """End Failed every paused run whose pause timed out by `now`; their ids."""
    query = flow_run_query().where(
        flow_runs.c.state_type == StateType.PAUSED.value, flow_runs.c.scheduled_time < now
    )
    failed = []
    for flow_run in [flow_run_from_row(row) for row in connection.execute(query)]:
        try:
            _set_state(connection, flow_run, Failed(TIMED_OUT), "failed")
        except InvalidRequest:
            continue  # it moved on meanwhile
        failed.append(flow_run.id)
    return failed


def _check_input(flow_run: FlowRun, run_input: dict[str, Any] | None) -> None:
    schema = input_schema(flow_run.state)
    if schema is None:
        if run_input is not None:
            raise InvalidRequest(
                f"flow run {flow_run.name!r} does not wait for input: resume it without input"
            )
        return
    if run_input is None:
        fields = ", ".join(schema.get("properties", {}))
        raise InvalidRequest(
            f"flow run {flow_run.name!r} waits for input ({fields}): resume it with input"
        )
    try:
        check_input(schema, run_input)
    except InputError as error:
        raise InvalidRequest(f"flow run {flow_run.name!r} was not resumed: {error}") from None


def _is_expired(state: State, now: datetime) -> bool:
    return state.scheduled_time is not None and state.scheduled_time <= now


def _set_state(connection: Connection, flow_run: FlowRun, state: State, verb: str) -> State:
    result = set_flow_run_state(
        SqlAlchemyExecutor(connection), flow_run.id, state, expected_state_id=flow_run.state.id
    )
    if result.status is not SetStateStatus.ACCEPT or result.state is None:
        raise InvalidRequest(f"flow run {flow_run.name!r} could not be {verb}: {result.reason}")
    return result.state
