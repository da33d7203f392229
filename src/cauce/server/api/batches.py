"""/api/batches: task runs, their new states and log lines, recorded all or nothing."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cauce.orchestration.task_runs import write_task_run_batch
from cauce.schemas.api import BatchCreate
from cauce.server.api.responses import CONFLICT, UNREADABLE_BODY
from cauce.server.database import DatabaseDep

router = APIRouter(tags=["batches"])


@router.post(
    "/batches", status_code=status.HTTP_204_NO_CONTENT, responses={**CONFLICT, **UNREADABLE_BODY}
)
async def create_batch(body: BatchCreate, database: DatabaseDep) -> Response:
    """Record one batch of the client's batch writer in one transaction, through the
    task-run rules (a state they refuse is dropped, not an error)."""
    task_runs, task_run_states, logs = body.to_domain()
    seen = body.seen_state_ids
    await database.write(
        lambda executor: write_task_run_batch(executor, task_runs, task_run_states, logs, seen)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
