"""/api/deployments: apply, read, pause and delete deployments; their schedules; runs of them.

Each route calls one function of orchestration/deployments.py in a transaction
(imported inside the route: a server on SQLite starts without SQLAlchemy), with
`now` taken here; the core checks and reschedules, and its refusals become 404,
409 and 422 in app.py.

`{deployment_name:path}`: a deployment's name may hold a slash, as it may in the
embedded client (the full name `flow/deployment` splits at the first one).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from cauce.schemas.api import FlowRunModel
from cauce.schemas.api_deployments import (
    DeploymentApply,
    DeploymentDeleted,
    DeploymentModel,
    DeploymentPause,
    DeploymentRunRequest,
    ScheduleActive,
    ScheduleCreate,
)
from cauce.server.api.responses import (
    CONFLICT,
    NO_DEPLOYMENT,
    REFUSED,
    UNREADABLE_BODY,
    json_response,
)
from cauce.server.database import DatabaseDep
from cauce.server.wakeups import RunsMadeDep
from cauce.states import now_utc

router = APIRouter(prefix="/deployments", tags=["deployments"])
# What a change to a deployment may answer besides itself: a run it makes may meet one
# made at once by another request (409), and what PostgreSQL cannot store is a 422.
_CHANGE = {**NO_DEPLOYMENT, **CONFLICT, **REFUSED}


@router.post("", responses={**CONFLICT, **REFUSED, **UNREADABLE_BODY})
async def apply_deployment(body: DeploymentApply, database: DatabaseDep) -> DeploymentModel:
    """Create the deployment, or replace the one of the same flow and name (keeping its
    id); its upcoming scheduled runs are made at once. 422 names an unknown pool, a bad
    schedule or a default parameter the flow refuses."""
    from cauce.orchestration.deployments import apply_deployment as apply

    deployment, now = body.to_domain(), now_utc()
    applied = await database.transaction(lambda connection: apply(connection, deployment, now))
    return DeploymentModel.from_domain(applied)


@router.get("")
async def read_deployments(database: DatabaseDep) -> list[DeploymentModel]:
    """Every deployment with its schedules, by flow and name."""
    from cauce.database.queries.deployments import select_deployments

    deployments = await database.read(select_deployments)
    return [DeploymentModel.from_domain(d) for d in deployments]


@router.get("/name/{flow_name}/{deployment_name:path}", responses={**NO_DEPLOYMENT, **REFUSED})
async def read_deployment_by_name(
    flow_name: str, deployment_name: str, database: DatabaseDep
) -> DeploymentModel:
    """The deployment `deployment_name` of the flow `flow_name`."""
    from cauce.orchestration.deployments import read_deployment_by_name as read

    full_name = f"{flow_name}/{deployment_name}"
    deployment = await database.read(lambda connection: read(connection, full_name))
    return DeploymentModel.from_domain(deployment)


@router.get("/{deployment_id}", responses=NO_DEPLOYMENT)
async def read_deployment(deployment_id: uuid.UUID, database: DatabaseDep) -> DeploymentModel:
    """One deployment with its schedules."""
    from cauce.orchestration.deployments import read_deployment as read

    deployment = await database.read(lambda connection: read(connection, deployment_id))
    return DeploymentModel.from_domain(deployment)


@router.post("/{deployment_id}/set_paused", responses={**_CHANGE, **UNREADABLE_BODY})
async def set_deployment_paused(
    deployment_id: uuid.UUID, body: DeploymentPause, database: DatabaseDep
) -> DeploymentModel:
    """Pause a deployment (its future scheduled runs go) or resume it (they come back)."""
    from cauce.orchestration.deployments import set_deployment_paused as set_paused

    now = now_utc()
    deployment = await database.transaction(
        lambda connection: set_paused(connection, deployment_id, body.is_paused, now)
    )
    return DeploymentModel.from_domain(deployment)


@router.delete("/{deployment_id}", responses=_CHANGE)
async def delete_deployment(deployment_id: uuid.UUID, database: DatabaseDep) -> DeploymentDeleted:
    """Delete a deployment with its schedules and its runs still Scheduled for a later
    time; its other runs (its history) stay, no longer linked to it."""
    from cauce.orchestration.deployments import delete_deployment as delete

    now = now_utc()
    removed = await database.transaction(lambda connection: delete(connection, deployment_id, now))
    return DeploymentDeleted(scheduled_runs_deleted=removed)


@router.post(
    "/{deployment_id}/schedules",
    responses={**_CHANGE, **UNREADABLE_BODY},
)
async def add_deployment_schedule(
    deployment_id: uuid.UUID, body: ScheduleCreate, database: DatabaseDep
) -> DeploymentModel:
    """Add a schedule to a deployment, its runs made at once; the deployment afterwards.
    422 says what is wrong with the schedule."""
    from cauce.orchestration.deployments import add_schedule

    schedule, now = body.to_domain(), now_utc()
    deployment = await database.transaction(
        lambda connection: add_schedule(connection, deployment_id, schedule, now)
    )
    return DeploymentModel.from_domain(deployment)


@router.post(
    "/{deployment_id}/schedules/{schedule_id}/set_active",
    responses={**_CHANGE, **UNREADABLE_BODY},
)
async def set_deployment_schedule_active(
    deployment_id: uuid.UUID, schedule_id: uuid.UUID, body: ScheduleActive, database: DatabaseDep
) -> DeploymentModel:
    """Resume or pause one schedule, remaking its future runs; the deployment afterwards."""
    from cauce.orchestration.deployments import set_schedule_active

    now = now_utc()
    deployment = await database.transaction(
        lambda connection: set_schedule_active(
            connection, deployment_id, schedule_id, body.is_active, now
        )
    )
    return DeploymentModel.from_domain(deployment)


@router.delete("/{deployment_id}/schedules/{schedule_id}", responses=_CHANGE)
async def delete_deployment_schedule(
    deployment_id: uuid.UUID, schedule_id: uuid.UUID, database: DatabaseDep
) -> DeploymentModel:
    """Remove one schedule with the future runs only it would make; the deployment
    afterwards."""
    from cauce.orchestration.deployments import delete_schedule

    now = now_utc()
    deployment = await database.transaction(
        lambda connection: delete_schedule(connection, deployment_id, schedule_id, now)
    )
    return DeploymentModel.from_domain(deployment)


@router.post(
    "/{deployment_id}/create_flow_run",
    status_code=status.HTTP_201_CREATED,
    response_model=FlowRunModel,
    responses={**_CHANGE, **UNREADABLE_BODY},
)
async def create_flow_run_from_deployment(
    deployment_id: uuid.UUID,
    body: DeploymentRunRequest,
    database: DatabaseDep,
    runs_made: RunsMadeDep,
) -> Response:
    """A run of the deployment, Scheduled for `scheduled_time` (now when omitted), with
    its default parameters overridden by `parameters`; 422 names a parameter the flow
    refuses."""
    from cauce.orchestration.deployments import create_flow_run_from_deployment as create

    now = now_utc()
    flow_run = await database.transaction(
        lambda connection: create(
            connection,
            deployment_id,
            body.parameters,
            now,
            body.scheduled_time,
            body.tags,
            body.id,
        )
    )
    if flow_run.state.scheduled_time is None or flow_run.state.scheduled_time <= now_utc():
        runs_made.notify()
    return json_response(FlowRunModel.from_domain(flow_run), status.HTTP_201_CREATED)
