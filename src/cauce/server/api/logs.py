"""/api/flow_runs/{id}/logs: a flow run's log lines, paged by id."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cauce.schemas.api import INT32_MAX, JSON_SAFE_MAX, LogLineModel
from cauce.server.database import DatabaseDep

router = APIRouter(tags=["logs"])


@router.get("/flow_runs/{flow_run_id}/logs")
async def read_logs(
    flow_run_id: uuid.UUID,
    database: DatabaseDep,
    min_level: Annotated[
        int, Query(ge=0, le=INT32_MAX, description="Only lines at or above this level.")
    ] = 0,
    after_id: Annotated[
        int, Query(ge=0, le=JSON_SAFE_MAX, description="Only lines after this id.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> list[LogLineModel]:
    """A flow run's log lines in order, each with the id to page from."""
    from cauce.database.queries.logs import select_logs

    lines = await database.read(
        lambda connection: select_logs(connection, flow_run_id, min_level, after_id, limit)
    )
    return [LogLineModel.from_domain(line) for line in lines]
