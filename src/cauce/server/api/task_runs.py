"""Task runs of a flow run, and a task run's state history (they are written in batches)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from cauce.schemas.api import StateModel, TaskRunModel
from cauce.server.database import DatabaseDep

router = APIRouter(tags=["task runs"])


@router.get("/flow_runs/{flow_run_id}/task_runs")
async def read_task_runs(flow_run_id: uuid.UUID, database: DatabaseDep) -> list[TaskRunModel]:
    """The task runs of a flow run, in creation order."""
    from cauce.database.queries.task_runs import select_task_runs

    task_runs = await database.read(lambda connection: select_task_runs(connection, flow_run_id))
    return [TaskRunModel.from_domain(t) for t in task_runs]


@router.get("/task_runs/{task_run_id}/states")
async def read_task_run_states(task_run_id: uuid.UUID, database: DatabaseDep) -> list[StateModel]:
    """A task run's state history, oldest first."""
    from cauce.database.queries.task_runs import select_task_run_states

    states = await database.read(lambda connection: select_task_run_states(connection, task_run_id))
    return [StateModel.from_domain(s) for s in states]
