"""/api/flow_runs/{id}/logs: a flow run's log lines, paged by id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Response

from cauce.schemas.api import INT32_MAX, JSON_SAFE_MAX, LogLineModel
from cauce.schemas.logs import LogEntry
from cauce.server.database import DatabaseDep

if TYPE_CHECKING:
    from pydantic import TypeAdapter

router = APIRouter(tags=["logs"])


@dataclass(frozen=True, slots=True)
class _Line:
    """A line as `LogLineModel` writes it: LogEntry's fields are LogModel's, in its order."""

    id: int
    log: LogEntry


@cache
def _lines_json() -> TypeAdapter[list[_Line]]:
    """How lines are written, built at the first read (no idle server needs it).

    Written straight from what the database read (aware UTC times, checked values):
    building 1,000 LogLineModels to validate them again took five times the query.
    """
    from pydantic import TypeAdapter

    return TypeAdapter(list[_Line])


@router.get("/flow_runs/{flow_run_id}/logs", response_model=list[LogLineModel])
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
) -> Response:
    """A flow run's log lines in order, each with the id to page from."""
    from cauce.database.queries.logs import select_logs

    lines = await database.read(
        lambda connection: select_logs(connection, flow_run_id, min_level, after_id, limit)
    )
    body = _lines_json().dump_json([_Line(line_id, entry) for line_id, entry in lines])
    return Response(body, media_type="application/json")
