"""/api/flow_runs: create, read, filter, rename and retag, set the state of, and delete
flow runs.

Reads call database/queries/flow_runs.py, imported inside the routes so that a
server on SQLite starts without SQLAlchemy (server/database.py); recording
calls the same functions as the embedded client (database/recording/writes.py,
and orchestration.set_flow_run_state for every state change).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Response, status

from cauce.database.recording.executors import StatementExecutor
from cauce.orchestration import flow_runs as core
from cauce.orchestration.set_state import set_flow_run_state as set_state
from cauce.schemas.api import (
    FlowRunCreate,
    FlowRunFilterModel,
    FlowRunModel,
    FlowRunUpdate,
    SetStateRequest,
    SetStateResultModel,
    StateModel,
)
from cauce.schemas.states import SetStateStatus
from cauce.server.api.responses import CONFLICT, NOT_FOUND, UNREADABLE_BODY, json_response
from cauce.server.database import DatabaseDep

router = APIRouter(prefix="/flow_runs", tags=["flow runs"])


def _not_found(flow_run_id: uuid.UUID) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"Flow run {flow_run_id} not found")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FlowRunModel,
    responses={**CONFLICT, **UNREADABLE_BODY},
)
async def create_flow_run(body: FlowRunCreate, database: DatabaseDep) -> Response:
    """Record a new flow run (its id chosen by the client) with its first state."""
    flow_run = body.to_domain()

    def record(executor: StatementExecutor) -> None:
        try:
            core.create_flow_run(executor, flow_run, body.parent_flow_run_id)
        except core.FlowRunExists as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None

    await database.write(record)
    return json_response(FlowRunModel.from_domain(flow_run), status.HTTP_201_CREATED)


@router.get("/{flow_run_id}", responses=NOT_FOUND)
async def read_flow_run(flow_run_id: uuid.UUID, database: DatabaseDep) -> FlowRunModel:
    """One flow run."""
    from cauce.database.queries.flow_runs import select_flow_run

    flow_run = await database.read(lambda connection: select_flow_run(connection, flow_run_id))
    if flow_run is None:
        raise _not_found(flow_run_id)
    return FlowRunModel.from_domain(flow_run)


@router.post("/filter", responses=UNREADABLE_BODY)
async def read_flow_runs(body: FlowRunFilterModel, database: DatabaseDep) -> list[FlowRunModel]:
    """Flow runs matching the filter, newest first."""
    from cauce.database.queries.flow_runs import select_flow_runs

    where = body.to_domain()
    flow_runs = await database.read(lambda connection: select_flow_runs(connection, where))
    return [FlowRunModel.from_domain(r) for r in flow_runs]


@router.get("/{flow_run_id}/subflow_runs")
async def read_subflow_runs(flow_run_id: uuid.UUID, database: DatabaseDep) -> list[FlowRunModel]:
    """Flow runs started inside this one, oldest first."""
    from cauce.database.queries.flow_runs import select_subflow_runs

    flow_runs = await database.read(lambda connection: select_subflow_runs(connection, flow_run_id))
    return [FlowRunModel.from_domain(r) for r in flow_runs]


@router.get("/{flow_run_id}/states")
async def read_flow_run_states(flow_run_id: uuid.UUID, database: DatabaseDep) -> list[StateModel]:
    """A flow run's state history, oldest first (empty for an unknown run, as embedded)."""
    from cauce.database.queries.flow_runs import select_flow_run_states

    states = await database.read(lambda connection: select_flow_run_states(connection, flow_run_id))
    return [StateModel.from_domain(s) for s in states]


@router.post(
    "/{flow_run_id}/set_state",
    response_model=SetStateResultModel,
    responses={**NOT_FOUND, **UNREADABLE_BODY},
)
async def set_flow_run_state(
    flow_run_id: uuid.UUID, body: SetStateRequest, database: DatabaseDep
) -> Response:
    """Propose a state; the core's rules decide, under the run's row lock."""
    proposed = body.state.to_domain()
    result = await database.write(
        lambda executor: set_state(
            executor, flow_run_id, proposed, body.force, body.expected_state_id
        )
    )
    # ABORT means the run does not exist: the only case in which the core answers it.
    if result.status is SetStateStatus.ABORT:
        raise _not_found(flow_run_id)
    return json_response(SetStateResultModel.from_domain(result))


@router.patch("/{flow_run_id}", responses={**NOT_FOUND, **UNREADABLE_BODY})
async def update_flow_run(
    flow_run_id: uuid.UUID, body: FlowRunUpdate, database: DatabaseDep
) -> FlowRunModel:
    """Rename a run and/or replace its tags (a field left out stays); the run after."""
    flow_run = await database.transaction(
        lambda connection: core.update_flow_run(connection, flow_run_id, body.name, body.tags)
    )
    return FlowRunModel.from_domain(flow_run)


@router.delete("/{flow_run_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_flow_run(flow_run_id: uuid.UUID, database: DatabaseDep) -> Response:
    """Delete a flow run with its states, task runs and logs."""
    from cauce.database.queries.flow_runs import delete_flow_run as delete_row

    deleted = await database.transaction(lambda connection: delete_row(connection, flow_run_id))
    if not deleted:
        raise _not_found(flow_run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
